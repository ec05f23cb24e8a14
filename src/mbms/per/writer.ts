import {
  PerError,
  type PerErrorFactory,
  type PerWriteFault,
  type Unworded,
  wordWriteFault,
} from './faults.ts';
import { bitsForRange, LENGTH_LIMIT, NORMALLY_SMALL_LIMIT, SHORT_LENGTH_LIMIT } from './range.ts';

export interface PerWriterOptions {
  /** Makes the caller's error for a value the encoding cannot hold (default: PerError). */
  error?: PerErrorFactory<PerWriteFault>;
}

/** Builds an unaligned PER encoding bit by bit, most significant bit first. */
export class PerWriter {
  readonly #bytes: number[] = [];
  #bitLength = 0;
  readonly #error: PerErrorFactory<PerWriteFault>;

  constructor(options: PerWriterOptions = {}) {
    this.#error = options.error ?? ((fault) => new PerError(fault));
  }

  /** Bits written so far. */
  get bitLength(): number {
    return this.#bitLength;
  }

  bit(on: boolean): void {
    const byte = this.#bitLength >> 3;
    if (byte === this.#bytes.length) this.#bytes.push(0);
    if (on) this.#bytes[byte]! |= 0x80 >> (this.#bitLength & 7);
    this.#bitLength++;
  }

  /** The low `count` bits of a non-negative integer `value`, unchecked: a fixed-size BIT STRING or prefix. */
  bits(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) this.bit(Math.floor(value / 2 ** i) % 2 === 1);
  }

  octets(data: Uint8Array): void {
    for (const byte of data) this.bits(byte, 8);
  }

  /** INTEGER (lb..ub): value − lb in the fewest bits that hold ub − lb (X.691 11.5.7.1). */
  constrained(value: number, lb: number, ub: number, field: string): void {
    if (!Number.isInteger(value) || value < lb || value > ub)
      throw this.#fail({ kind: 'out-of-range', field, value, lb, ub });
    this.bits(value - lb, bitsForRange(ub - lb + 1));
  }

  /** A length determinant with an upper bound below 64K (X.691 11.9.3.3): no bits when lb = ub. */
  constrainedLength(n: number, lb: number, ub: number, field: string): void {
    if (!Number.isInteger(n) || n < lb || n > ub)
      throw this.#fail({ kind: 'out-of-range', field, part: 'length', value: n, lb, ub });
    this.bits(n - lb, bitsForRange(ub - lb + 1));
  }

  /** The general length determinant (X.691 11.9.3.6/7), unfragmented: below 16384. */
  unconstrainedLength(n: number, field: string): void {
    if (!Number.isInteger(n) || n < 0)
      throw this.#fail({
        kind: 'out-of-range',
        field,
        part: 'length',
        value: n,
        lb: 0,
        ub: LENGTH_LIMIT - 1,
      });
    if (n >= LENGTH_LIMIT) throw this.#fail({ kind: 'needs-fragmentation', field, part: 'length', value: n });
    if (n < SHORT_LENGTH_LIMIT) this.bits(n, 8);
    else this.bits(0x8000 | n, 16);
  }

  /** OCTET STRING (SIZE(lb..ub)), ub below 64K: the constrained length, then the octets. */
  octetString(data: Uint8Array, lb: number, ub: number, field: string): void {
    this.constrainedLength(data.length, lb, ub, field);
    this.octets(data);
  }

  /** OCTET STRING without a size constraint: the general length, then the octets. */
  unconstrainedOctets(data: Uint8Array, field: string): void {
    this.unconstrainedLength(data.length, field);
    this.octets(data);
  }

  /**
   * A normally small non-negative whole number (X.691 11.6), as enumeration extension indices use: below 64,
   * a 0 bit and 6 bits. From 64 on this writes a 1 bit and then n itself in the general length form (one
   * octet below 128, two below 16384), which is what the RAck-IoT encoder has always sent; X.691 11.6.2
   * instead wants a 1 bit, a length determinant and n in the fewest octets (Erlang's asn1 encodes the 65th
   * extension value of an extensible ENUMERATED as C0 50 00: extension bit, 1, length 01, 40). Kept
   * byte-identical until that wire change is decided.
   */
  normallySmall(n: number, field: string): void {
    if (!Number.isInteger(n) || n < 0)
      throw this.#fail({ kind: 'out-of-range', field, value: n, lb: 0, ub: LENGTH_LIMIT - 1 });
    if (n < NORMALLY_SMALL_LIMIT) {
      this.bit(false);
      this.bits(n, 6);
      return;
    }
    if (n >= LENGTH_LIMIT) throw this.#fail({ kind: 'needs-fragmentation', field, value: n });
    this.bit(true);
    if (n < SHORT_LENGTH_LIMIT) this.bits(n, 8);
    else this.bits(0x8000 | n, 16);
  }

  /** VisibleString of unconstrained length: the general length, then 7 bits a character (unaligned). */
  visibleString(text: string, field: string): void {
    this.unconstrainedLength(text.length, field);
    for (const ch of text) {
      const code = ch.charCodeAt(0);
      if (code < 0x20 || code > 0x7e) throw this.#fail({ kind: 'not-visible', field, code });
      this.bits(code, 7);
    }
  }

  /** The complete encoding, padded with zero bits to whole octets; an empty one is one zero octet (X.691 11.1). */
  finish(): Uint8Array {
    return this.#bitLength === 0 ? new Uint8Array(1) : Uint8Array.from(this.#bytes);
  }

  #fail(fault: Unworded<PerWriteFault>): Error {
    return this.#error(wordWriteFault(fault));
  }
}
