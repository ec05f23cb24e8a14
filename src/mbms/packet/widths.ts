/**
 * Field widths of the variable LCT fields (RFC 3451 §5.1): CCI is 32·(C+1) bits, TSI 32·S + 16·H bits, TOI
 * 32·O + 16·H bits. H is shared, so TSI and TOI are both whole words or both a half-word over.
 */
import { byteWidth } from './bytes.ts';
import { type AlcPacket, PacketEncodeError } from './types.ts';

export interface FieldWidths {
  cciBytes: number;
  tsiBytes: number;
  toiBytes: number;
}

/** The profile's widths: CCI 32 bits (C=0), TSI 16 bits (S=0, H=1), TOI 16 bits (O=0, H=1). */
export const MBMS_WIDTHS: FieldWidths = { cciBytes: 4, tsiBytes: 2, toiBytes: 2 };

export const MAX_TSI = 2 ** 48 - 1;

/** The widths a packet goes on the wire with: its layout's if it has one, else the smallest that fit. */
export function wireWidths(p: AlcPacket): FieldWidths {
  return p.layout
    ? { cciBytes: p.layout.cciBytes, tsiBytes: p.layout.tsiBytes, toiBytes: p.layout.toiBytes }
    : smallestWidths(p);
}

/** Smallest widths holding the values, TSI and TOI at least 16 bits (a zero width only comes from a layout). */
export function smallestWidths(p: AlcPacket): FieldWidths {
  const cciWords = Math.max(1, Math.ceil(byteWidth(p.congestionControl) / 4));
  let tsiHalves = Math.max(1, Math.ceil(byteWidth(BigInt(p.tsi)) / 2));
  let toiHalves = Math.max(1, Math.ceil(byteWidth(p.toi) / 2));
  if (tsiHalves % 2 !== toiHalves % 2) {
    if (toiHalves < 7) toiHalves++;
    else tsiHalves++;
  }
  return { cciBytes: cciWords * 4, tsiBytes: tsiHalves * 2, toiBytes: toiHalves * 2 };
}

/** Throws PacketEncodeError unless the widths are ones the flags can express and the values fit them. */
/** Throws PacketEncodeError for values no width can hold (checked before any width is derived from them). */
export function checkRanges(p: AlcPacket): void {
  if (p.congestionControl < 0n || byteWidth(p.congestionControl) > 16)
    fail(`CCI ${p.congestionControl} does not fit 128 bits`);
  if (!Number.isInteger(p.tsi) || p.tsi < 0 || p.tsi > MAX_TSI) fail(`TSI ${p.tsi} does not fit 48 bits`);
  if (p.toi < 0n || byteWidth(p.toi) > 14) fail(`TOI ${p.toi} does not fit 112 bits`);
}

export function checkWidths(p: AlcPacket, w: FieldWidths): void {
  if (![4, 8, 12, 16].includes(w.cciBytes)) fail(`CCI width ${w.cciBytes} bytes is not 4, 8, 12 or 16`);
  if (![0, 2, 4, 6].includes(w.tsiBytes)) fail(`TSI width ${w.tsiBytes} bytes is not 0, 2, 4 or 6`);
  if (!(Number.isInteger(w.toiBytes) && w.toiBytes >= 0 && w.toiBytes <= 14 && w.toiBytes % 2 === 0)) {
    fail(`TOI width ${w.toiBytes} bytes is not an even number up to 14`);
  }
  if (w.tsiBytes % 4 !== w.toiBytes % 4) {
    fail(`TSI ${w.tsiBytes} bytes and TOI ${w.toiBytes} bytes cannot share the half-word flag H`);
  }
  if (byteWidth(p.congestionControl) > w.cciBytes)
    fail(`CCI ${p.congestionControl} does not fit ${w.cciBytes * 8} bits`);
  if (byteWidth(BigInt(p.tsi)) > w.tsiBytes) fail(`TSI ${p.tsi} does not fit ${w.tsiBytes * 8} bits`);
  if (byteWidth(p.toi) > w.toiBytes) fail(`TOI ${p.toi} does not fit ${w.toiBytes * 8} bits`);
}

function fail(what: string): never {
  throw new PacketEncodeError(`LCT encode: ${what}`);
}
