/**
 * Sample index ↔ clock time. The meter's rate and the host clock drift apart over a night, so the map keeps
 * anchors (index, epoch ms) and extrapolates from the nearest one before; a new anchor is kept only when a
 * block's time strays from the prediction by more than the tolerance, which keeps the manifest small.
 */
import type { EpochMs } from '../../clock/index.ts';

export type ClockAnchor = [index: number, time: EpochMs];

export class ClockMap {
  readonly anchors: ClockAnchor[];

  constructor(
    readonly rateHz: number,
    anchors: ClockAnchor[] = [],
    readonly toleranceMs = 1,
  ) {
    this.anchors = anchors.slice();
  }

  get known(): boolean {
    return this.anchors.length > 0;
  }

  /** A block's first sample and its time; returns true when an anchor was added. */
  observe(index: number, time: EpochMs): boolean {
    if (!Number.isFinite(time)) return false;
    if (this.known && Math.abs(this.timeAt(index) - time) <= this.toleranceMs) return false;
    const last = this.anchors.at(-1);
    if (last && last[0] >= index) return false; // blocks arrive in order; keep the map monotonic
    this.anchors.push([index, time]);
    return true;
  }

  /** Time of sample `index`; NaN before any anchor is known. */
  timeAt(index: number): EpochMs {
    const a = this.#anchorBy(0, index);
    if (!a) return Number.NaN;
    return a[1] + ((index - a[0]) * 1000) / this.rateHz;
  }

  /** Nearest sample index at `time`; NaN before any anchor is known. */
  indexAt(time: EpochMs): number {
    const a = this.#anchorBy(1, time);
    if (!a) return Number.NaN;
    return a[0] + Math.round(((time - a[1]) * this.rateHz) / 1000);
  }

  /** The last anchor at or before value (by index or time), else the first. */
  #anchorBy(field: 0 | 1, value: number): ClockAnchor | undefined {
    const list = this.anchors;
    if (list.length === 0) return undefined;
    let lo = 0;
    let hi = list.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (list[mid]![field] <= value) lo = mid;
      else hi = mid - 1;
    }
    return list[lo];
  }
}
