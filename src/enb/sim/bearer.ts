/**
 * The sim eNB's bearer model: how fast an SC-PTM bearer (SC-MTCH) or a unicast bearer carries bytes over
 * NB-IoT and LTE-M at a given TBS and number of repetitions. Pure data and arithmetic, no clock.
 * Every assumption names its source; [M] marks a modelling choice of ours.
 *
 * Time one transport block occupies (one block in flight at a time):
 * - NB-IoT: NPDCCH (R subframes) → 4 subframes + k0 → NPDSCH (N_SF × N_rep) (TS 36.213 §16.4.1); unicast
 *   then waits for its HARQ-ACK: 12 subframes (ACK at n+13 at the earliest, Table 16.4.2-1, 15 kHz), NPUSCH
 *   format 2 (1 RU = 2 ms at 15 kHz, TS 36.211 Table 10.1.2.3-1) × ack repetitions, and 3 subframes before
 *   the UE monitors NPDCCH again (TS 36.213 §16.6). Rel-13 NB-IoT has one downlink HARQ process
 *   (TS 36.321 §5.3.2.1), so this stop-and-wait cycle is the unicast rate: with R = 1 and 680 bits it is
 *   the well-known 680 bit / 26 ms ≈ 26 kbit/s.
 * - LTE-M: MPDCCH (R subframes) → PDSCH 2 subframes after the last MPDCCH subframe (cross-subframe
 *   scheduling, TS 36.213 §7.1.11) → PDSCH (N_rep subframes): 3 ms per block at R = N_rep = 1, the HD-FDD
 *   figure of Rel-13 Cat-M1 (about 300 kbit/s). Unicast HARQ feedback is taken as hidden behind the other
 *   HARQ processes (Cat-M1 has several, TS 36.321) [M]; full-duplex pipelining with MPDCCH and PDSCH in the
 *   same subframe (the 800 kbit/s FD-FDD figure) is not modelled.
 * - Both: the next DCI can only start at a search-space period start, every G × R_max subframes (TS 36.213
 *   §16.6 NB-IoT, §9.1.5 LTE-M), so a block's time is rounded up to that period. We take the DCI's
 *   repetitions R equal to R_max [M]. The SC-PTM DRX (onDuration / inactivity timers, TS 36.321 §5.7a)
 *   delays the first block of a burst, not the rate of a running session: left to the caller.
 * - SC-MTCH has no HARQ feedback and runs RLC UM, so nothing is retransmitted (TS 36.300, SC-PTM): a block
 *   error is a loss. Unicast has HARQ: a mean 1/(1−BLER) transmissions per block.
 */
import { CE_LEVEL_MAX_MCL_DB, COVERAGE_LEVELS, type CoverageLevel, coverageLevelFor } from './coverage.ts';

export { CE_LEVEL_MAX_MCL_DB, COVERAGE_LEVELS, type CoverageLevel, coverageLevelFor };

export type Rat = 'nb-iot' | 'lte-m';
export type Delivery = 'sc-mtch' | 'unicast';

/**
 * TS 36.213 Table 16.4.1.5.1-1, NPDSCH TBS in bits, [I_TBS 0..13][I_SF 0..7], Rel-14 edition. Cells above
 * 680 bits (and the row I_TBS 13) are Rel-14 only (Cat NB2). Typed from the MathWorks LTE Toolbox table,
 * checked against srsRAN 4G tbs_tables_nbiot.h (Rel-13 cells) and the R&S CMW-KM300 manual; OAI's copy has
 * two typos ([5][2] 244, [13][3] 1128).
 */
