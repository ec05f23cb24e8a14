/**
 * receptionReport XML (TS 26.346 §9.5.3): written by hand, read with fast-xml-parser behind a guard.
 * The guard is what makes it safe on a server that takes reports from any device: a size limit, strict
 * UTF-8, no DOCTYPE (so no entity declarations, no expansion bombs, no external entities), only the five
 * predefined entities and character references, and every value checked against its schema type.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  type MediaLevelQoeMetrics,
  type QoeMetrics,
  RECEPTION_REPORT_NS,
  type ReceptionReport,
  type ReportedFile,
  type StatisticalReport,
} from './reception-report.ts';

export class ReceptionReportError extends Error {
  override name = 'ReceptionReportError';
}

export type ParseResult = { ok: true; value: ReceptionReport } | { ok: false; error: ReceptionReportError };

export interface ParseReportOptions {
  /** Largest document accepted, bytes (default 64 KiB). */
  maxBytes?: number;
  /** Most fileURI elements in one report (default 4096). */
  maxFiles?: number;
}

// ---------------------------------------------------------------- writing

export function renderReceptionReport(report: ReceptionReport): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<receptionReport xmlns="${RECEPTION_REPORT_NS}">`,
  ];
  if (report.kind === 'acknowledgement') {
    lines.push('  <receptionAcknowledgement>');
    for (const f of report.files) lines.push(`    ${fileElement(f, true)}`);
    lines.push('  </receptionAcknowledgement>');
  } else {
    for (const r of report.reports) {
      const attrs = attrText({
        sessionType: r.sessionType,
        serviceId: r.serviceId,
        clientId: r.clientId,
        deviceId: r.deviceId,
        serviceURI: r.serviceURI,
      });
      lines.push(`  <statisticalReport${attrs}>`);
      for (const f of r.files) lines.push(`    ${fileElement(f, false)}`);
      if (r.qoeMetrics) lines.push(...qoeElement(r.qoeMetrics));
      lines.push('  </statisticalReport>');
    }
  }
  lines.push('</receptionReport>');
  return `${lines.join('\n')}\n`;
}

function fileElement(f: ReportedFile, rack: boolean): string {
  const attrs = attrText({
    receptionSuccess: f.receptionSuccess === undefined ? undefined : String(f.receptionSuccess),
    'Content-MD5': f.contentMd5,
    receivedSymbolsForFailedBlocks: f.receivedSymbolsForFailedBlocks?.join(' '),
    totalSymbolsForFailedBlocks: f.totalSymbolsForFailedBlocks?.join(' '),
    // clientId / deviceId / sessionId belong to the RAck fileURI type only.
    ...(rack ? { clientId: f.clientId, sessionId: f.sessionId, deviceId: f.deviceId } : {}),
  });
  return `<fileURI${attrs}>${escapeXml(f.uri)}</fileURI>`;
}

function qoeElement(q: QoeMetrics): string[] {
  const attrs = attrText({
    sessionStartTime: q.sessionStartTime?.toString(),
    sessionStopTime: q.sessionStopTime?.toString(),
    numberOfLostObjects: q.numberOfLostObjects?.join(' '),
    numberOfReceivedObjects: q.numberOfReceivedObjects?.join(' '),
  });
  if (q.mediaLevel.length === 0) return [`    <qoeMetrics${attrs}/>`];
  return [
    `    <qoeMetrics${attrs}>`,
    ...q.mediaLevel.map((m) => `      <medialevel_qoeMetrics${attrText({ sessionId: m.sessionId })}/>`),
    '    </qoeMetrics>',
  ];
}

function attrText(attrs: Record<string, string | undefined>): string {
  return Object.entries(attrs)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
}

export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`,
  );
}

// ---------------------------------------------------------------- reading

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  allowBooleanAttributes: false,
  // Entities are decoded below, where anything but the predefined five is an error.
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  textNodeName: '#text',
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (_name: string, _path: unknown, _leaf: boolean, isAttribute: boolean) => !isAttribute,
});

type Node = Record<string, unknown>;

export function parseReceptionReport(
  input: Uint8Array | string,
  options: ParseReportOptions = {},
): ParseResult {
  try {
    return { ok: true, value: parseOrThrow(input, options) };
  } catch (error) {
    if (error instanceof ReceptionReportError) return { ok: false, error };
    // The XML library failing in its own way (deep nesting, say) is still a bad document.
    return {
      ok: false,
      error: new ReceptionReportError(`reception report: unreadable XML (${(error as Error).message})`),
    };
  }
}

function fail(message: string): never {
  throw new ReceptionReportError(`reception report: ${message}`);
}

