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
  /** Min-heap by (due, seq); cancelled entries are dropped lazily when they reach the top. */
  readonly #heap = new TimerHeap();
  /** Live (not cancelled, not fired) entries that keep the clock alive. */
  #refs = 0;
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
    return this.#heap.live();
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
    this.#heap.push(entry);
    this.#refs++;
    this.#touch();
    const timer: Timer = {
      cancel: () => {
        if (!entry.cancelled) {
          entry.cancelled = true;
          if (entry.ref) this.#refs--;
          this.#heap.cancelled();
          this.#touch();
        }
      },
      unref: () => {
        if (entry.ref && !entry.cancelled) this.#refs--;
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
    return this.#heap.peek();
  }

  #hasRef(): boolean {
    return this.#refs > 0;
  }

  #fire(entry: Entry): void {
    this.#heap.pop();
    this.#now = Math.max(this.#now, entry.due);
    entry.cancelled = true;
    if (entry.ref) this.#refs--;
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

/**
 * A binary min-heap of timer entries by (due, seq): O(log n) insert and pop, so a bench of thousands of
 * emulated modules (each with its radio, AT and MQTT timers) does not pay O(n) per timer. Cancelled entries
 * stay until they surface, and the heap is rebuilt when they outnumber the live ones.
 */
class TimerHeap {
  #a: Entry[] = [];
  #cancelled = 0;

  live(): number {
    return this.#a.length - this.#cancelled;
  }

  cancelled(): void {
    this.#cancelled++;
    if (this.#cancelled > 1024 && this.#cancelled > this.#a.length / 2) {
      this.#a = this.#a.filter((e) => !e.cancelled);
      this.#cancelled = 0;
      for (let i = (this.#a.length >>> 1) - 1; i >= 0; i--) this.#down(i);
    }
  }

  push(e: Entry): void {
    this.#a.push(e);
    this.#up(this.#a.length - 1);
  }

  /** The earliest live entry (cancelled ones on top are dropped). */
  peek(): Entry | undefined {
    while (this.#a.length > 0 && this.#a[0]!.cancelled) {
      this.#removeTop();
      this.#cancelled--;
    }
    return this.#a[0];
  }

  pop(): void {
    if (this.#a.length > 0) this.#removeTop();
  }

  #removeTop(): void {
    const last = this.#a.pop()!;
    if (this.#a.length > 0) {
      this.#a[0] = last;
      this.#down(0);
    }
  }

  #less(i: number, j: number): boolean {
    const a = this.#a[i]!;
    const b = this.#a[j]!;
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  #swap(i: number, j: number): void {
    const t = this.#a[i]!;
    this.#a[i] = this.#a[j]!;
    this.#a[j] = t;
  }

  #up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      if (!this.#less(i, parent)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(i: number): void {
    const n = this.#a.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.#less(l, m)) m = l;
      if (r < n && this.#less(r, m)) m = r;
      if (m === i) return;
      this.#swap(i, m);
      i = m;
    }
  }
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
