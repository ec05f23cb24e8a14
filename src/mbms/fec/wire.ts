/**
 * Byte and attribute helpers shared by the FEC schemes: big-endian fields up to 48 bits (JS numbers are
 * exact there), strict parsing of FDT xs:unsignedLong and xs:base64Binary attribute values, range checks
 * that name the field. Every failure is a FecError, so callers reading the wire never see anything else.
 */
import { FecError } from './types.ts';

/** Write `value` big-endian into `bytes[offset .. offset+width)`; width ≤ 6 bytes. */
export function writeUint(bytes: Uint8Array, offset: number, width: number, value: number): void {
  let v = value;
  for (let i = width - 1; i >= 0; i--) {
    bytes[offset + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

/** Read a big-endian unsigned field of `width` ≤ 6 bytes. */
export function readUint(bytes: Uint8Array, offset: number, width: number): number {
  let v = 0;
  for (let i = 0; i < width; i++) v = v * 256 + bytes[offset + i]!;
  return v;
}

/** Throw unless `value` is an integer in [min, max]; `what` names the field for the message. */
export function checkRange(what: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new FecError(`${what}: ${value} is not an integer in [${min}, ${max}]`);
  }
  return value === 0 ? 0 : value; // no −0
}

/** Throw unless `bytes` holds at least `length` bytes. */
export function checkLength(what: string, bytes: Uint8Array, length: number): void {
  if (!(bytes instanceof Uint8Array)) throw new FecError(`${what}: expected bytes, got ${typeof bytes}`);
  if (bytes.length < length) {
    throw new FecError(`${what}: needs ${length} bytes, got ${bytes.length}`);
  }
}

const DECIMAL = /^[0-9]+$/;

/**
 * An FDT FEC-OTI-* attribute (xs:unsignedLong, decimal) as a number in [min, max], or undefined when absent.
 * XML whitespace around the value is tolerated; signs, fractions and exponents are not.
 */
export function unsignedAttribute(
  attrs: Record<string, string | undefined>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const raw = attrs[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string')
    throw new FecError(`FDT attribute ${name}: expected a string, got ${typeof raw}`);
  const text = raw.trim();
  if (!DECIMAL.test(text)) throw new FecError(`FDT attribute ${name}="${raw}" is not an unsigned integer`);
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new FecError(`FDT attribute ${name}="${raw}" is outside [${min}, ${max}]`);
  }
  return value;
}

/** Like unsignedAttribute, but a missing attribute is an error. */
export function requiredUnsignedAttribute(
  attrs: Record<string, string | undefined>,
  name: string,
  min: number,
  max: number,
): number {
  const value = unsignedAttribute(attrs, name, min, max);
  if (value === undefined) throw new FecError(`FDT attribute ${name} is missing`);
  return value;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** An xs:base64Binary attribute decoded strictly (Buffer alone would skip bad characters silently). */
export function base64Attribute(
  attrs: Record<string, string | undefined>,
  name: string,
): Uint8Array | undefined {
  const raw = attrs[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string')
    throw new FecError(`FDT attribute ${name}: expected a string, got ${typeof raw}`);
  const text = raw.replace(/[ \t\r\n]/g, '');
  if (!BASE64.test(text)) throw new FecError(`FDT attribute ${name}="${raw}" is not base64`);
  return new Uint8Array(Buffer.from(text, 'base64'));
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** FEC-OTI-FEC-Encoding-ID, when present, must name the scheme reading the attributes. */
export function checkEncodingIdAttribute(attrs: Record<string, string | undefined>, id: number): void {
  const seen = unsignedAttribute(attrs, 'FEC-OTI-FEC-Encoding-ID', 0, 255);
  if (seen !== undefined && seen !== id) {
    throw new FecError(
      `FDT attribute FEC-OTI-FEC-Encoding-ID="${seen}" given to the FEC scheme with ID ${id}`,
    );
  }
}

/**
 * The transfer length from the FDT: the Transfer-Length attribute when present (it is the length actually
 * sent, e.g. after gzip), else the caller's value (Content-Length when the file is not content-encoded).
 */
export function transferLengthFrom(
  attrs: Record<string, string | undefined>,
  fallback: number,
  max: number,
): number {
  const attr = unsignedAttribute(attrs, 'Transfer-Length', 0, max);
  if (attr !== undefined) return attr;
  return checkRange('transfer length', fallback, 0, max);
}

/** Count of refused symbols and the last reason: a decoder never throws on bad input, it counts it. */
export class Rejections {
  count = 0;
  lastReason: string | undefined;

  /** Record a refused symbol; returns false so `return this.rejected.refuse(...)` reads naturally. */
  refuse(reason: string): false {
    this.count++;
    this.lastReason = reason;
    return false;
  }

  get summary(): { count: number; lastReason?: string } {
    return this.lastReason === undefined
      ? { count: this.count }
      : { count: this.count, lastReason: this.lastReason };
  }
}

/** A fixed-size bit set (received-symbol maps). */
export class BitSet {
  readonly words: Uint32Array;
  constructor(readonly size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32));
  }
  has(i: number): boolean {
    return (this.words[i >>> 5]! & (1 << (i & 31))) !== 0;
  }
  /** Set bit i; true when it was clear. */
  add(i: number): boolean {
    const w = i >>> 5;
    const m = 1 << (i & 31);
    if ((this.words[w]! & m) !== 0) return false;
    this.words[w] = this.words[w]! | m;
    return true;
  }
  /** The indices in [0, limit) that are clear. */
  clear(limit = this.size): number[] {
    const out: number[] = [];
    for (let i = 0; i < limit; i++) if (!this.has(i)) out.push(i);
    return out;
  }
  get byteLength(): number {
    return this.words.byteLength;
  }
}
