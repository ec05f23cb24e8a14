import { randomBytes } from 'node:crypto';
import test from 'ava';
import { VirtualClock } from '../src/clock/index.ts';
import type { FecEncodingId } from '../src/mbms/fec/index.ts';
import { FluteReceiver, FluteSender, type ReceivedFile } from '../src/mbms/flute/index.ts';
import { type LossSpec, lossModel, MemorySink } from '../src/mbms/transport/index.ts';
import { seededRandom } from '../src/random/index.ts';

async function roundTrip(o: {
  fec: FecEncodingId;
  overhead: number;
  loss: LossSpec;
  size: number;
  seed?: number;
  repetitions?: number;
  symbolsPerPacket?: number;
}) {
  const clock = new VirtualClock();
  const file = {
    contentLocation: 'http://bmsc.example/fw/update.bin',
    bytes: new Uint8Array(randomBytes(o.size)),
  };
  const receiver = new FluteReceiver({ clock, tsi: 7 });
  const files: ReceivedFile[] = [];
  receiver.on('file', (f) => files.push(f));
  const loss = lossModel(o.loss, seededRandom(o.seed ?? 1));
  const sink = new MemorySink((packet) => {
    if (!loss.lost()) receiver.push(packet);
  });
  const sender = new FluteSender({
    clock,
    sink,
    tsi: 7,
    fec: o.fec,
    overhead: o.overhead,
    symbolLength: 256,
    symbolsPerPacket: o.symbolsPerPacket ?? 4,
    rateBps: 1_000_000,
    repetitions: o.repetitions ?? 1,
    fdtEvery: 8,
  });
  const stats = await sender.send([file]);
  return { files, file, stats, receiver, clock };
}

for (const fec of [0, 1, 6] as const) {
  test(`FEC ${fec}: a lossless session delivers the file byte for byte, MD5 checked`, async (t) => {
    const r = await roundTrip({ fec, overhead: 0, loss: { kind: 'none' }, size: 50_000 });
    t.is(r.files.length, 1);
    t.deepEqual(r.files[0]!.bytes, r.file.bytes);
    t.deepEqual(
      [...r.receiver.dropped.keys()].filter((k) => k !== 'after-complete'),
      [],
    );
  });
}

for (const fec of [1, 6] as const) {
  test(`FEC ${fec}: 10 % uniform loss is recovered by 30 % repair symbols`, async (t) => {
    const r = await roundTrip({
      fec,
      overhead: 0.3,
      loss: { kind: 'uniform', rate: 0.1 },
      size: 100_000,
      seed: 3,
    });
    t.is(r.files.length, 1);
    t.deepEqual(r.files[0]!.bytes, r.file.bytes);
  });

  test(`FEC ${fec}: bursty Gilbert-Elliott loss is recovered with enough repair`, async (t) => {
    const r = await roundTrip({
      fec,
      overhead: 0.5,
      loss: { kind: 'gilbert-elliott', pGoodToBad: 0.02, pBadToGood: 0.3 },
      size: 80_000,
      seed: 5,
    });
    t.is(r.files.length, 1);
    t.deepEqual(r.files[0]!.bytes, r.file.bytes);
  });
}

test('Compact No-Code with loss needs the carousel: a second pass fills the holes', async (t) => {
  const once = await roundTrip({
    fec: 0,
    overhead: 0,
    loss: { kind: 'uniform', rate: 0.05 },
    size: 40_000,
    seed: 9,
  });
  t.is(once.files.length, 0);
  const twice = await roundTrip({
    fec: 0,
    overhead: 0,
    loss: { kind: 'uniform', rate: 0.05 },
    size: 40_000,
    seed: 9,
    repetitions: 3,
  });
  t.is(twice.files.length, 1);
  t.deepEqual(twice.files[0]!.bytes, twice.file.bytes);
});

test('pacing on the virtual clock: the session lasts its bytes at the bearer rate', async (t) => {
  const r = await roundTrip({ fec: 0, overhead: 0, loss: { kind: 'none' }, size: 100_000 });
  // Every packet (with 28 bytes of IP+UDP) is carried at 1 Mbit/s; the last one leaves when the previous ones were carried.
  const expectedMs = ((r.stats.bytes + 28 * r.stats.packets) * 8) / 1000;
  t.true(
    Math.abs(r.stats.durationMs - expectedMs) <= expectedMs / r.stats.packets + 1,
    `${r.stats.durationMs} ms vs ${expectedMs} ms`,
  );
});

test('hostile datagrams are counted and dropped with a reason, never thrown', (t) => {
  const receiver = new FluteReceiver({ clock: new VirtualClock() });
  const random = seededRandom(4);
  for (let i = 0; i < 2000; i++) {
    const bytes = new Uint8Array(Math.floor(random() * 64));
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
    receiver.push(bytes);
  }
  const total = [...receiver.dropped.values()].reduce((s, n) => s + n, 0);
  t.true(total > 0);
  t.is(receiver.packets, 2000);
});

test('a file whose bytes do not match the FDT MD5 is not delivered: a corrupt event instead', async (t) => {
  const clock = new VirtualClock();
  const receiver = new FluteReceiver({ clock });
  const corrupt: string[] = [];
  const files: ReceivedFile[] = [];
  receiver.on('corrupt', (c) => corrupt.push(c.contentLocation));
  receiver.on('file', (f) => files.push(f));
  let n = 0;
  const sink = new MemorySink((packet) => {
    // Flip a byte in the payload of the 3rd file packet (after the FDT's packets).
    const p = packet.slice();
    if (++n === 6) p[p.length - 1] = (p[p.length - 1] ?? 0) ^ 0xff;
    receiver.push(p);
  });
  await new FluteSender({ clock, sink, tsi: 1, fec: 0, symbolLength: 512, fdtEvery: 1000 }).send([
    { contentLocation: 'fw.bin', bytes: new Uint8Array(randomBytes(5000)) },
  ]);
  t.deepEqual(files, []);
  t.deepEqual(corrupt, ['fw.bin']);
});

test('every packet the sender emits is the canonical encoding of what it decodes to (header reuse is exact)', async (t) => {
  const { decodePacket, encodePacket } = await import('../src/mbms/packet/index.ts');
  const clock = new VirtualClock();
  const sink = new MemorySink();
  await new FluteSender({
    clock,
    sink,
    tsi: 9,
    fec: 6,
    overhead: 0.2,
    symbolLength: 512,
    symbolsPerPacket: 2,
  }).send([
    { contentLocation: 'a.bin', bytes: new Uint8Array(randomBytes(20_000)) },
    { contentLocation: 'b.bin', bytes: new Uint8Array(randomBytes(7_000)) },
  ]);
  t.true(sink.packets.length > 30, `${sink.packets.length} packets`);
  for (const bytes of sink.packets) {
    const d = decodePacket(bytes, { profile: 'mbms' });
    if (!d.ok) throw new Error(d.reason.message);
    t.deepEqual(encodePacket(d.packet, 'mbms'), bytes);
  }
});
