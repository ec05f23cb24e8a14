/**
 * Hardened XML reading for FDT Instances: limits and refusals first, then fast-xml-parser with entity
 * processing off, then our own namespace resolution and reference decoding over its ordered tree.
 * fast-xml-parser's validator is lenient in places (several roots, '<' in attribute values, trailing
 * text); the checks here close those gaps for what an FDT needs. It is not a full XML conformance checker.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { NS } from './namespaces.ts';
import { fail, isNcName, type RuleContext, XML_FORBIDDEN_CHAR } from './rules.ts';

export interface XmlAttribute {
  namespace?: string;
  local: string;
  qname: string;
  value: string;
}

export interface XmlElement {
  namespace?: string;
  local: string;
  qname: string;
  attributes: XmlAttribute[];
  children: XmlElement[];
  /** Character data directly inside, references decoded, CDATA included, trimmed. */
  text: string;
  /** Position for messages, e.g. `FDT-Instance/File[2]`. */
  path: string;
}

export interface XmlLimits {
  maxBytes: number;
  maxDepth: number;
  /** Per element; an FDT File has about 25 attributes of its own. */
  maxAttributes: number;
}

/** Refused before any parsing: DTDs are where entity expansion and external entities live. */
const DTD_MARKUP = /<!\s*(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i;
const DECLARED_ENCODING = /^\s*<\?xml\s[^>]*?encoding\s*=\s*["']([^"']*)["']/;
const UTF8_COMPATIBLE = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii']);

export function parseXmlDocument(
  input: string | Uint8Array,
  limits: XmlLimits,
  ctx: RuleContext,
): XmlElement {
  const text = readText(input, limits, ctx);
  const dtd = DTD_MARKUP.exec(text);
  if (dtd) {
    fail(ctx, 'dtd-refused', {
      value: text.slice(dtd.index, dtd.index + 40),
      problem: 'DOCTYPE, DTD and entity declarations are refused (entity expansion, external entities)',
    });
  }
  const forbidden = XML_FORBIDDEN_CHAR.exec(text);
  if (forbidden) {
    fail(ctx, 'malformed-xml', {
      value: `U+${forbidden[0].charCodeAt(0).toString(16).padStart(4, '0')} at offset ${forbidden.index}`,
      problem: 'character not allowed in XML 1.0',
    });
  }
  if (!text.trimEnd().endsWith('>')) {
    fail(ctx, 'malformed-xml', {
      problem: 'the document does not end with a tag (truncated, or text after the root)',
    });
  }

  let verdict: ReturnType<typeof XMLValidator.validate>;
  let tree: unknown;
  try {
    verdict = XMLValidator.validate(text, { allowBooleanAttributes: false });
    if (verdict === true) tree = parser(limits.maxDepth).parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const limit = /nested/i.test(message) ? ` (limit ${limits.maxDepth})` : '';
    fail(ctx, 'malformed-xml', { problem: `${message}${limit}` });
  }
  if (verdict !== true) {
    const { msg, line, col } = verdict.err;
    fail(ctx, 'malformed-xml', { problem: `${msg} (line ${line}, column ${col})` });
  }

  const roots = (tree as OrderedNode[]).filter((node) => !('#text' in node));
  if (roots.length !== 1)
    fail(ctx, 'malformed-xml', { problem: `${roots.length} root elements, expected 1` });
  const root = roots[0]!;
  return convert(root, { declared: new Map([['xml', NS.xml]]) }, elementKey(root) ?? '', ctx, limits);
}

function readText(input: string | Uint8Array, limits: XmlLimits, ctx: RuleContext): string {
  const tooLarge = (size: number) =>
    fail(ctx, 'too-large', { value: `${size} bytes`, expected: `at most ${limits.maxBytes} bytes` });
  if (typeof input === 'string') {
    if (input.length > limits.maxBytes) tooLarge(input.length);
    const size = Buffer.byteLength(input, 'utf8');
    if (size > limits.maxBytes) tooLarge(size);
    return input.replace(/^\uFEFF/, '');
  }
  if (input.byteLength > limits.maxBytes) tooLarge(input.byteLength);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(input);
  } catch {
    return fail(ctx, 'malformed-xml', { problem: 'not valid UTF-8' });
  }
  const declared = DECLARED_ENCODING.exec(text)?.[1];
  if (declared !== undefined && !UTF8_COMPATIBLE.has(declared.toLowerCase())) {
    fail(ctx, 'malformed-xml', { value: declared, expected: 'encoding UTF-8 (FDT Instances are UTF-8)' });
  }
  return text;
}

