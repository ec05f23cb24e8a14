/**
 * Statistics of a span, accumulated from raw samples and pyramid entries alike. Sums use Neumaier's
 * compensated summation: a night holds 4.3 G samples and ~10^6 pyramid entries, and plain float64 sums of
 * that many terms drift by far more than the 1e-9 the pyramid must agree with a full scan to.
 */
import type { MicroAmps } from '../meter.ts';
import { E_COUNT, E_LOGIC, E_MAX, E_MIN, E_SUM, E_SUMSQ, ENTRY_FIELDS } from './format.ts';

export type Seconds = number;
export type MicroCoulombs = number;
export type MilliAmpHours = number;
export type MilliJoules = number;

export interface SpanStats {
  /** First sample index of the span. */
  from: number;
  /** One past the last sample index. */
  to: number;
  /** Samples in the span, lost or not. */
  samples: number;
  /** Samples with a value. */
  validSamples: number;
  /** Samples that never arrived (gaps) or that the meter flagged invalid (NaN). */
  lostSamples: number;
  durationS: Seconds;
  /** NaN when the span has no valid sample (so are mean, rms, charge and energy). */
  minUa: MicroAmps;
  maxUa: MicroAmps;
  /** Mean over valid samples. */
  meanUa: MicroAmps;
  rmsUa: MicroAmps;
  /**
   * Mean × duration, so lost samples count at the mean of the valid ones (as the PPK app's charge =
   * average × time); lostSamples says how much of it is inferred.
   */
  chargeUc: MicroCoulombs;
  chargeMah: MilliAmpHours;
  /** Charge × the recording's source voltage. */
  energyMj: MilliJoules;
  /** Logic port over valid samples: bits ever high (or) and always high (and); absent without logic. */
  logic?: { or: number; and: number };
}

export class SpanAccumulator {
  count = 0;
  sum = 0;
  sumC = 0;
  sq = 0;
  sqC = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  logicOr = 0;
  logicAnd = 0xff;

  /** Add values[start, end); NaN samples are skipped. */
  addValues(values: Float32Array | Float64Array, start = 0, end = values.length): void {
    let { count, sum, sumC, sq, sqC, min, max } = this;
    for (let i = start; i < end; i++) {
      const v = values[i]!;
      if (Number.isNaN(v)) continue; // NaN: lost sample
      count++;
      let t = sum + v;
      sumC += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
      sum = t;
      const v2 = v * v;
      t = sq + v2;
      sqC += sq >= v2 ? sq - t + v2 : v2 - t + sq;
      sq = t;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    Object.assign(this, { count, sum, sumC, sq, sqC, min, max });
  }

  /** Logic bytes of the valid samples in values[start, end). */
  addLogic(values: Float32Array | Float64Array, logic: Uint8Array, start = 0, end = values.length): void {
    let { logicOr, logicAnd } = this;
    for (let i = start; i < end; i++) {
      if (Number.isNaN(values[i]!)) continue;
      logicOr |= logic[i]!;
      logicAnd &= logic[i]!;
    }
    this.logicOr = logicOr;
    this.logicAnd = logicAnd;
  }

  /** Add pyramid entries [start, end) of an entry array (ENTRY_FIELDS float64 each). */
  addEntries(entries: Float64Array, start = 0, end = entries.length / ENTRY_FIELDS): void {
    for (let e = start; e < end; e++) {
      const o = e * ENTRY_FIELDS;
      this.addSummary(
        entries[o + E_COUNT]!,
        entries[o + E_SUM]!,
        entries[o + E_SUMSQ]!,
        entries[o + E_MIN]!,
        entries[o + E_MAX]!,
        entries[o + E_LOGIC]!,
      );
    }
  }

  addSummary(count: number, sum: number, sq: number, min: number, max: number, logic: number): void {
    if (count === 0) return;
    this.count += count;
    this.#addSum(sum);
    this.#addSq(sq);
    if (min < this.min) this.min = min;
    if (max > this.max) this.max = max;
    this.logicOr |= logic & 0xff;
    this.logicAnd &= logic >> 8;
  }

  merge(other: SpanAccumulator): void {
    if (other.count === 0) return;
    this.count += other.count;
    this.#addSum(other.sum);
    this.#addSum(other.sumC);
    this.#addSq(other.sq);
    this.#addSq(other.sqC);
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    this.logicOr |= other.logicOr;
    this.logicAnd &= other.logicAnd;
  }

  #addSum(v: number): void {
    const t = this.sum + v;
    this.sumC += Math.abs(this.sum) >= Math.abs(v) ? this.sum - t + v : v - t + this.sum;
    this.sum = t;
  }

  #addSq(v: number): void {
    const t = this.sq + v;
    this.sqC += Math.abs(this.sq) >= Math.abs(v) ? this.sq - t + v : v - t + this.sq;
    this.sq = t;
  }

  get total(): number {
    return this.sum + this.sumC;
  }

  get totalSq(): number {
    return this.sq + this.sqC;
  }

  /** The logic word as a pyramid entry stores it. */
  get logicWord(): number {
    return this.logicOr | (this.logicAnd << 8);
  }
}

export interface SpanContext {
  rateHz: number;
  voltageMv: number;
  hasLogic: boolean;
}

export function spanStats(acc: SpanAccumulator, from: number, to: number, ctx: SpanContext): SpanStats {
  const samples = to - from;
  const durationS = samples / ctx.rateHz;
  const none = acc.count === 0;
  const meanUa = none ? Number.NaN : acc.total / acc.count;
  const chargeUc = meanUa * durationS;
  const stats: SpanStats = {
    from,
    to,
    samples,
    validSamples: acc.count,
    lostSamples: samples - acc.count,
    durationS,
    minUa: none ? Number.NaN : acc.min,
    maxUa: none ? Number.NaN : acc.max,
    meanUa,
    rmsUa: none ? Number.NaN : Math.sqrt(acc.totalSq / acc.count),
    chargeUc,
    chargeMah: chargeUc / 3.6e6,
    // µC × mV = nJ
    energyMj: (chargeUc * ctx.voltageMv) / 1e6,
  };
  if (ctx.hasLogic) stats.logic = { or: acc.logicOr, and: none ? 0 : acc.logicAnd };
  return stats;
}
