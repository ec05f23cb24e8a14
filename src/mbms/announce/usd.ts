/**
 * The User Service Bundle Description fragment (TS 26.346 11.2, profiled by L.2.5): bundleDescription
 * with userServiceDescription, deliveryMethod, requiredCapabilities, r9:schedule and r9:availabilityInfo.
 */

import type {
  AvailabilityBinding,
  DeliveryMethod,
  UserServiceBundle,
  UserServiceDescription,
} from './types.ts';
import { SV_NS, XmlReader } from './xml-read.ts';
import { parseXml, renderXml, type XmlElement, type XmlLimits, type XmlOut } from './xml-tree.ts';

export const USD_NS = 'urn:3GPP:metadata:2005:MBMS:userServiceDescription';
export const USD_R7_NS = 'urn:3GPP:metadata:2007:MBMS:userServiceDescription';
export const USD_R9_NS = 'urn:3GPP:metadata:2009:MBMS:userServiceDescription';
export const USD_MIME = 'application/mbms-user-service-description+xml';
/** Everything written here exists in schema version 1 (the L.2.10 FOTA example declares 1 too). */
const USD_SCHEMA_VERSION = 1;
/** Rel-6 children we accept and do not model (name is modelled; serviceLanguage/accessGroup are not). */
const USD_CHILDREN = ['name', 'serviceLanguage', 'requiredCapabilities', 'deliveryMethod', 'accessGroup'];

const delimiter: XmlOut = { name: 'sv:delimiter', text: '0' };

export function generateUsd(bundle: UserServiceBundle | UserServiceDescription): string {
  const services = 'services' in bundle ? bundle.services : [bundle];
  const reader = new XmlReader('USD', 'generate');
  if (services.length === 0) throw reader.fail('missing', undefined, 'a bundle needs at least one service');
  const root: XmlOut = {
    name: 'bundleDescription',
    attributes: [
      ['xmlns', USD_NS],
      ['xmlns:r7', USD_R7_NS],
      ['xmlns:r9', USD_R9_NS],
      ['xmlns:sv', SV_NS],
    ],
    children: [
      ...services.map((s) => serviceOut(s, reader)),
      { name: 'sv:schemaVersion', text: String(USD_SCHEMA_VERSION) },
    ],
  };
  return renderXml(root, 'USD');
}

function serviceOut(s: UserServiceDescription, reader: XmlReader): XmlOut {
  if (s.deliveryMethods.length === 0) {
    throw reader.fail('missing', undefined, `service ${s.serviceId} needs at least one delivery method`);
  }
  const r9: XmlOut[] = [];
  if (s.scheduleDescriptionUri !== undefined) {
    r9.push({
      name: 'r9:schedule',
      children: [{ name: 'r9:scheduleDescriptionURI', text: s.scheduleDescriptionUri }],
    });
  }
  if (s.availability !== undefined && s.availability.length > 0) {
    r9.push({
      name: 'r9:availabilityInfo',
      children: s.availability.map((b) => ({
        name: 'r9:infoBinding',
        children: [
          ...b.serviceAreas.map((a) => ({ name: 'r9:serviceArea', text: String(a) })),
          ...b.radioFrequencies.map((f) => ({ name: 'r9:radioFrequency', text: String(f) })),
        ],
      })),
    });
  }
  return {
    name: 'userServiceDescription',
    attributes: [
      ['serviceId', s.serviceId],
      ['r7:serviceClass', s.serviceClass],
    ],
    children: [
      s.name === undefined ? undefined : { name: 'name', text: s.name },
      s.requiredFeatures.length === 0
        ? undefined
        : {
            name: 'requiredCapabilities',
            children: s.requiredFeatures.map((f) => ({ name: 'feature', text: String(f) })),
          },
      ...s.deliveryMethods.map((d) => deliveryOut(d)),
      ...r9,
      delimiter,
    ],
  };
}

function deliveryOut(d: DeliveryMethod): XmlOut {
  return {
    name: 'deliveryMethod',
    attributes: [
      ['associatedProcedureDescriptionURI', d.associatedProcedureDescriptionUri],
      ['protectionDescriptionURI', d.protectionDescriptionUri],
      ['sessionDescriptionURI', d.sessionDescriptionUri],
      ['accessPointName', d.accessPointName],
    ],
    children: [delimiter],
  };
}

