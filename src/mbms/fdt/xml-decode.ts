/**
 * XML → FDT Instance. Strict about what matters for safety and for delivery (TOI range and uniqueness,
 * Content-MD5 shape, integer ranges, the root element and its namespace); tolerant about the rest:
 * - the four root namespaces in ACCEPTED_FDT_NAMESPACES (3GPP/RFC 3926, RFC 6726, RFC 3926's example,
 *   TS 26.346 L.6 2022);
 * - 3GPP extension attributes and elements found in their 3GPP namespace, in the root's namespace
 *   (the L.6 profiled schema) or unqualified (ypo/flute reads `FullFDT`, `File-ETag`, `Base-URL-1`,
 *   `Cache-Control`… without prefix);
 * - sv:schemaVersion and sv:delimiter may be absent or misplaced (RFC-only senders do not write them);
 * - unknown elements are skipped, unknown attributes kept as extraAttributes.
 */
import { FdtError } from './errors.ts';
import { ACCEPTED_FDT_NAMESPACES, NS } from './namespaces.ts';
import {
  checkBase64,
  checkContentMd5,
  checkToi,
  checkUnsignedLongText,
  fail,
  parseBoolean,
  parseUnsigned,
  type RuleContext,
} from './rules.ts';
import {
  type AlternateContentLocations,
  type BaseUrl,
  type CacheControl,
  type ExtraAttribute,
  type FdtFile,
  type FdtInstance,
  FEC_OTI_ATTRIBUTE_NAMES,
  type FecOtiAttributeName,
  type FecOtiAttributes,
  MAX_TOI_3GPP,
  type MbmsSessionIdentityExpiry,
} from './types.ts';
import { parseXmlDocument, type XmlAttribute, type XmlElement } from './xml-tree.ts';

export interface DecodeFdtXmlOptions {
  /** Largest document accepted, in bytes (default 1 MiB). */
  maxBytes?: number;
  /** Deepest element nesting accepted (default 16; an FDT needs 4). */
  maxDepth?: number;
  /** Most attributes (namespace declarations included) on one element (default 256). */
  maxAttributes?: number;
  /** Most File elements accepted (default 4096). */
  maxFiles?: number;
  /** Largest TOI accepted (default 65535: the 3GPP profile's 16-bit TOI). */
  maxToi?: number;
  /** Name of the input for error messages, e.g. `FDT instance 17 from 239.1.1.1:4000`. */
  source?: string;
}

export const DEFAULT_MAX_FDT_BYTES = 1024 * 1024;
const DEFAULT_MAX_DEPTH = 16;
const DEFAULT_MAX_FILES = 4096;
const DEFAULT_MAX_ATTRIBUTES = 256;
const UINT32_MAX = 0xffff_ffff;
const OPERATION = 'decode FDT XML';

export function decodeFdtXml(input: string | Uint8Array, options: DecodeFdtXmlOptions = {}): FdtInstance {
  const ctx: RuleContext = { operation: OPERATION, source: options.source, where: '' };
  const limits = {
    maxBytes: options.maxBytes ?? DEFAULT_MAX_FDT_BYTES,
    maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
    maxAttributes: options.maxAttributes ?? DEFAULT_MAX_ATTRIBUTES,
  };
  const root = parseXmlDocument(input, limits, ctx);
  if (
    root.local !== 'FDT-Instance' ||
    root.namespace === undefined ||
    !ACCEPTED_FDT_NAMESPACES.includes(root.namespace)
  ) {
    throw new FdtError({
      code: 'wrong-root',
      operation: OPERATION,
      source: options.source,
      value: `{${root.namespace ?? ''}}${root.local}`,
      expected: `FDT-Instance in one of ${ACCEPTED_FDT_NAMESPACES.join(', ')}`,
    });
  }
  return new InstanceReader(root.namespace, ctx, options).read(root);
}

class InstanceReader {
  private readonly maxToi: number;
  private readonly maxFiles: number;

  constructor(
    private readonly rootNamespace: string,
    private readonly ctx: RuleContext,
    options: DecodeFdtXmlOptions,
  ) {
    this.maxToi = options.maxToi ?? MAX_TOI_3GPP;
    this.maxFiles = options.maxFiles ?? DEFAULT_MAX_FILES;
  }

