import type { Duplex } from 'node:stream';
import test from 'ava';
import {
  createEmulatedPpk2,
  type EmulatedPpk2Options,
  FOREIGN_DEVICE_TEXT,
  LINEAR_CALIBRATION,
} from '../firmware-stubs/ppk2/index.ts';
import { VirtualClock } from '../src/clock/index.ts';

// Word fields per the reference §1.5, read here on their own (no emulator or driver code).
const code14 = (w: number) => w & 0x3fff;
const rangeOf = (w: number) => (w >>> 14) & 7;
const counterOf = (w: number) => (w >>> 18) & 0x3f;

function wordsAt(bytes: Buffer, offset = 0): number[] {
  const out: number[] = [];
  for (let at = offset; at + 4 <= bytes.length; at += 4) out.push(bytes.readUInt32LE(at));
  return out;
}

/** Counter steps that are not +1 (mod 64). */
function counterBreaks(words: number[]): number {
  let breaks = 0;
  for (let k = 1; k < words.length; k++)
    if (counterOf(words[k]!) !== ((counterOf(words[k - 1]!) + 1) & 63)) breaks++;
  return breaks;
}

/**
 * The current provider used below makes each sample's ADC code tell its index: with the linear
 * calibration and no noise, sample n reads code 100 + (n mod 16000) in range 0.
 */
const M = 16_000;
const LSB_UA = (4 * 1.8) / 163840 / 1031.64 / 1e-6;
const indexCurrent = (t: number) => (100 + (Math.round(t * 100) % M)) * LSB_UA;

function device(options: Partial<EmulatedPpk2Options> = {}) {
  const clock = new VirtualClock();
  const ppk2 = createEmulatedPpk2({
    clock,
    calibration: LINEAR_CALIBRATION,
    noiseCounts: 0,
    dutPower: true,
    current: indexCurrent,
    ...options,
  });
  const chunks: Buffer[] = [];
  ppk2.host.on('data', (b: Buffer) => chunks.push(b));
  const send = (...bytes: number[]) => ppk2.host.write(Buffer.from(bytes));
  const bytes = () => Buffer.concat(chunks);
  const settle = () => clock.sleep(1);
  return { clock, ppk2, chunks, bytes, send, settle, host: ppk2.host as Duplex };
}

/** Index (mod M) of each word's sample, from its code (see indexCurrent). */
function indexes(words: number[], start: number): number[] {
  const first = Math.round(start * 100) % M;
  return words.map((w) => (code14(w) - 100 - first + M) % M);
}

/** Samples between consecutive words (1 when none is missing). */
function jumps(idx: number[]): number[] {
  return idx.slice(1).map((n, k) => (n - idx[k]! + M) % M);
}

test('dropped byte: one byte missing per block misaligns the stream; a realigned read finds the counters again', async (t) => {
  const d = device({ faults: { dropByte: 1 } });
  t.teardown(() => d.ppk2.close());
  d.send(0x06);
  await d.clock.sleep(35);
  d.send(0x07);
  await d.settle();
  const bytes = d.bytes();
  t.is(bytes.length, 3 * 3999, 'each 4000-byte block lost one byte');
  t.is(d.ppk2.state.bytesSent, bytes.length);
  const naive = wordsAt(bytes);
  t.true(counterBreaks(naive) > 0, 'read as aligned words, the counter breaks');
  // In the first block: the first counter break marks the damaged word; after it the words sit one
  // byte earlier, and a read realigned there finds a clean counter run to the end of the block.
  const first = bytes.subarray(0, 3999);
  const aligned = wordsAt(first);
  const k = aligned.findIndex((w, n) => n > 0 && counterOf(w) !== ((counterOf(aligned[n - 1]!) + 1) & 63));
  t.true(k > 0);
  const realigned = wordsAt(first, 4 * (k + 1) - 1);
  t.true(realigned.length > 0);
  t.is(counterBreaks(realigned), 0);
});

