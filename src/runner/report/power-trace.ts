/**
 * Power evidence made plottable: an emulated module's exact current timeline (a step function in a JSON
 * file) or a real meter's Recording (a directory, read through its min/max pyramid). Either way the result
 * has at most ~maxPoints values, so a night at 100 kS/s or a day of PSM cycles embeds in a report as a few
 * tens of kB: a stepped line when the timeline is short enough, else min/max bands with the mean, where no
 * spike is lost.
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { Recording } from '../../power/index.ts';
import type { Evidence } from '../model.ts';

export interface PhaseBand {
  label: string;
  /** Seconds since the trace start. */
  from: number;
  to: number;
}

export interface PowerTrace {
  /** step: `y` holds until the next x; band: `min`/`max`/`mean` per bucket starting at x. */
  shape: 'step' | 'band';
  /** Seconds since the trace start. */
  x: number[];
  y?: number[];
  min?: (number | null)[];
  max?: (number | null)[];
  mean?: (number | null)[];
  phases: PhaseBand[];
  marks: { label: string; at: number }[];
  startEpochMs: number | null;
  durationS: number;
  voltageMv: number;
  stats: { meanUa: number | null; minUa: number | null; maxUa: number | null; energyMj: number | null };
  /** What the data is, in words (source, points, resolution). */
  source: string;
}

export type LoadedTrace = { ok: true; trace: PowerTrace } | { ok: false; error: string };

/** The timeline file an emulated module's power evidence is written as. */
export const PowerTimeline = z.object({
  device: z.string().optional(),
  unit: z.enum(['µA', 'uA']),
  voltageMv: z.number().nonnegative(),
  /** Epoch ms the trace (and the markers) count from. */
  start: z.number(),
  /** Epoch ms the last segment ends; default: the last segment's start. */
  end: z.number().optional(),
  /** [epoch ms, µA]: each current holds until the next segment. */
  segments: z.array(z.tuple([z.number(), z.number()])),
});
export type PowerTimeline = z.infer<typeof PowerTimeline>;

const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);
const round = (v: number) => Number(v.toPrecision(7));

function evidenceMarkers(e: Evidence): PhaseBand[] {
  return (e.markers ?? []).map((m) => ({ label: m.label, from: m.start / 1000, to: m.end / 1000 }));
}

/** The timeline as a step function, or as min/max/mean over buckets when it has too many segments. */
export function timelineTrace(t: PowerTimeline, markers: PhaseBand[], maxPoints: number): PowerTrace {
  const segs = [...t.segments].sort((a, b) => a[0] - b[0]);
  const end = Math.max(t.end ?? Number.NEGATIVE_INFINITY, segs.at(-1)?.[0] ?? t.start, t.start);
  const durationMs = end - t.start;
  let charge = 0; // µA·ms
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  segs.forEach(([at, uA], i) => {
    charge += uA * ((segs[i + 1]?.[0] ?? end) - at);
    lo = Math.min(lo, uA);
    hi = Math.max(hi, uA);
  });
  const meanUa = durationMs > 0 ? charge / durationMs : segs.length ? segs[0]![1] : Number.NaN;
  const base = {
    phases: markers,
    marks: [],
    startEpochMs: t.start,
    durationS: durationMs / 1000,
    voltageMv: t.voltageMv,
    stats: {
      meanUa: finiteOrNull(meanUa),
      minUa: finiteOrNull(lo),
      maxUa: finiteOrNull(hi),
      // µA × ms = nC, and nC × mV = pJ = 1e-9 mJ.
      energyMj: durationMs > 0 ? (charge * t.voltageMv) / 1e9 : null,
    },
  };
  if (segs.length + 1 <= maxPoints) {
    const x = segs.map(([at]) => round((at - t.start) / 1000));
    const y = segs.map(([, uA]) => uA);
    if (segs.length > 0) {
      x.push(round(durationMs / 1000)); // the last level, drawn to the end
      y.push(segs.at(-1)![1]);
    }
    return { ...base, shape: 'step', x, y, source: `exact timeline, ${segs.length} segments` };
  }
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const width = durationMs / buckets;
  const min = new Array<number>(buckets).fill(Number.POSITIVE_INFINITY);
  const max = new Array<number>(buckets).fill(Number.NEGATIVE_INFINITY);
  const sum = new Array<number>(buckets).fill(0);
  const covered = new Array<number>(buckets).fill(0);
  segs.forEach(([at, uA], i) => {
    const a = at - t.start;
    const b = (segs[i + 1]?.[0] ?? end) - t.start;
    const k0 = Math.min(buckets - 1, Math.max(0, Math.floor(a / width)));
    const k1 = Math.min(buckets - 1, Math.max(k0, Math.ceil(b / width) - 1));
    for (let k = k0; k <= k1; k++) {
      const overlap = Math.min(b, (k + 1) * width) - Math.max(a, k * width);
      if (overlap < 0 || (overlap === 0 && b > a)) continue;
      min[k] = Math.min(min[k]!, uA);
      max[k] = Math.max(max[k]!, uA);
      sum[k]! += uA * overlap;
      covered[k]! += overlap;
    }
  });
  return {
    ...base,
    shape: 'band',
    x: min.map((_, k) => round((k * width) / 1000)),
    min: min.map(finiteOrNull),
    max: max.map(finiteOrNull),
    mean: sum.map((s, k) => (covered[k]! > 0 ? s / covered[k]! : null)),
    source: `exact timeline, ${segs.length} segments, shown as min/max over ${buckets} buckets of ${(width / 1000).toPrecision(3)} s`,
  };
}

