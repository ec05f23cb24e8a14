/**
 * Min/max/mean envelopes for plots (one bucket per pixel column, say), from the coarsest pyramid level whose
 * entries fit in a bucket, or from raw samples below one level-1 entry per bucket. An entry goes to the bucket
 * holding its middle, so bucket edges are exact to one entry (less than a bucket); spikes are never lost.
 */
import { E_COUNT, E_MAX, E_MIN, E_SUM, ENTRY_FIELDS, levelSpan, MAX_LEVELS } from './format.ts';
import type { SpanReader } from './span-reader.ts';

export interface MinMaxSeries {
  from: number;
  to: number;
  /** Samples summarised per value read: 1 for raw samples, else the pyramid level's entry span. */
  resolution: number;
  /** First sample index of each bucket. */
  start: Float64Array;
  /** NaN where a bucket holds no valid sample. */
  min: Float64Array;
  max: Float64Array;
  mean: Float64Array;
}

export async function minMaxEnvelope(
  reader: SpanReader,
  a: number,
  b: number,
  buckets: number,
): Promise<MinMaxSeries> {
  const width = (b - a) / buckets;
  const { baseSamples, fanOut } = reader.manifest.pyramid;
  let level = 0;
  while (level < MAX_LEVELS && levelSpan(level + 1, baseSamples, fanOut) <= width) level++;
  const span = levelSpan(level, baseSamples, fanOut);
  const out: MinMaxSeries = {
    from: a,
    to: b,
    resolution: span,
    start: Float64Array.from({ length: buckets }, (_, i) => a + Math.floor(i * width)),
    min: new Float64Array(buckets).fill(Number.POSITIVE_INFINITY),
    max: new Float64Array(buckets).fill(Number.NEGATIVE_INFINITY),
    mean: new Float64Array(buckets),
  };
  const count = new Float64Array(buckets);
  const bucketOf = (mid: number) => Math.min(buckets - 1, Math.max(0, Math.floor((mid - a) / width)));
  const put = (k: number, n: number, sum: number, min: number, max: number) => {
    if (n === 0) return;
    count[k]! += n;
    out.mean[k]! += sum;
    if (min < out.min[k]!) out.min[k] = min;
    if (max > out.max[k]!) out.max[k] = max;
  };
  let covered = a;
  if (level === 0) {
    const values = await reader.files.read('f32', a, b);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isNaN(v)) put(bucketOf(a + i), 1, v, v, v);
    }
    covered = b;
  } else {
    const e0 = Math.floor(a / span);
    const e1 = Math.min(Math.ceil(b / span), Math.floor(reader.manifest.sampleCount / span));
    if (e1 > e0) {
      const entries = await reader.entries(level, e0, e1);
      for (let e = e0; e < e1; e++) {
        const o = (e - e0) * ENTRY_FIELDS;
        const k = bucketOf(e * span + span / 2);
        put(k, entries[o + E_COUNT]!, entries[o + E_SUM]!, entries[o + E_MIN]!, entries[o + E_MAX]!);
      }
      covered = e1 * span;
    }
  }
  if (covered < b) {
    // The recording's tail past the last complete entry of this level: from the levels below.
    const tail = await reader.accumulate(covered, b);
    put(bucketOf((covered + b) / 2), tail.count, tail.total, tail.min, tail.max);
  }
  for (let k = 0; k < buckets; k++) {
    const n = count[k]!;
    out.mean[k] = n > 0 ? out.mean[k]! / n : Number.NaN;
    if (n === 0) {
      out.min[k] = Number.NaN;
      out.max[k] = Number.NaN;
    }
  }
  return out;
}
