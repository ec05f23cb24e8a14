import type { Modem, ModemEvents } from '../../src/modem/index.ts';

/** Resolves with the first argument of the next `count` `name` events, then stops listening. */
export function nextEvents<K extends keyof ModemEvents>(
  modem: Modem,
  name: K,
  count: number,
): Promise<ModemEvents[K][0][]> {
  const seen: ModemEvents[K][0][] = [];
  return new Promise((resolve) => {
    const on = (...args: ModemEvents[K]) => {
      seen.push(args[0]);
      if (seen.length === count) {
        modem.off(name, on as never);
        resolve(seen);
      }
    };
    modem.on(name, on as never);
  });
}
