/**
 * RecordingWriter: takes a meter's sample blocks and gaps as they stream and keeps them in a recording
 * directory (layout in format.ts). append() is synchronous and cheap (copy, round to float32, reduce into the
 * pyramid); the disk writes run behind it in order (recording-disk.ts), one commit per filled chunk and per
 * flush(). A crash or a full disk leaves a readable recording that lacks at most the chunk being filled.
 */
import { join } from 'node:path';
import type { Clock } from '../../clock/index.ts';
import type { MeterInfo, MeterMode, MilliVolts, SampleBlock, SampleGap, StreamHandlers } from '../meter.ts';
import { ClockMap } from './clock-map.ts';
import { errorText, RecordingError } from './errors.ts';
import {
  BASE_SAMPLES,
  CHUNK_SAMPLES,
  FAN_OUT,
  FORMAT,
  type GapCause,
  MAX_LEVELS,
  type Manifest,
  PYRAMID_DIR,
  type RecordedGap,
  SAMPLES_DIR,
} from './format.ts';
import { nodeRecordingFs, type RecordingFs } from './fs.ts';
import { formatMarker, type MarkerRecord, type SamplePosition } from './markers.ts';
import { PyramidBuilder } from './pyramid-builder.ts';
import { type ChunkBuffers, type ChunkRegion, RecordingDisk } from './recording-disk.ts';

export interface RecordingWriterOptions {
  /** The recording directory; created, and must be empty if it exists. */
  dir: string;
  meter: MeterInfo;
  rateHz: number;
  voltageMv: MilliVolts;
  mode?: MeterMode;
  /** The meter's calibration (JSON-serialisable), kept for converting raw words again. */
  calibration?: unknown;
  /** Whether blocks carry raw words / logic bytes; taken from the first block when not given. */
  raw?: boolean;
  logic?: boolean;
  /** Marks without a position go at this clock's now; without a clock, at the next sample. */
  clock?: Clock;
  fs?: RecordingFs;
  /** fsync data before the manifest that names it, so the order also survives a host crash (default true). */
  durable?: boolean;
  /**
   * Told once when writing fails (append() then throws, flush() and close() reject, with the same error), and
   * of blocks refused when they come through handlers().
   */
  onError?: (err: RecordingError) => void;
  /**
   * Synthetic benchmark recordings only: sample files of chunks for which this returns false are not written
   * (their samples are still reduced into the pyramid) and the manifest says `sparse`.
   */
  keepSamples?: (chunk: number) => boolean;
  /** Samples per chunk file (tests use small ones). */
  chunkSamples?: number;
  /** Pyramid shape (tests use small ones to get many levels from few samples). */
  pyramid?: { baseSamples: number; fanOut: number };
}

export class RecordingWriter implements AsyncDisposable {
  readonly dir: string;
  readonly #opts: RecordingWriterOptions;
  readonly #fs: RecordingFs;
  readonly #disk: RecordingDisk;
  readonly #chunkSamples: number;
  readonly #builder: PyramidBuilder;
  readonly #map: ClockMap;
  readonly #gaps: RecordedGap[] = [];
  readonly #openPhases = new Set<string>();

  #raw: boolean | undefined;
  #logic: boolean | undefined;
  /** A gap reported before the first block told the storage shape: filled once it is known. */
  #deferredEmpty = 0;
  #deferredGaps: (SampleGap | RecordedGap)[] = [];
  #next = 0;
  #chunk: ChunkBuffers;
  #unwritten: ChunkRegion[] = [];
  #streamError: string | undefined;
  #closing: Promise<void> | undefined;
  #closed = false;

