/**
 * Power sample pipeline, each figure beside a baseline measured in the same run:
 *
 * 1. Ingest + reduce: RecordingWriter taking PPK2-sized blocks (current only, and current + raw words + logic),
 *    every file written and fsynced, until close() — in samples/s ÷ 100 kS/s (the PPK2 rate; target ≥ 200×),
 *    beside a bare loop summing the same Float64Arrays.
 * 2. Statistics of spans of a 12-hour 100 kS/s recording (4.32 G samples): pyramid vs a full scan of the same
 *    span (target ≤ 50 ms). The recording is built through the real writer: all 4.32 G samples are reduced
 *    into a real pyramid on disk; the trace repeats every chunk (1 Mi samples, 10.5 s), so only chunk 0's
 *    sample file is written and the other 4119 chunk files are hard links to it — the same bytes a real 17 GB
 *    recording holds, but the full scans then read one physical file from the page cache, so scan times are a
 *    lower bound for a real recording on disk (which would add reading 17 GB).
 */
import { link, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHUNK_SAMPLES, Recording, RecordingWriter } from '../src/power/recording/index.ts';

const RATE = 100_000;
const CHUNK = CHUNK_SAMPLES; // the trace repeats every chunk, so every chunk file holds the same bytes
const BLOCK = 4096; // about what a PPK2 driver hands over per USB batch (41 ms)
const meter = { kind: 'ppk2' as const, spec: 'ppk2:bench' };

/** One chunk of a PSM-like trace: 3 µA floor with noise, a 2 ms paging burst every 1.28 s, one 80 ms TX burst. */
function pattern(): Float64Array {
  let s = 12345;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const out = new Float64Array(CHUNK);
  for (let i = 0; i < CHUNK; i++) {
    const paging = i % 128_000 < 200;
    const tx = i >= 500_000 && i < 508_000;
    out[i] = tx ? 120_000 + 80_000 * rnd() : paging ? 8000 + 2000 * rnd() : 3 + rnd();
  }
  return out;
}

function blocksOf(p: Float64Array): Float64Array[] {
  const out: Float64Array[] = [];
  for (let at = 0; at < p.length; at += BLOCK) out.push(p.subarray(at, at + BLOCK));
  return out;
}

function bareSum(blocks: Float64Array[], total: number): number {
  let sum = 0;
  let done = 0;
  while (done < total) {
    for (const b of blocks) {
      const n = Math.min(b.length, total - done);
      for (let i = 0; i < n; i++) sum += b[i]!;
      done += n;
      if (done === total) break;
    }
  }
  return sum;
}

interface Timed {
  ms: number;
  cpuMs: number;
}

async function timed(fn: () => Promise<unknown> | unknown): Promise<Timed> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const cpu = process.cpuUsage(cpu0);
  return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Feed `total` samples of the repeating pattern; wait on the writer's disk queue when it lags two chunks. */
