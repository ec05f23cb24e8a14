/**
 * The device side's own TS 24.008 codec over the shared unit tables (src/at/timer-tables.ts): GPRS
 * Timer 3 (T3412 extended / Periodic-TAU), GPRS Timer 2 (T3324 / Active-Time) and the eDRX / PTW
 * 4-bit codes. Deliberately independent of the controller's codec (DESIGN.md: a shared codec would
 * agree with itself).
 */
import {
  EDRX_CYCLE_NBS1_S,
  EDRX_CYCLE_WBS1_S,
  GPRS_TIMER2_ASSIGNED_UNITS,
  GPRS_TIMER2_UNIT_S,
  GPRS_TIMER3_ASSIGNED_UNITS,
  GPRS_TIMER3_UNIT_S,
  PTW_STEP_NBS1_S,
  PTW_STEP_WBS1_S,
} from '../../src/at/timer-tables.ts';

export type Rat = 'lte-m' | 'nb-iot';

/** An 8-bit timer octet as 27.007 writes it: "00100001". */
export type TimerBits = string;

const DEACTIVATED = '11100000';

export function isTimerBits(s: string): boolean {
  return /^[01]{8}$/.test(s);
}

/** Seconds for a GPRS Timer 3 octet; null when deactivated. */
export function decodeTimer3(bits: TimerBits): number | null {
  return decode(bits, GPRS_TIMER3_UNIT_S);
}

/** Seconds for a GPRS Timer 2 octet; null when deactivated. */
export function decodeTimer2(bits: TimerBits): number | null {
  return decode(bits, GPRS_TIMER2_UNIT_S);
}

/** The Timer 3 octet closest to, and not below, seconds (null → deactivated). */
export function encodeTimer3(seconds: number | null): TimerBits {
  return encode(seconds, GPRS_TIMER3_UNIT_S, GPRS_TIMER3_ASSIGNED_UNITS);
}

/** The Timer 2 octet closest to, and not below, seconds (null → deactivated). */
export function encodeTimer2(seconds: number | null): TimerBits {
  return encode(seconds, GPRS_TIMER2_UNIT_S, GPRS_TIMER2_ASSIGNED_UNITS);
}

function decode(bits: TimerBits, units: readonly (number | null)[]): number | null {
  if (!isTimerBits(bits)) throw new RangeError(`24.008 timer: expected 8 binary digits, got "${bits}"`);
  const octet = Number.parseInt(bits, 2);
  const unit = units[octet >> 5];
  if (unit === null || unit === undefined) return null;
  return unit * (octet & 0x1f);
}

function encode(
  seconds: number | null,
  units: readonly (number | null)[],
  assigned: readonly number[],
): TimerBits {
  if (seconds === null) return DEACTIVATED;
  if (!(seconds >= 0)) throw new RangeError(`24.008 timer: cannot encode ${seconds} s`);
  let best: { unit: number; value: number; total: number } | undefined;
  for (const unit of assigned) {
    const step = units[unit]!;
    const value = Math.ceil(seconds / step);
    if (value > 31) continue;
    const total = value * step;
    // Closest not below; on a tie the coarser unit (how people write "1 h": 001 00001, not 000 00110).
    if (!best || total < best.total || (total === best.total && step > units[best.unit]!)) {
      best = { unit, value, total };
    }
  }
  if (!best) throw new RangeError(`24.008 timer: ${seconds} s is beyond the largest unit`);
  return ((best.unit << 5) | best.value).toString(2).padStart(8, '0');
}

/** A 4-bit eDRX / PTW code as 27.007 writes it: "0101". */
export type NibbleBits = string;

export function isNibbleBits(s: string): boolean {
  return /^[01]{4}$/.test(s);
}

export function nibble(code: number): NibbleBits {
  return (code & 0xf).toString(2).padStart(4, '0');
}

export function nibbleValue(bits: NibbleBits): number {
  if (!isNibbleBits(bits)) throw new RangeError(`eDRX: expected 4 binary digits, got "${bits}"`);
  return Number.parseInt(bits, 2);
}

/** eDRX cycle length in seconds for a code, per RAT (24.008 §10.5.5.32). */
export function edrxCycleSeconds(code: number, rat: Rat): number {
  const table = rat === 'lte-m' ? EDRX_CYCLE_WBS1_S : EDRX_CYCLE_NBS1_S;
  return table[code & 0xf]!;
}

/** Paging Time Window in seconds: (code + 1) × 1.28 s (WB-S1) or × 2.56 s (NB-S1). */
export function ptwSeconds(code: number, rat: Rat): number {
  const step = rat === 'lte-m' ? PTW_STEP_WBS1_S : PTW_STEP_NBS1_S;
  return Math.round(((code & 0xf) + 1) * step * 100) / 100;
}

/** 27.007 <AcT-type> for +CEDRXS and friends: 4 E-UTRAN WB-S1 (LTE-M), 5 E-UTRAN NB-S1. */
export function edrxActType(rat: Rat): 4 | 5 {
  return rat === 'lte-m' ? 4 : 5;
}
