/**
 * The emulator's only source of randomness: a seeded mulberry32 generator. Each concern takes its own
 * stream with fork(label), so switching a fault on does not shift the network's attach jitter: the same
 * seed gives the same transcript, timings and current timeline.
 */
export class SeededRandom {
  readonly seed: number;
  #state: number;

  constructor(seed: number | string) {
    this.seed = typeof seed === 'number' ? seed >>> 0 : hashString(seed);
    this.#state = this.seed;
  }

  /** An independent stream derived from this seed and a label (does not consume from this stream). */
  fork(label: string): SeededRandom {
    return new SeededRandom((hashString(label) ^ Math.imul(this.seed, 0x9e3779b1)) >>> 0);
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p (p ≤ 0 never draws, so a disabled fault leaves the stream untouched). */
  chance(p: number | undefined): boolean {
    if (!p || p <= 0) return false;
    return this.next() < p;
  }

  /** base ± spread, uniformly, rounded to whole milliseconds. */
  jitter(base: number, spread: number): number {
    if (spread <= 0) return Math.round(base);
    return Math.max(0, Math.round(base + (this.next() * 2 - 1) * spread));
  }

  /** n decimal digits as a string. */
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('SeededRandom.pick: empty list');
    return items[this.int(0, items.length - 1)]!;
  }
}

/** FNV-1a, 32 bit. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
