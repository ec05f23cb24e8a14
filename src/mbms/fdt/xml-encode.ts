/**
 * FDT Instance → XML that validates against FLUTE-FDT-3GPP-Main.xsd (TS 26.346 7.2.10.1). The schema's
 * sequences fix the element order (File+, sv:schemaVersion, Base-URL-1*, Base-URL-2*, sv:delimiter, Group*,
 * MBMS-Session-Identity-Expiry*; in File: Cache-Control?, sv:delimiter, Alternate-Content-Location-1*,
 * -2*, sv:delimiter, Group*, MBMS-Session-Identity*); attributes come in a fixed order too, so the same
 * model always gives the same bytes. Only the namespaces in use are declared.
 */
import { checkFdtInstance } from './model-check.ts';
import { NS, PREFIX_FOR_NAMESPACE } from './namespaces.ts';
import {
  type AlternateContentLocations,
  type ExtraAttribute,
  FDT_SCHEMA_VERSION,
  type FdtFile,
  type FdtInstance,
  FEC_OTI_ATTRIBUTE_NAMES,
  type FecOtiAttributes,
  MAX_TOI_3GPP,
} from './types.ts';

export interface EncodeFdtXmlOptions {
  /** Largest TOI allowed (default 65535, the 3GPP profile). */
  maxToi?: number;
  /** One element per line, indented by two spaces (default: no whitespace between elements). */
  pretty?: boolean;
}

const OPERATION = 'encode FDT XML';

export function encodeFdtXml(instance: FdtInstance, options: EncodeFdtXmlOptions = {}): string {
  checkFdtInstance(instance, { operation: OPERATION, maxToi: options.maxToi ?? MAX_TOI_3GPP });
  const prefixes = new PrefixTable();
  const out = new XmlWriter(options.pretty ?? false);

  // Children first, so that every namespace they use is known when the root tag is written.
  const body = new XmlWriter(options.pretty ?? false, 1);
  for (const file of instance.files) writeFile(body, file, prefixes);
  body.leaf(
    prefixes.qualify(NS.sv, 'schemaVersion'),
    [],
    String(instance.schemaVersion ?? FDT_SCHEMA_VERSION),
  );
  for (const priority of [1, 2] as const) {
    for (const base of instance.baseUrls ?? []) {
      if (base.priority === priority)
        body.leaf(prefixes.qualify(NS.mbms2012, `Base-URL-${priority}`), [], base.url);
    }
  }
  body.leaf(prefixes.qualify(NS.sv, 'delimiter'), [], '0');
  for (const group of instance.groups ?? []) body.leaf('Group', [], group);
  for (const expiry of instance.mbmsSessionIdentityExpiries ?? []) {
    body.leaf('MBMS-Session-Identity-Expiry', [['value', String(expiry.expires)]], String(expiry.identity));
  }

  const attributes: Attribute[] = [['Expires', String(instance.expires)]];
  if (instance.complete !== undefined) attributes.push(['Complete', String(instance.complete)]);
  optional(attributes, 'Content-Type', instance.contentType);
  optional(attributes, 'Content-Encoding', instance.contentEncoding);
  fecAttributes(attributes, instance.fecOti);
  if (instance.fullFdt !== undefined) {
    attributes.push([prefixes.qualify(NS.mbms2008, 'FullFDT'), String(instance.fullFdt)]);
  }
  extraAttributes(attributes, instance.extraAttributes, prefixes);

  out.raw('<?xml version="1.0" encoding="UTF-8"?>');
  out.open('FDT-Instance', [['xmlns', NS.flute], ...prefixes.declarations(), ...attributes]);
  out.raw(body.toString());
  out.close('FDT-Instance');
  return out.toString();
}

