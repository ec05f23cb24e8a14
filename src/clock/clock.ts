/** Durations and instants in milliseconds; instants are ms since the Unix epoch (virtual or real). */
export type Milliseconds = number;
export type EpochMs = number;

/** A scheduled callback; cancel is idempotent. */
export interface Timer {
  cancel(): void;
  /** Like Node's unref: this timer alone does not keep the clock (or the process) running. */
  unref(): this;
}

/**
 * Keeps a VirtualClock from jumping ahead while real work is in progress (bytes in flight
 * on a pty, a TCP connect to a broker). RealClock holds are no-ops.
 */
export interface Hold extends Disposable {
  release(): void;
}

/** Time as every layer sees it. Injected everywhere: nothing reads Date.now() or setTimeout directly. */
export interface Clock {
  readonly kind: 'real' | 'virtual';
  now(): EpochMs;
  /** A monotonic reading in ms, for measuring durations. */
  monotonic(): Milliseconds;
  setTimer(delay: Milliseconds, fn: () => void): Timer;
  /** Resolves after delay; rejects with the signal's reason when aborted. */
  sleep(delay: Milliseconds, signal?: AbortSignal): Promise<void>;
  /** An AbortSignal that aborts after delay on this clock (AbortSignal.timeout uses real time). */
  timeoutSignal(delay: Milliseconds, reason?: unknown): AbortSignal;
  hold(reason: string): Hold;
}

export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** Shared implementation of sleep/timeoutSignal on top of setTimer. */
export abstract class ClockBase implements Clock {
  abstract readonly kind: 'real' | 'virtual';
  abstract now(): EpochMs;
  abstract monotonic(): Milliseconds;
  abstract setTimer(delay: Milliseconds, fn: () => void): Timer;
  abstract hold(reason: string): Hold;

  sleep(delay: Milliseconds, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        timer.cancel();
        reject(signal?.reason);
      };
      const timer = this.setTimer(delay, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  timeoutSignal(delay: Milliseconds, reason?: unknown): AbortSignal {
    const controller = new AbortController();
    this.setTimer(delay, () =>
      controller.abort(reason ?? new TimeoutError(`timed out after ${formatDuration(delay)}`)),
    ).unref();
    return controller.signal;
  }
}

/** 1500 → "1.5 s", 250 → "250 ms", 7_200_000 → "2 h". */
export function formatDuration(ms: Milliseconds): string {
  if (ms < 1000) return `${round(ms)} ms`;
  if (ms < 120_000) return `${round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${round(ms / 60_000)} min`;
  return `${round(ms / 3_600_000)} h`;
}

function round(x: number): string {
  return String(Math.round(x * 100) / 100);
}
