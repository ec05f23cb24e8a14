import { PerError, type PerErrorFactory, type PerReadFault, type Unworded, wordReadFault } from './faults.ts';
import { bitsForRange } from './range.ts';

export interface PerReaderOptions {
  /** Makes the caller's error for a fault in the input (default: PerError). */
  error?: PerErrorFactory<PerReadFault>;
}

interface Place {
  field: string;
  part?: 'length';
}

/**
 * Reads an unaligned PER encoding. Every read names its field, so a fault says which field and which bit;
 * whatever the input, a read returns a value or throws the error the caller's factory made.
 */
export class PerReader {
  readonly #data: Uint8Array;
  readonly #error: PerErrorFactory<PerReadFault>;
  #position = 0;

  constructor(data: Uint8Array, options: PerReaderOptions = {}) {
    this.#data = data;
    this.#error = options.error ?? ((fault) => new PerError(fault));
  }

  /** The next bit to read, counted from the start of the encoding. */
  get bitPosition(): number {
    return this.#position;
  }

  bit(field: string): boolean {
    return this.#read(1, { field }) === 1;
  }

  /** `count` (at most 53) bits as a non-negative integer, most significant first. */
  bits(count: number, field: string): number {
    return this.#read(count, { field });
  }

  /** INTEGER (lb..ub) in the fewest bits that hold ub − lb; a value above ub is a fault. */
  constrained(lb: number, ub: number, field: string): number {
    return this.#constrained(lb, ub, { field });
  }

  /** A length determinant with an upper bound below 64K: a constrained whole number (no bits when lb = ub). */
  constrainedLength(lb: number, ub: number, field: string): number {
    return this.#constrained(lb, ub, { field, part: 'length' });
  }

  /** The general length determinant (X.691 11.9.3.6/7); the fragmented form (16K or more) is a fault. */
  unconstrainedLength(field: string): number {
    return this.#generalLength({ field, part: 'length' });
  }

  /** `count` octets of a fixed-size OCTET STRING (or the value of a sized one). */
  octets(count: number, field: string): Uint8Array {
    const start = this.#position;
    const bitLength = this.#data.length * 8;
    if (start + count * 8 > bitLength) {
      throw this.#fail({
        kind: 'truncated',
        unit: 'octets',
        field,
        bitOffset: start,
        bitCount: count * 8,
        bitLength,
      });
    }
    if (start % 8 === 0) {
      this.#position += count * 8;
      return this.#data.slice(start / 8, start / 8 + count);
    }
    return Uint8Array.from({ length: count }, () => this.#read(8, { field }));
  }

  /** OCTET STRING (SIZE(lb..ub)), ub below 64K. */
  octetString(lb: number, ub: number, field: string): Uint8Array {
    return this.octets(this.constrainedLength(lb, ub, field), field);
  }

  /** OCTET STRING without a size constraint. */
  unconstrainedOctets(field: string): Uint8Array {
    return this.octets(this.unconstrainedLength(field), field);
  }

  /** A normally small non-negative whole number, as PerWriter.normallySmall writes it. */
  normallySmall(field: string): number {
    const place = { field };
    if (this.#read(1, place) === 0) return this.#read(6, place);
    return this.#generalLength(place, this.#position - 1);
  }

  /** VisibleString of unconstrained length, 7 bits a character; more than `maxLength` characters is a fault. */
  visibleString(maxLength: number, field: string): string {
    const start = this.#position;
    const length = this.unconstrainedLength(field);
    if (length > maxLength) {
      throw this.#fail({
        kind: 'too-long',
        field,
        part: 'length',
        bitOffset: start,
        bitCount: this.#position - start,
        length,
        max: maxLength,
      });
    }
    let text = '';
    for (let i = 0; i < length; i++) {
      const at = this.#position;
      const code = this.#read(7, { field });
      if (code < 0x20 || code > 0x7e)
        throw this.#fail({ kind: 'not-visible', field, bitOffset: at, bitCount: 7, code });
      text += String.fromCharCode(code);
    }
    return text;
  }

  /**
   * After the last field: only the zero padding of the final octet may remain. A lone zero octet read by
   * nothing is the encoding of an empty value (X.691 11.1), so its 8 bits count as padding.
   */
  end(): void {
    const bitLength = this.#data.length * 8;
    const remaining = bitLength - this.#position;
    const emptyEncoding = this.#position === 0 && this.#data.length === 1;
    if (remaining >= 8 && !emptyEncoding) {
      throw this.#fail({
        kind: 'trailing-octets',
        field: '',
        bitOffset: this.#position,
        bitCount: remaining,
        octets: Math.floor(remaining / 8),
      });
    }
    while (this.#position < bitLength) {
      const at = this.#position;
      if (this.#read(1, { field: '' }) === 1)
        throw this.#fail({ kind: 'non-zero-padding', field: '', bitOffset: at, bitCount: 1 });
    }
  }

  #read(count: number, place: Place): number {
    const bitLength = this.#data.length * 8;
    if (this.#position + count > bitLength) {
      throw this.#fail({
        kind: 'truncated',
        unit: 'bits',
        ...place,
        bitOffset: this.#position,
        bitCount: count,
        bitLength,
      });
    }
    let value = 0;
    for (let i = 0; i < count; i++) {
      const byte = this.#data[this.#position >> 3]!;
      value = value * 2 + ((byte >> (7 - (this.#position & 7))) & 1);
      this.#position++;
    }
    return value;
  }

  #constrained(lb: number, ub: number, place: Place): number {
    const start = this.#position;
    const width = bitsForRange(ub - lb + 1);
    const value = lb + this.#read(width, place);
    if (value > ub)
      throw this.#fail({ kind: 'above-bound', ...place, bitOffset: start, bitCount: width, value, lb, ub });
    return value;
  }

  /** 0 + 7 bits, 10 + 14 bits, or 11: the fragmented form, refused. `start` is where the construct began. */
  #generalLength(place: Place, start = this.#position): number {
    if (this.#read(1, place) === 0) return this.#read(7, place);
    if (this.#read(1, place) === 0) return this.#read(14, place);
    throw this.#fail({ kind: 'fragmented', ...place, bitOffset: start, bitCount: this.#position - start });
  }

  #fail(fault: Unworded<PerReadFault>): Error {
    return this.#error(wordReadFault(fault));
  }
}
