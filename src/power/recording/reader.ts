/**
 * Recording: a recording directory opened for reading. Statistics of any span come from the pyramid for
 * whole entries and from raw samples only at the two edges (span-plan.ts), so a 12-hour span costs the same
 * few reads as a 1-second one. It reads what meta.json names, so it opens a recording whose writer died.
 */
import { endianness } from 'node:os';
import { join } from 'node:path';
import type { EpochMs } from '../../clock/index.ts';
import type { MeterInfo, MicroAmps, SampleBlock } from '../meter.ts';
import { SpanAccumulator, type SpanStats, spanStats } from './accumulator.ts';
import { ClockMap } from './clock-map.ts';
import { type MinMaxSeries, minMaxEnvelope } from './envelope.ts';
import { errorCode, errorText, RecordingError } from './errors.ts';
import { MANIFEST, MARKERS, Manifest, type RecordedGap } from './format.ts';
import { nodeRecordingFs, type RecordingFs } from './fs.ts';
import {
  type MarkerRecord,
  pairPhases,
  parseMarkers,
  type RecordedPhase,
  type SamplePosition,
} from './markers.ts';
import { type ReconvertOptions, reconvertInto } from './reconvert.ts';
import { SpanReader } from './span-reader.ts';

export type { MinMaxSeries } from './envelope.ts';

export interface RecordingOpenOptions {
  fs?: RecordingFs;
}

/** A phase's statistics over all its occurrences (charge and energy summed, mean over all valid samples). */
export interface PhaseStats extends SpanStats {
  name: string;
  intervals: SpanStats[];
}

/** samples() returns at most this many in one array; blocks() streams any span. */
export const MAX_SAMPLES_IN_MEMORY = 1 << 26;

export class Recording implements AsyncDisposable {
  readonly #fs: RecordingFs;
  readonly #map: ClockMap;
  readonly #spans: SpanReader;
  readonly #markers: MarkerRecord[];

  private constructor(
    readonly dir: string,
    readonly manifest: Readonly<Manifest>,
    markers: MarkerRecord[],
    fs: RecordingFs,
  ) {
    this.#fs = fs;
    this.#map = new ClockMap(manifest.rateHz, manifest.clock);
    this.#spans = new SpanReader(dir, fs, manifest, this.#map);
    this.#markers = markers.map((m) => ({ ...m, at: m.at ?? this.#indexOrNull(m.time) }));
  }

