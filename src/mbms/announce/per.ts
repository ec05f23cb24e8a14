/**
 * ASN.1 PER, the UNALIGNED variant (ITU-T X.691), for the constructs the TR 26.850 announcement uses:
 * constrained whole numbers, BOOLEAN, fixed BIT/OCTET STRINGs, length-constrained OCTET STRINGs and
 * SEQUENCE OF, unconstrained lengths up to 16K, CHOICE indices, SEQUENCE presence bitmaps, and UTCTime
 * as a VisibleString. Unaligned, as TS 36.331 (the model for the TR's `nonCriticalExtension` style) uses.
 */
import { AnnounceError } from './errors.ts';

const RESOURCE = 'TR 26.850 announcement';

/** Bits needed for a constrained whole number with `range` values (X.691 11.6.3: 0 bits when range 1). */
export function bitsForRange(range: number): number {
  let bits = 0;
  while (2 ** bits < range) bits++;
  return bits;
}

export class PerWriter {
  private readonly bytes: number[] = [];
  private bitLength = 0;

  constructor(private readonly fail: (problem: string) => AnnounceError) {}

  /** Writes `count` (0..32) bits of a non-negative integer, most significant first. */
  bits(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) this.bit(Math.floor(value / 2 ** i) % 2 === 1);
  }

  bit(on: boolean): void {
    const byte = this.bitLength >> 3;
    if (byte === this.bytes.length) this.bytes.push(0);
    if (on) this.bytes[byte]! |= 0x80 >> (this.bitLength & 7);
    this.bitLength++;
  }

  octets(data: Uint8Array): void {
    for (const b of data) this.bits(b, 8);
  }

  /** INTEGER (lb..ub) as value - lb in the fewest bits (X.691 11.5.7.1, unaligned). */
  constrained(value: number, lb: number, ub: number, field: string): void {
    if (!Number.isInteger(value) || value < lb || value > ub)
      throw this.fail(`${field} must be an integer ${lb}..${ub}, is ${value}`);
    this.bits(value - lb, bitsForRange(ub - lb + 1));
  }

  /** A length determinant with an upper bound below 64K (X.691 11.9.3.3: a constrained whole number). */
  constrainedLength(n: number, lb: number, ub: number, field: string): void {
    if (n < lb || n > ub) throw this.fail(`${field} must have ${lb}..${ub} elements or octets, has ${n}`);
    if (lb !== ub) this.bits(n - lb, bitsForRange(ub - lb + 1));
  }

  /** An unconstrained length (X.691 11.9.3.6/7): one octet below 128, two below 16384. */
  unconstrainedLength(n: number, field: string): void {
    if (n < 128) this.bits(n, 8);
    else if (n < 16384) this.bits(0x8000 | n, 16);
    else
      throw this.fail(
        `${field} of ${n} octets would need a fragmented length, which this encoder does not write`,
      );
  }

  octetString(data: Uint8Array, lb: number, ub: number, field: string): void {
    this.constrainedLength(data.length, lb, ub, field);
    this.octets(data);
  }

  /** UTCTime: a VisibleString of unconstrained length, 7 bits per character in UNALIGNED PER. */
  visibleString(text: string, field: string): void {
    this.unconstrainedLength(text.length, field);
    for (const ch of text) {
      const code = ch.charCodeAt(0);
      if (code < 0x20 || code > 0x7e)
        throw this.fail(`${field} holds a character VisibleString cannot carry`);
      this.bits(code, 7);
    }
  }

  /** The complete encoding, padded with zero bits to a whole octet (X.691 11.1.3). */
  finish(): Uint8Array {
    return this.bytes.length === 0 ? new Uint8Array(1) : Uint8Array.from(this.bytes);
  }
}

export class PerReader {
  private position = 0;
  /** The field being read, for error messages (`usbd.deliveryMethod.sessionDescriptionURI`). */
  field = '';

  constructor(private readonly data: Uint8Array) {}

  fail(problem: string): AnnounceError {
    return new AnnounceError({
      code: 'bad-binary',
      resource: RESOURCE,
      operation: 'decode',
      where: `bit ${this.position}${this.field === '' ? '' : ` (${this.field})`}`,
      problem,
    });
  }

  get bitPosition(): number {
    return this.position;
  }

  bit(): boolean {
    if (this.position >= this.data.length * 8) throw this.fail('the encoding ends early');
    const on = (this.data[this.position >> 3]! & (0x80 >> (this.position & 7))) !== 0;
    this.position++;
    return on;
  }

  bits(count: number): number {
    let v = 0;
    for (let i = 0; i < count; i++) v = v * 2 + (this.bit() ? 1 : 0);
    return v;
  }

  octets(n: number): Uint8Array {
    if (this.position + n * 8 > this.data.length * 8) throw this.fail(`the encoding ends before ${n} octets`);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.bits(8);
    return out;
  }

  constrained(lb: number, ub: number): number {
    const v = lb + this.bits(bitsForRange(ub - lb + 1));
    if (v > ub) throw this.fail(`value ${v} is above the upper bound ${ub}`);
    return v;
  }

  constrainedLength(lb: number, ub: number): number {
    return lb === ub ? lb : this.constrained(lb, ub);
  }

  unconstrainedLength(): number {
    if (!this.bit()) return this.bits(7);
    if (!this.bit()) return this.bits(14);
    throw this.fail('a fragmented length (16K or more) is not accepted in an announcement');
  }

  octetString(lb: number, ub: number): Uint8Array {
    return this.octets(this.constrainedLength(lb, ub));
  }

  visibleString(maxLength: number): string {
    const n = this.unconstrainedLength();
    if (n > maxLength) throw this.fail(`string of ${n} characters, at most ${maxLength} expected`);
    let s = '';
    for (let i = 0; i < n; i++) {
      const code = this.bits(7);
      if (code < 0x20 || code > 0x7e)
        throw this.fail(`character code ${code} is not a VisibleString character`);
      s += String.fromCharCode(code);
    }
    return s;
  }

  /** The rest must be the zero padding of the last octet, nothing more. */
  end(): void {
    const remaining = this.data.length * 8 - this.position;
    if (remaining >= 8) throw this.fail(`${remaining >> 3} octet(s) after the end of the encoding`);
    if (this.position === 0 && this.data.length === 1) return;
    for (let i = 0; i < remaining; i++)
      if (this.bit()) throw this.fail('padding bits after the encoding are not zero');
  }
}