/** A recording's min/max envelope from its pyramid, its own phases and marks, and the evidence's markers. */
export async function recordingTrace(
  dir: string,
  extra: PhaseBand[],
  maxPoints: number,
): Promise<PowerTrace> {
  const rec = await Recording.open(dir);
  try {
    const rate = rec.rateHz;
    const n = rec.sampleCount;
    const buckets = Math.max(1, Math.min(Math.floor(maxPoints / 2), n));
    const env = n > 0 ? await rec.minMax(undefined, undefined, buckets) : undefined;
    const stats = n > 0 ? await rec.stats() : undefined;
    const phases: PhaseBand[] = rec
      .phases()
      .map((p) => ({ label: p.name, from: p.from / rate, to: p.to / rate }));
    const own = new Set(phases.map((p) => p.label));
    phases.push(...extra.filter((m) => !own.has(m.label)));
    const marks = rec
      .markers()
      .filter((m) => m.kind === 'mark' && m.at !== null)
      .map((m) => ({ label: m.name, at: m.at! / rate }));
    const start = rec.startTime;
    return {
      shape: 'band',
      x: env ? Array.from(env.start, (s) => round(s / rate)) : [],
      min: env ? Array.from(env.min, finiteOrNull) : [],
      max: env ? Array.from(env.max, finiteOrNull) : [],
      mean: env ? Array.from(env.mean, finiteOrNull) : [],
      phases,
      marks,
      startEpochMs: Number.isFinite(start) ? start : null,
      durationS: rec.durationS,
      voltageMv: rec.voltageMv,
      stats: {
        meanUa: stats ? finiteOrNull(stats.meanUa) : null,
        minUa: stats ? finiteOrNull(stats.minUa) : null,
        maxUa: stats ? finiteOrNull(stats.maxUa) : null,
        energyMj: stats ? finiteOrNull(stats.energyMj) : null,
      },
      source:
        `recording by ${rec.meter.spec}${rec.meter.model ? ` (${rec.meter.model})` : ''}, ${rate} Hz, ${n} samples` +
        `${env ? `, ${buckets} buckets of ${env.resolution === 1 ? 'raw samples' : `pyramid entries of ${env.resolution} samples`}` : ''}` +
        `${rec.closed ? '' : ', not closed by its writer (crash?)'}${rec.gaps.length ? `, ${rec.gaps.length} gaps` : ''}`,
    };
  } finally {
    await rec.close();
  }
}

/** Load one power evidence; failures (missing file, bad JSON, a broken recording) come back as text. */
export async function loadPowerTrace(runDir: string, e: Evidence, maxPoints = 4000): Promise<LoadedTrace> {
  const path = join(runDir, e.path);
  try {
    if (statSync(path).isDirectory())
      return { ok: true, trace: await recordingTrace(path, evidenceMarkers(e), maxPoints) };
    const parsed = PowerTimeline.safeParse(JSON.parse(await readFile(path, 'utf8')));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        ok: false,
        error: `${e.path}: not a power timeline: ${issue?.path.join('.') || '(top)'}: ${issue?.message}`,
      };
    }
    return { ok: true, trace: timelineTrace(parsed.data, evidenceMarkers(e), maxPoints) };
  } catch (err) {
    return { ok: false, error: `${e.path}: ${(err as Error).message}` };
  }
}
