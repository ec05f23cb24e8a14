/**
 * Transport parameters for Raptor (FEC Encoding ID 1): RFC 5053 §4.2's derivation with the inputs that
 * TS 26.346 Annex B.3.4.1 recommends for MBMS download (W = 256 KB, Al = 4, K_MIN = 1024, G_MAX = 10,
 * K_MAX = 8192):
 *
 *   G  = min(ceil(P·K_MIN/F), P/Al, G_MAX)   symbols per packet
 *   T  = floor(P/(Al·G))·Al                  symbol size
 *   Kt = ceil(F/T)                           source symbols in the object
 *   Z  = ceil(Kt/K_MAX)                      source blocks
 *   N  = min(ceil(ceil(Kt/Z)·T/W), T/Al)     sub-blocks per block, so a sub-block (what a receiver decodes
 *                                            at once) stays within W bytes
 *
 * P is the packet payload for symbols (a multiple of Al). The encoder takes T directly and applies the last
 * three lines; raptorTransportParameters() gives the whole chain for a sender that starts from P.
 *
 * Table B.3.4.2-1 (P = 512, 100 KB = 102,400 bytes) is reproduced row by row, with two notes:
 * - its second 100 KB row (G = 8, T = 64) follows B.3.4.1's advice that T divide P; `wholeSymbolsPerPacket`
 *   picks the next G that divides P/Al, which gives that row;
 * - its 1,000 KB row lists N = 5, but the formula gives N = ceil(2000·512/262144) = 4, whose sub-blocks of
 *   256,000 bytes are within W; the other rows agree with the formula, so we keep the formula.
 */
import { layoutObject, type ObjectLayout, partition } from './partition.ts';
import { FecError } from './types.ts';
import { checkRange } from './wire.ts';

/** RFC 5053: K ranges over 4..8192 (the systematic index table J(K) covers exactly that). */
export const RAPTOR_MIN_K = 4;
export const RAPTOR_MAX_K_DEFAULT = 8192;
/** TS 26.346 B.3.4.1 recommended inputs. */
export const RAPTOR_SUB_BLOCK_BYTES = 256 * 1024;
export const RAPTOR_ALIGNMENT = 4;
export const RAPTOR_K_MIN = 1024;
export const RAPTOR_G_MAX = 10;
/** RFC 5053 §3.2.2: F is at most 2^45 (16-bit T · 2^13 symbols · 2^16 blocks). */
export const RAPTOR_MAX_TRANSFER_LENGTH = 2 ** 45;

export interface RaptorObjectParameters {
  T: number;
  Al: number;
  Kt: number;
  Z: number;
  N: number;
}

/** Z and N for an object of F bytes in T-byte symbols (RFC 5053 §4.2, the last two lines). */
export function raptorObjectParameters(
  F: number,
  T: number,
  options: { alignment?: number; maxSourceBlockLength?: number; subBlockBytes?: number } = {},
): RaptorObjectParameters {
  const Al = checkRange('Raptor symbol alignment Al', options.alignment ?? RAPTOR_ALIGNMENT, 1, 255);
  checkRange('Raptor transfer length', F, 0, RAPTOR_MAX_TRANSFER_LENGTH);
  checkRange('Raptor symbol length T', T, Al, 0xffff);
  if (T % Al !== 0)
    throw new FecError(`Raptor: symbol length T=${T} is not a multiple of the alignment Al=${Al}`);
  const kMax = checkRange(
    'Raptor maximum source block length',
    options.maxSourceBlockLength ?? RAPTOR_MAX_K_DEFAULT,
    RAPTOR_MIN_K,
    RAPTOR_MAX_K_DEFAULT,
  );
  const W = checkRange(
    'Raptor sub-block size W',
    options.subBlockBytes ?? RAPTOR_SUB_BLOCK_BYTES,
    1,
    2 ** 40,
  );
  const Kt = Math.ceil(F / T);
  const Z = Math.ceil(Kt / kMax);
  if (Z > 0xffff)
    throw new FecError(`Raptor: ${F} bytes in ${T}-byte symbols need ${Z} source blocks; Z is 16 bits`);
  // N is an 8-bit field; past 255 the sub-blocks simply exceed W.
  const N = Z === 0 ? 1 : Math.min(Math.ceil((Math.ceil(Kt / Z) * T) / W), T / Al, 255);
  return { T, Al, Kt, Z, N };
}

