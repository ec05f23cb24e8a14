/** Bits for a constrained whole number with `range` values (X.691 11.5.7.1, unaligned: ceil(log2(range)); 0 for one value). */
export function bitsForRange(range: number): number {
  let bits = 0;
  while (2 ** bits < range) bits++;
  return bits;
}

/** X.691 11.9.3.6/7 without fragmentation: one octet below 128, two below 16384. */
export const SHORT_LENGTH_LIMIT = 128;
export const LENGTH_LIMIT = 16384;
/** Below this a normally small number is 6 bits (X.691 11.6.1). */
export const NORMALLY_SMALL_LIMIT = 64;
