import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { VirtualClock } from '../src/clock/index.ts';
import type { SampleBlock } from '../src/power/meter.ts';
import {
  Recording,
  RecordingError,
  RecordingWriter,
  type RecordingWriterOptions,
} from '../src/power/recording/index.ts';

const RATE = 100_000;
const T0 = Date.UTC(2026, 0, 1);
const meter = { kind: 'sim' as const, spec: 'sim:quectel-bg95' };

async function tempDir(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'rig-rec-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  return join(root, 'rec');
}

async function create(dir: string, extra: Partial<RecordingWriterOptions> = {}): Promise<RecordingWriter> {
  return RecordingWriter.create({ dir, meter, rateHz: RATE, voltageMv: 3700, durable: false, ...extra });
}

/** Feed f(t) for `seconds` in meter-sized blocks of irregular length, as a PPK2 driver would. */
function feed(w: RecordingWriter, seconds: number, f: (t: number) => number, start = 0): number {
  const n = Math.round(seconds * RATE);
  const sizes = [3000, 1234, 4096, 777];
  for (let at = 0, k = 0; at < n; k++) {
    const len = Math.min(sizes[k % sizes.length]!, n - at);
    const uA = new Float64Array(len);
    for (let i = 0; i < len; i++) uA[i] = f((start + at + i) / RATE);
    w.append({ start: start + at, uA, t0: T0 + ((start + at) * 1000) / RATE });
    at += len;
  }
  return start + n;
}

const within = (actual: number, expected: number, rel: number) =>
  Math.abs(actual - expected) <= rel * Math.abs(expected);

test('energy of a square wave (1 kHz, 5 µA / 80 mA) matches its integral within 0.1 %', async (t) => {
  const dir = await tempDir(t);
  const w = await create(dir);
  feed(w, 10, (s) => ((s * 1000) % 1 < 0.5 ? 80_000 : 5));
  await w.close();
  const r = await Recording.open(dir);
  const s = await r.stats();
  const chargeUc = ((80_000 + 5) / 2) * 10;
  t.true(within(s.chargeUc, chargeUc, 1e-3), `${s.chargeUc} vs ${chargeUc}`);
  t.true(within(s.energyMj, (chargeUc * 3700) / 1e6, 1e-3));
  t.true(within(s.chargeMah, chargeUc / 3.6e6, 1e-3));
  t.is(s.minUa, 5);
  t.is(s.maxUa, 80_000);
  t.is(s.samples, 1_000_000);
  t.is(s.lostSamples, 0);
  t.is(s.durationS, 10);
  await r.close();
});

test('energy of a ramp (0 → 100 mA over 10 s) and of a sub-span by time match their integrals within 0.1 %', async (t) => {
  const dir = await tempDir(t);
  const w = await create(dir);
  feed(w, 10, (s) => s * 10_000);
  await w.close();
  const r = await Recording.open(dir);
  const whole = await r.stats();
  t.true(within(whole.chargeUc, 500_000, 1e-3), `${whole.chargeUc}`);
  // 2.5 s … 7.5 s: ∫ 10 000·s ds = 5000·(7.5² − 2.5²) µC
  const part = await r.stats({ time: T0 + 2500 }, { time: T0 + 7500 });
  t.is(part.from, 250_000);
  t.is(part.to, 750_000);
  t.true(within(part.chargeUc, 5000 * (7.5 ** 2 - 2.5 ** 2), 1e-3), `${part.chargeUc}`);
  t.true(within(part.energyMj, (5000 * (7.5 ** 2 - 2.5 ** 2) * 3.7) / 1000, 1e-3));
  await r.close();
});

test('energy of a sine on an offset, over a span that is not whole periods, matches its integral within 0.1 %', async (t) => {
  const dir = await tempDir(t);
  const w = await create(dir);
  const f = 50;
  feed(w, 12, (s) => 20_000 + 15_000 * Math.sin(2 * Math.PI * f * s));
  await w.close();
  const r = await Recording.open(dir);
  for (const [a, b] of [
    [0, 10.013],
    [1.2345, 7.0071],
  ] as const) {
    const s = await r.stats(Math.round(a * RATE), Math.round(b * RATE));
    const q =
      20_000 * (b - a) +
      (15_000 * (Math.cos(2 * Math.PI * f * a) - Math.cos(2 * Math.PI * f * b))) / (2 * Math.PI * f);
    t.true(within(s.chargeUc, q, 1e-3), `${a}…${b}: ${s.chargeUc} vs ${q}`);
  }
  await r.close();
});