async function ingest(w: RecordingWriter, blocks: Float64Array[], total: number, withRawLogic: boolean) {
  const raw = withRawLogic
    ? new Uint32Array(BLOCK).map((_, i) => 0x00141f40 + (i & 0x3f) * 0x40000)
    : undefined;
  const logic = withRawLogic ? new Uint8Array(BLOCK).map((_, i) => (i >> 9) & 1) : undefined;
  let at = 0;
  while (at < total) {
    for (const b of blocks) {
      const n = Math.min(b.length, total - at);
      const uA = n === b.length ? b : b.subarray(0, n);
      w.append({
        start: at,
        uA,
        t0: (at * 1000) / RATE,
        ...(raw ? { raw: raw.subarray(0, n) } : {}),
        ...(logic ? { logic: logic.subarray(0, n) } : {}),
      });
      at += n;
      if (at === total) break;
    }
    if (w.sampleCount - w.committedSamples > 2 * CHUNK) await w.idle();
  }
  await w.close();
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

const fmt = (x: number, digits = 0) =>
  x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function ingestFigures(root: string, blocks: Float64Array[]): Promise<string[]> {
  const total = 32 * CHUNK; // 33.5 M samples, 5.6 min at 100 kS/s
  const lines: string[] = [];
  let sink = 0;
  for (const [label, withRawLogic] of [
    ['current only', false],
    ['current + raw words + logic (PPK2)', true],
  ] as const) {
    const best = { base: Number.POSITIVE_INFINITY, writer: Number.POSITIVE_INFINITY, writerCpu: 0, bytes: 0 };
    for (let round = 0; round < 2; round++) {
      const base = await timed(() => {
        sink += bareSum(blocks, total);
      });
      const dir = join(root, `ingest-${withRawLogic}-${round}`);
      const w = await RecordingWriter.create({ dir, meter, rateHz: RATE, voltageMv: 3700 });
      const run = await timed(() => ingest(w, blocks, total, withRawLogic));
      best.base = Math.min(best.base, base.ms);
      if (run.ms < best.writer) {
        best.writer = run.ms;
        best.writerCpu = run.cpuMs;
        best.bytes = await dirBytes(dir);
      }
      await rm(dir, { recursive: true, force: true });
    }
    const rate = (total * 1000) / best.writer;
    const baseRate = (total * 1000) / best.base;
    lines.push(
      `ingest + reduce, ${label}: ${fmt(rate / 1e6, 1)} MS/s = ${fmt(rate / RATE)}× real time at 100 kS/s ` +
        `(target ≥ 200×: ${rate / RATE >= 200 ? 'met' : 'NOT met'}); CPU ${fmt((best.writerCpu * 1e6) / total, 2)} ns/sample`,
      `  baseline bare sum of the same Float64Arrays: ${fmt(baseRate / 1e6)} MS/s; writer/baseline time ratio ${fmt(best.writer / best.base, 1)}; ` +
        `${fmt(total / 1e6, 1)} M samples, ${fmt(best.bytes / total, 2)} B/sample on disk (${fmt(((best.bytes / total) * RATE * 3600 * 12) / 1e9, 1)} GB per 12 h)`,
    );
  }
  if (sink === 42) lines.push('');
  return lines;
}

/**
 * Exact reference sums of any span of the repeating trace, without the pyramid: whole periods × the period's
 * sum, plus the partial periods at both ends summed sample by sample (compensated, float32-rounded values).
 */
function reference(p: Float64Array) {
  const f = Float32Array.from(p);
  const direct = (a: number, b: number) => {
    let sum = 0;
    let c = 0;
    for (let i = a; i < b; i++) {
      const v = f[i % CHUNK]!;
      const t = sum + v;
      c += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
      sum = t;
    }
    return sum + c;
  };
  const period = direct(0, CHUNK);
  return {
    sum(a: number, b: number): number {
      const first = Math.ceil(a / CHUNK) * CHUNK;
      const last = Math.floor(b / CHUNK) * CHUNK;
      if (first >= last) return direct(a, b);
      return direct(a, first) + ((last - first) / CHUNK) * period + direct(last, b);
    },
  };
}

async function nightFigures(root: string, p: Float64Array, blocks: Float64Array[]): Promise<string[]> {
  const night = 12 * 3600 * RATE;
  const dir = join(root, 'night');
  const lines: string[] = [];
  const w = await RecordingWriter.create({
    dir,
    meter,
    rateHz: RATE,
    voltageMv: 3700,
    keepSamples: (c) => c === 0,
  });
  let sink = 0;
  const base = await timed(() => {
    sink += bareSum(blocks, night);
  });
  const build = await timed(() => ingest(w, blocks, night, false));
  const chunks = Math.ceil(night / CHUNK);
  const first = join(dir, 'samples', `${'0'.repeat(12)}.f32`);
  for (let c = 1; c < chunks; c++)
    await link(first, join(dir, 'samples', `${String(c).padStart(12, '0')}.f32`));
  const pyramidBytes = await dirBytes(join(dir, 'pyramid'));
  lines.push(
    `12-hour recording: ${fmt(night / 1e9, 2)} G samples reduced into the pyramid in ${fmt(build.ms / 1000, 1)} s ` +
      `(${fmt((night * 1000) / build.ms / RATE)}× real time; sample files skipped, pyramid and manifest written and fsynced); ` +
      `bare sum of the same arrays ${fmt(base.ms / 1000, 1)} s (ratio ${fmt(build.ms / base.ms, 1)}); pyramid ${fmt(pyramidBytes / 1e6)} MB; ` +
      `${chunks - 1} chunk files hard-linked to chunk 0`,
  );

  const r = await Recording.open(dir);
  const ref = reference(p);
  let s = 987654321;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  // 200 spans, lengths log-uniform from 1 ms to 12 h, anywhere in the night
  const times: number[] = [];
  let worstRel = 0;
  for (let k = 0; k < 200; k++) {
    const len = Math.max(1, Math.round(100 * (night / 100) ** rnd()));
    const from = Math.floor(rnd() * (night - len + 1));
    let st: Awaited<ReturnType<Recording['stats']>> | undefined;
    times.push((await timed(async () => (st = await r.stats(from, from + len)))).ms);
    worstRel = Math.max(
      worstRel,
      Math.abs(st!.meanUa * st!.validSamples - ref.sum(from, from + len)) / ref.sum(from, from + len),
    );
  }
  times.sort((a, b) => a - b);
  const median = times[times.length >> 1]!;
  const worst = times.at(-1)!;
  lines.push(
    `pyramid stats over 200 random spans (1 ms … 12 h): median ${fmt(median, 2)} ms, worst ${fmt(worst, 2)} ms ` +
      `(target ≤ 50 ms: ${worst <= 50 ? 'met' : 'NOT met'}); largest relative error of Σ against exact sums ${worstRel.toExponential(1)}`,
  );
  for (const [label, len] of [
    ['1 s', RATE],
    ['1 min', 60 * RATE],
    ['1 h', 3600 * RATE],
    ['12 h', night - 1234],
  ] as const) {
    const from = Math.min(night - len, 3_333_333_333 % (night - len + 1));
    let a: Awaited<ReturnType<Recording['stats']>> | undefined;
    let b: Awaited<ReturnType<Recording['stats']>> | undefined;
    const pyr = await timed(async () => (a = await r.stats(from, from + len)));
    const scan = await timed(async () => (b = await r.scanStats(from, from + len)));
    const same = a!.validSamples === b!.validSamples && a!.minUa === b!.minUa && a!.maxUa === b!.maxUa;
    const rel = Math.abs(a!.chargeUc - b!.chargeUc) / b!.chargeUc;
    lines.push(
      `  span ${label} at sample ${from}: pyramid ${fmt(pyr.ms, 2)} ms vs full scan ${fmt(scan.ms, 1)} ms ` +
        `(×${fmt(scan.ms / pyr.ms)}); count/min/max ${same ? 'equal' : 'DIFFER'}, charge differs by ${rel.toExponential(1)}`,
    );
  }
  const plot = await timed(() => r.minMax(undefined, undefined, 2000));
  lines.push(`  2000-bucket min/max/mean envelope of the whole night: ${fmt(plot.ms, 1)} ms`);
  await r.close();
  if (sink === 42) lines.push('');
  return lines;
}

export async function benchPowerPipeline(): Promise<string[]> {
  const root = await mkdtemp(join(tmpdir(), 'rig-bench-power-'));
  try {
    const p = pattern();
    const blocks = blocksOf(p);
    const lines = await ingestFigures(root, blocks);
    lines.push(...(await nightFigures(root, p, blocks)));
    return lines;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await benchPowerPipeline()) process.stdout.write(`${line}\n`);
}