export interface RaptorTransportParameters extends RaptorObjectParameters {
  /** Symbols per packet. */
  G: number;
  /** The partition of the object into blocks and of each block into sub-blocks. */
  KL: number;
  KS: number;
  ZL: number;
  ZS: number;
  /** Sub-symbol sizes in bytes (TL·Al, TS·Al) and how many sub-blocks of each. */
  largeSubSymbol: number;
  smallSubSymbol: number;
  NL: number;
  NS: number;
}

/** The whole RFC 5053 §4.2 chain from the packet payload P, with TS 26.346 B.3.4.1's defaults. */
export function raptorTransportParameters(
  F: number,
  P: number,
  options: {
    alignment?: number;
    subBlockBytes?: number;
    minBlockSymbols?: number;
    maxSymbolsPerPacket?: number;
    maxSourceBlockLength?: number;
    /** Choose G so that T divides P (B.3.4.1 notes it "may be advantageous"). */
    wholeSymbolsPerPacket?: boolean;
  } = {},
): RaptorTransportParameters {
  const Al = options.alignment ?? RAPTOR_ALIGNMENT;
  checkRange('Raptor packet payload P', P, Al, 0xffff);
  if (P % Al !== 0)
    throw new FecError(`Raptor: packet payload P=${P} is not a multiple of the alignment Al=${Al}`);
  const kMin = options.minBlockSymbols ?? RAPTOR_K_MIN;
  const gMax = options.maxSymbolsPerPacket ?? RAPTOR_G_MAX;
  let G = Math.max(1, Math.min(F > 0 ? Math.ceil((P * kMin) / F) : Number.POSITIVE_INFINITY, P / Al, gMax));
  if (options.wholeSymbolsPerPacket) while ((P / Al) % G !== 0) G++;
  const T = Math.floor(P / (Al * G)) * Al;
  const o = raptorObjectParameters(F, T, { ...options, alignment: Al });
  const blocks = o.Z > 0 ? partition(o.Kt, o.Z) : { large: 0, small: 0, largeCount: 0, smallCount: 0 };
  const subs = partition(T / Al, o.N);
  return {
    ...o,
    G,
    KL: blocks.large,
    KS: blocks.small,
    ZL: blocks.largeCount,
    ZS: blocks.smallCount,
    largeSubSymbol: subs.large * Al,
    smallSubSymbol: subs.small * Al,
    NL: subs.largeCount,
    NS: subs.smallCount,
  };
}

/**
 * Check a Raptor OTI's T/Z/N/Al against RFC 5053 and lay the object out; the error names what is wrong.
 * A received OTI may choose any valid Z and N, not only ours.
 */
export function raptorLayout(F: number, T: number, Z: number, N: number, Al: number): ObjectLayout {
  checkRange('Raptor transfer length', F, 0, RAPTOR_MAX_TRANSFER_LENGTH);
  checkRange('Raptor symbol alignment Al', Al, 1, 255);
  checkRange('Raptor symbol length T', T, Al, 0xffff);
  if (T % Al !== 0)
    throw new FecError(`Raptor: symbol length T=${T} is not a multiple of the alignment Al=${Al}`);
  checkRange('Raptor sub-blocks N', N, 1, Math.min(255, T / Al));
  const Kt = Math.ceil(F / T);
  if (Kt === 0) return layoutObject(F, T, 1, N, Al);
  checkRange('Raptor source blocks Z', Z, 1, Math.min(0xffff, Kt));
  if (Math.ceil(Kt / Z) > RAPTOR_MAX_K_DEFAULT) {
    throw new FecError(
      `Raptor: ${Kt} symbols in ${Z} blocks exceed ${RAPTOR_MAX_K_DEFAULT} symbols per block`,
    );
  }
  return layoutObject(F, T, Z, N, Al);
}