test('gaps are stored as lost samples: excluded from the mean, counted, listed with their cause', async (t) => {
  const dir = await tempDir(t);
  const w = await create(dir, { chunkSamples: 4096 });
  const block = (start: number, n: number, v: number): SampleBlock => ({
    start,
    uA: new Float64Array(n).fill(v),
    t0: T0 + (start * 1000) / RATE,
  });
  w.append(block(0, 10_000, 100));
  w.gap({ at: 10_000, count: 500, cause: 'counter', detail: 'counter jumped 5→13' });
  w.append(block(10_500, 5000, 300));
  w.append(block(16_000, 1000, 300)); // starts past the end: a discontinuity
  const nan = block(17_000, 10, 0);
  nan.uA[3] = Number.NaN; // a sample the meter flagged invalid
  w.append(nan);
  await w.close();
  const r = await Recording.open(dir);
  t.deepEqual(r.gaps, [
    { at: 10_000, count: 500, cause: 'counter', detail: 'counter jumped 5→13' },
    { at: 15_500, count: 500, cause: 'discontinuity' },
  ]);
  const s = await r.stats();
  t.is(s.samples, 17_010);
  t.is(s.lostSamples, 1001);
  t.is(s.validSamples, 16_009);
  const mean = (10_000 * 100 + 6000 * 300) / 16_009;
  t.true(within(s.meanUa, mean, 1e-12));
  // charge = mean × duration: the lost samples count at the mean of the others
  t.true(within(s.chargeUc, mean * (17_010 / RATE), 1e-12));
  const lost = await r.stats(10_000, 10_500);
  t.is(lost.validSamples, 0);
  t.true(Number.isNaN(lost.meanUa) && Number.isNaN(lost.chargeUc) && Number.isNaN(lost.minUa));
  t.true(Number.isNaN((await r.samples(10_000, 10_001)).uA[0]!));
  await r.close();
});

test('markers and phases round-trip, by sample index and by clock time, and a phase may recur', async (t) => {
  const dir = await tempDir(t);
  const clock = new VirtualClock({ start: T0 });
  const w = await create(dir, { clock });
  let at = feed(w, 1, () => 10);
  w.mark('announce', 50_000);
  w.beginPhase('download', { time: T0 + 1000 });
  at = feed(w, 2, () => 10_000, at);
  w.endPhase('download', at);
  at = feed(w, 1, () => 10, at);
  await clock.sleep(4000); // clock now at T0 + 4 s = sample 400 000
  w.beginPhase('download');
  at = feed(w, 1, () => 20_000, at);
  w.endPhase('download', at);
  w.mark('big index', 2 ** 32 + 5);
  w.beginPhase('install', at);
  feed(w, 0.5, () => 50_000, at);
  await w.close();
  t.throws(() => w.mark('late'), { instanceOf: RecordingError, message: /closed/ });

  const r = await Recording.open(dir);
  t.deepEqual(
    r.markers().map((m) => [m.kind, m.name, m.at]),
    [
      ['mark', 'announce', 50_000],
      ['begin', 'download', 100_000],
      ['end', 'download', 300_000],
      ['begin', 'download', 400_000],
      ['end', 'download', 500_000],
      ['mark', 'big index', 2 ** 32 + 5],
      ['begin', 'install', 500_000],
    ],
  );
  t.is(r.markers()[0]!.time, T0 + 500);
  const phases = r.phases();
  t.deepEqual(
    phases.map((p) => [p.name, p.from, p.to, p.open]),
    [
      ['download', 100_000, 300_000, false],
      ['download', 400_000, 500_000, false],
      ['install', 500_000, 550_000, true], // never ended: runs to the end of the recording
    ],
  );
  const download = await r.phaseStats('download');
  t.is(download.intervals.length, 2);
  t.is(download.samples, 300_000);
  t.true(within(download.chargeUc, 10_000 * 2 + 20_000 * 1, 1e-9));
  t.true(within(download.meanUa, (10_000 * 2 + 20_000) / 3, 1e-9));
  t.true(within(download.energyMj, (40_000 * 3700) / 1e6, 1e-9));
  t.is(download.maxUa, 20_000);
  await t.throwsAsync(r.phaseStats('flash'), {
    message: /no phase named "flash" \(phases: download, install\)/,
  });
  await r.close();
});