  read(root: XmlElement): FdtInstance {
    const here = this.at(root);
    const attributes = new AttributeSet(root, here);
    const expires = attributes.take('Expires');
    if (expires === undefined) fail(here, 'missing', { attribute: 'Expires' });
    const instance: FdtInstance = { expires: parseUnsigned(expires, here, 'Expires', UINT32_MAX), files: [] };
    const complete = attributes.take('Complete');
    if (complete !== undefined) instance.complete = parseBoolean(complete, here, 'Complete');
    const fullFdt = attributes.take('FullFDT', NS.mbms2008);
    if (fullFdt !== undefined) instance.fullFdt = parseBoolean(fullFdt, here, 'FullFDT');
    setText(instance, 'contentType', attributes.take('Content-Type'));
    setText(instance, 'contentEncoding', attributes.take('Content-Encoding'));
    const fecOti = readFecOti(attributes, here);
    if (fecOti) instance.fecOti = fecOti;
    const extras = attributes.rest();
    if (extras.length > 0) instance.extraAttributes = extras;

    const tois = new Map<number, string>();
    const baseUrls: BaseUrl[] = [];
    const groups: string[] = [];
    const expiries: MbmsSessionIdentityExpiry[] = [];
    for (const child of root.children) {
      const childCtx = this.at(child);
      if (this.is(child, 'File')) {
        if (instance.files.length >= this.maxFiles) {
          fail(here, 'too-large', { problem: `more than ${this.maxFiles} File elements` });
        }
        const file = this.readFile(child);
        const earlier = tois.get(file.toi);
        if (earlier !== undefined) {
          fail(childCtx, 'duplicate-toi', {
            attribute: 'TOI',
            value: String(file.toi),
            problem: `same TOI as ${earlier}`,
          });
        }
        tois.set(file.toi, child.path);
        instance.files.push(file);
      } else if (this.is(child, 'schemaVersion', NS.sv)) {
        instance.schemaVersion = parseUnsigned(child.text, childCtx, 'value', UINT32_MAX);
      } else if (this.is(child, 'Base-URL-1', NS.mbms2012) || this.is(child, 'Base-URL-2', NS.mbms2012)) {
        const url = requireText(child, childCtx);
        baseUrls.push({ priority: child.local === 'Base-URL-1' ? 1 : 2, url });
      } else if (this.is(child, 'Group')) {
        groups.push(child.text);
      } else if (this.is(child, 'MBMS-Session-Identity-Expiry', NS.mbms2005)) {
        const value = new AttributeSet(child, childCtx).take('value');
        if (value === undefined) fail(childCtx, 'missing', { attribute: 'value' });
        expiries.push({
          identity: parseUnsigned(child.text, childCtx, 'content', 255),
          expires: parseUnsigned(value, childCtx, 'value', UINT32_MAX),
        });
      }
      // sv:delimiter and ##other elements carry nothing we use.
    }
    if (instance.files.length === 0) fail(here, 'missing', { problem: 'no File element' });
    if (baseUrls.length > 0) instance.baseUrls = baseUrls;
    if (groups.length > 0) instance.groups = groups;
    if (expiries.length > 0) instance.mbmsSessionIdentityExpiries = expiries;
    return instance;
  }

  private readFile(element: XmlElement): FdtFile {
    const here = this.at(element);
    const attributes = new AttributeSet(element, here);
    const toiText = attributes.take('TOI');
    if (toiText === undefined) fail(here, 'missing', { attribute: 'TOI' });
    const location = attributes.take('Content-Location');
    if (location === undefined || location === '') fail(here, 'missing', { attribute: 'Content-Location' });
    const toi = checkToi(parseUnsigned(toiText, here, 'TOI'), this.maxToi, here);
    const file: FdtFile = { toi, contentLocation: location };

    const contentLength = attributes.take('Content-Length');
    if (contentLength !== undefined)
      file.contentLength = parseUnsigned(contentLength, here, 'Content-Length');
    const transferLength = attributes.take('Transfer-Length');
    if (transferLength !== undefined)
      file.transferLength = parseUnsigned(transferLength, here, 'Transfer-Length');
    setText(file, 'contentType', attributes.take('Content-Type'));
    setText(file, 'contentEncoding', attributes.take('Content-Encoding'));
    const md5 = attributes.take('Content-MD5');
    if (md5 !== undefined) file.contentMd5 = checkContentMd5(md5, here);
    const fecOti = readFecOti(attributes, here);
    if (fecOti) file.fecOti = fecOti;
    setText(file, 'decryptionKeyUri', attributes.take('Decryption-KEY-URI', NS.mbms2009));
    const redundancy = attributes.take('FEC-Redundancy-Level', NS.mbms2012);
    if (redundancy !== undefined)
      file.fecRedundancyLevel = parseUnsigned(redundancy, here, 'FEC-Redundancy-Level', UINT32_MAX);
    setText(file, 'fileETag', attributes.take('File-ETag', NS.mbms2012));
    const positions = attributes.take('IndependentUnitPositions', NS.mbms2015);
    if (positions !== undefined) {
      file.independentUnitPositions = positions
        .split(/\s+/)
        .filter(Boolean)
        .map((item) => parseUnsigned(item, here, 'IndependentUnitPositions'));
    }
    const extras = attributes.rest();
    if (extras.length > 0) file.extraAttributes = extras;

    const alternates: AlternateContentLocations[] = [];
    const groups: string[] = [];
    const identities: number[] = [];
    for (const child of element.children) {
      const childCtx = this.at(child);
      if (this.is(child, 'Cache-Control', NS.mbms2007)) {
        const cacheControl = this.readCacheControl(child);
        if (cacheControl) file.cacheControl = cacheControl;
      } else if (
        this.is(child, 'Alternate-Content-Location-1', NS.mbms2012) ||
        this.is(child, 'Alternate-Content-Location-2', NS.mbms2012)
      ) {
        alternates.push(this.readAlternateLocations(child));
      } else if (this.is(child, 'Group')) {
        groups.push(child.text);
      } else if (this.is(child, 'MBMS-Session-Identity', NS.mbms2005)) {
        identities.push(parseUnsigned(child.text, childCtx, 'content', 255));
      }
    }
    if (alternates.length > 0) file.alternateContentLocations = alternates;
    if (groups.length > 0) file.groups = groups;
    if (identities.length > 0) file.mbmsSessionIdentities = identities;
    return file;
  }

