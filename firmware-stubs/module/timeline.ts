import { EventEmitter } from 'node:events';
import type { EpochMs } from '../../src/clock/index.ts';
import type { CurrentState, ModuleProfile } from '../../src/hardware/index.ts';

export type MicroAmps = number;

/** From t on (until the next segment), the module draws uA in state. */
export interface TimelineSegment {
  readonly t: EpochMs;
  readonly uA: MicroAmps;
  readonly state: CurrentState;
}

interface TimelineEvents {
  change: [TimelineSegment];
}

/**
 * The current the module draws, as a step function of (injected-clock) time. A segment is appended
 * whenever the power state changes; the simulated meter samples it and tests read it.
 */
export class CurrentTimeline extends EventEmitter<TimelineEvents> {
  readonly #segments: TimelineSegment[] = [];
  readonly #currents: ModuleProfile['current'];

  constructor(currents: ModuleProfile['current'], start: EpochMs) {
    super();
    this.#currents = currents;
    this.#segments.push({ t: start, uA: currents.off.uA, state: 'off' });
  }

  get segments(): readonly TimelineSegment[] {
    return this.#segments;
  }

  get current(): TimelineSegment {
    return this.#segments[this.#segments.length - 1]!;
  }

  /** Enter state at t; no segment when nothing changes. */
  enter(state: CurrentState, t: EpochMs): void {
    const last = this.current;
    if (last.state === state) return;
    const segment: TimelineSegment = { t: Math.max(t, last.t), uA: this.#currents[state].uA, state };
    // Two changes at the same instant: the later one wins, no zero-length segment is kept.
    if (segment.t === last.t && this.#segments.length > 1) {
      this.#segments.pop();
      if (this.current.state === state) {
        this.emit('change', this.current);
        return;
      }
    }
    this.#segments.push(segment);
    this.emit('change', segment);
  }

  /** The segment in force at t (the first one for earlier instants). */
  at(t: EpochMs): TimelineSegment {
    let lo = 0;
    let hi = this.#segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.#segments[mid]!.t <= t) lo = mid;
      else hi = mid - 1;
    }
    return this.#segments[lo]!;
  }

  /** Charge drawn between from and to, in µA·ms (divide by the span for the average current). */
  chargeMicroAmpMs(from: EpochMs, to: EpochMs): number {
    let total = 0;
    for (let i = 0; i < this.#segments.length; i++) {
      const seg = this.#segments[i]!;
      const end = this.#segments[i + 1]?.t ?? Number.POSITIVE_INFINITY;
      const a = Math.max(from, seg.t);
      const b = Math.min(to, end);
      if (b > a) total += seg.uA * (b - a);
    }
    return total;
  }

  /** Time spent in each state between from and to, in ms. */
  timeInStates(from: EpochMs, to: EpochMs): Partial<Record<CurrentState, number>> {
    const out: Partial<Record<CurrentState, number>> = {};
    for (let i = 0; i < this.#segments.length; i++) {
      const seg = this.#segments[i]!;
      const end = this.#segments[i + 1]?.t ?? Number.POSITIVE_INFINITY;
      const span = Math.min(to, end) - Math.max(from, seg.t);
      if (span > 0) out[seg.state] = (out[seg.state] ?? 0) + span;
    }
    return out;
  }
}
