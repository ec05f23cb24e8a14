import test from 'ava';
import fc from 'fast-check';
import { AtError, type Urc } from '../src/at/index.ts';
import { enginePair } from './helpers/scripted-peer.ts';

/** Write bytes to the device end in the given split sizes. */
function writeSplit(device: NodeJS.WritableStream, bytes: Buffer, cuts: number[]): void {
  let at = 0;
  for (const c of cuts) {
    if (at >= bytes.length) break;
    const n = Math.max(1, c);
    device.write(bytes.subarray(at, at + n));
    at += n;
  }
  if (at < bytes.length) device.write(bytes.subarray(at));
}

test('random bytes from the module: every command settles within its timeout, nothing else is thrown', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 400 }),
      fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 30 }),
      async (noise, cuts) => {
        const { engine, device, clock } = enginePair({ resync: { attempts: 1, timeoutMs: 300 } });
        const start = clock.now();
        device.on('data', () => {});
        const sent = engine.send('AT+CSQ', { timeoutMs: 1000 });
        writeSplit(device, Buffer.from(noise), cuts);
        const outcome = await sent.then(
          () => 'ok',
          (e: unknown) => (e instanceof AtError ? 'at-error' : `other: ${String(e)}`),
        );
        t.not(outcome.slice(0, 5), 'other', outcome);
        // Settled by its own timeout at the latest (a partial line adds the flush time).
        t.true(clock.now() - start <= 1000 + 100, `settled after ${clock.now() - start} ms`);
        engine.close();
      },
    ),
    { numRuns: 150 },
  );
});

test('URCs interleaved anywhere in a response and random splits: same lines, every URC delivered in order', async (t) => {
  const urcLine = fc.constantFrom(
    '+CEREG: 2',
    '+CSCON: 1',
    'PSM POWER DOWN',
    '+QIND: "FOTA","START"',
    '+CEREG: 1,"002F","0012BEEF",7',
  );
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.stringMatching(/^[A-Z0-9:,"+ ]{1,30}$/), { maxLength: 5 }),
      fc.array(fc.tuple(fc.nat(), urcLine), { maxLength: 6 }),
      fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 60 }),
      fc.boolean(),
      async (info, urcs, cuts, echo) => {
        // Info lines must not look like finals or URCs themselves.
        const lines = info.filter(
          (l) =>
            l.trim() !== '' && !/^(OK|ERROR|BUSY|CONNECT|NO |SEND |ABORTED|\+C|PSM|\+QIND)/.test(l.trim()),
        );
        const { engine, device, clock } = enginePair();
        engine.urcs.addAll([
          { name: '+CEREG', match: { prefix: '+CEREG:' }, isUrc: (l) => !/^\+CEREG:\s*\d+,\d+/.test(l) },
          { name: '+CSCON', match: { prefix: '+CSCON:' } },
          { name: '+QIND', match: { prefix: '+QIND:' } },
          { name: 'PSM POWER DOWN', match: { literal: 'PSM POWER DOWN' } },
        ]);
        const got: Urc[] = [];
        engine.onUrc('*', (u) => got.push(u));
        device.on('data', () => {});
        const body = lines.map((l) => `${l.trim()}`);
        const stream: string[] = [...body];
        const sortedUrcs = urcs.map(([pos, l]) => [pos % (stream.length + 1), l] as const);
        // Insert URCs at their positions (before the final result).
        const withUrcs: string[] = [];
        for (let i = 0; i <= stream.length; i++) {
          for (const [pos, l] of sortedUrcs) if (pos === i) withUrcs.push(l);
          if (i < stream.length) withUrcs.push(stream[i]!);
        }
        const text = `${echo ? 'AT+XTEST\r' : ''}${withUrcs.map((l) => `\r\n${l}\r\n`).join('')}\r\nOK\r\n`;
        const sent = engine.send('AT+XTEST');
        writeSplit(device, Buffer.from(text, 'latin1'), cuts);
        const r = await sent;
        t.deepEqual(r.lines, body);
        t.deepEqual(
          got.map((u) => u.line),
          withUrcs.filter((l) => sortedUrcs.some(([, u]) => u === l)),
        );
        await clock.sleep(0);
        engine.close();
      },
    ),
    { numRuns: 200 },
  );
});
