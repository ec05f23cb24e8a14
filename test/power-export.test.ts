import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import test from 'ava';
import { csvLines, exportCsvFile, writeCsv, writeSummaryJson } from '../src/power/export/index.ts';
import { Recording, RecordingWriter } from '../src/power/recording/index.ts';

const RATE = 100_000;
const T0 = Date.UTC(2026, 0, 1);
const meter = { kind: 'ppk2' as const, spec: 'ppk2:test' };

async function tempRoot(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'rig-export-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  return root;
}

async function small(dir: string, withLogic: boolean): Promise<Recording> {
  const w = await RecordingWriter.create({ dir, meter, rateHz: RATE, voltageMv: 3000, durable: false });
  const uA = Float64Array.of(5, 6, 7, Number.NaN, 9, 10.12345);
  const logic = Uint8Array.of(0xff, 0x00, 0x45, 0x01, 0x80, 0x03);
  w.append({ start: 0, uA, t0: T0, ...(withLogic ? { logic } : {}) });
  await w.close();
  return Recording.open(dir);
}

async function text(r: Recording, options = {}): Promise<string> {
  let out = '';
  for await (const piece of csvLines(r, options)) out += piece;
  return out;
}

test('CSV: the Power Profiler header and rows, digital columns D0 first, invalid samples left out', async (t) => {
  const root = await tempRoot(t);
  const r = await small(join(root, 'rec'), true);
  t.is(
    await text(r),
    [
      'Timestamp(ms),Current(uA),D0-D7,D0,D1,D2,D3,D4,D5,D6,D7',
      '0,5.000,11111111,1,1,1,1,1,1,1,1',
      '0.01,6.000,00000000,0,0,0,0,0,0,0,0',
      '0.02,7.000,10100010,1,0,1,0,0,0,1,0',
      '0.04,9.000,00000001,0,0,0,0,0,0,0,1',
      '0.05,10.123,11000000,1,1,0,0,0,0,0,0',
      '',
    ].join('\n'),
  );
  t.is(
    await text(r, { digital: false }),
    'Timestamp(ms),Current(uA)\n0,5.000\n0.01,6.000\n0.02,7.000\n0.04,9.000\n0.05,10.123\n',
  );
  await r.close();
});

test('CSV: without logic only time and current; a span keeps timestamps from the recording start', async (t) => {
  const root = await tempRoot(t);
  const r = await small(join(root, 'rec'), false);
  t.is(await text(r, { from: 2, to: 5 }), 'Timestamp(ms),Current(uA)\n0.02,7.000\n0.04,9.000\n');
  t.is(await text(r, { from: { time: T0 + 0.05 } }), 'Timestamp(ms),Current(uA)\n0.05,10.123\n');
  await r.close();
});

test('CSV: averaged rows keep the mean of valid samples and mark channels that changed with X', async (t) => {
  const root = await tempRoot(t);
  const r = await small(join(root, 'rec'), true);
  t.is(
    await text(r, { samplesPerRow: 2 }),
    [
      'Timestamp(ms),Current(uA),D0-D7,D0,D1,D2,D3,D4,D5,D6,D7',
      '0,5.500,XXXXXXXX,X,X,X,X,X,X,X,X',
      '0.02,7.000,10100010,1,0,1,0,0,0,1,0',
      `0.04,${((9 + Math.fround(10.12345)) / 2).toFixed(3)},XX00000X,X,X,0,0,0,0,0,X`,
      '',
    ].join('\n'),
  );
  await t.throwsAsync(text(r, { samplesPerRow: 0 }), {
    message: /samplesPerRow must be a positive integer, got 0/,
  });
  await r.close();
});