export const NB_IOT_TBS: readonly (readonly number[])[] = [
  [16, 32, 56, 88, 120, 152, 208, 256],
  [24, 56, 88, 144, 176, 208, 256, 344],
  [32, 72, 144, 176, 208, 256, 328, 424],
  [40, 104, 176, 208, 256, 328, 440, 568],
  [56, 120, 208, 256, 328, 408, 552, 680],
  [72, 144, 224, 328, 424, 504, 680, 872],
  [88, 176, 256, 392, 504, 600, 808, 1032],
  [104, 224, 328, 472, 584, 680, 968, 1224],
  [120, 256, 392, 536, 680, 808, 1096, 1352],
  [136, 296, 456, 616, 776, 936, 1256, 1544],
  [144, 328, 504, 680, 872, 1032, 1384, 1736],
  [176, 376, 584, 776, 1000, 1192, 1608, 2024],
  [208, 440, 680, 904, 1128, 1352, 1800, 2280],
  [224, 488, 744, 1032, 1256, 1544, 2024, 2536],
];

/** Rel-13 (Cat NB1) NPDSCH table ends at I_TBS 12; row 13 came with Rel-14. */
export const NB1_MAX_I_TBS = 12;

/** N_SF, subframes of one NPDSCH transport block, for I_SF 0..7 (TS 36.213 Table 16.4.1.3-1). */
export const NB_IOT_N_SF: readonly number[] = [1, 2, 3, 4, 5, 6, 8, 10];

/**
 * TS 36.213 Table 7.1.7.2.1-1, the N_PRB = 6 column (one LTE-M narrowband), I_TBS 0..15, bits. Checked
 * against OpenLTE and IMTAphy. A Cat-M1 UE decodes at most 1000 bits (TS 36.306), so on 6 PRB it takes
 * I_TBS ≤ 9 (936 bits); 1000-bit blocks need fewer PRB (I_TBS 11 on 5, 13 on 4), not modelled.
 */
export const LTE_M_TBS_6PRB: readonly number[] = [
  152, 208, 256, 328, 408, 504, 600, 712, 808, 936, 1032, 1192, 1352, 1544, 1736, 1800,
];

/** Largest downlink TBS per UE category, bits (TS 36.306): Cat NB1 (Rel-13), NB2 (Rel-14), M1 (Rel-13). */
export const MAX_DL_TBS_BITS = { NB1: 680, NB2: 2536, M1: 1000 } as const;

/**
 * Allowed data repetitions: NPDSCH N_rep (TS 36.213 Table 16.4.1.3-2); for LTE-M PDSCH the union of the
 * CE mode A and B levels of Tables 7.1.11-1/-2 (same values).
 */
export const DATA_REPETITIONS: readonly number[] = [
  1, 2, 4, 8, 16, 32, 64, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048,
];
/** R_max: npdcch-NumRepetitions(-SC-MTCH) r1..r2048 and mpdcch-NumRepetition(-SC-MTCH) r1..r256 (TS 36.331). */
export const PDCCH_REPETITIONS: Readonly<Record<Rat, readonly number[]>> = {
  'nb-iot': [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048],
  'lte-m': [1, 2, 4, 8, 16, 32, 64, 128, 256],
};
/** G, search-space period factor: npdcch-StartSF (FDD), mpdcch-startSF-UESS fdd (TS 36.331). */
export const PDCCH_PERIOD_FACTORS: Readonly<Record<Rat, readonly number[]>> = {
  'nb-iot': [1.5, 2, 4, 8, 16, 32, 48, 64],
  'lte-m': [1, 1.5, 2, 2.5, 4, 5, 8, 10],
};
/** Default G [M]: NB-IoT 2 (reproduces the 26 ms cycle), LTE-M 1 (a DCI may start in any subframe). */
export const DEFAULT_PDCCH_PERIOD_FACTOR: Readonly<Record<Rat, number>> = { 'nb-iot': 2, 'lte-m': 1 };
/** NB-IoT scheduling delay k0 for I_Delay 0..7, by R_max < 128 and ≥ 128 (TS 36.213 Table 16.4.1-1). */
export const NB_IOT_K0 = {
  below128: [0, 4, 8, 12, 16, 32, 64, 128],
  from128: [0, 16, 32, 64, 128, 256, 512, 1024],
} as const;
/** ack-NACK-NumRepetitions (TS 36.331) of NPUSCH format 2. */
export const NB_IOT_ACK_REPETITIONS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128];
/** Anchor carrier: NPBCH (subframe 0), NPSS (5), NSSS (9 of even frames) take 5 of 20 subframes. */
export const NB_IOT_ANCHOR_VALID_FRACTION = 15 / 20;

