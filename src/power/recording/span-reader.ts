/**
 * Reading spans of a recording: raw samples from the chunk files and summary entries from the pyramid files,
 * and the statistics of a span either from the pyramid (span-plan.ts: whole entries, raw samples only at the
 * two edges) or from every sample (the reference the pyramid must agree with).
 */
import { join } from 'node:path';
import type { SampleBlock } from '../meter.ts';
import { SpanAccumulator } from './accumulator.ts';
import type { ClockMap } from './clock-map.ts';
import { errorText, RecordingError } from './errors.ts';
import { ENTRY_BYTES, ENTRY_FIELDS, levelName, MAX_LEVELS, type Manifest } from './format.ts';
import type { RecordingFile, RecordingFs } from './fs.ts';
import { SampleFiles } from './sample-files.ts';
import { planSpan } from './span-plan.ts';

export class SpanReader {
  readonly files: SampleFiles;
  readonly #levels = new Map<number, RecordingFile>();

  constructor(
    readonly dir: string,
    readonly fs: RecordingFs,
    readonly manifest: Readonly<Manifest>,
    readonly clock: ClockMap,
  ) {
    this.files = new SampleFiles(dir, fs, manifest.chunkSamples);
  }

  /** Statistics of [a, b) from the pyramid and the edge samples. */
  async accumulate(a: number, b: number): Promise<SpanAccumulator> {
    const { baseSamples, fanOut } = this.manifest.pyramid;
    const pieces = planSpan(a, b, baseSamples, fanOut, MAX_LEVELS);
    const accs = await Promise.all(
      pieces.map(async (p) => {
        const acc = new SpanAccumulator();
        if (p.level === 0) {
          const [values, logic] = await Promise.all([
            this.files.read('f32', p.from, p.to),
            this.logic(p.from, p.to),
          ]);
          acc.addValues(values);
          if (logic) acc.addLogic(values, logic);
        } else {
          acc.addEntries(await this.entries(p.level, p.from, p.to));
        }
        return acc;
      }),
    );
    const total = new SpanAccumulator();
    for (const acc of accs) total.merge(acc);
    return total;
  }

  /** Statistics of [a, b) from every sample, a chunk at a time, reading the next while reducing this one. */
  async scan(a: number, b: number): Promise<SpanAccumulator> {
    const acc = new SpanAccumulator();
    const step = this.manifest.chunkSamples;
    const read = (at: number) => {
      const end = Math.min(b, at + step);
      return Promise.all([this.files.read('f32', at, end), this.logic(at, end)]);
    };
    let next = a < b ? read(a) : undefined;
    for (let at = a; at < b; at += step) {
      const [values, logic] = await next!;
      next = at + step < b ? read(at + step) : undefined;
      acc.addValues(values);
      if (logic) acc.addLogic(values, logic);
    }
    return acc;
  }

  logic(a: number, b: number): Promise<Uint8Array | undefined> {
    return this.manifest.logic ? this.files.read('u8', a, b) : Promise.resolve(undefined);
  }

  async block(a: number, b: number): Promise<SampleBlock> {
    const [current, raw, logic] = await Promise.all([
      this.files.read('f32', a, b),
      this.manifest.raw ? this.files.read('u32', a, b) : undefined,
      this.logic(a, b),
    ]);
    const block: SampleBlock = { start: a, uA: Float64Array.from(current), t0: this.clock.timeAt(a) };
    if (raw) block.raw = raw;
    if (logic) block.logic = logic;
    return block;
  }

  /** Entries [from, to) of a pyramid level. */
  async entries(level: number, from: number, to: number): Promise<Float64Array> {
    const name = levelName(level);
    const file = await this.#level(level, name);
    const out = new Float64Array((to - from) * ENTRY_FIELDS);
    const bytes = new Uint8Array(out.buffer);
    const got = await file.read(bytes, from * ENTRY_BYTES);
    if (got < bytes.length) {
      throw new RecordingError(
        this.dir,
        `${name} ends at entry ${from + Math.floor(got / ENTRY_BYTES)}, but meta.json's ` +
          `${this.manifest.sampleCount} samples need entry ${to - 1}`,
      );
    }
    return out;
  }

  async close(): Promise<void> {
    const files = [...this.#levels.values()];
    this.#levels.clear();
    await Promise.allSettled(files.map((f) => f.close()));
  }

  async #level(level: number, name: string): Promise<RecordingFile> {
    const open = this.#levels.get(level);
    if (open) return open;
    let file: RecordingFile;
    try {
      file = await this.fs.open(join(this.dir, name), 'r');
    } catch (err) {
      throw new RecordingError(
        this.dir,
        `${name} cannot be opened (${errorText(err)}), but meta.json names its entries`,
        {
          cause: err,
        },
      );
    }
    // Parallel pieces may have opened it meanwhile: keep one handle.
    const other = this.#levels.get(level);
    if (other) {
      await file.close();
      return other;
    }
    this.#levels.set(level, file);
    return file;
  }
}