function parseOrThrow(input: Uint8Array | string, options: ParseReportOptions): ReceptionReport {
  const maxBytes = options.maxBytes ?? 64 * 1024;
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (size > maxBytes) fail(`${size} bytes, more than the ${maxBytes} accepted`);
  let xml: string;
  try {
    xml = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    fail('not UTF-8');
  }
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) fail('DOCTYPE / ENTITY declarations are not accepted');
  const valid = XMLValidator.validate(xml, { allowBooleanAttributes: false });
  if (valid !== true) fail(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const doc = parser.parse(xml) as Node;
  const roots = Object.entries(doc).filter(([k]) => !k.startsWith('?') && !k.startsWith('#'));
  const [rootEntry, ...others] = roots;
  if (!rootEntry || others.length > 0) fail('expected one root element');
  const [rootName, rootList] = rootEntry;
  const root = element(rootList);
  const scope = declare(root, new Map());
  const rootName_ = qname(rootName, scope);
  if (rootName_.local !== 'receptionReport' || rootName_.ns !== RECEPTION_REPORT_NS) {
    fail(
      `root is {${rootName_.ns ?? ''}}${rootName_.local}, expected {${RECEPTION_REPORT_NS}}receptionReport`,
    );
  }
  if (text(root) !== '') fail('text directly inside receptionReport');
  const counter = { files: 0, max: options.maxFiles ?? 4096 };
  const acks = children(root, 'receptionAcknowledgement', scope);
  const stats = children(root, 'statisticalReport', scope);
  if (acks.length > 0) {
    if (acks.length > 1 || stats.length > 0) fail('receptionAcknowledgement must stand alone');
    const [ack, ackScope] = acks[0]!;
    return {
      kind: 'acknowledgement',
      files: children(ack, 'fileURI', ackScope).map(([f]) => file(f, true, counter)),
    };
  }
  return { kind: 'statistical', reports: stats.map(([s, sScope]) => statistical(s, sScope, counter)) };
}

function statistical(node: Node, scope: Scope, counter: { files: number; max: number }): StatisticalReport {
  const a = attributes(node);
  const sessionType = a.sessionType;
  if (sessionType !== undefined && sessionType !== 'download' && sessionType !== 'streaming') {
    fail(`statisticalReport sessionType "${sessionType}"`);
  }
  const qoe = children(node, 'qoeMetrics', scope);
  if (qoe.length > 1) fail('more than one qoeMetrics');
  const report: StatisticalReport = {
    ...(sessionType !== undefined ? { sessionType } : {}),
    ...pick(a, ['serviceId', 'clientId', 'deviceId', 'serviceURI']),
    files: children(node, 'fileURI', scope).map(([f]) => file(f, false, counter)),
  };
  if (qoe[0]) report.qoeMetrics = qoeMetrics(qoe[0][0], qoe[0][1]);
  return report;
}

function qoeMetrics(node: Node, scope: Scope): QoeMetrics {
  const a = attributes(node);
  const q: QoeMetrics = { mediaLevel: [] };
  if (a.sessionStartTime !== undefined)
    q.sessionStartTime = unsignedLong(a.sessionStartTime, 'sessionStartTime');
  if (a.sessionStopTime !== undefined) q.sessionStopTime = unsignedLong(a.sessionStopTime, 'sessionStopTime');
  if (a.numberOfLostObjects !== undefined)
    q.numberOfLostObjects = vector(a.numberOfLostObjects, 'numberOfLostObjects');
  if (a.numberOfReceivedObjects !== undefined) {
    q.numberOfReceivedObjects = vector(a.numberOfReceivedObjects, 'numberOfReceivedObjects');
  }
  q.mediaLevel = children(node, 'medialevel_qoeMetrics', scope).map(([m]): MediaLevelQoeMetrics => {
    const sessionId = attributes(m).sessionId;
    if (sessionId === undefined) fail('medialevel_qoeMetrics without sessionId');
    return { sessionId };
  });
  return q;
}