/** Parses a USBD fragment. Throws AnnounceError naming the element and line. */
export function parseUsd(text: string, resource = 'USD', limits?: XmlLimits): UserServiceBundle {
  const r = new XmlReader(resource);
  const root = r.root(parseXml(text, resource, limits), USD_NS, 'bundleDescription');
  // Release extensions (r7:initiationRandomization, …) live in their own namespaces and are skipped.
  r.onlyKnownChildren(root, [USD_NS], ['userServiceDescription']);
  const services = r.children(root, USD_NS, 'userServiceDescription').map((el) => readService(r, el));
  if (services.length === 0) throw r.fail('missing', root, 'needs at least one userServiceDescription');
  return { services };
}

function readService(r: XmlReader, el: XmlElement): UserServiceDescription {
  r.onlyKnownChildren(el, [USD_NS], USD_CHILDREN);
  const service: UserServiceDescription = {
    serviceId: r.uri(r.requiredAttr(el, 'serviceId'), el, 'serviceId'),
    requiredFeatures: [],
    deliveryMethods: r.children(el, USD_NS, 'deliveryMethod').map((d) => readDelivery(r, d)),
  };
  const serviceClass = r.attr(el, 'serviceClass', USD_R7_NS);
  if (serviceClass !== undefined) service.serviceClass = serviceClass;
  const name = r.children(el, USD_NS, 'name')[0];
  if (name) service.name = r.text(name);
  const caps = r.optional(el, USD_NS, 'requiredCapabilities');
  if (caps) {
    const features = r.children(caps, USD_NS, 'feature');
    if (features.length === 0) throw r.fail('missing', caps, 'needs at least one feature');
    service.requiredFeatures = features.map((f) => r.unsigned(f.text, f, 'feature', 0xffff_ffff));
  }
  if (service.deliveryMethods.length === 0) throw r.fail('missing', el, 'needs at least one deliveryMethod');
  const schedule = r.optional(el, USD_R9_NS, 'schedule');
  if (schedule) {
    const uri = r.required(schedule, USD_R9_NS, 'scheduleDescriptionURI');
    service.scheduleDescriptionUri = r.uri(uri.text, uri, 'scheduleDescriptionURI');
  }
  const availability = r.optional(el, USD_R9_NS, 'availabilityInfo');
  if (availability) {
    const bindings = r.children(availability, USD_R9_NS, 'infoBinding').map((b) => readBinding(r, b));
    if (bindings.length === 0) throw r.fail('missing', availability, 'needs at least one infoBinding');
    service.availability = bindings;
  }
  return service;
}

function readDelivery(r: XmlReader, el: XmlElement): DeliveryMethod {
  const d: DeliveryMethod = {
    sessionDescriptionUri: r.uri(r.requiredAttr(el, 'sessionDescriptionURI'), el, 'sessionDescriptionURI'),
  };
  const adpd = r.attr(el, 'associatedProcedureDescriptionURI');
  if (adpd !== undefined)
    d.associatedProcedureDescriptionUri = r.uri(adpd, el, 'associatedProcedureDescriptionURI');
  const protection = r.attr(el, 'protectionDescriptionURI');
  if (protection !== undefined)
    d.protectionDescriptionUri = r.uri(protection, el, 'protectionDescriptionURI');
  const apn = r.attr(el, 'accessPointName');
  if (apn !== undefined) d.accessPointName = r.uri(apn, el, 'accessPointName');
  return d;
}

function readBinding(r: XmlReader, el: XmlElement): AvailabilityBinding {
  const serviceAreas = r
    .children(el, USD_R9_NS, 'serviceArea')
    .map((a) => r.unsigned(a.text, a, 'serviceArea', 65535));
  const radioFrequencies = r
    .children(el, USD_R9_NS, 'radioFrequency')
    .map((f) => r.unsigned(f.text, f, 'radioFrequency', 0xffff_ffff));
  if (radioFrequencies.length === 0) throw r.fail('missing', el, 'needs at least one radioFrequency');
  return { serviceAreas, radioFrequencies };
}
