import test from 'ava';
import { VirtualClock } from '../src/clock/index.ts';
import type { SampleBlock, SampleGap } from '../src/power/index.ts';
import {
  defaultCalibration,
  encodeSampleWord,
  Ppk2Converter,
  Ppk2StreamDecoder,
  type Ppk2StreamDecoderOptions,
} from '../src/power/ppk2/index.ts';

/** n sample words with consecutive counters from `counter`, a varying ADC value and range, logic = k & 0xff. */
function words(n: number, counter = 0, first = 0): number[] {
  return Array.from({ length: n }, (_, k) =>
    encodeSampleWord({
      adc: ((first + k) * 37) % 16384,
      range: ((first + k) >> 5) % 5,
      counter: (counter + k) & 63,
      logic: (first + k) & 0xff,
    }),
  );
}

function bytesOf(list: readonly number[]): Buffer {
  const bytes = Buffer.alloc(list.length * 4);
  for (const [k, w] of list.entries()) bytes.writeUInt32LE(w >>> 0, k * 4);
  return bytes;
}

/** A seeded generator (mulberry32) so failures reproduce. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function splitRandomly(bytes: Buffer, rand: () => number, max = 64): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + Math.floor(rand() * max);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

interface Run {
  blocks: SampleBlock[];
  gaps: SampleGap[];
  decoder: Ppk2StreamDecoder;
  /** Every delivered sample as [index, raw word]. */
  samples: () => Array<[number, number]>;
}

function decoder(
  options: Partial<Ppk2StreamDecoderOptions> = {},
  clock = new VirtualClock({ autoAdvance: false }),
): Run {
  const blocks: SampleBlock[] = [];
  const gaps: SampleGap[] = [];
  const d = new Ppk2StreamDecoder({
    converter: new Ppk2Converter({ calibration: defaultCalibration(), vddMv: 3000, spikeFilter: false }),
    clock,
    wallTime: false,
    onBlock: (b) => blocks.push(b),
    onGap: (g) => gaps.push(g),
    ...options,
  });
  const samples = () => blocks.flatMap((b) => [...b.raw!].map((w, k): [number, number] => [b.start + k, w]));
  return { blocks, gaps, decoder: d, samples };
}

function feed(run: Run, chunks: Buffer[]): Run {
  for (const chunk of chunks) run.decoder.push(chunk);
  run.decoder.finish();
  return run;
}

test('a clean stream comes out word for word, with indices from 0, raw words, logic and µA', (t) => {
  const sent = words(1000, 17);
  const run = feed(decoder(), [bytesOf(sent)]);
  t.deepEqual(run.gaps, []);
  t.deepEqual(
    run.samples(),
    sent.map((w, k) => [k, w]),
  );
  const block = run.blocks[0]!;
  t.is(block.logic![3], 3);
  const converter = new Ppk2Converter({ calibration: defaultCalibration(), vddMv: 3000, spikeFilter: false });
  t.is(block.uA[500], converter.convert(sent[500]!));
  t.is(run.decoder.stats.delivered, 1000);
});

test('random chunk splits give the same samples as one chunk', (t) => {
  const sent = words(5000, 3);
  const bytes = bytesOf(sent);
  const whole = feed(decoder(), [bytes]).samples();
  for (let seed = 1; seed <= 20; seed++) {
    const rand = random(seed);
    const run = feed(decoder(), splitRandomly(bytes, rand, seed < 10 ? 7 : 3000));
    t.deepEqual(run.samples(), whole, `seed ${seed}`);
    t.deepEqual(run.gaps, []);
  }
});

test('block times follow the sample index at 100 kS/s from the start time', (t) => {
  const clock = new VirtualClock({ autoAdvance: false });
  const run = decoder({}, clock);
  const start = clock.now();
  run.decoder.push(bytesOf(words(100)));
  run.decoder.push(bytesOf(words(50, 100, 100)));
  t.is(run.blocks[0]!.t0, start);
  t.is(run.blocks[1]!.start, 100);
  t.is(run.blocks[1]!.t0, start + 1); // 100 samples = 1 ms
});

test('a counter gap of k samples (k = 1..63) is reported exactly where it happened', (t) => {
  for (let k = 1; k <= 63; k++) {
    const sent = words(300, 40);
    const kept = [...sent.slice(0, 100), ...sent.slice(100 + k)];
    const run = feed(decoder(), splitRandomly(bytesOf(kept), random(k), 100));
    t.deepEqual(
      run.gaps.map((g) => [g.at, g.count, g.cause]),
      [[100, k, 'counter']],
      `k = ${k}`,
    );
    // Samples after the gap carry their true index.
    const expected = sent.map((w, j): [number, number] => [j, w]).filter(([j]) => j < 100 || j >= 100 + k);
    t.deepEqual(run.samples(), expected, `k = ${k}`);
  }
});