function parser(maxDepth: number): XMLParser {
  return new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    allowBooleanAttributes: false,
    processEntities: false,
    htmlEntities: false,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    cdataPropName: '#cdata',
    commentPropName: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    maxNestedTags: maxDepth,
  });
}

/** fast-xml-parser's preserveOrder shape: `{ [tag]: children, ':@'?: attributes }` or `{ '#text': text }`. */
type OrderedNode = Record<string, unknown>;

function elementKey(node: OrderedNode): string | undefined {
  const keys = Object.keys(node).filter((key) => key !== ':@');
  return keys.length === 1 ? keys[0] : undefined;
}

/** `path` names this element for messages (`FDT-Instance/File[2]`), computed by the caller. */
/**
 * In-scope namespace declarations as a chain (one link per element that declares something), so that
 * hostile documents with thousands of declarations cost lookups of at most maxDepth links, never copies.
 * An empty string records an undeclared default namespace (`xmlns=""`).
 */
interface Scope {
  declared: Map<string, string>;
  parent?: Scope;
}

function lookup(scope: Scope | undefined, prefix: string): string | undefined {
  for (let link = scope; link; link = link.parent) {
    const uri = link.declared.get(prefix);
    if (uri !== undefined) return uri === '' ? undefined : uri;
  }
  return undefined;
}

function convert(
  node: OrderedNode,
  scope: Scope,
  path: string,
  ctx: RuleContext,
  limits: XmlLimits,
): XmlElement {
  const qname = elementKey(node);
  if (qname === undefined)
    return fail({ ...ctx, where: path }, 'malformed-xml', { problem: 'unreadable element' });
  const here = { ...ctx, where: path };
  const rawAttributes = (node[':@'] ?? {}) as Record<string, unknown>;

  const rawEntries = Object.entries(rawAttributes);
  if (rawEntries.length > limits.maxAttributes) {
    fail(here, 'too-large', {
      value: `${rawEntries.length} attributes`,
      expected: `at most ${limits.maxAttributes}`,
    });
  }

  // Namespace declarations first: they apply to this element's own name and attributes.
  let declared: Map<string, string> | undefined;
  for (const [name, raw] of rawEntries) {
    if (name !== 'xmlns' && !name.startsWith('xmlns:')) continue;
    const uri = decodeAttribute(String(raw), here, name);
    const prefix = name === 'xmlns' ? '' : name.slice(6);
    if (prefix !== '' && (!isNcName(prefix) || uri === '' || prefix === 'xmlns')) {
      fail(here, 'malformed-xml', { attribute: name, value: uri, problem: 'bad namespace declaration' });
    }
    if (prefix === 'xml' ? uri !== NS.xml : uri === NS.xml) {
      fail(here, 'malformed-xml', { attribute: name, value: uri, problem: 'misuse of the xml namespace' });
    }
    declared ??= new Map();
    declared.set(prefix, uri);
  }
  const localScope = declared ? { declared, parent: scope } : scope;

  const name = resolve(qname, localScope, true, here);
  const attributes: XmlAttribute[] = [];
  const seen = rawEntries.length > 1 ? new Set<string>() : undefined;
  for (const [attributeName, raw] of rawEntries) {
    if (attributeName === 'xmlns' || attributeName.startsWith('xmlns:')) continue;
    const resolved = resolve(attributeName, localScope, false, here);
    if (seen) {
      // Two prefixes bound to one namespace can still name the same attribute twice.
      const key = `{${resolved.namespace ?? ''}}${resolved.local}`;
      if (seen.has(key))
        fail(here, 'malformed-xml', { attribute: attributeName, problem: 'attribute repeated' });
      seen.add(key);
    }
    attributes.push({
      ...resolved,
      qname: attributeName,
      value: decodeAttribute(String(raw), here, attributeName),
    });
  }

  const element: XmlElement = { ...name, qname, attributes, children: [], text: '', path };
  const counts = new Map<string, number>();
  const content = Array.isArray(node[qname]) ? (node[qname] as OrderedNode[]) : [];
  for (const child of content) {
    if ('#text' in child) {
      element.text += decodeText(String(child['#text']), here);
    } else if ('#cdata' in child) {
      const parts = Array.isArray(child['#cdata']) ? (child['#cdata'] as OrderedNode[]) : [];
      element.text += parts.map((part) => String(part['#text'] ?? '')).join('');
    } else {
      const childName = elementKey(child) ?? '?';
      const index = counts.get(childName) ?? 0;
      counts.set(childName, index + 1);
      element.children.push(convert(child, localScope, `${path}/${childName}[${index}]`, ctx, limits));
    }
  }
  element.text = element.text.trim();
  return element;
}

