/**
 * A hardened XML reader for announcement fragments: size, depth and element limits, no DTD, no entities
 * beyond the five predefined ones and character references, namespaces resolved. fast-xml-parser does
 * the tokenising; everything that decides what is accepted is here.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { AnnounceError, type AnnounceErrorCode } from './errors.ts';

export interface XmlAttribute {
  /** Namespace URI ('' for an unprefixed attribute). */
  ns: string;
  local: string;
  value: string;
}

export interface XmlElement {
  ns: string;
  local: string;
  attributes: XmlAttribute[];
  children: XmlElement[];
  /** Character data directly inside (text and CDATA), entities decoded, not trimmed. */
  text: string;
  /** 1-based line of the start tag. */
  line: number;
  /** `root/child[2]/leaf` with 1-based positions among same-named siblings. */
  path: string;
}

export interface XmlLimits {
  /** Largest accepted document, characters (default 256 KiB: SA fragments are small). */
  maxChars?: number;
  /** Deepest element nesting (default 32). */
  maxDepth?: number;
  /** Most elements in one document (default 10,000). */
  maxElements?: number;
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const DEFAULTS = { maxChars: 256 * 1024, maxDepth: 32, maxElements: 10_000 };
const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

type RawNode = Record<string | symbol, unknown> & { ':@'?: Record<string, string> };

/** Parses a document into a namespace-resolved tree. Throws AnnounceError (operation `parse`). */
export function parseXml(text: string, resource: string, limits: XmlLimits = {}): XmlElement {
  const { maxChars, maxDepth, maxElements } = { ...DEFAULTS, ...limits };
  const fail = (code: AnnounceErrorCode, problem: string, where?: string, seen?: string) =>
    new AnnounceError({ code, resource, operation: 'parse', where, problem, seen });
  if (text.length > maxChars)
    throw fail('too-large', `document is ${text.length} characters, limit ${maxChars}`);
  const lineOf = lineIndex(text);
  const dtd = /<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i.exec(text);
  if (dtd) {
    throw fail(
      'dtd-refused',
      'DTDs and entity declarations are refused',
      `line ${lineOf(dtd.index)}`,
      dtd[0],
    );
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw fail('malformed-xml', valid.err.msg, `line ${valid.err.line}, column ${valid.err.col}`);
  }
  let raw: RawNode[];
  try {
    raw = new XMLParser({
      preserveOrder: true,
      ignoreAttributes: false,
      attributeNamePrefix: '',
      parseTagValue: false,
      parseAttributeValue: false,
      processEntities: false,
      htmlEntities: false,
      trimValues: false,
      ignoreDeclaration: true,
      ignorePiTags: true,
      captureMetaData: true,
      cdataPropName: '#cdata',
      maxNestedTags: maxDepth,
    }).parse(text) as RawNode[];
  } catch (e) {
    throw fail('malformed-xml', e instanceof Error ? e.message : String(e));
  }
  const roots = raw.filter((n) => tagOf(n) !== undefined);
  if (roots.length !== 1)
    throw fail('malformed-xml', `a document has one root element, found ${roots.length}`);
  let count = 0;

  const build = (
    node: RawNode,
    scope: Map<string, string>,
    parentPath: string,
    depth: number,
    position: number,
  ) => {
    const tag = tagOf(node)!;
    const line = lineOf((node[META] as { startIndex?: number } | undefined)?.startIndex ?? 0);
    const path = `${parentPath}${parentPath === '' ? '' : '/'}${tag}${position > 1 ? `[${position}]` : ''}`;
    const where = `${path} (line ${line})`;
    if (++count > maxElements) throw fail('too-large', `more than ${maxElements} elements`, where);
    if (depth > maxDepth) throw fail('malformed-xml', `nesting deeper than ${maxDepth}`, where);
    const attrs = node[':@'] ?? {};
    const local = new Map(scope);
    for (const [name, value] of Object.entries(attrs)) {
      if (name === 'xmlns') local.set('', decodeEntities(value, fail, where));
      else if (name.startsWith('xmlns:')) local.set(name.slice(6), decodeEntities(value, fail, where));
    }
    const resolve = (qname: string, isAttribute: boolean): [string, string] => {
      const colon = qname.indexOf(':');
      if (colon < 0) return [isAttribute ? '' : (local.get('') ?? ''), qname];
      const prefix = qname.slice(0, colon);
      const ns = prefix === 'xml' ? XML_NS : local.get(prefix);
      if (ns === undefined) throw fail('malformed-xml', `namespace prefix ${prefix} is not declared`, where);
      return [ns, qname.slice(colon + 1)];
    };
    const [ns, localName] = resolve(tag, false);
    const element: XmlElement = { ns, local: localName, attributes: [], children: [], text: '', line, path };
    for (const [name, value] of Object.entries(attrs)) {
      if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
      const [ans, alocal] = resolve(name, true);
      element.attributes.push({ ns: ans, local: alocal, value: decodeEntities(value, fail, where) });
    }
    const kids = (node[tag] as RawNode[] | undefined) ?? [];
    const seen = new Map<string, number>();
    for (const kid of kids) {
      if ('#text' in kid) element.text += decodeEntities(String(kid['#text']), fail, where);
      else if ('#cdata' in kid) {
        for (const part of kid['#cdata'] as RawNode[]) element.text += String(part['#text'] ?? '');
      } else {
        const kidTag = tagOf(kid);
        if (kidTag === undefined) continue;
        const n = (seen.get(kidTag) ?? 0) + 1;
        seen.set(kidTag, n);
        element.children.push(build(kid, local, path, depth + 1, n));
      }
    }
    return element;
  };
  return build(roots[0]!, new Map(), '', 1, 1);
}

function tagOf(node: RawNode): string | undefined {
  return Object.keys(node).find((k) => k !== ':@' && k !== '#text' && k !== '#cdata');
}

function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(
  value: string,
  fail: (code: AnnounceErrorCode, problem: string, where?: string, seen?: string) => AnnounceError,
  where: string,
): string {
  if (!value.includes('&')) return value;
  return value.replace(/&([^;&\s]{0,12});?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw fail('malformed-xml', 'a bare & (not an entity reference)', where, whole);
    if (name in PREDEFINED) return PREDEFINED[name]!;
    const num = /^#(?:x([0-9a-fA-F]{1,6})|(\d{1,7}))$/.exec(name);
    if (!num) throw fail('malformed-xml', 'only the five predefined entities are accepted', where, whole);
    const code = num[1] !== undefined ? Number.parseInt(num[1], 16) : Number(num[2]);
    if (!isXmlChar(code))
      throw fail('malformed-xml', 'character reference to a character XML forbids', where, whole);
    return String.fromCodePoint(code);
  });
}

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** An element to write: qualified name, attributes (undefined values skipped), children or text. */
export interface XmlOut {
  name: string;
  attributes?: readonly (readonly [string, string | number | boolean | undefined])[];
  children?: readonly (XmlOut | undefined)[];
  text?: string;
}