  private readCacheControl(element: XmlElement): CacheControl | undefined {
    const directive = element.children.find(
      (child) => child.namespace === undefined || this.inFamily(child, NS.mbms2007),
    );
    if (!directive) return undefined;
    const here = this.at(directive);
    if (directive.local === 'Expires') {
      return { directive: 'expires', expires: parseUnsigned(directive.text, here, 'content', UINT32_MAX) };
    }
    if (directive.local !== 'no-cache' && directive.local !== 'max-stale') return undefined;
    // The schema fixes both to true; an explicit false states no directive.
    const on = directive.text === '' || parseBoolean(directive.text, here, 'content');
    return on ? { directive: directive.local } : undefined;
  }

  private readAlternateLocations(element: XmlElement): AlternateContentLocations {
    const here = this.at(element);
    const set: AlternateContentLocations = {
      priority: element.local.endsWith('1') ? 1 : 2,
      urls: element.children
        .filter((child) => this.is(child, 'Alternate-Content-Location', NS.mbms2012))
        .map((child) => requireText(child, this.at(child))),
    };
    const time = new AttributeSet(element, here).take('Availability-Time');
    if (time !== undefined) set.availabilityTime = time;
    return set;
  }

  /** An element of the FDT proper (root namespace) or an extension found in its namespace, the root's, or none. */
  private is(element: XmlElement, local: string, extensionNamespace?: string): boolean {
    if (element.local !== local) return false;
    if (extensionNamespace === undefined) return element.namespace === this.rootNamespace;
    return element.namespace === undefined || this.inFamily(element, extensionNamespace);
  }

  private inFamily(element: XmlElement, extensionNamespace: string): boolean {
    return element.namespace === extensionNamespace || element.namespace === this.rootNamespace;
  }

  private at(element: XmlElement): RuleContext {
    return { ...this.ctx, where: element.path };
  }
}

/** The attributes of one element; `take` consumes modelled ones, `rest` returns the others as extras. */
class AttributeSet {
  private readonly remaining: XmlAttribute[];

  constructor(
    element: XmlElement,
    private readonly ctx: RuleContext,
  ) {
    this.remaining = [...element.attributes];
  }

  /** An unqualified attribute, or (when `namespace` is given) one in that namespace or unqualified. */
  take(local: string, namespace?: string): string | undefined {
    const matches = this.remaining.filter(
      (attribute) =>
        attribute.local === local && (attribute.namespace === undefined || attribute.namespace === namespace),
    );
    if (matches.length === 0) return undefined;
    if (matches.length > 1) {
      fail(this.ctx, 'bad-value', {
        attribute: local,
        problem: 'given both with and without namespace prefix',
      });
    }
    const [match] = matches;
    this.remaining.splice(this.remaining.indexOf(match!), 1);
    return match!.value;
  }

  rest(): ExtraAttribute[] {
    return this.remaining.map((attribute) =>
      attribute.namespace === undefined
        ? { name: attribute.local, value: attribute.value }
        : { namespace: attribute.namespace, name: attribute.local, value: attribute.value },
    );
  }
}

function readFecOti(attributes: AttributeSet, ctx: RuleContext): FecOtiAttributes | undefined {
  let result: FecOtiAttributes | undefined;
  for (const name of FEC_OTI_ATTRIBUTE_NAMES) {
    const value = attributes.take(name);
    if (value === undefined) continue;
    result ??= {};
    result[name as FecOtiAttributeName] =
      name === 'FEC-OTI-Scheme-Specific-Info'
        ? checkBase64(value, ctx, name)
        : checkUnsignedLongText(value, ctx, name);
  }
  return result;
}

function requireText(element: XmlElement, ctx: RuleContext): string {
  if (element.text === '') fail(ctx, 'missing', { problem: 'empty URI' });
  return element.text;
}

function setText<T extends object, K extends keyof T>(target: T, key: K, value: string | undefined): void {
  if (value !== undefined) target[key] = value as T[K];
}