/**
 * Bytes of headers, per IP packet and per transport block. IPv4 20 + UDP 8, no ROHC. Per block: a MAC
 * subheader, up to 3 bytes (R/F2/E/LCID + 15-bit L, TS 36.321 §6.1.2), and the RLC header: UM with 5-bit
 * SN 1 byte on SC-MTCH, AM 2 bytes on unicast (TS 36.322 §6.2.1). Unicast adds PDCP with a 12-bit SN,
 * 2 bytes (TS 36.323 §6.2.3); SC-MTCH carries no PDCP header, as MTCH [M].
 */
export const HEADER_BYTES: Readonly<Record<Delivery, { perPacket: number; perBlock: number }>> = {
  'sc-mtch': { perPacket: 28, perBlock: 3 + 1 },
  unicast: { perPacket: 28 + 2, perBlock: 3 + 2 },
};

export interface BearerConfig {
  rat: Rat;
  /** I_TBS: the TBS table row (NB-IoT 0..13, LTE-M 0..15, limited by the UE category). */
  iTbs: number;
  /** NB-IoT only (required there): I_SF 0..7, giving N_SF subframes per block. */
  iSf?: number;
  /** NPDSCH / PDSCH repetitions of every block (DATA_REPETITIONS). */
  repetitions: number;
  /** NPDCCH / MPDCCH repetitions of the DCI scheduling each block, taken as R_max too (PDCCH_REPETITIONS). */
  pdcchRepetitions: number;
  /** SC-MTCH (default) or unicast with HARQ feedback. */
  delivery?: Delivery;
  /** Search-space period factor G (PDCCH_PERIOD_FACTORS); default DEFAULT_PDCCH_PERIOD_FACTOR. */
  pdcchPeriodFactor?: number;
  /** NB-IoT only: I_Delay 0..7 (k0 scheduling delay); default 0. */
  iDelay?: number;
  /**
   * NB-IoT only: the anchor carrier loses subframes to NPBCH/NPSS/NSSS; a non-anchor carrier does not.
   * Default non-anchor [M]: SC-MTCH may be configured on one (sc-mtch-CarrierConfig, TS 36.331).
   */
  carrier?: 'anchor' | 'non-anchor';
  /** NB-IoT only: UE category NB1 (TBS ≤ 680, default) or NB2 (≤ 2536). LTE-M is always Cat-M1. */
  ueCategory?: 'NB1' | 'NB2';
  /** NB-IoT unicast only: HARQ-ACK repetitions (NB_IOT_ACK_REPETITIONS); default 1. */
  ackRepetitions?: number;
}

const NB_IOT_ONLY = ['iSf', 'iDelay', 'carrier', 'ueCategory', 'ackRepetitions'] as const;

function fail(param: string, seen: unknown, want: string): never {
  throw new RangeError(`bearer config: ${param} ${String(seen)} is not allowed (${want})`);
}

function oneOf(param: string, value: number, allowed: readonly number[]): void {
  if (!allowed.includes(value)) fail(param, value, `one of ${allowed.join(', ')}`);
}

function indexIn(param: string, value: number, length: number): void {
  if (!Number.isInteger(value) || value < 0 || value >= length)
    fail(param, value, `an integer 0..${length - 1}`);
}

