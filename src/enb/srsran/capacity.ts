import type { NPrb } from './config.ts';

/**
 * Transport block sizes in bits from TS 36.213 Table 7.1.7.2.1-1, I_TBS 0..26, at the six LTE
 * bandwidths. srsRAN sizes every PMCH transport block over the whole cell (observed: 25 PRB,
 * MCS 10 → 501 bytes = TBS(9, 25); MCCH at MCS 2 → 137 bytes = TBS(2, 25)).
 */
const TBS_BY_N_PRB: Record<NPrb, readonly number[]> = {
  6: [
    152, 208, 256, 328, 408, 504, 600, 712, 808, 936, 1032, 1192, 1352, 1544, 1736, 1800, 1928, 2152, 2344,
    2600, 2792, 2984, 3240, 3496, 3624, 3752, 4392,
  ],
  15: [
    392, 520, 648, 872, 1064, 1320, 1544, 1800, 2088, 2344, 2664, 2984, 3368, 3880, 4264, 4584, 4968, 5352,
    5992, 6456, 6968, 7480, 7992, 8504, 9144, 9528, 11064,
  ],
  25: [
    680, 904, 1096, 1416, 1800, 2216, 2600, 3112, 3496, 4008, 4392, 4968, 5736, 6456, 7224, 7736, 7992, 9144,
    9912, 10680, 11448, 12576, 13536, 14112, 15264, 15840, 18336,
  ],
  50: [
    1384, 1800, 2216, 2856, 3624, 4392, 5160, 6200, 6968, 7992, 8760, 9912, 11448, 12960, 14112, 15264, 16416,
    18336, 19848, 21384, 22920, 25456, 27376, 28336, 30576, 31704, 36696,
  ],
  75: [
    2088, 2728, 3368, 4392, 5352, 6712, 7736, 9144, 10680, 11832, 12960, 14688, 16992, 19080, 21384, 22920,
    24496, 27376, 29296, 32856, 35160, 37888, 40576, 43816, 45352, 46888, 55056,
  ],
  100: [
    2792, 3624, 4584, 5736, 7224, 8760, 10296, 12216, 14112, 15840, 17568, 19848, 22920, 25456, 28336, 30576,
    32856, 36696, 39232, 43816, 46888, 51024, 55056, 57336, 61664, 63776, 75376,
  ],
};

/** MCS → I_TBS for PDSCH/PMCH with 64QAM (TS 36.213 Table 7.1.7.1-1). */
const MCS_TO_ITBS = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 10, 11, 12, 13, 14, 15, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
] as const;

const RADIO_FRAMES_PER_S = 100;

export interface MbsfnCapacityInput {
  mcs: number;
  nPrb: NPrb;
  /** SIB2 one-frame bitmap: one bit per MBSFN subframe. */
  subframeAllocation: number;
  /** MBSFN radio frames occur every this many frames. */
  radioframeAllocationPeriod: number;
  /** Radio frames between MCCH transmissions (rf64 → 64). */
  mcchRepetitionFrames: number;
  /** sf_alloc_info bitmap: MBSFN subframes of an MCCH frame that carry the MCCH. */
  mcchSubframes: number;
}

/** Transport block size in bits of one PMCH subframe at this MCS and bandwidth. */
export function pmchTransportBlockBits(mcs: number, nPrb: NPrb): number {
  const itbs = MCS_TO_ITBS[mcs];
  if (itbs === undefined) throw new RangeError(`PMCH MCS ${mcs} is outside 0..28`);
  return TBS_BY_N_PRB[nPrb][itbs]!;
}

/**
 * Bit rate the single MTCH can carry, in bit/s: one transport block per MBSFN subframe, minus the
 * subframes the MCCH takes. A rough upper bound, good to perhaps ±10 %: it ignores the MCH scheduling
 * information, MAC/RLC/PDCP headers (a few bytes per block), padding when fewer packets than a block
 * are queued, and that srsRAN sends MTCH data in bursts once per 640 ms scheduling period. Over ZMQ the
 * air runs slower than real time (observed 0.64× on 2 cores), so wall-clock throughput is lower still:
 * 25 PRB, MCS 10, 6 subframes → ~2.4 Mbit/s estimated; 1.5 Mbit/s offered was delivered in full.
 */
export function mbsfnCapacityBps(input: MbsfnCapacityInput): number {
  const bits = pmchTransportBlockBits(input.mcs, input.nPrb);
  const mbsfnSubframesPerS =
    (popcount(input.subframeAllocation) * RADIO_FRAMES_PER_S) / input.radioframeAllocationPeriod;
  const mcchSubframesPerS = (popcount(input.mcchSubframes) * RADIO_FRAMES_PER_S) / input.mcchRepetitionFrames;
  return Math.max(0, Math.floor(bits * (mbsfnSubframesPerS - mcchSubframesPerS)));
}

function popcount(bits: number): number {
  let n = 0;
  for (let b = bits; b > 0; b >>= 1) n += b & 1;
  return n;
}
