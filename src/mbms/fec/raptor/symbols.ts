/**
 * Fixed-size symbols of T bytes in one contiguous buffer, and the XOR / copy between them that the codec spends
 * its time in. When T is a multiple of 4 and the buffer is 4-aligned, symbols are combined as 32-bit words.
 */
export class SymbolBuffer {
  readonly bytes: Uint8Array;
  /** Word view when every symbol starts 4-aligned (T % 4 === 0 and aligned storage). */
  readonly words: Uint32Array | undefined;
  readonly wordsPerSymbol: number;

  constructor(
    readonly count: number,
    readonly T: number,
    storage?: Uint8Array,
  ) {
    this.bytes = storage ?? new Uint8Array(count * T);
    const aligned = T % 4 === 0 && this.bytes.byteOffset % 4 === 0;
    this.words = aligned
      ? new Uint32Array(this.bytes.buffer, this.bytes.byteOffset, (count * T) / 4)
      : undefined;
    this.wordsPerSymbol = T / 4;
  }

  /** A view (no copy) of symbol i. */
  view(i: number): Uint8Array {
    return this.bytes.subarray(i * this.T, (i + 1) * this.T);
  }
}

/** dst[di] ^= src[si]. */
export function xorSymbol(dst: SymbolBuffer, di: number, src: SymbolBuffer, si: number): void {
  const dw = dst.words;
  const sw = src.words;
  if (dw !== undefined && sw !== undefined) {
    const n = dst.wordsPerSymbol;
    let d = di * n;
    let s = si * n;
    const end = d + n;
    // Unrolled by 4: T is usually a multiple of 16 (Al = 4, T = 4·k), the tail loop covers the rest.
    const end4 = d + (n & ~3);
    while (d < end4) {
      dw[d] = (dw[d] as number) ^ (sw[s] as number);
      dw[d + 1] = (dw[d + 1] as number) ^ (sw[s + 1] as number);
      dw[d + 2] = (dw[d + 2] as number) ^ (sw[s + 2] as number);
      dw[d + 3] = (dw[d + 3] as number) ^ (sw[s + 3] as number);
      d += 4;
      s += 4;
    }
    for (; d < end; d++, s++) dw[d] = (dw[d] as number) ^ (sw[s] as number);
    return;
  }
  const T = dst.T;
  const db = dst.bytes;
  const sb = src.bytes;
  const d0 = di * T;
  const s0 = si * T;
  for (let k = 0; k < T; k++) db[d0 + k] = (db[d0 + k] as number) ^ (sb[s0 + k] as number);
}

/** dst[di] = src[si]. */
export function copySymbol(dst: SymbolBuffer, di: number, src: SymbolBuffer, si: number): void {
  const dw = dst.words;
  const sw = src.words;
  if (dw !== undefined && sw !== undefined) {
    const n = dst.wordsPerSymbol;
    const d = di * n;
    const s = si * n;
    for (let k = 0; k < n; k++) dw[d + k] = sw[s + k] as number;
    return;
  }
  const T = dst.T;
  dst.bytes.set(src.bytes.subarray(si * T, (si + 1) * T), di * T);
}

/** dst[di] = 0. */
export function zeroSymbol(dst: SymbolBuffer, di: number): void {
  const dw = dst.words;
  if (dw !== undefined) {
    const n = dst.wordsPerSymbol;
    const d = di * n;
    for (let k = 0; k < n; k++) dw[d + k] = 0;
    return;
  }
  dst.bytes.fill(0, di * dst.T, (di + 1) * dst.T);
}