function resolve(
  qname: string,
  scope: Scope,
  isElement: boolean,
  ctx: RuleContext,
): { namespace?: string; local: string } {
  const colon = qname.indexOf(':');
  const prefix = colon < 0 ? '' : qname.slice(0, colon);
  const local = colon < 0 ? qname : qname.slice(colon + 1);
  if (!isNcName(local) || (colon >= 0 && !isNcName(prefix))) {
    fail(ctx, 'malformed-xml', { value: qname, problem: `bad ${isElement ? 'element' : 'attribute'} name` });
  }
  // Unprefixed attributes are in no namespace; unprefixed elements are in the default namespace.
  if (prefix === '' && !isElement) return { local };
  const namespace = lookup(scope, prefix);
  if (prefix !== '' && namespace === undefined) {
    fail(ctx, 'malformed-xml', { value: qname, problem: `undeclared namespace prefix "${prefix}"` });
  }
  return namespace === undefined ? { local } : { namespace, local };
}

const REFERENCE = /&(#x[0-9A-Fa-f]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/g;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Character and predefined entity references only; any other `&name;` is refused, never expanded. */
function decodeReferences(raw: string, ctx: RuleContext, attribute?: string): string {
  if (!raw.includes('&')) return raw;
  const decoded = raw.replace(REFERENCE, (_match, body: string) => {
    if (body[0] !== '#') return PREDEFINED[body]!;
    const code = body[1] === 'x' ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
    const isXmlChar =
      code === 0x9 ||
      code === 0xa ||
      code === 0xd ||
      (code >= 0x20 && code <= 0xd7ff) ||
      (code >= 0xe000 && code <= 0xfffd) ||
      (code >= 0x10000 && code <= 0x10ffff);
    if (!isXmlChar)
      fail(ctx, 'malformed-xml', { attribute, value: `&${body};`, problem: 'reference to a non-character' });
    return String.fromCodePoint(code);
  });
  // Whatever '&' is left did not start a reference we accept: an entity we will not expand.
  const rest = raw.replace(REFERENCE, '');
  const stray = rest.indexOf('&');
  if (stray >= 0) {
    fail(ctx, 'malformed-xml', {
      attribute,
      value: rest.slice(stray, stray + 20),
      problem: 'entity reference refused (only &lt; &gt; &amp; &quot; &apos; and &#…; are accepted)',
    });
  }
  return decoded;
}

function decodeAttribute(raw: string, ctx: RuleContext, attribute: string): string {
  if (raw.includes('<'))
    fail(ctx, 'malformed-xml', { attribute, value: raw, problem: "'<' in an attribute value" });
  // Attribute-value normalisation (XML 1.0 3.3.3) happens before references are replaced.
  return decodeReferences(raw.replace(/\r\n|[\t\n\r]/g, ' '), ctx, attribute);
}

function decodeText(raw: string, ctx: RuleContext): string {
  return decodeReferences(raw.replace(/\r\n?/g, '\n'), ctx);
}
