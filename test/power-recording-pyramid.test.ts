import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import fc from 'fast-check';
import { Recording, RecordingWriter } from '../src/power/recording/index.ts';
import { planSpan } from '../src/power/recording/span-plan.ts';

const RATE = 100_000;
const meter = { kind: 'ppk2' as const, spec: 'ppk2:test' };

/** A deterministic trace with sleep floor, bursts, flagged-invalid runs and gaps; values as stored (float32). */
function trace(n: number, seed: number) {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const uA = new Float64Array(n);
  const logic = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const burst = i % 50_000 < 3000;
    uA[i] = burst ? 40_000 + 60_000 * rnd() : 2 + 5 * rnd();
    logic[i] = (burst ? 1 : 0) | (rnd() < 0.01 ? 0x80 : 0);
    if (i % 77_777 < 40) uA[i] = Number.NaN; // meter-flagged invalid
  }
  return { uA, logic };
}

interface Built {
  dir: string;
  stored: Float32Array;
  logic: Uint8Array;
  recording: Recording;
}

/** Write the trace in irregular blocks with a few gaps; return it as the reader should see it. */
async function build(
  dir: string,
  n: number,
  shape?: { baseSamples: number; fanOut: number },
  chunk?: number,
): Promise<Built> {
  const { uA, logic } = trace(n, n);
  const w = await RecordingWriter.create({
    dir,
    meter,
    rateHz: RATE,
    voltageMv: 3000,
    durable: false,
    ...(shape ? { pyramid: shape } : {}),
    ...(chunk ? { chunkSamples: chunk } : {}),
  });
  const gapEvery = 123_457;
  for (let at = 0, k = 0; at < n; k++) {
    if (at % gapEvery < 1000 && at > 0 && k % 3 === 0) {
      const count = Math.min(517, n - at);
      w.gap({ at, count, cause: 'counter' });
      uA.fill(Number.NaN, at, at + count);
      at += count;
      continue;
    }
    const len = Math.min(1000 + ((k * 7919) % 9000), n - at);
    w.append({
      start: at,
      uA: uA.subarray(at, at + len),
      logic: logic.subarray(at, at + len),
      t0: (at * 1000) / RATE,
    });
    at += len;
  }
  await w.close();
  return { dir, stored: Float32Array.from(uA), logic, recording: await Recording.open(dir) };
}

/** The reference: every stored sample of the span, straight from the trace, no pyramid involved. */
function reference(b: Built, from: number, to: number) {
  let count = 0;
  let sum = 0;
  let c = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let or = 0;
  let and = 0xff;
  for (let i = from; i < to; i++) {
    const v = b.stored[i]!;
    if (Number.isNaN(v)) continue;
    count++;
    const t = sum + v;
    c += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
    if (v < min) min = v;
    if (v > max) max = v;
    or |= b.logic[i]!;
    and &= b.logic[i]!;
  }
  return { count, sum: sum + c, min, max, or, and };
}

const relClose = (a: number, b: number, rel: number) =>
  Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-300);

function spans(n: number) {
  return fc
    .tuple(fc.integer({ min: 0, max: n }), fc.integer({ min: 0, max: n }))
    .map(([a, b]) => (a <= b ? [a, b] : [b, a]) as [number, number]);
}

async function checkSpans(t: import('ava').ExecutionContext, b: Built, runs: number) {
  const n = b.recording.sampleCount;
  await fc.assert(
    fc.asyncProperty(spans(n), async ([from, to]) => {
      const s = await b.recording.stats(from, to);
      const ref = reference(b, from, to);
      if (s.validSamples !== ref.count) return false;
      if (s.samples !== to - from || s.lostSamples !== to - from - ref.count) return false;
      if (ref.count === 0) return Number.isNaN(s.meanUa) && Number.isNaN(s.minUa);
      if (s.minUa !== ref.min || s.maxUa !== ref.max) return false;
      if (s.logic?.or !== ref.or || s.logic?.and !== ref.and) return false;
      return relClose(s.meanUa * s.validSamples, ref.sum, 1e-9);
    }),
    { numRuns: runs, seed: 20260101 },
  );
  t.pass();
}

test('pyramid statistics equal a full scan over random spans (default shape: 1024 samples, ×16 per level)', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'rig-pyr-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const b = await build(join(root, 'rec'), 3_000_000);
  await checkSpans(t, b, 300);
  // and the reader's own scan agrees with its pyramid over the whole recording and a long span
  for (const [from, to] of [
    [0, b.recording.sampleCount],
    [12_345, 2_876_543],
  ] as const) {
    const p = await b.recording.stats(from, to);
    const s = await b.recording.scanStats(from, to);
    t.is(p.validSamples, s.validSamples);
    t.is(p.minUa, s.minUa);
    t.is(p.maxUa, s.maxUa);
    t.true(relClose(p.chargeUc, s.chargeUc, 1e-9));
    t.true(relClose(p.rmsUa, s.rmsUa, 1e-9));
  }
  await b.recording.close();
});

test('pyramid statistics equal a full scan over random spans (small shape: 8 samples, ×4, 7 levels, tiny chunks)', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'rig-pyr-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const b = await build(join(root, 'rec'), 400_000, { baseSamples: 8, fanOut: 4 }, 5000);
  await checkSpans(t, b, 500);
  await b.recording.close();
});

test('a span plan covers the span exactly once with at most 2·(fan-out − 1) entries per level, also past 2^32', (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 40 }),
      fc.integer({ min: 0, max: 2 ** 36 }),
      fc.constantFrom([1024, 16], [8, 4], [128, 20]),
      (from, length, [base, fanOut]) => {
        const to = from + length;
        const pieces = planSpan(from, to, base!, fanOut!, 8);
        // as sample ranges, sorted, they must tile [from, to)
        const ranges = pieces
          .map((p) => {
            const span = p.level === 0 ? 1 : base! * fanOut! ** (p.level - 1);
            return [p.from * span, p.to * span, p.level, p.to - p.from] as const;
          })
          .sort((x, y) => x[0] - y[0]);
        let at = from;
        for (const [a, b] of ranges) {
          if (a !== at || b <= a) return false;
          at = b;
        }
        if (at !== to) return false;
        const perLevel = new Map<number, number>();
        for (const [, , level, count] of ranges) perLevel.set(level, (perLevel.get(level) ?? 0) + count);
        for (const [level, count] of perLevel) {
          if (level === 0 && count > 2 * (base! - 1)) return false;
          if (level > 0 && level < 8 && count > 2 * (fanOut! - 1)) return false;
        }
        return true;
      },
    ),
    { numRuns: 2000, seed: 7 },
  );
  t.pass();
});
