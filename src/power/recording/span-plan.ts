/**
 * How to cover a span of samples with the fewest reads: whole pyramid entries in the middle, climbing a level
 * wherever FAN_OUT aligned entries fit, and raw samples only at the two edges (less than one level-1 entry
 * each). A span of any length costs at most 2·(FAN_OUT−1) entries per level plus 2·(BASE_SAMPLES−1) samples.
 */

export interface SpanPiece {
  /** 0 = raw samples; L ≥ 1 = entries of pyramid level L. */
  level: number;
  /** Sample indices (level 0) or entry indices within the level, half-open. */
  from: number;
  to: number;
}

export function planSpan(
  from: number,
  to: number,
  base: number,
  fanOut: number,
  levels: number,
): SpanPiece[] {
  if (to <= from) return [];
  let a = Math.ceil(from / base);
  let b = Math.floor(to / base);
  if (a >= b) return [{ level: 0, from, to }];
  const pieces: SpanPiece[] = [];
  if (from < a * base) pieces.push({ level: 0, from, to: a * base });
  if (b * base < to) pieces.push({ level: 0, from: b * base, to });
  for (let level = 1; ; level++) {
    const a2 = Math.ceil(a / fanOut);
    const b2 = Math.floor(b / fanOut);
    if (level === levels || a2 >= b2) {
      pieces.push({ level, from: a, to: b });
      return pieces;
    }
    if (a < a2 * fanOut) pieces.push({ level, from: a, to: a2 * fanOut });
    if (b2 * fanOut < b) pieces.push({ level, from: b2 * fanOut, to: b });
    a = a2;
    b = b2;
  }
}