function writeFile(out: XmlWriter, file: FdtFile, prefixes: PrefixTable): void {
  const attributes: Attribute[] = [
    ['TOI', String(file.toi)],
    ['Content-Location', file.contentLocation],
  ];
  optional(attributes, 'Content-Length', file.contentLength);
  optional(attributes, 'Transfer-Length', file.transferLength);
  optional(attributes, 'Content-Type', file.contentType);
  optional(attributes, 'Content-Encoding', file.contentEncoding);
  optional(attributes, 'Content-MD5', file.contentMd5);
  fecAttributes(attributes, file.fecOti);
  if (file.decryptionKeyUri !== undefined) {
    attributes.push([prefixes.qualify(NS.mbms2009, 'Decryption-KEY-URI'), file.decryptionKeyUri]);
  }
  if (file.fecRedundancyLevel !== undefined) {
    attributes.push([prefixes.qualify(NS.mbms2012, 'FEC-Redundancy-Level'), String(file.fecRedundancyLevel)]);
  }
  if (file.fileETag !== undefined)
    attributes.push([prefixes.qualify(NS.mbms2012, 'File-ETag'), file.fileETag]);
  if (file.independentUnitPositions !== undefined) {
    attributes.push([
      prefixes.qualify(NS.mbms2015, 'IndependentUnitPositions'),
      file.independentUnitPositions.join(' '),
    ]);
  }
  extraAttributes(attributes, file.extraAttributes, prefixes);

  out.open('File', attributes);
  const cache = file.cacheControl;
  if (cache) {
    const cacheControl = prefixes.qualify(NS.mbms2007, 'Cache-Control');
    out.open(cacheControl, []);
    if (cache.directive === 'expires')
      out.leaf(prefixes.qualify(NS.mbms2007, 'Expires'), [], String(cache.expires));
    else out.leaf(prefixes.qualify(NS.mbms2007, cache.directive), [], 'true');
    out.close(cacheControl);
  }
  const delimiter = prefixes.qualify(NS.sv, 'delimiter');
  out.leaf(delimiter, [], '0');
  for (const priority of [1, 2] as const) {
    for (const set of file.alternateContentLocations ?? []) {
      if (set.priority === priority) writeAlternateLocations(out, set, prefixes);
    }
  }
  out.leaf(delimiter, [], '0');
  for (const group of file.groups ?? []) out.leaf('Group', [], group);
  for (const identity of file.mbmsSessionIdentities ?? [])
    out.leaf('MBMS-Session-Identity', [], String(identity));
  out.close('File');
}

function writeAlternateLocations(
  out: XmlWriter,
  set: AlternateContentLocations,
  prefixes: PrefixTable,
): void {
  const name = prefixes.qualify(NS.mbms2012, `Alternate-Content-Location-${set.priority}`);
  const attributes: Attribute[] = [];
  optional(attributes, 'Availability-Time', set.availabilityTime);
  out.open(name, attributes);
  for (const url of set.urls) out.leaf(prefixes.qualify(NS.mbms2012, 'Alternate-Content-Location'), [], url);
  out.close(name);
}

type Attribute = [name: string, value: string];

function optional(attributes: Attribute[], name: string, value: string | number | undefined): void {
  if (value !== undefined) attributes.push([name, String(value)]);
}

function fecAttributes(attributes: Attribute[], fecOti: FecOtiAttributes | undefined): void {
  for (const name of FEC_OTI_ATTRIBUTE_NAMES) optional(attributes, name, fecOti?.[name]);
}

function extraAttributes(
  attributes: Attribute[],
  extras: ExtraAttribute[] | undefined,
  prefixes: PrefixTable,
): void {
  for (const extra of extras ?? []) {
    const name = extra.namespace === undefined ? extra.name : prefixes.qualify(extra.namespace, extra.name);
    attributes.push([name, extra.value]);
  }
}

/** Prefixes for the namespaces in use: the customary ones, then ns1, ns2… for unknown namespaces. */
class PrefixTable {
  private readonly used = new Map<string, string>();

  qualify(namespace: string, local: string): string {
    let prefix = this.used.get(namespace);
    if (prefix === undefined) {
      prefix = PREFIX_FOR_NAMESPACE.get(namespace) ?? `ns${this.used.size + 1}`;
      this.used.set(namespace, prefix);
    }
    return `${prefix}:${local}`;
  }

  declarations(): Attribute[] {
    return [...this.used]
      .filter(([namespace]) => namespace !== NS.xml)
      .map(([namespace, prefix]) => [`xmlns:${prefix}`, namespace]);
  }
}

class XmlWriter {
  private readonly parts: string[] = [];

  constructor(
    private readonly pretty: boolean,
    private depth = 0,
  ) {}

  raw(text: string): void {
    this.parts.push(text);
  }

  open(name: string, attributes: Attribute[]): void {
    this.parts.push(`${this.indent()}<${name}${formatAttributes(attributes)}>`);
    this.depth++;
  }

  close(name: string): void {
    this.depth--;
    this.parts.push(`${this.indent()}</${name}>`);
  }

  leaf(name: string, attributes: Attribute[], text: string): void {
    this.parts.push(`${this.indent()}<${name}${formatAttributes(attributes)}>${escapeText(text)}</${name}>`);
  }

  toString(): string {
    return this.parts.join('');
  }

  private indent(): string {
    return this.pretty ? `\n${'  '.repeat(this.depth)}` : '';
  }
}

function formatAttributes(attributes: Attribute[]): string {
  return attributes.map(([name, value]) => ` ${name}="${escapeAttribute(value)}"`).join('');
}

/** Attribute values: markup characters, and the whitespace that attribute normalisation would turn into spaces. */
export function escapeAttribute(value: string): string {
  return value.replace(/[&<>"\t\n\r]/g, (ch) => ATTRIBUTE_ESCAPES[ch] ?? ch);
}

export function escapeText(value: string): string {
  return value.replace(/[&<>\r]/g, (ch) => ATTRIBUTE_ESCAPES[ch] ?? ch);
}

const ATTRIBUTE_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};
