/**
 * The disk side of a RecordingWriter: its writes, one at a time and in order. A commit writes
 *   sample files → pyramid entries → (fsync) → meta.json.tmp → (fsync) → rename to meta.json,
 * so the manifest only ever names samples whose files and pyramid entries are complete. The first write that
 * fails stops everything after it and becomes the writer's error, naming the file and what was kept.
 */
import { join } from 'node:path';
import { errorText, RecordingError } from './errors.ts';
import {
  chunkName,
  ENTRY_BYTES,
  levelName,
  MANIFEST,
  MANIFEST_TEMP,
  MARKERS,
  type Manifest,
  PYRAMID_DIR,
  SAMPLES_DIR,
} from './format.ts';
import type { RecordingFile, RecordingFs } from './fs.ts';
import type { PendingEntries } from './pyramid-builder.ts';

/** One chunk's sample arrays as the writer fills them. */
export interface ChunkBuffers {
  index: number;
  current: Float32Array;
  raw?: Uint32Array;
  logic?: Uint8Array;
  filled: number;
  /** Samples of this chunk already handed to a commit. */
  persisted: number;
}

/** Samples [from, to) of a chunk, to be written. The writer never changes them again. */
export interface ChunkRegion {
  chunk: ChunkBuffers;
  from: number;
  to: number;
}

export interface RecordingDiskOptions {
  dir: string;
  fs: RecordingFs;
  durable: boolean;
  rateHz: number;
  keepSamples: ((chunk: number) => boolean) | undefined;
  /** The manifest to leave behind when writing fails: `kept` samples and the error. */
  manifestOnFailure(kept: number, error: string): Manifest;
  onFailure(err: RecordingError): void;
}

/** A step of a commit that failed: which file, and the error. */
class StepFailure {
  constructor(
    readonly what: string,
    readonly cause: unknown,
  ) {}
}

async function step<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new StepFailure(what, err);
  }
}

function bytesOf(a: Float32Array | Uint32Array | Uint8Array, from: number, to: number): Uint8Array {
  const size = a.BYTES_PER_ELEMENT;
  return new Uint8Array(a.buffer, a.byteOffset + from * size, (to - from) * size);
}

export class RecordingDisk {
  readonly #o: RecordingDiskOptions;
  readonly #levelFiles = new Map<number, RecordingFile>();
  #markersFile: RecordingFile | undefined;
  #queue: Promise<void> = Promise.resolve();
  #committed = 0;
  #committedMarkers = 0;
  #failure: RecordingError | undefined;

  constructor(options: RecordingDiskOptions) {
    this.#o = options;
  }

  /** Samples that meta.json on disk names. */
  get committedSamples(): number {
    return this.#committed;
  }

  get failure(): RecordingError | undefined {
    return this.#failure;
  }

  /** Resolves once every write queued so far is done (or the first failure). */
  get settled(): Promise<void> {
    return this.#queue;
  }

  commit(regions: ChunkRegion[], entries: PendingEntries[], manifest: Manifest): void {
    this.#enqueue(async () => {
      let newSampleFiles = false;
      for (const r of regions) newSampleFiles = (await this.#writeRegion(r)) || newSampleFiles;
      const written: RecordingFile[] = [];
      let newLevelFiles = false;
      for (const p of entries) {
        const name = levelName(p.level);
        let file = this.#levelFiles.get(p.level);
        if (!file) {
          file = await step(name, () => this.#o.fs.open(join(this.#o.dir, name), p.first === 0 ? 'w' : 'r+'));
          this.#levelFiles.set(p.level, file);
          newLevelFiles = true;
        }
        const f = file;
        await step(name, () => f.write(new Uint8Array(p.entries.buffer), p.first * ENTRY_BYTES));
        written.push(f);
      }
      if (this.#o.durable) {
        const { fs, dir } = this.#o;
        await step('pyramid', () => Promise.all(written.map((f) => f.sync())));
        if (newSampleFiles) await step(SAMPLES_DIR, () => fs.syncDir(join(dir, SAMPLES_DIR)));
        if (newLevelFiles) await step(PYRAMID_DIR, () => fs.syncDir(join(dir, PYRAMID_DIR)));
      }
      await this.writeManifest(manifest);
      this.#committed = manifest.sampleCount;
    });
  }

