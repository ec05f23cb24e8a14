/**
 * Builds the summary pyramid as samples arrive: level 1 from BASE_SAMPLES samples, each level above from
 * FAN_OUT entries of the one below. Completed entries wait in `pending` until the writer commits them to disk;
 * the partial entry at each level stays in memory (a reader covers a recording's tail from the samples).
 */
import { SpanAccumulator } from './accumulator.ts';
import { E_COUNT, E_LOGIC, E_MAX, E_MIN, E_SUM, E_SUMSQ, ENTRY_FIELDS, LOGIC_NONE } from './format.ts';

/** A growable list of entries. */
class EntryList {
  data = new Float64Array(ENTRY_FIELDS * 256);
  length = 0;

  push(count: number, sum: number, sq: number, min: number, max: number, logic: number): void {
    if ((this.length + 1) * ENTRY_FIELDS > this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    const o = this.length * ENTRY_FIELDS;
    this.data[o + E_COUNT] = count;
    this.data[o + E_SUM] = sum;
    this.data[o + E_SUMSQ] = sq;
    this.data[o + E_MIN] = min;
    this.data[o + E_MAX] = max;
    this.data[o + E_LOGIC] = logic;
    this.length++;
  }

  take(): Float64Array {
    const out = this.data.slice(0, this.length * ENTRY_FIELDS);
    this.length = 0;
    return out;
  }
}

export interface PendingEntries {
  level: number;
  /** Index of the first entry in the level. */
  first: number;
  entries: Float64Array;
}

export class PyramidBuilder {
  // Level-1 entry being filled: plain float64 sums of ≤ BASE_SAMPLES float32 values lose nothing measurable.
  #pos = 0;
  #count = 0;
  #sum = 0;
  #sq = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;
  #or = 0;
  #and = 0xff;
  /** Partial entries of levels 2…, compensated. */
  readonly #upper: SpanAccumulator[] = [];
  readonly #children: number[] = [];
  readonly #pending: EntryList[] = [];
  /** Entries completed per level (index 0 = level 1), committed or not. */
  readonly #completed: number[] = [];
  readonly #taken: number[] = [];

  constructor(
    readonly baseSamples: number,
    readonly fanOut: number,
    readonly levels: number,
  ) {
    for (let l = 0; l < levels; l++) {
      this.#pending.push(new EntryList());
      this.#completed.push(0);
      this.#taken.push(0);
      this.#upper.push(new SpanAccumulator());
      this.#children.push(0);
    }
  }

  /** Reduce values[start, start + n) (already rounded as stored), with their logic bytes if any. */
  add(values: Float32Array, start: number, n: number, logic?: Uint8Array): void {
    const base = this.baseSamples;
    let i = start;
    const end = start + n;
    while (i < end) {
      const stop = Math.min(end, i + base - this.#pos);
      let count = this.#count;
      let sum = this.#sum;
      let sq = this.#sq;
      let min = this.#min;
      let max = this.#max;
      for (let j = i; j < stop; j++) {
        const v = values[j]!;
        if (Number.isNaN(v)) continue;
        count++;
        sum += v;
        sq += v * v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (logic) {
        let or = this.#or;
        let and = this.#and;
        for (let j = i; j < stop; j++) {
          if (Number.isNaN(values[j]!)) continue;
          or |= logic[j]!;
          and &= logic[j]!;
        }
        this.#or = or;
        this.#and = and;
      }
      this.#count = count;
      this.#sum = sum;
      this.#sq = sq;
      this.#min = min;
      this.#max = max;
      this.#pos += stop - i;
      i = stop;
      if (this.#pos === base) this.#emitBase();
    }
  }

  /** n samples that never arrived. */
  addEmpty(n: number): void {
    let left = n;
    while (left > 0) {
      const step = Math.min(left, this.baseSamples - this.#pos);
      this.#pos += step;
      left -= step;
      if (this.#pos === this.baseSamples) this.#emitBase();
    }
  }

  #emitBase(): void {
    const logic = this.#count === 0 ? LOGIC_NONE : this.#or | (this.#and << 8);
    this.#emit(0, this.#count, this.#sum, this.#sq, this.#min, this.#max, logic);
    this.#pos = 0;
    this.#count = 0;
    this.#sum = 0;
    this.#sq = 0;
    this.#min = Number.POSITIVE_INFINITY;
    this.#max = Number.NEGATIVE_INFINITY;
    this.#or = 0;
    this.#and = 0xff;
  }

  #emit(l: number, count: number, sum: number, sq: number, min: number, max: number, logic: number): void {
    this.#pending[l]!.push(count, sum, sq, min, max, logic);
    this.#completed[l]!++;
    if (l + 1 >= this.levels) return;
    const up = this.#upper[l + 1]!;
    up.addSummary(count, sum, sq, min, max, logic);
    if (++this.#children[l + 1]! < this.fanOut) return;
    const upLogic = up.count === 0 ? LOGIC_NONE : up.logicWord;
    this.#emit(l + 1, up.count, up.total, up.totalSq, up.min, up.max, upLogic);
    this.#upper[l + 1] = new SpanAccumulator();
    this.#children[l + 1] = 0;
  }

  /** Entries completed since the last take, per level (level numbers from 1). */
  take(): PendingEntries[] {
    const out: PendingEntries[] = [];
    for (let l = 0; l < this.levels; l++) {
      const list = this.#pending[l]!;
      if (list.length === 0) continue;
      const first = this.#taken[l]!;
      this.#taken[l] = this.#completed[l]!;
      out.push({ level: l + 1, first, entries: list.take() });
    }
    return out;
  }
}