test('phase misuse is refused with the phase named', async (t) => {
  const dir = await tempDir(t);
  const w = await create(dir);
  t.throws(() => w.endPhase('install'), { message: /endPhase\("install"\): no phase of that name is open/ });
  w.beginPhase('install');
  t.throws(() => w.beginPhase('install'), { message: /already open/ });
  await w.close();
});

test('the manifest holds meter, rate, voltage, calibration, start time and gaps; the directory must be new', async (t) => {
  const dir = await tempDir(t);
  const calibration = { r: [1031.64, 101.65, 10.15, 0.94, 0.043], vdd: 3700 };
  const w = await create(dir, { calibration, mode: 'source' });
  feed(w, 0.1, () => 1);
  await w.close();
  const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8'));
  t.like(meta, {
    format: 'mbms-iot-rig/power-recording',
    meter,
    rateHz: RATE,
    voltageMv: 3700,
    mode: 'source',
    calibration,
    sampleCount: 10_000,
    closed: true,
    clock: [[0, T0]],
  });
  const r = await Recording.open(dir);
  t.is(r.startTime, T0);
  t.is(r.timeAt(5000), T0 + 50);
  t.deepEqual(r.calibration, calibration);
  await r.close();
  await t.throwsAsync(create(dir), {
    instanceOf: RecordingError,
    message: /create failed: directory is not empty/,
  });
});

test('a meter clock that drifts from the host clock adds anchors, and times map through them', async (t) => {
  const dir = await tempDir(t);
  const w = await create(dir);
  // 1 s of samples, then the host clock says the next block came 50 ms later than the rate predicts.
  w.append({ start: 0, uA: new Float64Array(100_000).fill(1), t0: T0 });
  w.append({ start: 100_000, uA: new Float64Array(100_000).fill(1), t0: T0 + 1050 });
  w.append({ start: 200_000, uA: new Float64Array(100_000).fill(1), t0: T0 + 2050.5 }); // within 1 ms: no anchor
  await w.close();
  const r = await Recording.open(dir);
  t.deepEqual(r.manifest.clock, [
    [0, T0],
    [100_000, T0 + 1050],
  ]);
  t.is(r.indexAt(T0 + 500), 50_000);
  t.is(r.indexAt(T0 + 1550), 150_000);
  t.is(r.timeAt(250_000), T0 + 2550);
  await r.close();
});

test('raw words convert again with another calibration into a new recording; gaps and markers stay', async (t) => {
  const dir = await tempDir(t);
  const w = await create(dir, { chunkSamples: 1000, calibration: { gain: 0.5 } });
  const raw = Uint32Array.from({ length: 2500 }, (_, i) => i);
  const logic = Uint8Array.from({ length: 2500 }, (_, i) => i & 0xff);
  const conv = (x: number) => x * 0.5;
  w.append({
    start: 0,
    uA: Float64Array.from(raw.subarray(0, 1200), conv),
    raw: raw.subarray(0, 1200),
    logic: logic.subarray(0, 1200),
    t0: T0,
  });
  w.gap({ at: 1200, count: 100, cause: 'overflow' });
  w.append({
    start: 1300,
    uA: Float64Array.from(raw.subarray(1300), conv),
    raw: raw.subarray(1300),
    logic: logic.subarray(1300),
    t0: T0 + 13,
  });
  w.mark('verify', 2000);
  t.throws(() => w.append({ start: 2500, uA: new Float64Array(1), t0: T0 + 25 }), {
    message:
      /block at index 2500 \(1 samples\) carries current, the recording stores current \+ raw words \+ logic/,
  });
  await w.close();

  const r = await Recording.open(dir);
  const again = await r.reconvert((x) => x * 2, { dir: `${dir}-2`, calibration: { gain: 2 } });
  t.teardown(() => rm(`${dir}-2`, { recursive: true, force: true }));
  t.deepEqual(again.calibration, { gain: 2 });
  t.deepEqual(again.gaps, r.gaps);
  t.deepEqual(again.markers(), r.markers());
  const s = await again.samples();
  t.is(s.uA.length, 2500);
  t.is(s.uA[1000], 2000);
  t.true(Number.isNaN(s.uA[1250]!));
  t.is(s.uA[2499], 4998);
  t.deepEqual(
    s.raw,
    raw.map((x, i) => (i >= 1200 && i < 1300 ? 0 : x)),
  );
  t.is(s.logic![77], 77);
  const st = await again.stats();
  t.is(st.validSamples, 2400);
  await r.close();
  await again.close();
  const plain = await create(`${dir}-3`);
  t.teardown(() => rm(`${dir}-3`, { recursive: true, force: true }));
  feed(plain, 0.01, () => 1);
  await plain.close();
  const p = await Recording.open(`${dir}-3`);
  await t.throwsAsync(
    p.reconvert((x) => x, { dir: `${dir}-4` }),
    { message: /holds no raw meter words/ },
  );
  await p.close();
});

