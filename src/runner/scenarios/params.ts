/**
 * Parameter types the scenarios share: durations a plan may write as a
 * number of seconds or as text with a unit ("90 s", "5 min", "163.84 s").
 */
import { z } from 'zod';
import { convert, parseQuantity } from '../units.ts';

const TIME_UNITS = new Set(['s', 'ms', 'min', 'h', 'd', 'days']);

/** A duration in seconds: `60`, `"60 s"`, `"1.5 min"`. */
export const Seconds = z.union([z.number(), z.string()]).transform((v, ctx) => {
  try {
    const q = parseQuantity(v);
    if (q.unit !== undefined && !TIME_UNITS.has(q.unit)) throw new Error(`"${v}" is not a duration`);
    const s = convert(q.value, q.unit ?? 's', 's');
    if (!(s >= 0) || !Number.isFinite(s)) throw new Error(`a duration must be ≥ 0 s, got "${v}"`);
    return s;
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

/** The same duration, in milliseconds (campaign schedules are kept in clock time). */
export const Milliseconds = Seconds.transform((s) => s * 1000);

/** What a plan requests of the network: PSM timers (T3412-ext and T3324), seconds. */
export const PsmRequestParams = z.strictObject({
  /** Periodic TAU; GPRS Timer 3 reaches 31 × 320 h. */
  periodicTau: Seconds.refine((s) => s > 0 && s <= 31 * 320 * 3600, 'periodic TAU must be in (0, 9920 h]'),
  /** Active time; GPRS Timer 2 reaches 31 × 6 min. */
  activeTime: Seconds.refine((s) => s <= 31 * 360, 'active time must be at most 186 min'),
});

/** An eDRX cycle request, seconds (the mode, LTE-M or NB-IoT, follows the RAT the module is on). */
export const EdrxRequestParams = z.strictObject({
  cycle: Seconds.refine((s) => s > 0 && s <= 10485.76, 'eDRX cycle must be in (0, 10485.76 s]'),
});
