/**
 * The few unaligned PER (ITU-T X.691, UPER) primitives the TR 26.850 RAck-IoT message needs: bits,
 * constrained whole numbers, fixed and constrained-length octet strings, the general length determinant
 * for unconstrained strings (up to 16 K), and the normally-small numbers that index enumeration extensions.
 */

export class PerError extends Error {
  override name = 'PerError';
}

export class BitWriter {
  #bytes: number[] = [];
  #bits = 0;

  bit(b: boolean): void {
    const byte = this.#bits >> 3;
    if (byte === this.#bytes.length) this.#bytes.push(0);
    if (b) this.#bytes[byte]! |= 0x80 >> (this.#bits & 7);
    this.#bits++;
  }

  /** value in `width` bits, most significant first. */
  bits(value: number, width: number): void {
    for (let i = width - 1; i >= 0; i--) this.bit(Math.floor(value / 2 ** i) % 2 === 1);
  }

  /** A whole number in lo..hi (X.691 §11.5.7.1): value − lo in the fewest bits that hold hi − lo. */
  constrained(value: number, lo: number, hi: number): void {
    if (!Number.isInteger(value) || value < lo || value > hi)
      throw new PerError(`${value} outside ${lo}..${hi}`);
    this.bits(value - lo, widthOf(hi - lo));
  }

  octets(data: Uint8Array): void {
    for (const b of data) this.bits(b, 8);
  }

  /** OCTET STRING (SIZE(lo..hi)), hi < 64 K: the length as a constrained number, then the octets. */
  octetString(data: Uint8Array, lo: number, hi: number): void {
    this.constrained(data.length, lo, hi);
    this.octets(data);
  }

  /** Unconstrained OCTET STRING: general length determinant (X.691 §11.9.3.6/7), up to 16383 octets. */
  unconstrainedOctets(data: Uint8Array): void {
    if (data.length < 128) this.bits(data.length, 8);
    else if (data.length < 16384) this.bits(0x8000 | data.length, 16);
    else throw new PerError(`${data.length}-octet string needs fragmentation, not supported`);
    this.octets(data);
  }

  /** Normally small non-negative whole number (X.691 §11.6), for enumeration extension indices. */
  normallySmall(n: number): void {
    if (n < 64) {
      this.bit(false);
      this.bits(n, 6);
    } else {
      this.bit(true);
      if (n > 16383) throw new PerError(`normally small number ${n} too large`);
      this.bits(n < 128 ? n : 0x8000 | n, n < 128 ? 8 : 16);
    }
  }

  /** The complete encoding, padded to whole octets (X.691 §11.1; an empty encoding is one zero octet). */
  finish(): Uint8Array {
    return this.#bits === 0 ? Uint8Array.of(0) : Uint8Array.from(this.#bytes);
  }
}

export class BitReader {
  readonly #bytes: Uint8Array;
  #bit = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  get position(): number {
    return this.#bit;
  }

  bit(): boolean {
    if (this.#bit >= this.#bytes.length * 8) throw new PerError(`ran out of bits at bit ${this.#bit}`);
    const b = (this.#bytes[this.#bit >> 3]! >> (7 - (this.#bit & 7))) & 1;
    this.#bit++;
    return b === 1;
  }

  bits(width: number): number {
    let v = 0;
    for (let i = 0; i < width; i++) v = v * 2 + (this.bit() ? 1 : 0);
    return v;
  }

  constrained(lo: number, hi: number): number {
    const v = lo + this.bits(widthOf(hi - lo));
    if (v > hi) throw new PerError(`value ${v} above ${hi} at bit ${this.#bit}`);
    return v;
  }

  octets(n: number): Uint8Array {
    if (this.#bit + n * 8 > this.#bytes.length * 8)
      throw new PerError(`${n} octets needed at bit ${this.#bit}, too few left`);
    return Uint8Array.from({ length: n }, () => this.bits(8));
  }

  octetString(lo: number, hi: number): Uint8Array {
    return this.octets(this.constrained(lo, hi));
  }

  unconstrainedOctets(): Uint8Array {
    const first = this.bits(8);
    if ((first & 0x80) === 0) return this.octets(first);
    if ((first & 0x40) === 0) return this.octets(((first & 0x3f) << 8) | this.bits(8));
    throw new PerError(`fragmented length at bit ${this.#bit - 8}, not supported`);
  }

  normallySmall(): number {
    if (!this.bit()) return this.bits(6);
    const first = this.bits(8);
    if ((first & 0x80) === 0) return first;
    if ((first & 0x40) === 0) return ((first & 0x3f) << 8) | this.bits(8);
    throw new PerError('fragmented normally-small number');
  }

  /** After the last field only the zero padding of the final octet may remain. */
  expectEnd(): void {
    const left = this.#bytes.length * 8 - this.#bit;
    if (left >= 8) throw new PerError(`${Math.floor(left / 8)} trailing octets`);
    while (this.#bit < this.#bytes.length * 8) if (this.bit()) throw new PerError('non-zero padding bits');
  }
}

/** Bits for a range of `span + 1` values (0 for a single value). */
function widthOf(span: number): number {
  let w = 0;
  while (2 ** w <= span) w++;
  return w;
}
