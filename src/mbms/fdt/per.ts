/**
 * A small unaligned PER (ITU-T X.691, UNALIGNED variant) bit writer and reader: just the constructs the
 * TR 26.850 binary FDT uses — constrained whole numbers, fixed-size BIT STRINGs, size-constrained OCTET
 * STRINGs and SEQUENCE OF counts, optional-component bitmaps, 2-way CHOICE indices, and the general
 * length determinant (without fragmentation) for unconstrained OCTET STRINGs.
 */
import { FdtError } from './errors.ts';

/** Bits needed for a constrained whole number with `range` values (X.691 11.5.7.1: ceil(log2(range))). */
export function bitsForRange(range: number): number {
  let bits = 0;
  while (2 ** bits < range) bits++;
  return bits;
}

export class PerWriter {
  private readonly bytes: number[] = [];
  private current = 0;
  private used = 0;

  /** `count` ≤ 32 bits of `value`, most significant first. */
  bits(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) {
      this.current = (this.current << 1) | (Math.floor(value / 2 ** i) & 1);
      if (++this.used === 8) {
        this.bytes.push(this.current);
        this.current = 0;
        this.used = 0;
      }
    }
  }

  bool(value: boolean): void {
    this.bits(value ? 1 : 0, 1);
  }

  /** INTEGER (lb..ub): value − lb in the minimum number of bits. */
  constrainedInt(value: number, lb: number, ub: number): void {
    this.bits(value - lb, bitsForRange(ub - lb + 1));
  }

  octets(data: Uint8Array): void {
    for (const byte of data) this.bits(byte, 8);
  }

  /** OCTET STRING (SIZE(lb..ub)) with ub < 64K: constrained length, then the octets. */
  sizedOctets(data: Uint8Array, lb: number, ub: number): void {
    this.constrainedInt(data.length, lb, ub);
    this.octets(data);
  }

  /** X.691 11.9.4.2 general length determinant, unfragmented (n < 16384). */
  length(n: number): void {
    if (n < 128) this.bits(n, 8);
    else this.bits(0x8000 | n, 16);
  }

  /** The complete encoding: padded with zero bits to a whole octet (X.691 11.1). */
  finish(): Uint8Array {
    const bytes = [...this.bytes];
    if (this.used > 0) bytes.push(this.current << (8 - this.used));
    return Uint8Array.from(bytes.length === 0 ? [0] : bytes);
  }
}

export class PerReader {
  private position = 0;

  constructor(
    private readonly data: Uint8Array,
    private readonly operation: string,
  ) {}

  /** Where the reader is, in bits, for messages. */
  get bitPosition(): number {
    return this.position;
  }

  bits(count: number, field: string): number {
    if (this.position + count > this.data.length * 8) {
      throw new FdtError({
        code: 'bad-binary',
        operation: this.operation,
        attribute: field,
        problem: `ends at bit ${this.data.length * 8}, ${count} more bits needed at bit ${this.position}`,
      });
    }
    let value = 0;
    for (let i = 0; i < count; i++) {
      const byte = this.data[this.position >> 3]!;
      value = value * 2 + ((byte >> (7 - (this.position & 7))) & 1);
      this.position++;
    }
    return value;
  }

  bool(field: string): boolean {
    return this.bits(1, field) === 1;
  }

  constrainedInt(lb: number, ub: number, field: string): number {
    const value = lb + this.bits(bitsForRange(ub - lb + 1), field);
    if (value > ub) {
      throw new FdtError({
        code: 'bad-binary',
        operation: this.operation,
        attribute: field,
        value: String(value),
        expected: `${lb}..${ub}`,
      });
    }
    return value;
  }

  octets(count: number, field: string): Uint8Array {
    if (this.position + count * 8 > this.data.length * 8) {
      throw new FdtError({
        code: 'bad-binary',
        operation: this.operation,
        attribute: field,
        problem: `${count} octets announced, ${Math.floor((this.data.length * 8 - this.position) / 8)} left`,
      });
    }
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) out[i] = this.bits(8, field);
    return out;
  }

  sizedOctets(lb: number, ub: number, field: string): Uint8Array {
    return this.octets(this.constrainedInt(lb, ub, `${field} length`), field);
  }

  length(field: string): number {
    if (this.bits(1, field) === 0) return this.bits(7, field);
    if (this.bits(1, field) === 0) return this.bits(14, field);
    throw new FdtError({
      code: 'bad-binary',
      operation: this.operation,
      attribute: field,
      problem: 'fragmented length (≥ 16384 octets) is not supported',
    });
  }

  /** After the last field: only zero padding to the octet boundary may remain. */
  finish(): void {
    const end = this.data.length * 8;
    const padding = end - this.position;
    const isMinimalEmpty = this.position === 0 && this.data.length === 1;
    if (padding >= 8 && !isMinimalEmpty) {
      throw new FdtError({
        code: 'bad-binary',
        operation: this.operation,
        problem: `${Math.floor(padding / 8)} trailing octets after the encoding`,
      });
    }
    if (padding > 0 && this.bits(padding, 'padding') !== 0) {
      throw new FdtError({ code: 'bad-binary', operation: this.operation, problem: 'non-zero padding bits' });
    }
  }
}
