import type { Clock, Milliseconds, Timer } from '../../src/clock/index.ts';

/**
 * Timers of one boot of the module, on the injected clock. cancelAll() at reboot or power cut:
 * nothing scheduled by a previous life of the firmware fires afterwards.
 */
export class ModuleTimers {
  readonly #clock: Clock;
  readonly #live = new Set<Timer>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  after(delay: Milliseconds, fn: () => void): Timer {
    const timer = this.#clock.setTimer(delay, () => {
      this.#live.delete(timer);
      fn();
    });
    this.#live.add(timer);
    return timer;
  }

  cancelAll(): void {
    for (const t of this.#live) t.cancel();
    this.#live.clear();
  }
}
