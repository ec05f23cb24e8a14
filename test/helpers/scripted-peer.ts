import type { Duplex } from 'node:stream';
import { AtEngine, type AtEngineOptions } from '../../src/at/index.ts';
import { VirtualClock } from '../../src/clock/index.ts';
import { duplexPair } from '../../src/serial/index.ts';

/** What the scripted peer does for one command line: bytes to send, optionally after a virtual delay. */
export type Reply = string | Buffer | { after: number; send: string | Buffer } | null;

/**
 * A scripted module for engine unit tests: it answers each command line with canned bytes. It is
 * not an emulator (those live in firmware-stubs/); it lets a test say exactly which bytes arrive.
 */
export function scriptedPeer(
  end: Duplex,
  clock: VirtualClock,
  script: (command: string, peer: { write: (b: string | Buffer) => void }) => Reply | Reply[],
) {
  let buf = '';
  const received: string[] = [];
  const raw: Buffer[] = [];
  const write = (b: string | Buffer) => end.write(typeof b === 'string' ? Buffer.from(b, 'latin1') : b);
  end.on('data', (chunk: Buffer) => {
    raw.push(chunk);
    buf += chunk.toString('latin1');
    for (;;) {
      const i = buf.indexOf('\r');
      if (i < 0) break;
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      received.push(line);
      const replies = script(line, { write });
      for (const r of Array.isArray(replies) ? replies : [replies]) {
        if (r === null) continue;
        if (typeof r === 'string' || Buffer.isBuffer(r)) write(r);
        else clock.setTimer(r.after, () => write(r.send));
      }
    }
  });
  return { received, raw: () => Buffer.concat(raw), write, pending: () => buf };
}

export function enginePair(options: Partial<AtEngineOptions> = {}) {
  const clock = new VirtualClock();
  const [host, device] = duplexPair({ onTransfer: () => clock.poke() });
  const engine = new AtEngine(host, { name: 'test0', clock, ...options });
  return { clock, host, device, engine };
}