test('minMax picks the pyramid level that fits the buckets and keeps spikes', async (t) => {
  const dir = await tempDir(t);
  const w = await create(dir);
  // 20 s of 5 µA with one 1-sample spike of 250 mA at 12.34567 s
  feed(w, 20, (s) => (Math.round(s * RATE) === 1_234_567 ? 250_000 : 5));
  await w.close();
  const r = await Recording.open(dir);
  const series = await r.minMax(undefined, undefined, 1000);
  t.is(series.resolution, 1024); // 2000 samples a bucket: level-1 entries
  t.is(series.max.length, 1000);
  const spike = series.max.indexOf(250_000);
  t.is(spike, Math.floor(1_234_567 / 2000));
  t.is(series.max.filter((v) => v === 250_000).length, 1);
  t.true(series.min.every((v) => v === 5));
  const fine = await r.minMax(1_234_000, 1_235_000, 100);
  t.is(fine.resolution, 1); // 10 samples a bucket: raw samples
  t.is(fine.max[56], 250_000);
  t.is(fine.mean[0], 5);
  const coarse = await r.minMax(0, 2_000_000, 10);
  t.is(coarse.resolution, 1024 * 16); // 200 000 samples a bucket: level-2 entries (16 Ki)
  t.is(Math.max(...coarse.max), 250_000);
  await r.close();
});

test('opening a directory that is not a recording names what is wrong', async (t) => {
  const dir = await tempDir(t);
  await t.throwsAsync(Recording.open(dir), {
    instanceOf: RecordingError,
    message: /recording .*rec: open: no meta.json/,
  });
});

test('through handlers(), a refused block goes to onError instead of into the meter driver; a stream error is kept', async (t) => {
  const dir = await tempDir(t);
  const errors: RecordingError[] = [];
  const w = await create(dir, { onError: (e) => errors.push(e) });
  const h = w.handlers();
  h.samples({ start: 0, uA: new Float64Array(1000).fill(7), t0: T0 });
  t.notThrows(() => h.samples({ start: 500, uA: new Float64Array(10), t0: T0 + 5 }));
  t.is(errors.length, 1);
  t.regex(
    errors[0]!.message,
    /block at index 500 \(10 samples\) overlaps samples already stored \(next expected index 1000\)/,
  );
  h.gap?.({ at: 1000, count: 20, cause: 'wall-time' });
  h.samples({ start: 1020, uA: new Float64Array(80).fill(7), t0: T0 + 10.2 });
  h.error?.(new Error('meter ppk2:/dev/ttyACM0: device vanished'));
  await w.close();
  const r = await Recording.open(dir);
  t.is(r.sampleCount, 1100);
  t.deepEqual(r.gaps, [{ at: 1000, count: 20, cause: 'wall-time' }]);
  t.is(r.manifest.streamError, 'meter ppk2:/dev/ttyACM0: device vanished');
  await r.close();
});