test('a loss of exactly 64 samples leaves the counter in step: invisible without the wall-time check', (t) => {
  const sent = words(400);
  const run = feed(decoder(), [bytesOf([...sent.slice(0, 200), ...sent.slice(264)])]);
  t.deepEqual(run.gaps, []);
  t.is(run.decoder.stats.delivered, 336);
});

/**
 * Streams `sent` the way a PPK2 on USB delivers it: samples are taken at 100 kS/s of virtual
 * time (drifted by `ppm`), and handed over in chunks at irregular moments with some latency.
 */
async function paced(
  run: Run,
  clock: VirtualClock,
  sent: readonly number[],
  options: { rand: () => number; ppm?: number; drop?: [number, number]; stallAt?: number },
) {
  const { rand, ppm = 0, drop, stallAt } = options;
  let next = 0;
  let now = 0; // ms since start
  while (next < sent.length) {
    const step = stallAt !== undefined && next >= stallAt && next < stallAt + 100 ? 80 : 0.2 + rand() * 3;
    now += step;
    await clock.advance(step);
    const latency = rand() * 0.3;
    // Samples taken up to now - latency, at the PPK2's own (slightly off) rate.
    const due = Math.min(sent.length, Math.floor((now - latency) * 100 * (1 + ppm / 1e6)));
    if (due <= next) continue;
    const chunk = sent
      .slice(next, due)
      .filter((_, k) => !drop || next + k < drop[0] || next + k >= drop[0] + drop[1]);
    next = due;
    if (chunk.length > 0) run.decoder.push(bytesOf(chunk));
  }
  run.decoder.finish();
}

test('a loss of 64 samples is found by the wall-time check, and only that', async (t) => {
  for (let seed = 1; seed <= 5; seed++) {
    const clock = new VirtualClock({ autoAdvance: false });
    const run = decoder({ wallTime: {} }, clock);
    await paced(run, clock, words(150_000), { rand: random(seed), drop: [70_000, 64] });
    t.deepEqual(
      run.gaps.map((g) => [g.count, g.cause]),
      [[64, 'wall-time']],
      `seed ${seed}`,
    );
    const gap = run.gaps[0]!;
    // Reported within a few windows of where it happened.
    t.true(gap.at >= 70_000 && gap.at <= 70_000 + 50_000, `at ${gap.at}`);
    t.is(run.decoder.stats.delivered + 64, 150_000);
  }
});

test('a loss of 128 samples counts as 128; 64 + 5 as a counter gap of 5 and a wall-time gap of 64', async (t) => {
  const clock = new VirtualClock({ autoAdvance: false });
  const run = decoder({ wallTime: {} }, clock);
  await paced(run, clock, words(100_000), { rand: random(7), drop: [40_000, 128] });
  t.deepEqual(
    run.gaps.map((g) => [g.count, g.cause]),
    [[128, 'wall-time']],
  );

  const clock2 = new VirtualClock({ autoAdvance: false });
  const run2 = decoder({ wallTime: {} }, clock2);
  await paced(run2, clock2, words(100_000), { rand: random(8), drop: [40_000, 69] });
  t.deepEqual(
    run2.gaps.map((g) => [g.count, g.cause]),
    [
      [5, 'counter'],
      [64, 'wall-time'],
    ],
  );
});

test('no wall-time alarm from irregular chunking, clock drift of ±40 ppm or a host stall', async (t) => {
  for (const [seed, ppm] of [
    [11, 0],
    [12, 40],
    [13, -40],
    [14, 20],
  ] as const) {
    const clock = new VirtualClock({ autoAdvance: false });
    const run = decoder({ wallTime: {} }, clock);
    await paced(run, clock, words(300_000), { rand: random(seed), ppm, stallAt: 150_000 });
    t.deepEqual(run.gaps, [], `seed ${seed}, ${ppm} ppm`);
    t.is(run.decoder.stats.delivered, 300_000);
  }
});

test('a dropped byte at any position in a word is realigned, and the lost sample reported', (t) => {
  for (let position = 0; position < 4; position++) {
    const sent = words(400, 9);
    const bytes = bytesOf(sent);
    const cut = 150 * 4 + position;
    const damaged = Buffer.concat([bytes.subarray(0, cut), bytes.subarray(cut + 1)]);
    const run = feed(decoder(), splitRandomly(damaged, random(position + 1), 200));
    t.deepEqual(
      run.gaps.map((g) => [g.count, g.cause]),
      [[1, 'realign']],
      `byte ${position}`,
    );
    t.is(run.decoder.stats.realigns, 1);
    const got = run.samples();
    t.is(got.length, 399, `byte ${position}`);
    // Every sample but the broken one is delivered at its own index with its own ADC value.
    const wrong = got.filter(([index, w]) => (sent[index]! & 0x00ffffff) !== (w & 0x00ffffff));
    t.deepEqual(wrong, [], `byte ${position}`);
    // The word that lost a byte is lost; when the byte was its logic byte (the last), its counter is
    // still right, so it passes with a wrong logic byte and the next word is the one lost.
    const indices = new Set(got.map(([index]) => index));
    t.deepEqual(
      sent.map((_, index) => index).filter((index) => !indices.has(index)),
      [position === 3 ? 151 : 150],
    );
  }
});

