import { performance } from 'node:perf_hooks';
import { ClockBase, type EpochMs, type Hold, type Milliseconds, type Timer } from './clock.ts';

/** Wall-clock time, for real hardware. */
export class RealClock extends ClockBase {
  readonly kind = 'real' as const;

  now(): EpochMs {
    return Date.now();
  }

  monotonic(): Milliseconds {
    return performance.now();
  }

  setTimer(delay: Milliseconds, fn: () => void): Timer {
    const handle = setTimeout(fn, Math.max(0, delay));
    const timer: Timer = {
      cancel: () => clearTimeout(handle),
      unref: () => {
        handle.unref();
        return timer;
      },
    };
    return timer;
  }

  hold(_reason: string): Hold {
    const release = () => {};
    return { release, [Symbol.dispose]: release };
  }
}