test('counter gap of 64: samples missing, the counter shows nothing, the sample instants tell', async (t) => {
  const d = device({ faults: { counterGap: { probability: 1, samples: 64 } } });
  t.teardown(() => d.ppk2.close());
  d.send(0x06);
  await d.clock.sleep(35);
  d.send(0x07);
  await d.settle();
  const words = wordsAt(d.bytes());
  t.is(words.length, 3 * (1000 - 64));
  t.is(counterBreaks(words), 0, 'a gap of 64 is invisible in the counter');
  const idx = indexes(words, d.ppk2.state.recordingStart!);
  t.deepEqual(
    jumps(idx).filter((j) => j !== 1),
    [65, 65, 65],
  );
  t.is(d.ppk2.state.samplesSkipped, 3 * 64);
});

test('counter gap of k < 64: the counter jumps by k + 1', async (t) => {
  const d = device({ faults: { counterGap: { probability: 1, samples: 10 } } });
  t.teardown(() => d.ppk2.close());
  d.send(0x06);
  await d.clock.sleep(25);
  d.send(0x07);
  await d.settle();
  const words = wordsAt(d.bytes());
  t.is(words.length, 2 * 990);
  const steps = words.slice(1).map((w, k) => (counterOf(w) - counterOf(words[k]!) + 64) & 63);
  t.deepEqual(
    steps.filter((s) => s !== 1),
    [11, 11],
  );
});

test('split writes: the same bytes arrive cut at odd boundaries', async (t) => {
  const run = async (splitWrites: number) => {
    const d = device({ seed: 3, faults: { splitWrites } });
    d.send(0x19);
    await d.settle();
    d.send(0x06);
    await d.clock.sleep(55);
    d.send(0x07);
    await d.settle();
    d.ppk2.close();
    return { bytes: d.bytes(), lengths: d.chunks.map((c) => c.length) };
  };
  const whole = await run(0);
  const split = await run(1);
  t.true(split.bytes.equals(whole.bytes), 'splitting changes no byte');
  t.true(split.lengths.length > whole.lengths.length);
  t.true(
    split.lengths.some((n) => n % 4 !== 0),
    'some pieces end inside a word',
  );
  t.true(split.lengths[0]! < whole.lengths[0]!, 'the metadata text is split too');
});

test('trailing blocks: N more blocks arrive after 0x07, then silence', async (t) => {
  const d = device({ faults: { trailingBlocks: 3 } });
  t.teardown(() => d.ppk2.close());
  d.send(0x06);
  await d.clock.sleep(25);
  const before = d.ppk2.state.samplesSent;
  d.send(0x07);
  await d.settle();
  t.true(d.ppk2.state.streaming, 'still streaming right after the stop');
  await d.clock.sleep(100);
  t.false(d.ppk2.state.streaming);
  t.is(before, 2000);
  t.is(d.bytes().length, (2000 + 3000) * 4);
  t.is(counterBreaks(wordsAt(d.bytes())), 0);
});

test('invalid range bits: some words carry range 5..7, the rest stay valid', async (t) => {
  const d = device({ faults: { invalidRange: 0.02 } });
  t.teardown(() => d.ppk2.close());
  d.send(0x06);
  await d.clock.sleep(55);
  d.send(0x07);
  await d.settle();
  const words = wordsAt(d.bytes());
  const ranges = words.map(rangeOf);
  const invalid = ranges.filter((r) => r > 4);
  t.true(invalid.length > 30 && invalid.length < 200, `${invalid.length} of ${words.length}`);
  t.deepEqual([...new Set(invalid)].sort(), [5, 6, 7]);
  t.true(ranges.filter((r) => r <= 4).every((r) => r === 0));
  t.is(counterBreaks(words), 0, 'framing and counter untouched');
});