  static async open(dir: string, options: RecordingOpenOptions = {}): Promise<Recording> {
    if (endianness() !== 'LE')
      throw new RecordingError(dir, 'open: sample files are little-endian; this host is not');
    const fs = options.fs ?? nodeRecordingFs;
    let text: string;
    try {
      text = new TextDecoder().decode(await fs.readFile(join(dir, MANIFEST)));
    } catch (err) {
      const what =
        errorCode(err) === 'ENOENT' ? 'no meta.json (not a recording, or its writer never started)' : '';
      throw new RecordingError(dir, `open: ${what || `reading meta.json failed: ${errorText(err)}`}`, {
        cause: err,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new RecordingError(dir, `open: meta.json is not JSON: ${errorText(err)}`);
    }
    const parsed = Manifest.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RecordingError(
        dir,
        `open: meta.json: ${issue?.path.join('.') || '(top)'}: ${issue?.message}`,
      );
    }
    let markerText = '';
    try {
      markerText = new TextDecoder().decode(await fs.readFile(join(dir, MARKERS)));
    } catch (err) {
      if (errorCode(err) !== 'ENOENT')
        throw new RecordingError(dir, `open: reading markers.jsonl failed: ${errorText(err)}`);
    }
    return new Recording(dir, parsed.data, parseMarkers(dir, markerText), fs);
  }

  get sampleCount(): number {
    return this.manifest.sampleCount;
  }
  get rateHz(): number {
    return this.manifest.rateHz;
  }
  get voltageMv(): number {
    return this.manifest.voltageMv;
  }
  get meter(): MeterInfo {
    return this.manifest.meter;
  }
  get calibration(): unknown {
    return this.manifest.calibration;
  }
  get gaps(): readonly RecordedGap[] {
    return this.manifest.gaps;
  }
  get hasRaw(): boolean {
    return this.manifest.raw;
  }
  get hasLogic(): boolean {
    return this.manifest.logic;
  }
  /** False when the writer never closed it (crash, or still recording). */
  get closed(): boolean {
    return this.manifest.closed;
  }
  get durationS(): number {
    return this.sampleCount / this.rateHz;
  }
  /** Clock time of sample 0 (epoch ms); NaN when no block carried a time. */
  get startTime(): EpochMs {
    return this.#map.timeAt(0);
  }

  timeAt(index: number): EpochMs {
    return this.#map.timeAt(index);
  }

  indexAt(time: EpochMs): number {
    return this.#map.indexAt(time);
  }

  markers(): MarkerRecord[] {
    return this.#markers.map((m) => ({ ...m }));
  }

  phases(): RecordedPhase[] {
    return pairPhases(this.#markers, this.sampleCount);
  }

  /**
   * Statistics of [from, to) (default: the whole recording; positions past the end are clamped to it), from the
   * pyramid and the edge samples.
   */
  async stats(from?: SamplePosition, to?: SamplePosition): Promise<SpanStats> {
    const [a, b] = this.#span(from, to);
    return spanStats(await this.#spans.accumulate(a, b), a, b, this.#context());
  }

  /** The same statistics from every raw sample of the span: for verification and benchmarks. */
  async scanStats(from?: SamplePosition, to?: SamplePosition): Promise<SpanStats> {
    const [a, b] = this.#span(from, to);
    return spanStats(await this.#spans.scan(a, b), a, b, this.#context());
  }

  async phaseStats(name: string): Promise<PhaseStats> {
    const intervals = this.phases().filter((p) => p.name === name);
    if (intervals.length === 0) {
      const names = [...new Set(this.phases().map((p) => p.name))];
      throw new RecordingError(
        this.dir,
        `phaseStats: no phase named ${JSON.stringify(name)} (phases: ${names.join(', ') || 'none'})`,
      );
    }
    const accs = await Promise.all(intervals.map((p) => this.#spans.accumulate(p.from, p.to)));
    const ctx = this.#context();
    const parts = intervals.map((p, i) => spanStats(accs[i]!, p.from, p.to, ctx));
    const all = new SpanAccumulator();
    for (const acc of accs) all.merge(acc);
    const samples = parts.reduce((n, p) => n + p.samples, 0);
    const whole = spanStats(all, intervals[0]!.from, intervals.at(-1)!.to, ctx);
    // Each occurrence's lost samples take that occurrence's mean: the charges add up.
    const chargeUc = parts.reduce((q, p) => q + (p.validSamples > 0 ? p.chargeUc : 0), 0);
    return {
      ...whole,
      samples,
      lostSamples: samples - whole.validSamples,
      durationS: samples / this.rateHz,
      chargeUc: whole.validSamples > 0 ? chargeUc : Number.NaN,
      chargeMah: whole.validSamples > 0 ? chargeUc / 3.6e6 : Number.NaN,
      energyMj: whole.validSamples > 0 ? (chargeUc * this.voltageMv) / 1e6 : Number.NaN,
      name,
      intervals: parts,
    };
  }

  /**
   * Min/max/mean in `buckets` equal buckets over [from, to), from the coarsest pyramid level whose entries fit
   * in a bucket (envelope.ts).
   */
  async minMax(
    from: SamplePosition | undefined,
    to: SamplePosition | undefined,
    buckets: number,
  ): Promise<MinMaxSeries> {
    if (!Number.isInteger(buckets) || buckets < 1) {
      throw new RecordingError(this.dir, `minMax: buckets must be a positive integer, got ${buckets}`);
    }
    const [a, b] = this.#span(from, to);
    return minMaxEnvelope(this.#spans, a, b, buckets);
  }

  /** Samples [from, to) in one block (at most MAX_SAMPLES_IN_MEMORY; use blocks() for more). */
  async samples(from?: SamplePosition, to?: SamplePosition): Promise<SampleBlock> {
    const [a, b] = this.#span(from, to);
    if (b - a > MAX_SAMPLES_IN_MEMORY) {
      throw new RecordingError(
        this.dir,
        `samples: ${b - a} samples asked for at once (limit ${MAX_SAMPLES_IN_MEMORY}); use blocks()`,
      );
    }
    return this.#spans.block(a, b);
  }

  /** Stream [from, to) as blocks of at most blockSamples, never crossing a chunk file. */
  async *blocks(
    from?: SamplePosition,
    to?: SamplePosition,
    blockSamples = 1 << 16,
  ): AsyncGenerator<SampleBlock> {
    const [a, b] = this.#span(from, to);
    const chunk = this.manifest.chunkSamples;
    const end = (at: number) => Math.min(b, at + blockSamples, (Math.floor(at / chunk) + 1) * chunk);
    let next = a < b ? this.#spans.block(a, end(a)) : undefined;
    for (let at = a; at < b; ) {
      const block = await next!;
      at = block.start + block.uA.length;
      next = at < b ? this.#spans.block(at, end(at)) : undefined; // read ahead while the consumer works
      yield block;
    }
  }

  /** Convert the raw words again with another calibration, into a new recording (markers and gaps kept). */
  async reconvert(fn: (raw: number) => MicroAmps, options: ReconvertOptions): Promise<Recording> {
    await reconvertInto(this, fn, { fs: this.#fs, ...options });
    return Recording.open(options.dir, { fs: options.fs ?? this.#fs });
  }

  close(): Promise<void> {
    return this.#spans.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #context() {
    return { rateHz: this.rateHz, voltageMv: this.voltageMv, hasLogic: this.hasLogic };
  }

  #indexOrNull(time: EpochMs | null): number | null {
    if (time === null) return null;
    const i = this.#map.indexAt(time);
    return Number.isNaN(i) ? null : Math.max(0, i);
  }

  #index(p: SamplePosition | undefined, fallback: number, name: string): number {
    if (p === undefined) return fallback;
    if (typeof p === 'number') {
      if (!Number.isInteger(p) || p < 0)
        throw new RecordingError(this.dir, `${name} must be a sample index ≥ 0, got ${p}`);
      return Math.min(p, this.sampleCount);
    }
    const i = this.#map.indexAt(p.time);
    if (Number.isNaN(i))
      throw new RecordingError(this.dir, `${name}: no clock time is known for this recording`);
    return Math.min(Math.max(i, 0), this.sampleCount);
  }

  /** [from, to) as sample indices, clamped to the recording. */
  #span(from: SamplePosition | undefined, to: SamplePosition | undefined): [number, number] {
    const a = this.#index(from, 0, 'from');
    const b = this.#index(to, this.sampleCount, 'to');
    if (b < a) throw new RecordingError(this.dir, `span ends (${b}) before it starts (${a})`);
    return [a, b];
  }
}
