/**
 * CoAP messages (RFC 7252 §3) and Block options (RFC 7959 §2.2), for the device side of the TR 26.850
 * repair and reception-report procedures. The servers use the `coap` package; the client side is this
 * separate small codec, so a mistake in either shows up as a disagreement on loopback.
 */
import type { Result } from './symbol-container.ts';

export const CoapType = { CON: 0, NON: 1, ACK: 2, RST: 3 } as const;
export type CoapType = (typeof CoapType)[keyof typeof CoapType];

export const CoapOptionNumber = {
  IfMatch: 1,
  UriHost: 3,
  ETag: 4,
  UriPort: 7,
  UriPath: 11,
  ContentFormat: 12,
  UriQuery: 15,
  /** TR 26.850 §7.3.1.2 option 2: "Range", number 21 given there as an example (not IANA-registered). */
  Range: 21,
  Block2: 23,
  Block1: 27,
  Size2: 28,
  Size1: 60,
} as const;

/** Content-Format 42 (application/octet-stream), which TR 26.850 uses for RAck-IoT and binary payloads. */
export const CONTENT_FORMAT_OCTET_STREAM = 42;

export interface CoapOption {
  number: number;
  value: Uint8Array;
}

export interface CoapMessage {
  type: CoapType;
  /** class << 5 | detail: 0.01 GET = 1, 2.05 Content = 69. */
  code: number;
  messageId: number;
  token: Uint8Array;
  options: CoapOption[];
  payload: Uint8Array;
}

export class CoapFormatError extends Error {
  override name = 'CoapFormatError';
}

export function coapCode(cls: number, detail: number): number {
  return (cls << 5) | detail;
}

/** 69 → "2.05". */
export function codeText(code: number): string {
  return `${code >> 5}.${String(code & 31).padStart(2, '0')}`;
}

export const CoapMethod = { GET: 1, POST: 2, PUT: 3, DELETE: 4 } as const;

export function encodeCoap(m: CoapMessage): Uint8Array {
  if (m.token.length > 8) throw new CoapFormatError(`token of ${m.token.length} bytes (at most 8)`);
  const parts: number[] = [
    0x40 | (m.type << 4) | m.token.length,
    m.code,
    (m.messageId >> 8) & 0xff,
    m.messageId & 0xff,
  ];
  parts.push(...m.token);
  const options = [...m.options].sort((a, b) => a.number - b.number);
  let previous = 0;
  for (const o of options) {
    const delta = o.number - previous;
    previous = o.number;
    const [dNibble, dExt] = extended(delta);
    const [lNibble, lExt] = extended(o.value.length);
    parts.push((dNibble << 4) | lNibble, ...dExt, ...lExt, ...o.value);
  }
  if (m.payload.length > 0) parts.push(0xff, ...m.payload);
  return Uint8Array.from(parts);
}

function extended(n: number): [number, number[]] {
  if (n < 13) return [n, []];
  if (n < 269) return [13, [n - 13]];
  if (n < 65805) return [14, [((n - 269) >> 8) & 0xff, (n - 269) & 0xff]];
  throw new CoapFormatError(`option delta or length ${n} too large`);
}

export function decodeCoap(bytes: Uint8Array): Result<CoapMessage, CoapFormatError> {
  const fail = (m: string) => ({ ok: false as const, error: new CoapFormatError(`CoAP message: ${m}`) });
  if (bytes.length < 4) return fail(`${bytes.length} bytes, a header needs 4`);
  const version = bytes[0]! >> 6;
  if (version !== 1) return fail(`version ${version}`);
  const type = ((bytes[0]! >> 4) & 3) as CoapType;
  const tkl = bytes[0]! & 15;
  if (tkl > 8) return fail(`token length ${tkl}`);
  const code = bytes[1]!;
  const messageId = (bytes[2]! << 8) | bytes[3]!;
  let at = 4;
  if (bytes.length < at + tkl) return fail('truncated token');
  const token = bytes.slice(at, at + tkl);
  at += tkl;
  const options: CoapOption[] = [];
  let number = 0;
  while (at < bytes.length && bytes[at] !== 0xff) {
    const head = bytes[at++]!;
    const delta = readExtended(head >> 4, bytes, at);
    if (!delta) return fail('bad option delta');
    at = delta.next;
    const length = readExtended(head & 15, bytes, at);
    if (!length) return fail('bad option length');
    at = length.next;
    if (bytes.length < at + length.value) return fail('truncated option value');
    number += delta.value;
    options.push({ number, value: bytes.slice(at, at + length.value) });
    at += length.value;
  }
  let payload = new Uint8Array(0);
  if (at < bytes.length) {
    at++; // payload marker
    if (at === bytes.length) return fail('payload marker with no payload');
    payload = bytes.slice(at);
  }
  return { ok: true, value: { type, code, messageId, token, options, payload } };
}

function readExtended(
  nibble: number,
  bytes: Uint8Array,
  at: number,
): { value: number; next: number } | undefined {
  if (nibble < 13) return { value: nibble, next: at };
  if (nibble === 13) return at < bytes.length ? { value: bytes[at]! + 13, next: at + 1 } : undefined;
  if (nibble === 14) {
    return at + 1 < bytes.length
      ? { value: ((bytes[at]! << 8) | bytes[at + 1]!) + 269, next: at + 2 }
      : undefined;
  }
  return undefined;
}

export function encodeUint(n: number): Uint8Array {
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return Uint8Array.from(out);
}

export function decodeUint(bytes: Uint8Array): number {
  let n = 0;
  for (const b of bytes) n = n * 256 + b;
  return n;
}

export interface BlockOption {
  num: number;
  more: boolean;
  /** Block size exponent: size = 2^(szx + 4); 0..6 (7 is reserved). */
  szx: number;
}

export function blockSize(szx: number): number {
  return 1 << (szx + 4);
}

export function encodeBlock(b: BlockOption): Uint8Array {
  if (b.szx < 0 || b.szx > 6 || b.num < 0 || b.num > 0xfffff) {
    throw new CoapFormatError(`block option NUM ${b.num} SZX ${b.szx} out of range`);
  }
  return encodeUint(b.num * 16 + (b.more ? 8 : 0) + b.szx);
}

export function decodeBlock(bytes: Uint8Array): BlockOption | undefined {
  if (bytes.length > 3) return undefined;
  const v = decodeUint(bytes);
  const szx = v & 7;
  if (szx === 7) return undefined;
  return { num: Math.floor(v / 16), more: (v & 8) !== 0, szx };
}

export function option(m: CoapMessage, number: number): Uint8Array | undefined {
  return m.options.find((o) => o.number === number)?.value;
}
