/**
 * Byte-range repair (TS 26.346 §9.3.6.2 / §9.3.7.2a): the HTTP Range header, the If-Match / If-Range
 * entity tags (File-ETag or Content-MD5), and multipart/byteranges for several ranges.
 */
import type { Result } from './symbol-container.ts';

/** An inclusive byte range, as in `bytes=500-627`. */
export interface ByteRange {
  first: number;
  last: number;
}

/** Ranges the server will not accept in one request (a guard against range floods). */
export const MAX_RANGES = 64;

export type RangeRequest =
  | { kind: 'none' }
  | { kind: 'ranges'; ranges: ByteRange[] }
  /** No range overlaps the representation: 416. */
  | { kind: 'unsatisfiable' };

/**
 * Resolves a Range header against a representation of `length` bytes (RFC 7233 §2.1, §3.1): a header
 * that does not parse is ignored (the whole file is sent), suffix and open ranges are clipped.
 */
export function resolveRange(header: string | undefined, length: number): RangeRequest {
  if (header === undefined) return { kind: 'none' };
  const m = /^\s*bytes\s*=\s*(.+)$/i.exec(header);
  if (!m) return { kind: 'none' };
  const specs = m[1]!.split(',').map((s) => s.trim());
  if (specs.length > MAX_RANGES) return { kind: 'none' };
  const ranges: ByteRange[] = [];
  for (const spec of specs) {
    const r = /^(\d*)-(\d*)$/.exec(spec);
    if (!r || (r[1] === '' && r[2] === '')) return { kind: 'none' };
    if (r[1] === '') {
      const suffix = Number(r[2]);
      if (suffix === 0) continue;
      ranges.push({ first: Math.max(0, length - suffix), last: length - 1 });
      continue;
    }
    const first = Number(r[1]);
    const last = r[2] === '' ? length - 1 : Math.min(Number(r[2]), length - 1);
    if (r[2] !== '' && Number(r[2]) < first) return { kind: 'none' };
    if (first < length) ranges.push({ first, last });
  }
  return ranges.length === 0 ? { kind: 'unsatisfiable' } : { kind: 'ranges', ranges };
}

export function formatRangeHeader(ranges: readonly ByteRange[]): string {
  return `bytes=${ranges.map((r) => `${r.first}-${r.last}`).join(',')}`;
}

/** Merges overlapping and adjacent ranges, sorted. */
export function mergeRanges(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = [...ranges].sort((a, b) => a.first - b.first);
  const out: ByteRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.first <= last.last + 1) last.last = Math.max(last.last, r.last);
    else out.push({ ...r });
  }
  return out;
}

/** `"abc"` for an entity tag value; the FDT's File-ETag / Content-MD5 are bare values. */
export function quoteEtag(value: string): string {
  return `"${value}"`;
}

/**
 * Does an If-Match header match any of the current tags? Strong comparison (RFC 7232 §3.1): weak tags
 * never match; `*` matches any existing representation.
 */
export function ifMatchSatisfied(header: string, current: readonly string[]): boolean {
  const tags = listEtags(header);
  if (tags.includes('*')) return true;
  return tags.some((t) => !t.startsWith('W/') && current.some((c) => t === quoteEtag(c)));
}

function listEtags(header: string): string[] {
  const out: string[] = [];
  const re = /\s*(\*|(?:W\/)?"[^"]*")\s*(?:,|$)/gy;
  let m = re.exec(header);
  while (m) {
    out.push(m[1]!);
    if (re.lastIndex >= header.length) break;
    m = re.exec(header);
  }
  return out;
}

export interface RangePart {
  range: ByteRange;
  data: Uint8Array;
}

export function buildMultipartByteranges(
  content: Uint8Array,
  ranges: readonly ByteRange[],
  contentType: string,
  boundary: string,
): Uint8Array {
  const chunks: Uint8Array[] = [];
  const enc = new TextEncoder();
  for (const r of ranges) {
    chunks.push(
      enc.encode(
        `--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Range: bytes ${r.first}-${r.last}/${content.length}\r\n\r\n`,
      ),
    );
    chunks.push(content.subarray(r.first, r.last + 1));
    chunks.push(enc.encode('\r\n'));
  }
  chunks.push(enc.encode(`--${boundary}--\r\n`));
  return concat(chunks);
}

export interface MultipartPart {
  headers: Record<string, string>;
  body: Uint8Array;
}

/**
 * Splits a multipart body (RFC 2046 §5.1) into parts with lower-cased header names. Used for
 * multipart/byteranges replies and for aggregated reception reports (multipart/mixed).
 */
export function parseMultipart(body: Uint8Array, boundary: string): Result<MultipartPart[], Error> {
  const fail = (m: string) => ({
    ok: false as const,
    error: new Error(`multipart (boundary ${boundary}): ${m}`),
  });
  if (boundary.length === 0 || boundary.length > 70) return fail('bad boundary');
  const delimiter = new TextEncoder().encode(`--${boundary}`);
  const positions: number[] = [];
  for (let at = indexOf(body, delimiter, 0); at >= 0; at = indexOf(body, delimiter, at + delimiter.length)) {
    // A delimiter starts the body or follows CRLF.
    if (at === 0 || (body[at - 2] === 13 && body[at - 1] === 10)) positions.push(at);
  }
  if (positions.length === 0) return fail('no delimiter');
  const parts: MultipartPart[] = [];
  for (let i = 0; i < positions.length; i++) {
    const start = positions[i]! + delimiter.length;
    if (body[start] === 45 && body[start + 1] === 45) return { ok: true, value: parts };
    const next = positions[i + 1];
    if (next === undefined) return fail('missing close delimiter');
    const lineEnd = indexOf(body, CRLF, start);
    if (lineEnd < 0 || lineEnd > next) return fail('delimiter line not ended by CRLF');
    const partStart = lineEnd + 2;
    const partEnd = next - 2; // the CRLF before the next delimiter belongs to it
    if (partEnd < partStart) return fail('part shorter than its framing');
    const headerEnd = indexOf(body, CRLFCRLF, partStart - 2);
    const headers: Record<string, string> = {};
    let bodyStart = partStart;
    if (body[partStart] === 13 && body[partStart + 1] === 10) {
      bodyStart = partStart + 2; // no headers
    } else {
      if (headerEnd < 0 || headerEnd + 4 > partEnd + 2)
        return fail(`part ${parts.length}: headers not ended`);
      const text = new TextDecoder('latin1').decode(body.subarray(partStart, headerEnd));
      for (const line of text.split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon <= 0) return fail(`part ${parts.length}: bad header line`);
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      bodyStart = headerEnd + 4;
    }
    if (bodyStart > partEnd) return fail(`part ${parts.length}: body overruns the next delimiter`);
    parts.push({ headers, body: body.slice(bodyStart, partEnd) });
  }
  return fail('missing close delimiter');
}

/** `bytes 500-627/6700` → the range and total. */
export function parseContentRange(value: string): { range: ByteRange; total?: number } | undefined {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value.trim());
  if (!m) return undefined;
  const first = Number(m[1]);
  const last = Number(m[2]);
  if (last < first) return undefined;
  return { range: { first, last }, total: m[3] === '*' ? undefined : Number(m[3]) };
}

/** The boundary parameter of a multipart Content-Type. */
export function boundaryOf(contentType: string): string | undefined {
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

const CRLF = Uint8Array.of(13, 10);
const CRLFCRLF = Uint8Array.of(13, 10, 13, 10);

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const limit = haystack.length - needle.length;
  outer: for (let i = Math.max(0, from); i <= limit; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
