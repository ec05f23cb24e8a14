import type { Milliseconds } from '../../clock/index.ts';
import { PPK2_COUNTER_MODULUS } from './protocol.ts';

export interface WallTimeCheckOptions {
  /** One observation window (default 100 ms). */
  windowMs?: Milliseconds;
  /** The baseline is the lowest lag seen over this many earlier windows (default 10). */
  historyWindows?: number;
  /** Windows in a row the lag must stay raised before it counts as loss (default 2). */
  confirmWindows?: number;
  /** Rise of the lag over the baseline, in samples, that counts as loss (default 48, ¾ of 64). */
  thresholdSamples?: number;
}

export interface WallTimeLoss {
  count: number;
  detail: string;
}

/**
 * Finds samples lost in multiples of 64, which the 6-bit counter cannot see, by comparing what
 * arrived with what the nominal rate says should have by now.
 *
 * The lag (samples due by now minus samples accounted for) is read at each arrival. USB delivers
 * in chunks, so the lag swings up and down, but its low point in a window — just after a chunk
 * came in — is steady: the transfer latency. A lost run of samples raises that low point for
 * good; chunking and host stalls raise it only until the next chunk. So per window the lowest lag
 * is kept; loss is declared when it stays at least `thresholdSamples` above the lowest of the
 * previous `historyWindows` windows for `confirmWindows` windows in a row. Its size is the rise
 * seen after the first of those windows (which may hold the moment of loss, half risen), rounded
 * to a multiple of 64 (any other amount would have moved the counter). Comparing with recent
 * windows only lets the baseline follow the slow drift between the PPK2's clock and the host's
 * (tens of ppm: a few samples per second). Windows with no arrival (a stalled stream) are not
 * judged. The loss is located only to within the last few windows.
 */
export class WallTimeCheck {
  readonly #rateHz: number;
  readonly #start: Milliseconds;
  readonly #windowMs: Milliseconds;
  readonly #historyWindows: number;
  readonly #confirmWindows: number;
  readonly #threshold: number;
  #window = -1;
  #windowLow = 0;
  #history: number[] = [];
  #raised: number[] = [];

  constructor(rateHz: number, start: Milliseconds, options: WallTimeCheckOptions = {}) {
    this.#rateHz = rateHz;
    this.#start = start;
    this.#windowMs = options.windowMs ?? 100;
    this.#historyWindows = options.historyWindows ?? 10;
    this.#confirmWindows = options.confirmWindows ?? 2;
    this.#threshold = options.thresholdSamples ?? 48;
  }

  /**
   * Called when bytes arrive. `received`: samples accounted for so far (delivered, reported lost,
   * and still being decoded). Returns a loss to report, after which `received` is expected to
   * include it.
   */
  observe(now: Milliseconds, received: number): WallTimeLoss | undefined {
    const elapsed = now - this.#start;
    const lag = (elapsed * this.#rateHz) / 1000 - received;
    const window = Math.floor(elapsed / this.#windowMs);
    if (window === this.#window) {
      this.#windowLow = Math.min(this.#windowLow, lag);
      return undefined;
    }
    const loss = this.#window >= 0 ? this.#closeWindow(this.#windowLow, received, elapsed) : undefined;
    this.#window = window;
    this.#windowLow = loss ? lag - loss.count : lag;
    return loss;
  }

  #closeWindow(low: number, received: number, elapsed: Milliseconds): WallTimeLoss | undefined {
    if (this.#history.length === 0) {
      this.#history.push(low);
      return undefined;
    }
    const baseline = Math.min(...this.#history);
    if (low < baseline + this.#threshold) {
      this.#raised = []; // a transient rise: chunking or a host stall
      this.#remember(low);
      return undefined;
    }
    this.#raised.push(low);
    if (this.#raised.length < this.#confirmWindows) return undefined;
    // The first raised window may hold the moment of loss, with only part of it in its low point;
    // the windows after it show the whole step.
    const settled = this.#raised.length > 1 ? this.#raised.slice(1) : this.#raised;
    const excess = Math.min(...settled) - baseline;
    const count = PPK2_COUNTER_MODULUS * Math.round(excess / PPK2_COUNTER_MODULUS);
    for (const level of settled) this.#remember(level - count);
    this.#raised = [];
    if (count === 0) return undefined;
    const span = this.#windowMs * (this.#confirmWindows + 1);
    return {
      count,
      detail:
        `${received} samples in ${Math.round(elapsed)} ms, ${Math.round(excess)} fewer than ` +
        `${this.#rateHz} S/s allows, steady for ${this.#confirmWindows} × ${this.#windowMs} ms ` +
        `while the counter ran on; lost within the last ~${span} ms`,
    };
  }

  #remember(level: number): void {
    this.#history.push(level);
    if (this.#history.length > this.#historyWindows) this.#history.shift();
  }
}
