import type { Duplex } from 'node:stream';
import { AtEngine, type AtEngineOptions } from '../../src/at/index.ts';
import { VirtualClock } from '../../src/clock/index.ts';
import { duplexPair } from '../../src/serial/index.ts';

/** What the scripted peer does for one command line: bytes to send, optionally after a virtual delay. */
export type Reply = string | Buffer | { after: number; send: string | Buffer } | null;

/** The module side as a script sees it. */
export interface PeerSide {
  write: (b: string | Buffer) => void;
  /**
   * The next n bytes from the host are a payload after a prompt: they go to done as one Buffer, not to
   * the script as command lines, and done's replies are sent like the script's.
   */
  expectPayload: (n: number, done: (payload: Buffer) => Reply | Reply[]) => void;
}

/**
 * A scripted module for engine unit tests: it answers each command line with canned bytes. It is
 * not an emulator (those live in firmware-stubs/); it lets a test say exactly which bytes arrive.
 */
export function scriptedPeer(
  end: Duplex,
  clock: VirtualClock,
  script: (command: string, peer: PeerSide) => Reply | Reply[],
) {
  // Kept as latin1 text so each char is one byte; a payload is cut from it by length.
  let buf = '';
  let capture: { left: number; parts: Buffer[]; done: (payload: Buffer) => Reply | Reply[] } | undefined;
  const received: string[] = [];
  const payloads: Buffer[] = [];
  const raw: Buffer[] = [];
  const write = (b: string | Buffer) => end.write(typeof b === 'string' ? Buffer.from(b, 'latin1') : b);
  const side: PeerSide = {
    write,
    expectPayload: (n, done) => {
      capture = { left: n, parts: [], done };
    },
  };
  const send = (replies: Reply | Reply[]) => {
    for (const r of Array.isArray(replies) ? replies : [replies]) {
      if (r === null) continue;
      if (typeof r === 'string' || Buffer.isBuffer(r)) write(r);
      else clock.setTimer(r.after, () => write(r.send));
    }
  };
  end.on('data', (chunk: Buffer) => {
    raw.push(chunk);
    buf += chunk.toString('latin1');
    for (;;) {
      if (capture) {
        const take = buf.slice(0, capture.left);
        buf = buf.slice(take.length);
        capture.parts.push(Buffer.from(take, 'latin1'));
        capture.left -= take.length;
        if (capture.left > 0) break;
        const { parts, done } = capture;
        capture = undefined;
        const payload = Buffer.concat(parts);
        payloads.push(payload);
        send(done(payload));
        continue;
      }
      const i = buf.indexOf('\r');
      if (i < 0) break;
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      received.push(line);
      send(script(line, side));
    }
  });
  return { received, payloads, raw: () => Buffer.concat(raw), write, pending: () => buf };
}

export function enginePair(options: Partial<AtEngineOptions> = {}) {
  const clock = new VirtualClock();
  const [host, device] = duplexPair({ onTransfer: () => clock.poke() });
  const engine = new AtEngine(host, { name: 'test0', clock, ...options });
  return { clock, host, device, engine };
}
