/**
 * How an object is cut into source blocks and symbols.
 *
 * - RFC 5052 §9.1 (the FLUTE blocking algorithm, used by Compact No-Code): T = ceil(L/E) source symbols,
 *   N = ceil(T/B) blocks, A_large = ceil(T/N), A_small = floor(T/N); the first I = T − A_small·N blocks have
 *   A_large symbols, the rest A_small. Only the very last symbol of the object may be short.
 * - RFC 5053 §5.3.1.2 / RFC 6330 §4.4.1.2 (Raptor, RaptorQ): Kt = ceil(F/T), (KL, KS, ZL, ZS) = Partition[Kt, Z]
 *   gives Z blocks (ZL of KL symbols first), the object padded with zeros to Kt·T; each block is cut into
 *   N sub-blocks, (TL, TS, NL, NS) = Partition[T/Al, N]: sub-block j holds the block's K sub-symbols of
 *   T_j bytes (TL·Al for the first NL, TS·Al after), contiguously; encoding symbol m is the concatenation of
 *   sub-symbol m of every sub-block. With N = 1 a symbol is simply T contiguous bytes.
 */
import { FecError } from './types.ts';

export interface BlockPartition {
  /** Source symbols in the object (RFC 5052's T). */
  sourceSymbols: number;
  /** Source blocks (RFC 5052's N). */
  blockCount: number;
  /** A_large, A_small: symbols in the larger and smaller blocks. */
  largeBlockLength: number;
  smallBlockLength: number;
  /** I: how many blocks (the first ones) have A_large symbols. */
  largeBlockCount: number;
}

/** RFC 5052 §9.1: L bytes, E-byte symbols, at most B symbols per block. */
export function blockPartition(
  transferLength: number,
  symbolLength: number,
  maxBlockLength: number,
): BlockPartition {
  if (!(symbolLength >= 1) || !(maxBlockLength >= 1)) {
    throw new FecError(
      `block partitioning: symbol length ${symbolLength} and maximum source block length ${maxBlockLength} must be ≥ 1`,
    );
  }
  const sourceSymbols = Math.ceil(transferLength / symbolLength);
  const blockCount = Math.ceil(sourceSymbols / maxBlockLength);
  if (blockCount === 0) {
    return { sourceSymbols, blockCount, largeBlockLength: 0, smallBlockLength: 0, largeBlockCount: 0 };
  }
  const largeBlockLength = Math.ceil(sourceSymbols / blockCount);
  const smallBlockLength = Math.floor(sourceSymbols / blockCount);
  const largeBlockCount = sourceSymbols - smallBlockLength * blockCount;
  return { sourceSymbols, blockCount, largeBlockLength, smallBlockLength, largeBlockCount };
}

export interface Split {
  /** IL, IS: the larger and smaller part sizes. */
  large: number;
  small: number;
  /** JL, JS: how many parts of each size (the larger ones first). */
  largeCount: number;
  smallCount: number;
}

/** Partition[I, J] of RFC 5053 §5.3.1.2 / RFC 6330 §4.4.1.2: I units into J nearly equal parts. */
export function partition(i: number, j: number): Split {
  const large = Math.ceil(i / j);
  const small = Math.floor(i / j);
  const largeCount = i - small * j;
  return { large, small, largeCount, smallCount: j - largeCount };
}

export interface SourceBlock {
  sbn: number;
  /** K: source symbols in the block. */
  sourceSymbols: number;
  /** Where the block starts in the (zero-padded) object, bytes. */
  offset: number;
}

/** The source blocks of an object, as laid out by Raptor/RaptorQ (Z blocks, N sub-blocks, alignment Al). */
export interface ObjectLayout {
  transferLength: number;
  symbolLength: number;
  /** Kt = ceil(F/T). */
  totalSymbols: number;
  blocks: SourceBlock[];
  /** T_j for each of the N sub-blocks, bytes (they add up to T). */
  subSymbolLengths: number[];
  /** Prefix sums of subSymbolLengths: sub-block j of a K-symbol block starts K·subSymbolStarts[j] bytes in. */
  subSymbolStarts: number[];
}

/** Lay an object out per RFC 5053 §5.3.1.2 (RFC 6330 §4.4.1.2 is the same). Arguments must be validated. */
export function layoutObject(F: number, T: number, Z: number, N: number, Al: number): ObjectLayout {
  const totalSymbols = Math.ceil(F / T);
  const blocks: SourceBlock[] = [];
  if (totalSymbols > 0) {
    const b = partition(totalSymbols, Z);
    let offset = 0;
    for (let sbn = 0; sbn < Z; sbn++) {
      const k = sbn < b.largeCount ? b.large : b.small;
      blocks.push({ sbn, sourceSymbols: k, offset });
      offset += k * T;
    }
  }
  const s = partition(T / Al, N);
  const subSymbolLengths: number[] = [];
  const subSymbolStarts: number[] = [];
  let start = 0;
  for (let j = 0; j < N; j++) {
    const len = (j < s.largeCount ? s.large : s.small) * Al;
    subSymbolStarts.push(start);
    subSymbolLengths.push(len);
    start += len;
  }
  return { transferLength: F, symbolLength: T, totalSymbols, blocks, subSymbolLengths, subSymbolStarts };
}

/** Where sub-symbol m of sub-block j of `block` lies in the padded object, bytes. */
export function subSymbolOffset(layout: ObjectLayout, block: SourceBlock, j: number, m: number): number {
  return block.offset + block.sourceSymbols * layout.subSymbolStarts[j]! + m * layout.subSymbolLengths[j]!;
}

/**
 * Source symbol `esi` of `block`, read from the object bytes (which may stop at F: what lies beyond is the
 * zero padding). With one sub-block and a symbol inside the data, a view is returned, not a copy.
 */
export function readSourceSymbol(
  object: Uint8Array,
  layout: ObjectLayout,
  block: SourceBlock,
  esi: number,
): Uint8Array {
  const T = layout.symbolLength;
  if (layout.subSymbolLengths.length === 1) {
    const at = block.offset + esi * T;
    if (at + T <= object.length) return object.subarray(at, at + T);
    const out = new Uint8Array(T);
    if (at < object.length) out.set(object.subarray(at));
    return out;
  }
  const out = new Uint8Array(T);
  for (let j = 0; j < layout.subSymbolLengths.length; j++) {
    const len = layout.subSymbolLengths[j]!;
    const at = subSymbolOffset(layout, block, j, esi);
    if (at < object.length)
      out.set(object.subarray(at, Math.min(at + len, object.length)), layout.subSymbolStarts[j]!);
  }
  return out;
}

/** Write source symbol `esi` of `block` into the padded object buffer (length ≥ Kt·T). */
export function writeSourceSymbol(
  object: Uint8Array,
  layout: ObjectLayout,
  block: SourceBlock,
  esi: number,
  symbol: Uint8Array,
): void {
  if (layout.subSymbolLengths.length === 1) {
    object.set(symbol, block.offset + esi * layout.symbolLength);
    return;
  }
  for (let j = 0; j < layout.subSymbolLengths.length; j++) {
    const from = layout.subSymbolStarts[j]!;
    object.set(
      symbol.subarray(from, from + layout.subSymbolLengths[j]!),
      subSymbolOffset(layout, block, j, esi),
    );
  }
}