/** Transport block size in bits; RangeError naming the parameter when the config is not allowed. */
export function tbsBits(config: BearerConfig): number {
  const { rat, iTbs } = config;
  if (rat !== 'nb-iot' && rat !== 'lte-m') fail('rat', rat, "'nb-iot' or 'lte-m'");
  oneOf('repetitions', config.repetitions, DATA_REPETITIONS);
  oneOf('pdcchRepetitions', config.pdcchRepetitions, PDCCH_REPETITIONS[rat]);
  if (config.pdcchPeriodFactor !== undefined)
    oneOf('pdcchPeriodFactor', config.pdcchPeriodFactor, PDCCH_PERIOD_FACTORS[rat]);
  if (config.delivery !== undefined && config.delivery !== 'sc-mtch' && config.delivery !== 'unicast')
    fail('delivery', config.delivery, "'sc-mtch' or 'unicast'");
  if (rat === 'lte-m') {
    for (const key of NB_IOT_ONLY) if (config[key] !== undefined) fail(key, config[key], 'NB-IoT only');
    indexIn('iTbs', iTbs, LTE_M_TBS_6PRB.length);
    const tbs = LTE_M_TBS_6PRB[iTbs]!;
    if (tbs > MAX_DL_TBS_BITS.M1)
      fail('iTbs', iTbs, `TBS ${tbs} bits on 6 PRB exceeds Cat-M1's 1000; use 0..9`);
    return tbs;
  }
  indexIn('iTbs', iTbs, NB_IOT_TBS.length);
  if (config.iSf === undefined) fail('iSf', undefined, 'required for NB-IoT: 0..7');
  indexIn('iSf', config.iSf, NB_IOT_N_SF.length);
  if (config.iDelay !== undefined) indexIn('iDelay', config.iDelay, NB_IOT_K0.below128.length);
  if (config.ackRepetitions !== undefined)
    oneOf('ackRepetitions', config.ackRepetitions, NB_IOT_ACK_REPETITIONS);
  if (config.carrier !== undefined && config.carrier !== 'anchor' && config.carrier !== 'non-anchor')
    fail('carrier', config.carrier, "'anchor' or 'non-anchor'");
  const category = config.ueCategory ?? 'NB1';
  if (category !== 'NB1' && category !== 'NB2') fail('ueCategory', category, "'NB1' or 'NB2'");
  if (category === 'NB1' && iTbs > NB1_MAX_I_TBS) fail('iTbs', iTbs, 'Cat NB1 (Rel-13) stops at 12');
  const tbs = NB_IOT_TBS[iTbs]![config.iSf]!;
  if (tbs > MAX_DL_TBS_BITS[category])
    fail(
      'iTbs',
      iTbs,
      `with iSf ${config.iSf} the TBS is ${tbs} bits, above Cat ${category}'s ${MAX_DL_TBS_BITS[category]}`,
    );
  return tbs;
}

/** Milliseconds one transport block occupies the bearer (one transmission; see the header comment). */
export function blockTimeMs(config: BearerConfig): number {
  tbsBits(config);
  const { rat, repetitions, pdcchRepetitions: r } = config;
  const unicast = config.delivery === 'unicast';
  let busy: number;
  if (rat === 'lte-m') {
    busy = r + 1 + repetitions;
  } else {
    // NPDCCH and NPDSCH count valid downlink subframes only: stretched on the anchor carrier.
    const stretch = config.carrier === 'anchor' ? 1 / NB_IOT_ANCHOR_VALID_FRACTION : 1;
    const k0 = (r < 128 ? NB_IOT_K0.below128 : NB_IOT_K0.from128)[config.iDelay ?? 0]!;
    busy = r * stretch + 4 + k0 + NB_IOT_N_SF[config.iSf!]! * repetitions * stretch;
    if (unicast) busy += 12 + 2 * (config.ackRepetitions ?? 1) + 3;
  }
  const period = (config.pdcchPeriodFactor ?? DEFAULT_PDCCH_PERIOD_FACTOR[rat]) * r;
  // The epsilon keeps float noise (1.5 × R, the 4/3 stretch) from adding a whole period.
  return Math.ceil(busy / period - 1e-9) * period;
}

/** Bit rate of the bearer, TBS bits per block time (MAC-layer rate: RLC/MAC headers included). */
export function bearerRateBps(config: BearerConfig): number {
  return (tbsBits(config) * 1000) / blockTimeMs(config);
}

/**
 * The same bearer as unicast, with HARQ: each block is sent 1/(1 − BLER) times on average, and on NB-IoT
 * every transmission waits for its ACK. The config's delivery is ignored (always unicast).
 */
