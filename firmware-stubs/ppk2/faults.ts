import type { SeededRandom } from '../random.ts';

/** What the emulated PPK2 answers GetMetadata with when it plays "another device" (a Zephyr shell prompt). */
export const FOREIGN_DEVICE_TEXT = '\r\nuart:~$ ';

/**
 * Fault knobs of the emulated PPK2. Each one draws from its own seeded stream, so switching one on does
 * not change what the others do: same seed and settings, same bytes.
 */
export interface Ppk2FaultSettings {
  /** Per block: probability that one byte of it is left out (every later word is misaligned). */
  dropByte?: number;
  /**
   * Per block: probability that k samples are skipped at a random place in it, the counter advancing
   * over them (k a multiple of 64 leaves no trace in the counter). k is picked from `samples`.
   */
  counterGap?: { probability: number; samples: number | readonly number[] };
  /** Per write (sample blocks and the metadata text): probability that it is cut at 1–3 random byte offsets. */
  splitWrites?: number;
  /** Blocks still sent after AverageStop (0x07) before the stream really ends. */
  trailingBlocks?: number;
  /** Per word: probability that its range bits read 5, 6 or 7. */
  invalidRange?: number;
  /**
   * After this many samples of a recording the device hangs: no more words, every command ignored,
   * until recover(). Set to 0 while streaming to hang at the next block.
   */
  stallAfterSamples?: number;
  /** Not a PPK2: GetMetadata is answered with this text (true: FOREIGN_DEVICE_TEXT), nothing else works. */
  foreignDevice?: string | boolean;
}

/** Runtime control of the knobs. */
export interface Ppk2FaultControls {
  readonly settings: Readonly<Ppk2FaultSettings>;
  /** Merge changes; a key set to undefined switches that fault off. */
  set(changes: Ppk2FaultSettings): void;
  clear(): void;
}

/** A counter gap placed in a block: skip `samples` samples starting at `offset` within it. */
export interface PlannedGap {
  offset: number;
  samples: number;
}

export class Ppk2FaultInjector implements Ppk2FaultControls {
  #settings: Ppk2FaultSettings;
  readonly #dropByte: SeededRandom;
  readonly #gap: SeededRandom;
  readonly #split: SeededRandom;
  readonly #range: SeededRandom;

  constructor(settings: Ppk2FaultSettings, random: SeededRandom) {
    this.#settings = check({ ...settings });
    this.#dropByte = random.fork('ppk2-drop-byte');
    this.#gap = random.fork('ppk2-counter-gap');
    this.#split = random.fork('ppk2-split-writes');
    this.#range = random.fork('ppk2-invalid-range');
  }

  get settings(): Readonly<Ppk2FaultSettings> {
    return this.#settings;
  }

  set(changes: Ppk2FaultSettings): void {
    const next: Ppk2FaultSettings = { ...this.#settings };
    for (const [key, value] of Object.entries(changes) as [keyof Ppk2FaultSettings, unknown][]) {
      if (value === undefined) delete next[key];
      else (next as Record<string, unknown>)[key] = value;
    }
    this.#settings = check(next);
  }

  clear(): void {
    this.#settings = {};
  }

  /** Text answering GetMetadata when playing another device, else undefined. */
  get foreignText(): string | undefined {
    const f = this.#settings.foreignDevice;
    if (f === undefined || f === false) return undefined;
    return f === true ? FOREIGN_DEVICE_TEXT : f;
  }

  /** Where to cut a write of `length` bytes (ascending offsets inside it), or none. */
  splitPoints(length: number): number[] {
    if (length < 2 || !this.#split.chance(this.#settings.splitWrites)) return [];
    const cuts = new Set<number>();
    const n = this.#split.int(1, Math.min(3, length - 1));
    for (let k = 0; k < n; k++) cuts.add(this.#split.int(1, length - 1));
    return [...cuts].sort((a, b) => a - b);
  }

  /** Offset of the byte to leave out of a block of `length` bytes, or undefined. */
  droppedByte(length: number): number | undefined {
    if (length === 0 || !this.#dropByte.chance(this.#settings.dropByte)) return undefined;
    return this.#dropByte.int(0, length - 1);
  }

  /** A counter gap for a block of `blockSamples` samples, or undefined. */
  gap(blockSamples: number): PlannedGap | undefined {
    const g = this.#settings.counterGap;
    if (!g || blockSamples === 0 || !this.#gap.chance(g.probability)) return undefined;
    const samples = typeof g.samples === 'number' ? g.samples : this.#gap.pick(g.samples);
    return { offset: this.#gap.int(0, blockSamples - 1), samples };
  }

  /** Range bits 5..7 for a word that is to carry an invalid range, else undefined. */
  invalidRange(): number | undefined {
    if (!this.#range.chance(this.#settings.invalidRange)) return undefined;
    return this.#range.int(5, 7);
  }

  get trailingBlocks(): number {
    return this.#settings.trailingBlocks ?? 0;
  }

  get stallAfterSamples(): number | undefined {
    return this.#settings.stallAfterSamples;
  }
}

function check(settings: Ppk2FaultSettings): Ppk2FaultSettings {
  const probabilities: [string, number | undefined][] = [
    ['dropByte', settings.dropByte],
    ['splitWrites', settings.splitWrites],
    ['invalidRange', settings.invalidRange],
    ['counterGap.probability', settings.counterGap?.probability],
  ];
  for (const [name, p] of probabilities) {
    if (p !== undefined && !(p >= 0 && p <= 1))
      throw new RangeError(`emulated PPK2 fault ${name}: probability must be in [0, 1], got ${p}`);
  }
  const gap = settings.counterGap;
  if (gap) {
    const ks = typeof gap.samples === 'number' ? [gap.samples] : gap.samples;
    if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1))
      throw new RangeError(
        `emulated PPK2 fault counterGap.samples: whole numbers ≥ 1 expected, got ${JSON.stringify(gap.samples)}`,
      );
  }
  for (const name of ['trailingBlocks', 'stallAfterSamples'] as const) {
    const v = settings[name];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0))
      throw new RangeError(`emulated PPK2 fault ${name}: a whole number ≥ 0 expected, got ${v}`);
  }
  return settings;
}
