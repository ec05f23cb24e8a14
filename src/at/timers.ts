/**
 * TS 24.008 timer and eDRX encodings as used by +CPSMS, +CEREG, +CEDRXS and friends: GPRS Timer 3
 * (T3412-extended / Periodic-TAU), GPRS Timer 2 (T3324 / Active-Time), the eDRX cycle and the Paging
 * Time Window. The unit tables are data in timer-tables.ts; the emulators write their own codecs.
 *
 * Encoding rule: by default the smallest representable value that is not below the request (what Nordic
 * lte_lc and most stacks do, so a device never sleeps less than asked). `nearest` picks the closest value
 * on either side, the larger on a tie. Where several codes give the same time, the finest unit wins
 * (60 s as T3412-ext is 2 s × 30), which makes every encoder output a fixed point of decode→encode.
 * Requests are taken to 1 µs, so 3 × 1.28 s asks for the 3.84 s window, not the next one.
 */
import {
  EDRX_CYCLE_NBS1_S,
  EDRX_CYCLE_WBS1_S,
  EDRX_VALID_CODES_NBS1,
  EDRX_VALID_CODES_WBS1,
  GPRS_TIMER2_ASSIGNED_UNITS,
  GPRS_TIMER2_UNIT_S,
  GPRS_TIMER3_ASSIGNED_UNITS,
  GPRS_TIMER3_UNIT_S,
  PTW_STEP_NBS1_S,
  PTW_STEP_WBS1_S,
} from './timer-tables.ts';

export type Rounding = 'atLeast' | 'nearest';

/** A decoded GPRS Timer 2/3 octet. */
export interface GprsTimer {
  /** The octet as 8 characters "0"/"1", bit 8 first, as +CPSMS and +CEREG print it. */
  bits: string;
  /** Bits 8-6. */
  unitCode: number;
  /** Seconds per unit; null when the timer is deactivated. */
  unitSeconds: number | null;
  /** Bits 5-1, the multiplier 0..31. */
  value: number;
  /** unitSeconds × value; null when deactivated. */
  seconds: number | null;
  deactivated: boolean;
  /** False for GPRS Timer 2 units 011..110, which a receiver reads as 1-minute multiples. */
  assignedUnit: boolean;
}

/** Radio mode an eDRX/PTW code is read in: WB-S1 is LTE-M (AcT-type 4), NB-S1 is NB-IoT (AcT-type 5). */
export type EdrxMode = 'wb-s1' | 'nb-s1';

export interface EdrxCycle {
  /** 4 characters "0"/"1". */
  bits: string;
  code: number;
  /** The cycle length the code means in this mode. */
  seconds: number;
  /** The code this one is treated as (itself for codes defined in their own right in this mode). */
  treatedAs: number;
}

export interface PagingTimeWindow {
  bits: string;
  code: number;
  seconds: number;
}

interface TimerSpec {
  name: string;
  unitSeconds: readonly (number | null)[];
  assignedUnits: readonly number[];
}

const TIMER3: TimerSpec = {
  name: 'GPRS Timer 3 (T3412-ext)',
  unitSeconds: GPRS_TIMER3_UNIT_S,
  assignedUnits: GPRS_TIMER3_ASSIGNED_UNITS,
};
const TIMER2: TimerSpec = {
  name: 'GPRS Timer 2 (T3324)',
  unitSeconds: GPRS_TIMER2_UNIT_S,
  assignedUnits: GPRS_TIMER2_ASSIGNED_UNITS,
};

export function decodeGprsTimer3(code: string | number): GprsTimer {
  return decodeTimer(TIMER3, code);
}

export function decodeGprsTimer2(code: string | number): GprsTimer {
  return decodeTimer(TIMER2, code);
}

/** Encodes a Periodic-TAU request; throws RangeError above 31 × 320 h in `atLeast` mode. */
export function encodeGprsTimer3(seconds: number | 'deactivated', rounding: Rounding = 'atLeast'): GprsTimer {
  return encodeTimer(TIMER3, seconds, rounding);
}

/** Encodes an Active-Time request; throws RangeError above 31 × 6 min in `atLeast` mode. */
export function encodeGprsTimer2(seconds: number | 'deactivated', rounding: Rounding = 'atLeast'): GprsTimer {
  return encodeTimer(TIMER2, seconds, rounding);
}

function decodeTimer(spec: TimerSpec, code: string | number): GprsTimer {
  const octet = toCode(spec.name, code, 8);
  const unitCode = octet >> 5;
  const value = octet & 0x1f;
  const unitSeconds = spec.unitSeconds[unitCode] ?? null;
  return {
    bits: toBits(octet, 8),
    unitCode,
    unitSeconds,
    value,
    seconds: unitSeconds === null ? null : unitSeconds * value,
    deactivated: unitSeconds === null,
    assignedUnit: unitSeconds === null || spec.assignedUnits.includes(unitCode),
  };
}

const candidateCache = new Map<TimerSpec, { ms: number; code: number }[]>();