export function unicastRateBps(config: BearerConfig, blockErrorRate: number): number {
  if (!(blockErrorRate >= 0 && blockErrorRate < 1))
    fail('blockErrorRate', blockErrorRate, 'a number in [0, 1)');
  return bearerRateBps({ ...config, delivery: 'unicast' }) * (1 - blockErrorRate);
}

/** Transport blocks one IP packet of `bytes` bytes (payload of IPv4+UDP) takes, headers included. */
export function blocksFor(bytes: number, config: BearerConfig): number {
  if (!Number.isInteger(bytes) || bytes < 0) fail('bytes', bytes, 'a whole number ≥ 0');
  if (bytes === 0) return 0;
  const headers = HEADER_BYTES[config.delivery ?? 'sc-mtch'];
  const room = tbsBits(config) / 8 - headers.perBlock;
  if (room <= 0)
    fail(
      'iTbs',
      config.iTbs,
      `a ${tbsBits(config)}-bit block has no room after ${headers.perBlock} header bytes`,
    );
  return Math.ceil((bytes + headers.perPacket) / room);
}

/**
 * How long one packet of `bytes` bytes (UDP payload) occupies the bearer: whole transport blocks, each
 * one transmission (for unicast, divide by 1 − BLER for the mean with retransmissions). 0 bytes: 0 ms.
 */
export function airtimeMs(bytes: number, config: BearerConfig): number {
  const blocks = blocksFor(bytes, config);
  return blocks === 0 ? 0 : blocks * blockTimeMs(config);
}

/** What a CE level uses on the air. */
export interface CoverageBearer {
  iTbs: number;
  iSf?: number;
  repetitions: number;
  pdcchRepetitions: number;
  /** NB-IoT unicast HARQ-ACK repetitions. */
  ackRepetitions?: number;
  /** Block error rate the link runs at (link adaptation target). */
  blerTarget: number;
}

/**
 * Per RAT and CE level, typical settings [M] picked within what studies and operators use: NPDCCH R_max
 * grows by about ×8 per 10 dB (an operator's NB-IoT network: ~8 / 64 / 512, telecomhall.net thread 22132),
 * the MCS falls with coverage (OAI's NB-IoT MAC picks I_MCS 13 / 10 / 4 by CE level; we stay within Cat
 * NB1 and Cat-M1 limits), and every link runs at 10% BLER, the criterion of the TR 45.820 / TR 36.888 MCL
 * evaluations. LTE-M levels 0 and 1 are CE mode A (PDSCH repetitions ≤ 32), level 2 CE mode B.
 */
export const DEFAULT_COVERAGE: Readonly<Record<Rat, Readonly<Record<CoverageLevel, CoverageBearer>>>> = {
  'nb-iot': {
    0: { iTbs: 12, iSf: 2, repetitions: 1, pdcchRepetitions: 2, ackRepetitions: 1, blerTarget: 0.1 },
    1: { iTbs: 8, iSf: 3, repetitions: 8, pdcchRepetitions: 16, ackRepetitions: 4, blerTarget: 0.1 },
    2: { iTbs: 2, iSf: 5, repetitions: 64, pdcchRepetitions: 256, ackRepetitions: 32, blerTarget: 0.1 },
  },
  'lte-m': {
    0: { iTbs: 9, repetitions: 1, pdcchRepetitions: 1, blerTarget: 0.1 },
    1: { iTbs: 4, repetitions: 8, pdcchRepetitions: 8, blerTarget: 0.1 },
    2: { iTbs: 1, repetitions: 256, pdcchRepetitions: 64, blerTarget: 0.1 },
  },
};

/** The bearer of a CE level, ready for the functions above. */
export function defaultBearer(
  rat: Rat,
  coverage: CoverageLevel,
  delivery: Delivery = 'sc-mtch',
): BearerConfig {
  const { blerTarget: _bler, ...air } = DEFAULT_COVERAGE[rat][coverage];
  return { rat, ...air, delivery };
}