function file(node: Node, rack: boolean, counter: { files: number; max: number }): ReportedFile {
  if (++counter.files > counter.max) fail(`more than ${counter.max} fileURI elements`);
  const uri = text(node);
  if (uri === '' || /\s/.test(uri)) fail(`fileURI "${uri.slice(0, 60)}" is not a URI`);
  const a = attributes(node);
  const f: ReportedFile = { uri };
  if (a.receptionSuccess !== undefined) f.receptionSuccess = boolean(a.receptionSuccess, 'receptionSuccess');
  if (a['Content-MD5'] !== undefined) {
    if (!/^[A-Za-z0-9+/]+=*$/.test(a['Content-MD5'])) fail(`Content-MD5 "${a['Content-MD5']}" is not base64`);
    f.contentMd5 = a['Content-MD5'];
  }
  if (a.receivedSymbolsForFailedBlocks !== undefined) {
    f.receivedSymbolsForFailedBlocks = vector(
      a.receivedSymbolsForFailedBlocks,
      'receivedSymbolsForFailedBlocks',
    );
  }
  if (a.totalSymbolsForFailedBlocks !== undefined) {
    f.totalSymbolsForFailedBlocks = vector(a.totalSymbolsForFailedBlocks, 'totalSymbolsForFailedBlocks');
  }
  if (rack) Object.assign(f, pick(a, ['clientId', 'sessionId', 'deviceId']));
  return f;
}

// ---------------------------------------------------------------- helpers

type Scope = Map<string, string>;

/** The parser gives every element as a one-item array (isArray: always); anything else is a surprise. */
function element(value: unknown): Node {
  const item = Array.isArray(value) && value.length === 1 ? value[0] : value;
  if (typeof item === 'string') return { '#text': [item] };
  if (item === null || typeof item !== 'object') fail('unexpected XML shape');
  return item as Node;
}

function declare(node: Node, outer: Scope): Scope {
  const scope = new Map(outer);
  for (const [k, v] of Object.entries(node)) {
    if (k === '@_xmlns') scope.set('', decode(String(v)));
    else if (k.startsWith('@_xmlns:')) scope.set(k.slice(8), decode(String(v)));
  }
  return scope;
}

function qname(name: string, scope: Scope): { local: string; ns: string | undefined } {
  const colon = name.indexOf(':');
  const prefix = colon < 0 ? '' : name.slice(0, colon);
  return { local: colon < 0 ? name : name.slice(colon + 1), ns: scope.get(prefix) };
}

/** Child elements with this local name in the report namespace; elements of other namespaces are skipped. */
function children(node: Node, local: string, scope: Scope): [Node, Scope][] {
  const out: [Node, Scope][] = [];
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('@_') || k === '#text') continue;
    const list = Array.isArray(v) ? v : [v];
    for (const item of list) {
      const child = element([item]);
      const childScope = declare(child, scope);
      const name = qname(k, childScope);
      if (name.ns === RECEPTION_REPORT_NS && name.local === local) out.push([child, childScope]);
    }
  }
  return out;
}

function attributes(node: Node): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(node)) {
    // Unprefixed attributes only: xmlns and xsi:* and other namespaces' attributes are not ours.
    if (k.startsWith('@_') && !k.slice(2).includes(':') && k !== '@_xmlns')
      out[k.slice(2)] = decode(String(v));
  }
  return out;
}

function text(node: Node): string {
  const t = node['#text'];
  if (t === undefined) return '';
  const parts = Array.isArray(t) ? t : [t];
  return decode(parts.map(String).join('')).trim();
}

function pick<K extends string>(a: Record<string, string>, keys: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const k of keys) if (a[k] !== undefined) out[k] = a[k];
  return out;
}

/** The predefined entities and character references; any other "&name;" is undeclared, so an error. */
function decode(s: string): string {
  return s.replace(/&([^;&\s]{1,10});|&/g, (whole, name: string | undefined) => {
    if (name === undefined) fail(`bare "&" in "${s.slice(0, 40)}"`);
    const predefined: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (predefined[name] !== undefined) return predefined[name]!;
    const m = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(name);
    if (!m) fail(`undeclared entity ${whole}`);
    const code = m[1] !== undefined ? Number.parseInt(m[1], 16) : Number(m[2]);
    const allowed =
      code === 9 ||
      code === 10 ||
      code === 13 ||
      (code >= 0x20 && code <= 0xd7ff) ||
      (code >= 0xe000 && code <= 0xfffd) ||
      (code >= 0x10000 && code <= 0x10ffff);
    if (!allowed) fail(`character reference ${whole} is not an XML character`);
    return String.fromCodePoint(code);
  });
}

function boolean(v: string, name: string): boolean {
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  fail(`${name}="${v}" is not a boolean`);
}

function unsignedLong(v: string, name: string): number {
  if (!/^[0-9]{1,15}$/.test(v)) fail(`${name}="${v.slice(0, 30)}" is not an unsigned integer`);
  return Number(v);
}

function vector(v: string, name: string): number[] {
  const items = v.trim() === '' ? [] : v.trim().split(/\s+/);
  return items.map((x) => unsignedLong(x, name));
}
