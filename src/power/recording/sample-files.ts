/** Reads spans of samples from the chunk files of a recording, whatever chunks the span crosses. */
import { join } from 'node:path';
import { errorCode, errorText, RecordingError } from './errors.ts';
import { chunkName } from './format.ts';
import type { RecordingFs } from './fs.ts';

export type SampleKind = 'f32' | 'u32' | 'u8';

type ArrayOf<K extends SampleKind> = K extends 'f32'
  ? Float32Array
  : K extends 'u32'
    ? Uint32Array
    : Uint8Array;

const make = {
  f32: (n: number) => new Float32Array(n),
  u32: (n: number) => new Uint32Array(n),
  u8: (n: number) => new Uint8Array(n),
};

export class SampleFiles {
  constructor(
    readonly dir: string,
    readonly fs: RecordingFs,
    readonly chunkSamples: number,
  ) {}

  /** Samples [from, to) of one kind; the caller keeps `to` within the committed sample count. */
  async read<K extends SampleKind>(kind: K, from: number, to: number): Promise<ArrayOf<K>> {
    const out = make[kind](to - from) as ArrayOf<K>;
    const size = out.BYTES_PER_ELEMENT;
    const reads: Promise<void>[] = [];
    for (let at = from; at < to; ) {
      const chunk = Math.floor(at / this.chunkSamples);
      const chunkStart = chunk * this.chunkSamples;
      const end = Math.min(to, chunkStart + this.chunkSamples);
      const into = new Uint8Array(out.buffer, (at - from) * size, (end - at) * size);
      reads.push(this.#readInto(chunkName(chunk, kind), into, (at - chunkStart) * size));
      at = end;
    }
    await Promise.all(reads);
    return out;
  }

  async #readInto(name: string, into: Uint8Array, position: number): Promise<void> {
    let file: Awaited<ReturnType<RecordingFs['open']>>;
    try {
      file = await this.fs.open(join(this.dir, name), 'r');
    } catch (err) {
      const what = errorCode(err) === 'ENOENT' ? 'is missing' : `cannot be opened (${errorText(err)})`;
      throw new RecordingError(this.dir, `${name} ${what}, but meta.json names samples in it`, {
        cause: err,
      });
    }
    try {
      const got = await file.read(into, position);
      if (got < into.length) {
        throw new RecordingError(
          this.dir,
          `${name} ends at byte ${position + got}, but meta.json names samples up to byte ${position + into.length}`,
        );
      }
    } finally {
      await file.close();
    }
  }
}