  private constructor(opts: RecordingWriterOptions) {
    this.dir = opts.dir;
    this.#opts = opts;
    this.#fs = opts.fs ?? nodeRecordingFs;
    this.#disk = new RecordingDisk({
      dir: opts.dir,
      fs: this.#fs,
      durable: opts.durable ?? true,
      rateHz: opts.rateHz,
      keepSamples: opts.keepSamples,
      manifestOnFailure: (kept, error) => this.#manifest(kept, { error }),
      onFailure: (err) => opts.onError?.(err),
    });
    this.#chunkSamples = opts.chunkSamples ?? CHUNK_SAMPLES;
    const shape = opts.pyramid ?? { baseSamples: BASE_SAMPLES, fanOut: FAN_OUT };
    this.#builder = new PyramidBuilder(shape.baseSamples, shape.fanOut, MAX_LEVELS);
    this.#map = new ClockMap(opts.rateHz);
    this.#raw = opts.raw;
    this.#logic = opts.logic;
    this.#chunk = this.#newChunk(0);
  }

  /** Create the directory and its first manifest (an empty, readable recording). */
  static async create(opts: RecordingWriterOptions): Promise<RecordingWriter> {
    if (!(opts.rateHz > 0))
      throw new RecordingError(opts.dir, `create: rate must be > 0 Hz, got ${opts.rateHz}`);
    const chunk = opts.chunkSamples ?? CHUNK_SAMPLES;
    if (!Number.isInteger(chunk) || chunk < 1) {
      throw new RecordingError(opts.dir, `create: chunkSamples must be a positive integer, got ${chunk}`);
    }
    const writer = new RecordingWriter(opts);
    const fs = writer.#fs;
    try {
      await fs.mkdir(opts.dir);
      const present = await fs.readdir(opts.dir);
      if (present.length > 0) {
        throw new Error(
          `directory is not empty (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', …' : ''})`,
        );
      }
      await fs.mkdir(join(opts.dir, SAMPLES_DIR));
      await fs.mkdir(join(opts.dir, PYRAMID_DIR));
      await writer.#disk.writeManifest(writer.#manifest(0, {}));
    } catch (err) {
      throw new RecordingError(opts.dir, `create failed: ${errorText(err)}`, { cause: err });
    }
    return writer;
  }

  /** Samples taken in so far (including gaps), i.e. the index the next sample will have. */
  get sampleCount(): number {
    return this.#next + this.#deferredEmpty;
  }

  /** Samples that meta.json on disk names: what a reader sees if the process dies now. */
  get committedSamples(): number {
    return this.#disk.committedSamples;
  }

  /** Why writing stopped, once it has. */
  get failure(): RecordingError | undefined {
    return this.#disk.failure;
  }

  /** Handlers to give Meter.start(): errors go to onError instead of being thrown into the driver. */
  handlers(): StreamHandlers {
    const guard = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        if (err instanceof RecordingError && err === this.failure) return; // already reported
        const e = err instanceof RecordingError ? err : new RecordingError(this.dir, errorText(err));
        this.#opts.onError?.(e);
      }
    };
    return {
      samples: (block) => guard(() => this.append(block)),
      gap: (gap) => guard(() => this.gap(gap)),
      error: (err) => {
        this.#streamError = err.message;
        guard(() => void this.flush().catch(() => undefined));
      },
    };
  }

  append(block: SampleBlock): void {
    this.#usable('append');
    const n = block.uA.length;
    if (n === 0) return;
    if (block.raw && block.raw.length !== n)
      this.#reject(block, `has ${block.raw.length} raw words for ${n} samples`);
    if (block.logic && block.logic.length !== n) {
      this.#reject(block, `has ${block.logic.length} logic bytes for ${n} samples`);
    }
    if (!this.#shapeKnown) this.#setShape(this.#raw ?? !!block.raw, this.#logic ?? !!block.logic);
    if (this.#raw !== !!block.raw || this.#logic !== !!block.logic) {
      this.#reject(
        block,
        `carries ${describe(!!block.raw, !!block.logic)}, the recording stores ${describe(this.#raw!, this.#logic!)}`,
      );
    }
    if (block.start < this.#next) {
      this.#reject(block, `overlaps samples already stored (next expected index ${this.#next})`);
    }
    if (block.start > this.#next) this.#empty(block.start - this.#next, 'discontinuity');
    this.#map.observe(block.start, block.t0); // a new anchor rides along with the next manifest
    let offset = 0;
    while (offset < n) {
      const c = this.#chunk;
      const k = Math.min(n - offset, this.#chunkSamples - c.filled);
      c.current.set(block.uA.subarray(offset, offset + k), c.filled);
      if (block.raw) c.raw!.set(block.raw.subarray(offset, offset + k), c.filled);
      if (block.logic) c.logic!.set(block.logic.subarray(offset, offset + k), c.filled);
      this.#builder.add(c.current, c.filled, k, block.logic ? c.logic : undefined);
      c.filled += k;
      this.#next += k;
      offset += k;
      if (c.filled === this.#chunkSamples) this.#chunkFull();
    }
  }

  /** Samples the meter knows are missing: stored as NaN, listed in the manifest, counted as lost. */
  gap(gap: SampleGap | RecordedGap): void {
    this.#usable('gap');
    if (!Number.isInteger(gap.at) || gap.at < 0 || !Number.isInteger(gap.count) || gap.count < 0) {
      throw new RecordingError(
        this.dir,
        `gap: at and count must be non-negative integers, got ${gap.at}/${gap.count}`,
      );
    }
    if (!this.#shapeKnown) {
      this.#deferredGaps.push(gap);
      this.#deferredEmpty = Math.max(this.#deferredEmpty, gap.at + gap.count);
      return;
    }
    const end = gap.at + gap.count;
    if (end <= this.#next) return; // already covered
    this.#empty(end - this.#next, gap.cause, gap.detail);
  }

  /** A named instant; returns the sample index it was placed at (NaN when only its time is known yet). */
  mark(name: string, at?: SamplePosition): number {
    return this.#marker('mark', name, at);
  }

  beginPhase(name: string, at?: SamplePosition): number {
    if (this.#openPhases.has(name)) {
      throw new RecordingError(this.dir, `beginPhase(${JSON.stringify(name)}): that phase is already open`);
    }
    const index = this.#marker('begin', name, at);
    this.#openPhases.add(name);
    return index;
  }

  endPhase(name: string, at?: SamplePosition): number {
    if (!this.#openPhases.has(name)) {
      throw new RecordingError(this.dir, `endPhase(${JSON.stringify(name)}): no phase of that name is open`);
    }
    const index = this.#marker('end', name, at);
    this.#openPhases.delete(name);
    return index;
  }

  /** Append a marker record as it is (copying markers from another recording). */
  appendMarker(record: MarkerRecord): void {
    this.#usable('appendMarker');
    this.#disk.appendMarker(formatMarker(record));
  }

  /** Commit everything taken in so far; resolves once meta.json on disk names it. */
  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.#closed) return;
    this.#commit({});
    await this.idle();
  }

  /** Resolves once the writes queued so far are done (without committing more): backpressure for copies. */
  async idle(): Promise<void> {
    await this.#disk.settled;
    if (this.failure) throw this.failure;
  }

  /** Commit the rest and mark the recording closed. Rejects with the write failure, if there was one. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #close(): Promise<void> {
    if (!this.failure) {
      if (!this.#shapeKnown) this.#setShape(this.#raw ?? false, this.#logic ?? false);
      this.#commit({ closed: true });
    }
    this.#closed = true;
    await this.#disk.close();
    if (this.failure) throw this.failure;
  }

  #usable(operation: string): void {
    if (this.failure) throw this.failure;
    if (this.#closed || this.#closing)
      throw new RecordingError(this.dir, `${operation}: the writer is closed`);
  }

  #reject(block: SampleBlock, what: string): never {
    throw new RecordingError(
      this.dir,
      `append: block at index ${block.start} (${block.uA.length} samples) ${what}`,
    );
  }

  get #shapeKnown(): boolean {
    return this.#raw !== undefined && this.#logic !== undefined;
  }

  #setShape(raw: boolean, logic: boolean): void {
    this.#raw = raw;
    this.#logic = logic;
    const c = this.#chunk;
    if (raw && !c.raw) c.raw = new Uint32Array(this.#chunkSamples);
    if (logic && !c.logic) c.logic = new Uint8Array(this.#chunkSamples);
    const deferred = this.#deferredGaps;
    this.#deferredGaps = [];
    this.#deferredEmpty = 0;
    for (const g of deferred) this.gap(g);
  }

  #newChunk(index: number): ChunkBuffers {
    const chunk: ChunkBuffers = {
      index,
      current: new Float32Array(this.#chunkSamples),
      filled: 0,
      persisted: 0,
    };
    if (this.#raw) chunk.raw = new Uint32Array(this.#chunkSamples);
    if (this.#logic) chunk.logic = new Uint8Array(this.#chunkSamples);
    return chunk;
  }

  /** n samples that never arrived, from the next index on. Raw and logic stay 0 (fresh chunks are zeroed). */
  #empty(n: number, cause: GapCause, detail?: string): void {
    const gap: RecordedGap = { at: this.#next, count: n, cause };
    if (detail !== undefined) gap.detail = detail;
    this.#gaps.push(gap);
    let left = n;
    while (left > 0) {
      const c = this.#chunk;
      const k = Math.min(left, this.#chunkSamples - c.filled);
      c.current.fill(Number.NaN, c.filled, c.filled + k);
      this.#builder.addEmpty(k);
      c.filled += k;
      this.#next += k;
      left -= k;
      if (c.filled === this.#chunkSamples) this.#chunkFull();
    }
  }

  #chunkFull(): void {
    const c = this.#chunk;
    this.#unwritten.push({ chunk: c, from: c.persisted, to: c.filled });
    c.persisted = c.filled;
    this.#chunk = this.#newChunk(c.index + 1);
    this.#commit({});
  }

  #marker(kind: MarkerRecord['kind'], name: string, at?: SamplePosition): number {
    this.#usable(kind === 'mark' ? 'mark' : `${kind}Phase`);
    if (typeof name !== 'string' || name === '') {
      throw new RecordingError(this.dir, `${kind}: a marker needs a non-empty name`);
    }
    const place = this.#place(at);
    this.appendMarker({ kind, name, ...place });
    return place.at ?? Number.NaN;
  }

  #place(at?: SamplePosition): { at: number | null; time: number | null } {
    const where = at ?? (this.#opts.clock ? { time: this.#opts.clock.now() } : this.sampleCount);
    if (typeof where === 'number') {
      if (!Number.isInteger(where) || where < 0) {
        throw new RecordingError(this.dir, `marker position must be a sample index ≥ 0, got ${where}`);
      }
      const time = this.#map.timeAt(where);
      return { at: where, time: Number.isNaN(time) ? null : time };
    }
    const index = this.#map.indexAt(where.time);
    return { at: Number.isNaN(index) ? null : Math.max(0, index), time: where.time };
  }

  #manifest(sampleCount: number, extra: Partial<Manifest>): Manifest {
    const o = this.#opts;
    const gaps = this.#gaps
      .filter((g) => g.at < sampleCount)
      .map((g) => (g.at + g.count > sampleCount ? { ...g, count: sampleCount - g.at } : g));
    const m: Manifest = {
      format: FORMAT,
      version: 1,
      meter: { ...o.meter },
      rateHz: o.rateHz,
      voltageMv: o.voltageMv,
      sampleCount,
      chunkSamples: this.#chunkSamples,
      pyramid: { baseSamples: this.#builder.baseSamples, fanOut: this.#builder.fanOut },
      current: 'f32le',
      raw: this.#raw ?? false,
      logic: this.#logic ?? false,
      gaps,
      clock: this.#map.anchors.map(([i, t]) => [i, t] as [number, number]),
      sparse: o.keepSamples !== undefined,
      closed: false,
      ...extra,
    };
    if (o.mode) m.mode = o.mode;
    if (o.calibration !== undefined) m.calibration = o.calibration;
    if (this.#streamError !== undefined) m.streamError = this.#streamError;
    return m;
  }

  #commit(extra: Partial<Manifest>): void {
    const regions = this.#unwritten;
    this.#unwritten = [];
    const c = this.#chunk;
    if (c.filled > c.persisted) {
      regions.push({ chunk: c, from: c.persisted, to: c.filled });
      c.persisted = c.filled;
    }
    this.#disk.commit(regions, this.#builder.take(), this.#manifest(this.#next, extra));
  }
}

function describe(raw: boolean, logic: boolean): string {
  const parts = ['current', ...(raw ? ['raw words'] : []), ...(logic ? ['logic'] : [])];
  return parts.join(' + ');
}
