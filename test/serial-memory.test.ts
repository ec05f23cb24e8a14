import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import test from 'ava';
import { VirtualClock } from '../src/clock/index.ts';
import { duplexPair } from '../src/serial/index.ts';

function collect(stream: Duplex): { bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { bytes: () => Buffer.concat(chunks) };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`never happened: ${what}`);
}

test('bytes written to one end are read from the other, in order, both ways', async (t) => {
  const [a, b] = duplexPair();
  const atB = collect(b);
  const atA = collect(a);
  for (const piece of ['AT', '+CFUN', '?', '\r']) a.write(piece);
  b.write('\r\n+CFUN: 1\r\n');
  b.write('\r\nOK\r\n');
  await until(() => atB.bytes().length === 9 && atA.bytes().length === 18, 'both directions delivered');
  t.is(atB.bytes().toString(), 'AT+CFUN?\r');
  t.is(atA.bytes().toString(), '\r\n+CFUN: 1\r\n\r\nOK\r\n');
});

test('delivery is asynchronous, like a wire: nothing arrives inside the write call', async (t) => {
  const [a, b] = duplexPair();
  const atB = collect(b);
  a.write('AT\r');
  t.is(atB.bytes().length, 0);
  await until(() => atB.bytes().length === 3, 'delivery');
  t.is(atB.bytes().toString(), 'AT\r');
});

test('large writes arrive whole and in order, with backpressure on a reader that does not read', async (t) => {
  const [a, b] = duplexPair({ highWaterMark: 16 * 1024 });
  const payload = randomBytes(1024 * 1024);
  let completed = 0;
  for (let offset = 0; offset < payload.length; offset += 100_000) {
    a.write(payload.subarray(offset, offset + 100_000), () => completed++);
  }
  // Nobody reads b: the first chunk fills its buffer, and the writer is held back.
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
  t.is(completed, 0);
  t.true(b.readableLength > 0);
  const atB = collect(b);
  await until(() => atB.bytes().length === payload.length, 'whole payload delivered');
  t.true(atB.bytes().equals(payload));
  await until(() => completed === 11, 'all write callbacks');
});

test("end(): the peer reads everything written before it, then 'end'; the other direction stays open", async (t) => {
  const [a, b] = duplexPair();
  const atB = collect(b);
  const atA = collect(a);
  a.write('last words');
  a.end();
  await once(b, 'end');
  t.is(atB.bytes().toString(), 'last words');
  b.write('reply after end');
  await until(() => atA.bytes().length > 0, 'reply delivered');
  t.is(atA.bytes().toString(), 'reply after end');
});

test('destroy() of one end closes the other, without an error on the other end', async (t) => {
  const [a, b] = duplexPair();
  const errors: Error[] = [];
  b.on('error', (error) => errors.push(error));
  a.on('error', () => {});
  a.destroy(new Error('cable cut'));
  await once(b, 'close');
  t.true(b.destroyed);
  t.deepEqual(errors, []);
});

test('onTransfer is called as bytes move', async (t) => {
  let transfers = 0;
  const [a, b] = duplexPair({ onTransfer: () => transfers++ });
  const atB = collect(b);
  a.write('x');
  await until(() => atB.bytes().length === 1, 'delivery');
  t.true(transfers >= 2, `transfers: ${transfers}`); // on entering and on leaving the wire
});

test("with a VirtualClock's poke as onTransfer, virtual time stands still during a long exchange", async (t) => {
  const clock = new VirtualClock();
  const start = clock.now();
  const [a, b] = duplexPair({ onTransfer: () => clock.poke() });
  // A timer is pending: an idle clock would jump to it.
  const slept = clock.sleep(60_000).then(() => clock.now());
  b.on('data', (chunk: Buffer) => b.write(chunk)); // echo
  let rounds = 0;
  let timeAtEnd = -1;
  a.on('data', () => {
    rounds++;
    if (rounds < 200) a.write('ping');
    else timeAtEnd = clock.now();
  });
  a.write('ping');
  await until(() => timeAtEnd >= 0, '200 round trips');
  t.is(timeAtEnd, start);
  t.is(await slept, start + 60_000); // and once the wire is quiet, time moves on
});
