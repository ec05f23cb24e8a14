import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'ava';
import {
  nodeRecordingFs,
  Recording,
  RecordingError,
  type RecordingFile,
  type RecordingFs,
  RecordingWriter,
} from '../src/power/recording/index.ts';

const RATE = 100_000;
const T0 = Date.UTC(2026, 0, 1);
const meter = { kind: 'sim' as const, spec: 'sim:crash' };
const value = (i: number) => (i % 1000) + 0.5 + (i % 7) * 1000;
const block = (start: number, n: number) => ({
  start,
  uA: Float64Array.from({ length: n }, (_, k) => value(start + k)),
  t0: T0 + (start * 1000) / RATE,
});

async function tempRoot(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'rig-crash-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  return root;
}

/** What a reader must see of any recording written with `value`: a prefix, consistent pyramid, parseable markers. */
async function checkReadable(t: import('ava').ExecutionContext, r: Recording, gaps: [number, number][] = []) {
  const lost = (i: number) => gaps.some(([a, n]) => i >= a && i < a + n);
  if (r.sampleCount > 0) {
    const s = await r.samples();
    for (let i = 0; i < s.uA.length; i++) {
      const expected = lost(i) ? Number.NaN : Math.fround(value(i));
      if (!Object.is(s.uA[i], expected)) {
        t.fail(`sample ${i}: ${s.uA[i]} (expected ${expected})`);
        return;
      }
    }
  }
  for (const [a, b] of [
    [0, r.sampleCount],
    [Math.floor(r.sampleCount / 3), Math.floor((2 * r.sampleCount) / 3) + 1],
  ] as const) {
    if (b > r.sampleCount) continue;
    const p = await r.stats(a, b);
    const s = await r.scanStats(a, b);
    t.is(p.validSamples, s.validSamples);
    t.true(p.validSamples === 0 || (p.minUa === s.minUa && p.maxUa === s.maxUa));
    t.true(p.validSamples === 0 || Math.abs(p.chargeUc - s.chargeUc) <= 1e-9 * s.chargeUc);
  }
  r.phases();
}