test('stall: the stream stops without a word and the device ignores commands until recover()', async (t) => {
  const d = device({ faults: { stallAfterSamples: 2500 } });
  t.teardown(() => d.ppk2.close());
  let hung = false;
  d.ppk2.on('hung', () => {
    hung = true;
  });
  d.send(0x06);
  await d.clock.sleep(100);
  t.true(hung);
  t.is(d.bytes().length, 2500 * 4);
  t.false(d.ppk2.state.streaming);
  t.true(d.ppk2.state.hung);
  d.send(0x07, 0x19, 0x06);
  await d.clock.sleep(50);
  t.is(d.bytes().length, 2500 * 4, 'no metadata, no samples');
  d.ppk2.faults.set({ stallAfterSamples: undefined });
  d.ppk2.recover();
  d.send(0x19);
  await d.settle();
  t.true(d.bytes().toString('latin1').endsWith('IA: 56\nEND\n'));
});

test('stall at runtime: stallAfterSamples 0 while streaming hangs at the next block', async (t) => {
  const d = device();
  t.teardown(() => d.ppk2.close());
  d.send(0x06);
  await d.clock.sleep(25);
  d.ppk2.faults.set({ stallAfterSamples: 0 });
  await d.clock.sleep(50);
  t.is(d.bytes().length, 2000 * 4);
  t.true(d.ppk2.state.hung);
});

test('another device: metadata is answered with non-PPK2 text and nothing streams', async (t) => {
  const d = device({ faults: { foreignDevice: true } });
  t.teardown(() => d.ppk2.close());
  d.send(0x19);
  await d.settle();
  t.is(d.bytes().toString('latin1'), FOREIGN_DEVICE_TEXT);
  d.send(0x06);
  await d.clock.sleep(50);
  t.is(d.bytes().length, FOREIGN_DEVICE_TEXT.length);
  d.ppk2.faults.set({ foreignDevice: 'ERROR\r\n' });
  d.send(0x19);
  await d.settle();
  t.true(d.bytes().toString('latin1').endsWith('ERROR\r\n'));
  d.ppk2.faults.set({ foreignDevice: undefined });
  d.send(0x19);
  await d.settle();
  t.true(d.bytes().toString('latin1').endsWith('END\n'));
});

test('faults set at runtime apply from the next block; clear() ends them', async (t) => {
  const d = device();
  t.teardown(() => d.ppk2.close());
  d.send(0x06);
  await d.clock.sleep(25);
  t.is(d.bytes().length, 8000);
  d.ppk2.faults.set({ dropByte: 1 });
  await d.clock.sleep(10);
  t.is(d.bytes().length, 8000 + 3999);
  d.ppk2.faults.clear();
  await d.clock.sleep(10);
  t.is(d.bytes().length, 8000 + 3999 + 4000);
  d.send(0x07);
  t.throws(() => d.ppk2.faults.set({ dropByte: 2 }), { message: /dropByte.*\[0, 1\].*2/ });
});

test('a host that stops reading: the device loses whole blocks, the counter advancing over them', async (t) => {
  const d = device({ backlogLimitBytes: 20_000 });
  t.teardown(() => d.ppk2.close());
  d.host.pause();
  d.send(0x06);
  await d.clock.sleep(300); // 64 KiB fill the host's buffer, 20 kB the device's, then blocks are lost
  t.true(d.ppk2.state.samplesOverflowed > 0);
  d.host.resume();
  await d.settle();
  d.send(0x07);
  await d.settle();
  const words = wordsAt(d.bytes());
  const s = d.ppk2.state;
  t.is(words.length, s.samplesSent);
  t.is(s.samplesSent + s.samplesOverflowed, s.recordingSamples);
  const idx = indexes(words, s.recordingStart!);
  t.is(idx[0], 0);
  const between = jumps(idx).reduce((sum, j) => sum + j - 1, 0);
  const atEnd = (s.recordingSamples - 1 - idx[idx.length - 1]! + M) % M;
  t.true(between > 0, 'lost blocks show as holes in the sample instants');
  t.is(between + atEnd, s.samplesOverflowed);
});
