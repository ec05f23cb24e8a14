import type { EventEmitter } from 'node:events';
import type { Clock, Milliseconds } from '../../clock/index.ts';

export class CampaignTimeout extends Error {
  override name = 'CampaignTimeout';
}

/**
 * The first `event` from `emitter` that `accept` takes, or a CampaignTimeout after `timeoutMs` of clock
 * time (virtual on the emulated bench), or the signal's reason.
 */
export function nextEvent<T>(
  emitter: EventEmitter,
  event: string,
  accept: (value: T) => boolean,
  clock: Clock,
  timeoutMs: Milliseconds,
  what: string,
  signal?: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const listener = (value: T) => {
      if (!accept(value)) return;
      done();
      resolve(value);
    };
    const onAbort = () => {
      done();
      reject(signal?.reason);
    };
    const timer = clock.setTimer(timeoutMs, () => {
      done();
      reject(new CampaignTimeout(`${what}: nothing within ${Math.round(timeoutMs / 1000)} s`));
    });
    const done = () => {
      emitter.off(event, listener);
      timer.cancel();
      signal?.removeEventListener('abort', onAbort);
    };
    emitter.on(event, listener);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
  });
}
