import { ClockBase, type EpochMs, type Hold, type Milliseconds, type Timer } from './clock.ts';

interface Entry {
  due: EpochMs;
  seq: number;
  fn: () => void;
  ref: boolean;
  cancelled: boolean;
}

export interface VirtualClockOptions {
  /** Starting instant; default 2026-01-01T00:00:00Z so runs do not depend on the host date. */
  start?: EpochMs;
  /**
   * Jump to the next timer whenever the process is otherwise idle (default true). With false the
   * clock moves only through advance()/runUntilIdle(), for step-by-step tests.
   */
  autoAdvance?: boolean;
  /**
   * Real-time lease of a hold, ms (default 10 000). A hold still taken after this much wall time is
   * released: a peer that accepted a connection and never answers must not freeze virtual time (and
   * with it the very deadline that would report it). Only a safety valve: a peer that answers releases
   * its hold long before, so the numbers stay deterministic.
   */
  holdLeaseMs?: number;
}

/**
 * Virtual time for the emulated bench. Time stands still while anything runs; whenever the event
 * loop has gone round twice with nothing happening and nobody holding the clock, it jumps to the
 * earliest timer and fires it. A day of PSM sleep thus costs a few event-loop turns, and the
 * numbers depend on the order of timers (due time, then creation order), never on host speed.
 */
export class VirtualClock extends ClockBase {
  readonly kind = 'virtual' as const;
  #now: EpochMs;
  #seq = 0;
  #queue: Entry[] = [];
  #holds = new Map<number, string>();
  #holdSeq = 0;
  #activity = 0;
  #scheduled = false;
  readonly #autoAdvance: boolean;
  readonly #holdLeaseMs: number;
  readonly #expiredHolds: string[] = [];

  constructor(options: VirtualClockOptions = {}) {
    super();
    this.#now = options.start ?? Date.UTC(2026, 0, 1);
    this.#autoAdvance = options.autoAdvance ?? true;
    this.#holdLeaseMs = options.holdLeaseMs ?? 10_000;
  }

  /** Holds that ran out of their real-time lease (their reasons), for diagnostics. */
  get expiredHolds(): readonly string[] {
    return this.#expiredHolds;
  }

  now(): EpochMs {
    return this.#now;
  }

  monotonic(): Milliseconds {
    return this.#now;
  }

  /** Timers still waiting (for diagnostics and tests). */
  get pending(): number {
    return this.#queue.filter((e) => !e.cancelled).length;
  }

  /** Reasons of the holds currently keeping time still. */
  get holds(): string[] {
    return [...this.#holds.values()];
  }

  setTimer(delay: Milliseconds, fn: () => void): Timer {
    const entry: Entry = {
      due: this.#now + Math.max(0, delay),
      seq: this.#seq++,
      fn,
      ref: true,
      cancelled: false,
    };
    insertSorted(this.#queue, entry);
    this.#touch();
    const timer: Timer = {
      cancel: () => {
        if (!entry.cancelled) {
          entry.cancelled = true;
          this.#touch();
        }
      },
      unref: () => {
        entry.ref = false;
        return timer;
      },
    };
    return timer;
  }

  hold(reason: string): Hold {
    const id = this.#holdSeq++;
    this.#holds.set(id, reason);
    this.#touch();
    const lease = setTimeout(() => {
      if (this.#holds.has(id)) {
        this.#expiredHolds.push(reason);
        release();
      }
    }, this.#holdLeaseMs);
    const release = () => {
      clearTimeout(lease);
      if (this.#holds.delete(id)) this.#touch();
    };
    return { release, [Symbol.dispose]: release };
  }

  /** Record that something happened (bytes moved, a promise settled) so the clock waits a turn more. */
  poke(): void {
    this.#touch();
  }

  /** Move time forward by delay, firing every timer due on the way, in order. */
  async advance(delay: Milliseconds): Promise<void> {
    const target = this.#now + delay;
    for (;;) {
      const next = this.#peek();
      if (!next || next.due > target) break;
      this.#fire(next);
      await settle();
    }
    this.#now = Math.max(this.#now, target);
  }

  /** Fire timers until none that keeps the clock alive remains (manual mode). */
  async runUntilIdle(limit = 1_000_000): Promise<void> {
    for (let i = 0; i < limit; i++) {
      await settle();
      const next = this.#peek();
      if (!next || !this.#hasRef()) return;
      this.#fire(next);
    }
    throw new Error(`VirtualClock.runUntilIdle: still busy after ${limit} timers`);
  }

  #peek(): Entry | undefined {
    while (this.#queue.length > 0 && this.#queue[0]!.cancelled) this.#queue.shift();
    return this.#queue[0];
  }

  #hasRef(): boolean {
    return this.#queue.some((e) => e.ref && !e.cancelled);
  }

  #fire(entry: Entry): void {
    this.#queue.shift();
    this.#now = Math.max(this.#now, entry.due);
    entry.cancelled = true;
    entry.fn();
  }

  #touch(): void {
    this.#activity++;
    if (this.#autoAdvance && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#check(this.#activity, 0));
    }
  }

  // Two quiet event-loop turns in a row: nothing is running, so the next timer is what happens next.
  #check(seen: number, quietTurns: number): void {
    if (this.#holds.size > 0 || !this.#hasRef()) {
      this.#scheduled = false;
      return;
    }
    if (seen !== this.#activity || quietTurns < 2) {
      setImmediate(() => this.#check(this.#activity, seen === this.#activity ? quietTurns + 1 : 0));
      return;
    }
    const next = this.#peek();
    this.#scheduled = false;
    if (!next) return;
    this.#fire(next);
    this.#touch();
  }
}

function insertSorted(queue: Entry[], entry: Entry): void {
  let lo = 0;
  let hi = queue.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const m = queue[mid]!;
    if (m.due < entry.due || (m.due === entry.due && m.seq < entry.seq)) lo = mid + 1;
    else hi = mid;
  }
  queue.splice(lo, 0, entry);
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