test('CSV: a long recording streams to a slow file with backpressure, never as one string', async (t) => {
  const root = await tempRoot(t);
  const dir = join(root, 'rec');
  const n = 3_000_000;
  const w = await RecordingWriter.create({ dir, meter, rateHz: RATE, voltageMv: 3000, durable: false });
  for (let at = 0; at < n; at += 100_000) {
    w.append({
      start: at,
      uA: Float64Array.from({ length: 100_000 }, (_, i) => (at + i) % 977),
      t0: T0 + at / 100,
    });
  }
  await w.close();
  const r = await Recording.open(dir);

  const highWaterMark = 64 * 1024;
  let buffered = 0;
  let biggestPiece = 0;
  let bytes = 0;
  let head = '';
  let tail = '';
  const slow = new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, done) {
      biggestPiece = Math.max(biggestPiece, chunk.length);
      bytes += chunk.length;
      if (head.length < 200) head += chunk.toString('latin1', 0, 200);
      tail = chunk.toString('latin1', Math.max(0, chunk.length - 200));
      setImmediate(done);
    },
  });
  const probe = setInterval(() => {
    buffered = Math.max(buffered, slow.writableLength);
  }, 1);
  const result = await writeCsv(r, slow);
  clearInterval(probe);
  t.is(result.rows, n);
  t.is(result.bytes, bytes);
  t.true(head.startsWith('Timestamp(ms),Current(uA)\n0,0.000\n0.01,1.000\n'));
  t.true(tail.endsWith(`29999.99,${(2_999_999 % 977).toFixed(3)}\n`), tail);
  // Each piece is one block of at most 65 536 rows; the stream never held more than one piece over its mark.
  t.true(biggestPiece < 65_536 * 24, `${biggestPiece}`);
  t.true(buffered <= highWaterMark + biggestPiece, `${buffered}`);

  // Averaged to 1 row per second, each row is the mean the statistics give for that second.
  const file = join(root, 'avg.csv');
  const avg = await exportCsvFile(r, file, { samplesPerRow: RATE });
  t.is(avg.rows, 30);
  const lines = (await readFile(file, 'utf8')).trim().split('\n');
  for (const k of [0, 17, 29]) {
    const s = await r.stats(k * RATE, (k + 1) * RATE);
    t.is(lines[k + 1], `${k * 1000},${s.meanUa.toFixed(3)}`);
  }
  await r.close();
});

test('summary JSON: per phase and overall current, charge, energy, duration, samples and lost samples', async (t) => {
  const root = await tempRoot(t);
  const dir = join(root, 'rec');
  const w = await RecordingWriter.create({ dir, meter, rateHz: RATE, voltageMv: 3700, durable: false });
  const level = (start: number, n: number, uA: number) => ({
    start,
    uA: new Float64Array(n).fill(uA),
    t0: T0 + start / 100,
  });
  w.append(level(0, 50_000, 5));
  w.mark('announce', 10_000);
  w.beginPhase('download', 50_000);
  w.append(level(50_000, 100_000, 10_000));
  w.endPhase('download', 150_000);
  w.beginPhase('install', 150_000);
  w.append(level(150_000, 20_000, 50_000));
  w.gap({ at: 170_000, count: 10_000, cause: 'counter' });
  w.append(level(180_000, 20_000, 50_000));
  w.endPhase('install', 200_000);
  w.beginPhase('dropout', 170_000);
  w.endPhase('dropout', 180_000);
  await w.close();
  const r = await Recording.open(dir);
  const path = join(root, 'summary.json');
  await writeSummaryJson(r, path);
  const s = JSON.parse(await readFile(path, 'utf8'));

  t.like(s, {
    format: 'mbms-iot-rig/power-summary',
    version: 1,
    recording: { rateHz: RATE, voltageMv: 3700, samples: 200_000, durationS: 2, gaps: 1, closed: true },
  });
  t.is(s.recording.startTime, '2026-01-01T00:00:00.000Z');
  t.deepEqual(s.markers, [{ name: 'announce', at: 10_000, time: '2026-01-01T00:00:00.100Z' }]);
  t.deepEqual(
    s.phases.map((p: { name: string }) => p.name),
    ['download', 'install', 'dropout'],
  );
  const [download, install, dropout] = s.phases;
  t.like(download, {
    from: 50_000,
    to: 150_000,
    durationS: 1,
    samples: 100_000,
    lostSamples: 0,
    avgUa: 10_000,
    minUa: 10_000,
    maxUa: 10_000,
    chargeUc: 10_000,
    energyMj: 37,
  });
  t.is(download.chargeMah, 10_000 / 3.6e6);
  t.is(download.intervals.length, 1);
  t.is(download.intervals[0].fromTime, '2026-01-01T00:00:00.500Z');
  // install: 0.5 s with 0.1 s lost; the lost samples count at the phase's mean
  t.like(install, { samples: 50_000, lostSamples: 10_000, avgUa: 50_000, chargeUc: 25_000, energyMj: 92.5 });
  t.like(dropout, {
    samples: 10_000,
    lostSamples: 10_000,
    avgUa: null,
    minUa: null,
    chargeUc: null,
    energyMj: null,
  });
  t.is(s.overall.samples, 200_000);
  t.is(s.overall.lostSamples, 10_000);
  t.is(s.overall.maxUa, 50_000);
  t.is(s.overall.minUa, 5);
  const mean = (50_000 * 5 + 100_000 * 10_000 + 40_000 * 50_000) / 190_000;
  t.true(Math.abs(s.overall.avgUa - mean) < 1e-9 * mean);
  await r.close();
});