test('a writer process killed (SIGKILL) without close leaves a recording the reader opens, with all it flushed', async (t) => {
  const root = await tempRoot(t);
  const dir = join(root, 'rec');
  const writerUrl = pathToFileURL(join(import.meta.dirname, '../src/power/recording/index.ts')).href;
  const script = `
    import { RecordingWriter } from ${JSON.stringify(writerUrl)};
    const value = ${value.toString()};
    const block = (start, n) => ({ start, uA: Float64Array.from({ length: n }, (_, k) => value(start + k)), t0: ${T0} + start / 100 });
    const w = await RecordingWriter.create({
      dir: process.env.REC_DIR, meter: { kind: 'sim', spec: 'sim:crash' }, rateHz: 100000, voltageMv: 3000, chunkSamples: 4096,
    });
    w.append(block(0, 10000));
    w.beginPhase('download', 2000);
    w.mark('flushed');
    await w.flush();
    process.stdout.write('flushed ' + w.committedSamples + '\\n');
    w.append(block(10000, 5000)); // crosses the chunk boundary at 12288: a commit starts in the background
    w.mark('after flush');
    process.kill(process.pid, 'SIGKILL');
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, REC_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, sig) => resolve(sig)),
  );
  t.is(signal, 'SIGKILL', err);
  t.is(out.trim(), 'flushed 10000');

  const r = await Recording.open(dir);
  t.false(r.closed);
  t.true(r.sampleCount === 10_000 || r.sampleCount === 12_288, `sampleCount ${r.sampleCount}`);
  t.deepEqual(r.markers().slice(0, 2), [
    { kind: 'begin', name: 'download', at: 2000, time: T0 + 20 },
    { kind: 'mark', name: 'flushed', at: 10_000, time: T0 + 100 },
  ]);
  t.like(r.phases()[0], { name: 'download', from: 2000, to: r.sampleCount, open: true });
  await checkReadable(t, r);
  await r.close();
});

/**
 * A file system facade that "dies" at the n-th mutating operation: that write lands half its bytes, and from
 * then on nothing completes — the state a process killed at that instant leaves behind.
 */
class DyingFs implements RecordingFs {
  ops = 0;
  dead = false;
  readonly #real = nodeRecordingFs;
  readonly #opened: RecordingFile[] = [];
  readonly died: Promise<void>;
  #onDeath!: () => void;

  constructor(readonly cutAt: number) {
    this.died = new Promise((resolve) => {
      this.#onDeath = resolve;
    });
  }

  #never<T>(): Promise<T> {
    return new Promise<T>(() => undefined);
  }

  async #mutate<T>(fn: () => Promise<T>, half?: () => Promise<unknown>): Promise<T> {
    if (this.dead) return this.#never();
    if (this.ops++ === this.cutAt) {
      this.dead = true;
      if (half) await half();
      this.#onDeath();
      return this.#never();
    }
    return fn();
  }

  /** What the OS does for a dead process: close its files. */
  async bury(): Promise<void> {
    await Promise.allSettled(this.#opened.map((f) => f.close()));
  }

  mkdir = (p: string) => this.#mutate(() => this.#real.mkdir(p));
  readdir = (p: string) => this.#real.readdir(p);
  readFile = (p: string) => this.#real.readFile(p);
  rename = (a: string, b: string) => this.#mutate(() => this.#real.rename(a, b));
  syncDir = (p: string) => (this.dead ? this.#never<void>() : this.#real.syncDir(p));
  open = async (p: string, flags: 'r' | 'w' | 'r+' | 'a'): Promise<RecordingFile> => {
    const open = () => this.#real.open(p, flags);
    const file = flags === 'r' ? await open() : await this.#mutate(open);
    this.#opened.push(file);
    return {
      write: (data, position) =>
        this.#mutate(
          () => file.write(data, position),
          () => file.write(data.subarray(0, data.length >> 1), position),
        ),
      read: (into, position) => file.read(into, position),
      sync: () => (this.dead ? this.#never<void>() : file.sync()),
      close: () => (this.dead ? this.#never<void>() : file.close()),
    };
  };
}

/** The writer's life in one scenario; returns how many samples each completed flush promised. */
async function scenario(dir: string, fs: RecordingFs, promised: { samples: number; markers: number }) {
  const w = await RecordingWriter.create({
    dir,
    meter,
    rateHz: RATE,
    voltageMv: 3000,
    fs,
    chunkSamples: 1000,
    pyramid: { baseSamples: 8, fanOut: 4 },
  });
  w.append(block(0, 2500));
  w.mark('a');
  await w.flush();
  promised.samples = 2500;
  promised.markers = 1;
  w.append(block(2500, 1700));
  w.beginPhase('p');
  w.gap({ at: 4200, count: 300, cause: 'counter' });
  w.append(block(4500, 1000));
  w.endPhase('p');
  await w.flush();
  promised.samples = 5500;
  promised.markers = 3;
  w.append(block(5500, 333));
  await w.close();
  promised.samples = 5833;
}

test('a crash at any instant (cut before each file operation, simulated by an fs facade) leaves a readable prefix holding all that was flushed', async (t) => {
  const root = await tempRoot(t);
  const full = new DyingFs(Number.POSITIVE_INFINITY);
  await scenario(join(root, 'full'), full, { samples: 0, markers: 0 });
  const total = full.ops;
  t.true(total > 40, `only ${total} operations`);
  let opened = 0;
  for (let cut = 0; cut <= total; cut++) {
    const dir = join(root, `cut-${cut}`);
    const fs = new DyingFs(cut);
    const promised = { samples: 0, markers: 0 };
    const run = scenario(dir, fs, promised);
    await Promise.race([run, fs.died]);
    await fs.bury();
    let r: Recording;
    try {
      r = await Recording.open(dir);
    } catch (err) {
      // Only a crash inside create(), before the first manifest exists, may leave no recording.
      t.true(
        promised.samples === 0 && err instanceof RecordingError && /no meta.json/.test(err.message),
        `cut ${cut}: ${err}`,
      );
      continue;
    }
    opened++;
    t.true(r.sampleCount >= promised.samples, `cut ${cut}: ${r.sampleCount} < flushed ${promised.samples}`);
    t.true(r.markers().length >= promised.markers, `cut ${cut}: markers`);
    await checkReadable(t, r, r.sampleCount > 4200 ? [[4200, 300]] : []);
    await r.close();
  }
  t.true(opened > total - 10);
});

/** Writes fail with ENOSPC once `budget` bytes are written (to the files `counts` selects). */
class FullDiskFs implements RecordingFs {
  written = 0;
  readonly #real = nodeRecordingFs;

  constructor(
    readonly budget: number,
    readonly counts: (path: string) => boolean = () => true,
  ) {}

  mkdir = (p: string) => this.#real.mkdir(p);
  readdir = (p: string) => this.#real.readdir(p);
  readFile = (p: string) => this.#real.readFile(p);
  rename = (a: string, b: string) => this.#real.rename(a, b);
  syncDir = (p: string) => this.#real.syncDir(p);
  open = async (p: string, flags: 'r' | 'w' | 'r+' | 'a'): Promise<RecordingFile> => {
    const file = await this.#real.open(p, flags);
    return {
      write: async (data, position) => {
        if (this.counts(p)) {
          if (this.written + data.length > this.budget) {
            throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC' });
          }
          this.written += data.length;
        }
        await file.write(data, position);
      },
      read: (into, position) => file.read(into, position),
      sync: () => file.sync(),
      close: () => file.close(),
    };
  };
}

test('a full disk (ENOSPC simulated by an fs facade) stops the writer with an error naming the dir and what was kept; the recording stays readable', async (t) => {
  const root = await tempRoot(t);
  const dir = join(root, 'rec');
  const errors: RecordingError[] = [];
  const w = await RecordingWriter.create({
    dir,
    meter,
    rateHz: RATE,
    voltageMv: 3000,
    fs: new FullDiskFs(100_000),
    chunkSamples: 4096,
    onError: (e) => errors.push(e),
  });
  w.mark('start');
  const meterSide = w.handlers();
  for (let at = 0; at < 40_000; at += 1000) meterSide.samples(block(at, 1000)); // never throws into the driver
  await t.throwsAsync(w.flush(), { instanceOf: RecordingError });
  t.is(errors.length, 1);
  const kept = w.committedSamples;
  t.true(kept > 0 && kept < 40_000 && kept % 4096 === 0, `kept ${kept}`);
  t.regex(
    errors[0]!.message,
    new RegExp(
      `^recording ${dir}: writing samples/\\d{12}\\.f32 failed: ENOSPC: no space left on device, write; ` +
        `kept ${kept} samples \\(${(kept / RATE).toFixed(3)} s, indices 0–${kept - 1}\\) and 1 markers, readable with Recording.open; ` +
        `samples from index ${kept} on are not stored$`,
    ),
  );
  t.throws(() => w.append(block(40_000, 10)), { is: errors[0] });
  await t.throwsAsync(w.close(), { is: errors[0] });

  const r = await Recording.open(dir);
  t.is(r.sampleCount, kept);
  t.false(r.closed);
  t.deepEqual(
    r.markers().map((m) => m.name),
    ['start'],
  );
  await checkReadable(t, r);
  await r.close();
});

test('when only sample files hit ENOSPC (fs facade), the manifest also records why the recording ends', async (t) => {
  const root = await tempRoot(t);
  const dir = join(root, 'rec');
  const w = await RecordingWriter.create({
    dir,
    meter,
    rateHz: RATE,
    voltageMv: 3000,
    fs: new FullDiskFs(50_000, (p) => p.includes('/samples/')),
    chunkSamples: 4096,
  });
  w.append(block(0, 30_000));
  const err = await t.throwsAsync(w.close(), { instanceOf: RecordingError });
  const r = await Recording.open(dir);
  t.is(r.manifest.error, err!.message);
  t.is(r.sampleCount, 12_288);
  await checkReadable(t, r);
  await r.close();
});