/** Serialises with a declaration and two-space indentation. Throws AnnounceError for unwritable text. */
export function renderXml(root: XmlOut, resource: string): string {
  const check = (s: string) => {
    for (const ch of s) {
      if (!isXmlChar(ch.codePointAt(0)!)) {
        throw new AnnounceError({
          code: 'unrepresentable',
          resource,
          operation: 'generate',
          problem: 'text holds a character XML 1.0 cannot carry',
          seen: s,
        });
      }
    }
    return s;
  };
  const escText = (s: string) => check(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const escAttr = (s: string) =>
    escText(s).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const write = (el: XmlOut, indent: string) => {
    const attrs = (el.attributes ?? [])
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => ` ${k}="${escAttr(String(v))}"`)
      .join('');
    const kids = (el.children ?? []).filter((k): k is XmlOut => k !== undefined);
    if (kids.length === 0 && el.text === undefined) out.push(`${indent}<${el.name}${attrs}/>`);
    else if (kids.length === 0) out.push(`${indent}<${el.name}${attrs}>${escText(el.text!)}</${el.name}>`);
    else {
      out.push(`${indent}<${el.name}${attrs}>`);
      for (const kid of kids) write(kid, `${indent}  `);
      out.push(`${indent}</${el.name}>`);
    }
  };
  write(root, '');
  return `${out.join('\n')}\n`;
}