test('a stray extra byte is realigned with nothing lost', (t) => {
  const sent = words(300);
  const bytes = bytesOf(sent);
  const damaged = Buffer.concat([bytes.subarray(0, 401), Buffer.from([0xaa]), bytes.subarray(401)]);
  const run = feed(decoder(), [damaged]);
  t.deepEqual(
    run.gaps.map((g) => [g.count, g.cause]),
    [[0, 'realign']],
  );
  t.is(run.decoder.stats.delivered, 300);
});

test('garbage in place of samples: the loss is counted from the bytes dropped and the counter', (t) => {
  const sent = words(2000);
  const bytes = bytesOf(sent);
  const rand = random(5);
  // Words 1000..1249 overwritten with noise (a burst of corruption on the line).
  for (let k = 4000; k < 5000; k++) bytes[k] = Math.floor(rand() * 256);
  const run = feed(decoder(), splitRandomly(bytes, rand, 500));
  t.is(
    run.gaps.reduce((sum, g) => sum + g.count, 0),
    250,
  );
  t.is(run.decoder.stats.delivered, 2000 - 250);
  t.deepEqual(
    run.samples().filter(([index, w]) => sent[index] !== w),
    [],
  );
});

test('bytes missing in bulk are counted modulo 64 by the stream (wall time sees the rest)', (t) => {
  const sent = words(2000);
  const bytes = bytesOf(sent);
  // 1001 bytes gone: 250 words and one byte; the next whole word is 251 words on.
  const damaged = Buffer.concat([bytes.subarray(0, 4000), bytes.subarray(5001)]);
  const run = feed(decoder(), splitRandomly(damaged, random(6), 500));
  t.deepEqual(
    run.gaps.map((g) => [g.count, g.cause]),
    [[251 % 64, 'realign']],
  );
  t.is(run.decoder.stats.delivered, 2000 - 251);
});

test('bytes before the first aligned word (the tail of an earlier stream) are skipped, not reported', (t) => {
  const sent = words(100, 5);
  const run = feed(decoder(), [Buffer.concat([Buffer.from([0x11, 0x22, 0x33]), bytesOf(sent)])]);
  t.deepEqual(run.gaps, []);
  t.is(run.decoder.stats.skippedBytes, 3);
  t.deepEqual(
    run.samples(),
    sent.map((w, k) => [k, w]),
  );
});

test('one word with a corrupted counter is delivered in place, without phantom gaps', (t) => {
  const sent = words(100, 0);
  sent[50] = (sent[50]! & ~(63 << 18)) | (17 << 18);
  const run = feed(decoder(), [bytesOf(sent)]);
  t.deepEqual(run.gaps, []);
  t.is(run.decoder.stats.delivered, 100);
});

test('invalid range bits give NaN samples in place, counted', (t) => {
  const sent = words(50);
  sent[10] = (sent[10]! & ~(7 << 14)) | (5 << 14);
  sent[20] = (sent[20]! & ~(7 << 14)) | (7 << 14);
  const run = feed(decoder(), [bytesOf(sent)]);
  t.deepEqual(run.gaps, []);
  const uA = run.blocks.flatMap((b) => [...b.uA]);
  t.true(Number.isNaN(uA[10]!));
  t.true(Number.isNaN(uA[20]!));
  t.is(uA.filter(Number.isNaN).length, 2);
  t.is(run.decoder.stats.invalidRange, 2);
});

test('data arriving after finish is discarded and counted', (t) => {
  const run = decoder();
  run.decoder.push(bytesOf(words(10)).subarray(0, 38));
  run.decoder.finish();
  run.decoder.push(bytesOf(words(10, 10)));
  t.is(run.decoder.stats.delivered, 9);
  t.is(run.decoder.stats.trailingBytes, 2);
  t.is(run.decoder.stats.discardedAfterFinish, 40);
});

test('a throwing handler does not lose the other events of the chunk', (t) => {
  const got: number[] = [];
  const d = new Ppk2StreamDecoder({
    converter: new Ppk2Converter({ calibration: defaultCalibration(), vddMv: 3000, spikeFilter: false }),
    clock: new VirtualClock({ autoAdvance: false }),
    wallTime: false,
    onBlock: (b) => {
      got.push(b.start);
      if (b.start === 0) throw new Error('consumer bug');
    },
  });
  const sent = words(200);
  t.throws(() => d.push(bytesOf([...sent.slice(0, 50), ...sent.slice(60)])), { message: 'consumer bug' });
  t.deepEqual(got, [0, 60]);
});