/** Every time a sender may encode, ascending, each with its finest-unit octet. */
function timerCandidates(spec: TimerSpec): { ms: number; code: number }[] {
  const cached = candidateCache.get(spec);
  if (cached) return cached;
  const best = new Map<number, { unit: number; code: number }>();
  for (const unitCode of spec.assignedUnits) {
    const unit = spec.unitSeconds[unitCode];
    if (unit === null || unit === undefined) continue;
    for (let value = 0; value < 32; value++) {
      const ms = unit * value * 1000;
      const seen = best.get(ms);
      if (!seen || unit < seen.unit) best.set(ms, { unit, code: (unitCode << 5) | value });
    }
  }
  const list = [...best].map(([ms, { code }]) => ({ ms, code })).sort((a, b) => a.ms - b.ms);
  candidateCache.set(spec, list);
  return list;
}

function encodeTimer(spec: TimerSpec, seconds: number | 'deactivated', rounding: Rounding): GprsTimer {
  if (seconds === 'deactivated') return decodeTimer(spec, 0b1110_0000);
  const pick = pickCandidate(spec.name, timerCandidates(spec), seconds, rounding);
  return decodeTimer(spec, pick);
}

const EDRX_TABLES: Record<
  EdrxMode,
  { seconds: readonly number[]; valid: readonly number[]; ptwStep: number }
> = {
  'wb-s1': { seconds: EDRX_CYCLE_WBS1_S, valid: EDRX_VALID_CODES_WBS1, ptwStep: PTW_STEP_WBS1_S },
  'nb-s1': { seconds: EDRX_CYCLE_NBS1_S, valid: EDRX_VALID_CODES_NBS1, ptwStep: PTW_STEP_NBS1_S },
};

export function decodeEdrxCycle(code: string | number, mode: EdrxMode): EdrxCycle {
  const table = EDRX_TABLES[mode];
  const n = toCode(`eDRX cycle (${mode})`, code, 4);
  const seconds = table.seconds[n]!;
  const ms = toMs(seconds);
  const treatedAs = table.valid.includes(n) ? n : table.valid.find((v) => toMs(table.seconds[v]!) === ms)!;
  return { bits: toBits(n, 4), code: n, seconds: ms / 1000, treatedAs };
}

/** Encodes a cycle length to a code defined in its own right for `mode` (never a "treated as" code). */
export function encodeEdrxCycle(seconds: number, mode: EdrxMode, rounding: Rounding = 'atLeast'): EdrxCycle {
  const table = EDRX_TABLES[mode];
  const candidates = table.valid.map((code) => ({ ms: toMs(table.seconds[code]!), code }));
  return decodeEdrxCycle(pickCandidate(`eDRX cycle (${mode})`, candidates, seconds, rounding), mode);
}

export function decodePtw(code: string | number, mode: EdrxMode): PagingTimeWindow {
  const n = toCode(`paging time window (${mode})`, code, 4);
  return { bits: toBits(n, 4), code: n, seconds: ((n + 1) * toMs(EDRX_TABLES[mode].ptwStep)) / 1000 };
}

export function encodePtw(seconds: number, mode: EdrxMode, rounding: Rounding = 'atLeast'): PagingTimeWindow {
  const step = toMs(EDRX_TABLES[mode].ptwStep);
  const candidates = Array.from({ length: 16 }, (_, code) => ({ ms: (code + 1) * step, code }));
  return decodePtw(pickCandidate(`paging time window (${mode})`, candidates, seconds, rounding), mode);
}

/**
 * Chooses among ascending candidates, in milliseconds. A candidate less than 1 µs short of the request
 * counts as meeting it, and `nearest` measures distances from the request rounded to 1 µs: decimal
 * lengths such as 3 × 1.28 s then land on their own code despite binary floating point.
 */
function pickCandidate(
  name: string,
  candidates: readonly { ms: number; code: number }[],
  seconds: number,
  rounding: Rounding,
): number {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`${name}: cannot encode ${seconds} s, expected a finite number ≥ 0`);
  }
  const wantMs = seconds * 1000;
  const upper = candidates.findIndex((c) => c.ms >= wantMs - 0.001);
  const last = candidates.at(-1)!;
  if (upper < 0) {
    if (rounding === 'nearest') return last.code;
    throw new RangeError(`${name}: cannot encode ${seconds} s, the longest value is ${last.ms / 1000} s`);
  }
  const above = candidates[upper]!;
  const below = candidates[upper - 1];
  if (rounding === 'atLeast' || below === undefined) return above.code;
  const roundedMs = Math.round(seconds * 1e6) / 1e3;
  return roundedMs - below.ms < above.ms - roundedMs ? below.code : above.code;
}

function toCode(name: string, code: string | number, width: number): number {
  const max = (1 << width) - 1;
  if (typeof code === 'number') {
    if (Number.isInteger(code) && code >= 0 && code <= max) return code;
  } else if (code.length === width && /^[01]+$/.test(code)) {
    return Number.parseInt(code, 2);
  }
  throw new RangeError(
    `${name}: expected ${width} bits as "0"/"1" text or an integer 0..${max}, got ${JSON.stringify(code)}`,
  );
}

function toBits(code: number, width: number): string {
  return code.toString(2).padStart(width, '0');
}

function toMs(seconds: number): number {
  return Math.round(seconds * 1000);
}