  appendMarker(line: string): void {
    const bytes = new TextEncoder().encode(line);
    this.#enqueue(async () => {
      const file = await step(MARKERS, async () => {
        this.#markersFile ??= await this.#o.fs.open(join(this.#o.dir, MARKERS), 'a');
        return this.#markersFile;
      });
      await step(MARKERS, () => file.write(bytes, null));
      if (this.#o.durable) await step(MARKERS, () => file.sync());
      this.#committedMarkers++;
    });
  }

  /** Replace meta.json atomically: a reader sees the old manifest or the new one, never a torn one. */
  async writeManifest(m: Manifest): Promise<void> {
    const { fs, dir, durable } = this.#o;
    const temp = join(dir, MANIFEST_TEMP);
    const text = new TextEncoder().encode(`${JSON.stringify(m)}\n`);
    await step(MANIFEST_TEMP, async () => {
      const file = await fs.open(temp, 'w');
      try {
        await file.write(text, 0);
        if (durable) await file.sync();
      } finally {
        await file.close();
      }
    });
    await step(MANIFEST, () => fs.rename(temp, join(dir, MANIFEST)));
    if (durable) await step(dir, () => fs.syncDir(dir));
  }

  /** Wait for the queue, then close the files kept open. */
  async close(): Promise<void> {
    await this.#queue;
    const handles = [...this.#levelFiles.values(), ...(this.#markersFile ? [this.#markersFile] : [])];
    this.#levelFiles.clear();
    this.#markersFile = undefined;
    await Promise.allSettled(handles.map((h) => h.close()));
  }

  /** Write one chunk region to its sample files; true when a file was created. */
  async #writeRegion(r: ChunkRegion): Promise<boolean> {
    const { fs, dir, durable, keepSamples } = this.#o;
    if (!(keepSamples?.(r.chunk.index) ?? true)) return false;
    const parts: [string, Float32Array | Uint32Array | Uint8Array][] = [
      [chunkName(r.chunk.index, 'f32'), r.chunk.current],
    ];
    if (r.chunk.raw) parts.push([chunkName(r.chunk.index, 'u32'), r.chunk.raw]);
    if (r.chunk.logic) parts.push([chunkName(r.chunk.index, 'u8'), r.chunk.logic]);
    for (const [name, data] of parts) {
      await step(name, async () => {
        const file = await fs.open(join(dir, name), r.from === 0 ? 'w' : 'r+');
        try {
          await file.write(bytesOf(data, r.from, r.to), r.from * data.BYTES_PER_ELEMENT);
          if (durable) await file.sync();
        } finally {
          await file.close();
        }
      });
    }
    return r.from === 0;
  }

  #enqueue(task: () => Promise<void>): void {
    this.#queue = this.#queue.then(async () => {
      if (this.#failure) return;
      try {
        await task();
      } catch (err) {
        await this.#fail(err);
      }
    });
  }

  async #fail(err: unknown): Promise<void> {
    const what = err instanceof StepFailure ? `writing ${err.what}` : 'writing';
    const cause = err instanceof StepFailure ? err.cause : err;
    const kept = this.#committed;
    const seconds = kept / this.#o.rateHz;
    this.#failure = new RecordingError(
      this.#o.dir,
      `${what} failed: ${errorText(cause)}; kept ${kept} samples (${seconds.toFixed(3)} s, indices 0–${kept - 1}) ` +
        `and ${this.#committedMarkers} markers, readable with Recording.open; samples from index ${kept} on are not stored`,
      { cause },
    );
    // Best effort: say in the manifest why the recording ends here (the disk may well refuse this too).
    await this.writeManifest(this.#o.manifestOnFailure(kept, this.#failure.message)).catch(() => undefined);
    this.#o.onFailure(this.#failure);
  }
}
