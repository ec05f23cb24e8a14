/**
 * The Associated Delivery Procedure Description (TS 26.346 9.5, profiled by L.2.7): postFileRepair and
 * postReceptionReport with their back-off parameters and server lists. bmFileRepair and the Rel-12+
 * extensions are accepted and not modelled.
 */

import {
  type AssociatedProcedures,
  type FileRepairProcedure,
  REPORT_TYPES,
  type ReceptionReportProcedure,
  type ReportType,
} from './types.ts';
import { SV_NS, XmlReader } from './xml-read.ts';
import { parseXml, renderXml, type XmlElement, type XmlLimits, type XmlOut } from './xml-tree.ts';

export const ADPD_NS = 'urn:3gpp:metadata:2005:MBMS:associatedProcedure';
export const ADPD_MIME = 'application/mbms-associated-procedure-description+xml';
/** 9.5.1: "the network shall set the schemaVersion element … to 2". */
const ADPD_SCHEMA_VERSION = 2;
const MAX_UNSIGNED_LONG = Number.MAX_SAFE_INTEGER;

export function generateAdpd(procedures: AssociatedProcedures): string {
  const r = new XmlReader('ADPD', 'generate');
  const { fileRepair, receptionReport } = procedures;
  if (fileRepair === undefined && receptionReport === undefined) {
    throw r.fail('missing', undefined, 'needs a file repair or a reception report procedure');
  }
  const uris = (list: readonly string[], what: string): XmlOut[] => {
    if (list.length === 0) throw r.fail('missing', undefined, `${what} needs at least one server URI`);
    return list.map((u) => ({ name: 'serviceURI', text: u }));
  };
  const times = (p: FileRepairProcedure | ReceptionReportProcedure, what: string) => {
    for (const [name, v] of [
      ['offsetTime', p.offsetTime],
      ['randomTimePeriod', p.randomTimePeriod],
    ] as const) {
      if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) {
        throw r.fail('bad-value', undefined, `${what} ${name} must be whole seconds >= 0`, String(v));
      }
    }
    return [
      ['offsetTime', p.offsetTime],
      ['randomTimePeriod', p.randomTimePeriod],
    ] as const;
  };
  const report = receptionReport;
  if (
    report?.samplePercentage !== undefined &&
    !(report.samplePercentage >= 0 && report.samplePercentage <= 100)
  ) {
    throw r.fail('bad-value', undefined, 'samplePercentage must be 0..100', String(report.samplePercentage));
  }
  const root: XmlOut = {
    name: 'associatedProcedureDescription',
    attributes: [
      ['xmlns', ADPD_NS],
      ['xmlns:sv', SV_NS],
    ],
    children: [
      fileRepair === undefined
        ? undefined
        : {
            name: 'postFileRepair',
            attributes: times(fileRepair, 'postFileRepair'),
            children: uris(fileRepair.serverUris, 'postFileRepair'),
          },
      report === undefined
        ? undefined
        : {
            name: 'postReceptionReport',
            attributes: [
              ...times(report, 'postReceptionReport'),
              ['reportType', report.reportType],
              ['samplePercentage', report.samplePercentage],
              ['forceTimeIndependence', report.forceTimeIndependence],
            ],
            children: uris(report.serverUris, 'postReceptionReport'),
          },
      { name: 'sv:schemaVersion', text: String(ADPD_SCHEMA_VERSION) },
      { name: 'sv:delimiter', text: '0' },
    ],
  };
  return renderXml(root, 'ADPD');
}

/**
 * Parses an ADPD. An unknown reportType reads as absent (the RAck default), as the schema's
 * `knownReportType | xs:string` union and 9.4 tell a UE to ignore values it does not know.
 */
export function parseAdpd(text: string, resource = 'ADPD', limits?: XmlLimits): AssociatedProcedures {
  const r = new XmlReader(resource);
  const root = r.root(parseXml(text, resource, limits), ADPD_NS, 'associatedProcedureDescription');
  r.onlyKnownChildren(root, [ADPD_NS], ['postFileRepair', 'bmFileRepair', 'postReceptionReport']);
  const result: AssociatedProcedures = {};
  const repair = r.optional(root, ADPD_NS, 'postFileRepair');
  if (repair) result.fileRepair = readBasic(r, repair);
  const report = r.optional(root, ADPD_NS, 'postReceptionReport');
  if (report) {
    const p: ReceptionReportProcedure = readBasic(r, report);
    const type = r.attr(report, 'reportType');
    if (type !== undefined && (REPORT_TYPES as readonly string[]).includes(type.trim())) {
      p.reportType = type.trim() as ReportType;
    }
    const sample = r.attr(report, 'samplePercentage');
    if (sample !== undefined) p.samplePercentage = r.decimal(sample, report, 'samplePercentage', 0, 100);
    const force = r.attr(report, 'forceTimeIndependence');
    if (force !== undefined) p.forceTimeIndependence = r.boolean(force, report, 'forceTimeIndependence');
    result.receptionReport = p;
  }
  return result;
}

function readBasic(r: XmlReader, el: XmlElement): FileRepairProcedure {
  r.onlyKnownChildren(el, [ADPD_NS], ['serviceURI']);
  const serverUris = r.children(el, ADPD_NS, 'serviceURI').map((u) => r.uri(u.text, u, 'serviceURI'));
  if (serverUris.length === 0) throw r.fail('missing', el, 'needs at least one serviceURI');
  const p: FileRepairProcedure = {
    serverUris,
    randomTimePeriod: r.unsigned(
      r.requiredAttr(el, 'randomTimePeriod'),
      el,
      'randomTimePeriod',
      MAX_UNSIGNED_LONG,
    ),
  };
  const offset = r.attr(el, 'offsetTime');
  if (offset !== undefined) p.offsetTime = r.unsigned(offset, el, 'offsetTime', MAX_UNSIGNED_LONG);
  return p;
}
