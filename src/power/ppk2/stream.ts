import type { Clock, EpochMs, Milliseconds } from '../../clock/index.ts';
import type { SampleBlock, SampleGap } from '../meter.ts';
import type { Ppk2Converter } from './convert.ts';
import { PPK2_COUNTER_MODULUS, PPK2_SAMPLE_RATE_HZ, sampleCounter } from './protocol.ts';
import { WallTimeCheck, type WallTimeCheckOptions } from './wall-time.ts';

export interface Ppk2StreamDecoderOptions {
  converter: Ppk2Converter;
  /** Block times and the wall-time check. The stream starts when the decoder is made. */
  clock: Clock;
  onBlock: (block: SampleBlock) => void;
  onGap?: (gap: SampleGap) => void;
  /** Nominal sample rate (default 100 kS/s). */
  rateHz?: number;
  /** Words looked at to judge an alignment after a counter break (default 8). */
  lookaheadWords?: number;
  /** Compare the samples received with wall time (default on). */
  wallTime?: false | WallTimeCheckOptions;
}

export interface Ppk2StreamStats {
  bytes: number;
  delivered: number;
  lost: Record<SampleGap['cause'], number>;
  /** Times the stream was realigned after bytes went missing or stray ones came in. */
  realigns: number;
  /** Words with range bits 5..7, delivered as NaN. */
  invalidRange: number;
  /** Bytes dropped before the first aligned word (the tail of an earlier stream). */
  skippedBytes: number;
  /** Bytes at the end that made no whole aligned word. */
  trailingBytes: number;
  /** Bytes that arrived after finish(). */
  discardedAfterFinish: number;
}

type Decision =
  | { kind: 'wait' }
  | { kind: 'accept'; counter?: number }
  | { kind: 'shift'; bytes: number }
  | { kind: 'skip' }
  | { kind: 'drop-rest' };

const WORD = 4;

/**
 * Byte chunks from the PPK2 → sample blocks and gaps.
 *
 * Words are 4 bytes little-endian with no sync marker; the 6-bit counter is the only check. A word
 * whose counter follows the previous one is delivered at once. On any other counter the decoder
 * waits for `lookaheadWords` words and judges:
 * - the words at the current alignment run on consecutively (one more break allowed): a real
 *   loss; a counter jump of k is k − 1 samples lost (gap 'counter'). A single word whose counter
 *   alone is off while its successor follows the word before it is taken as a corrupted counter,
 *   not as 63 + 1 lost samples; a word that fits neither neighbour is dropped as noise;
 * - they run on consecutively 1..3 bytes further: bytes went missing (or stray ones came in);
 *   the stream is realigned and the loss reported (gap 'realign', count from the counter and the
 *   bytes dropped, possibly 0);
 * - neither: one byte is dropped and the search goes on.
 * Samples lost in multiples of 64 leave the counter in step; WallTimeCheck finds them (gap
 * 'wall-time'). After finish() nothing more is delivered.
 */
export class Ppk2StreamDecoder {
  readonly #converter: Ppk2Converter;
  readonly #clock: Clock;
  readonly #onBlock: (block: SampleBlock) => void;
  readonly #onGap: ((gap: SampleGap) => void) | undefined;
  readonly #rateHz: number;
  readonly #lookahead: number;
  readonly #wallTime: WallTimeCheck | undefined;
  readonly #startEpoch: EpochMs;
  readonly #invalidAtStart: number;
  #pending: Uint8Array = new Uint8Array(0);
  #lastCounter: number | undefined;
  /** Bytes dropped since the last delivered word while searching for the alignment. */
  #discarded = 0;
  #nextIndex = 0;
  #finished = false;
  #stats: Ppk2StreamStats = {
    bytes: 0,
    delivered: 0,
    lost: { counter: 0, 'wall-time': 0, realign: 0, overflow: 0, rearm: 0 },
    realigns: 0,
    invalidRange: 0,
    skippedBytes: 0,
    trailingBytes: 0,
    discardedAfterFinish: 0,
  };
  // Output of the push in progress: words, then split into blocks at gaps.
  #words = new Uint32Array(0);
  #uA = new Float64Array(0);
  #count = 0;
  #segmentFrom = 0;
  #segmentIndex = 0;
  #events: Array<SampleBlock | SampleGap> = [];

  constructor(options: Ppk2StreamDecoderOptions) {
    this.#converter = options.converter;
    this.#clock = options.clock;
    this.#onBlock = options.onBlock;
    this.#onGap = options.onGap;
    this.#rateHz = options.rateHz ?? PPK2_SAMPLE_RATE_HZ;
    this.#lookahead = Math.max(2, options.lookaheadWords ?? 8);
    this.#startEpoch = options.clock.now();
    this.#invalidAtStart = options.converter.invalidRangeCount;
    this.#wallTime =
      options.wallTime === false
        ? undefined
        : new WallTimeCheck(this.#rateHz, options.clock.monotonic(), options.wallTime);
  }

  get stats(): Readonly<Ppk2StreamStats> {
    return {
      ...this.#stats,
      lost: { ...this.#stats.lost },
      invalidRange: this.#converter.invalidRangeCount - this.#invalidAtStart,
    };
  }

  /** Index the next delivered sample gets (samples delivered plus samples reported lost). */
  get nextIndex(): number {
    return this.#nextIndex;
  }

  get finished(): boolean {
    return this.#finished;
  }

  push(chunk: Uint8Array): void {
    if (this.#finished) {
      this.#stats.discardedAfterFinish += chunk.length;
      return;
    }
    if (chunk.length === 0) return;
    this.#stats.bytes += chunk.length;
    this.#decode(this.#join(chunk), false);
    this.#checkWallTime(this.#clock.monotonic());
    this.#emit();
  }

  /** Decodes what can still be decoded from the bytes held back, then ignores further input. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#decode(this.#pending, true);
    this.#pending = new Uint8Array(0);
    this.#emit();
  }

  #join(chunk: Uint8Array): Uint8Array {
    if (this.#pending.length === 0) return chunk;
    const data = new Uint8Array(this.#pending.length + chunk.length);
    data.set(this.#pending, 0);
    data.set(chunk, this.#pending.length);
    return data;
  }

  #decode(data: Uint8Array, final: boolean): void {
    const capacity = Math.floor(data.length / WORD) + 1;
    if (this.#words.length < capacity) {
      this.#words = new Uint32Array(capacity);
      this.#uA = new Float64Array(capacity);
    }
    this.#count = 0;
    this.#segmentFrom = 0;
    this.#segmentIndex = this.#nextIndex;

    let pos = 0;
    while (data.length - pos >= WORD) {
      const word = readWord(data, pos);
      const last = this.#lastCounter;
      if (this.#discarded === 0 && last !== undefined && sampleCounter(word) === ((last + 1) & 0x3f)) {
        this.#deliver(word);
        pos += WORD;
        continue;
      }
      const decision = this.#decide(data, pos, final);
      if (decision.kind === 'wait') break;
      if (decision.kind === 'accept') {
        this.#accept(word, decision.counter);
        pos += WORD;
      } else if (decision.kind === 'shift') {
        pos += decision.bytes;
        this.#discarded += decision.bytes;
      } else if (decision.kind === 'skip') {
        pos += 1;
        this.#discarded += 1;
      } else {
        break;
      }
    }
    const rest = data.length - pos;
    if (final) {
      this.#stats.trailingBytes += rest + (this.#lastCounter === undefined ? 0 : this.#discarded);
      if (this.#lastCounter === undefined) this.#stats.skippedBytes += this.#discarded;
      this.#discarded = 0;
    } else {
      this.#pending = data.slice(pos);
    }
    this.#closeSegment();
  }

  /** A word after a counter break or a search: report what was lost, then deliver it. */
  #accept(word: number, counterOverride: number | undefined): void {
    const last = this.#lastCounter;
    if (last === undefined) {
      this.#stats.skippedBytes += this.#discarded;
    } else {
      const lostModulo = (sampleCounter(word) - last - 1) & 0x3f;
      if (this.#discarded > 0) {
        const lost = nearestCongruent(lostModulo, this.#discarded / WORD);
        this.#stats.realigns++;
        this.#gap(
          'realign',
          lost,
          `stream realigned: ${this.#discarded} byte(s) dropped, counter ${last} → ${sampleCounter(word)}`,
        );
      } else if (counterOverride === undefined && lostModulo > 0) {
        this.#gap('counter', lostModulo, `counter jumped ${last} → ${sampleCounter(word)}`);
      }
    }
    this.#discarded = 0;
    this.#deliver(word, counterOverride);
  }

  #decide(data: Uint8Array, pos: number, final: boolean): Decision {
    const available = data.length - pos;
    const lookahead = this.#lookahead;
    if (!final && available < lookahead * WORD + WORD - 1) return { kind: 'wait' };
    const last = this.#lastCounter;
    let judged = false;
    for (let shift = 0; shift < WORD; shift++) {
      const words = Math.min(lookahead, Math.floor((available - shift) / WORD));
      if (words < 2) continue;
      judged = true;
      const breaks = linkBreaks(data, pos + shift, words);
      // One break is allowed in a full window (a loss right after a loss); none when judging the
      // first word of a stream or a short window at the end.
      const allowed = words === lookahead && last !== undefined ? 1 : 0;
      if (breaks.length > allowed) continue;
      const first = breaks[0];
      if (shift === 0) {
        if (first === 0 && last !== undefined) {
          // The word fits neither its successor nor, maybe, its predecessor.
          const word0 = readWord(data, pos);
          const word1 = readWord(data, pos + WORD);
          if (sampleCounter(word0) === ((last + 1) & 0x3f)) return { kind: 'accept' }; // a loss after it
          const skipsOne = ((sampleCounter(word1) - last - 2) & 0x3f) === 0;
          if (skipsOne && this.#discarded === 0) return { kind: 'accept', counter: (last + 1) & 0x3f };
          return { kind: 'skip' }; // an orphan: noise, not a sample
        }
        return { kind: 'accept' };
      }
      if (first === 0) continue; // the first realigned word must fit its successor
      return { kind: 'shift', bytes: shift };
    }
    if (final && !judged) {
      if (available >= WORD && last !== undefined && this.#discarded === 0) {
        const single = sampleCounter(readWord(data, pos)) === ((last + 1) & 0x3f);
        if (single) return { kind: 'accept' };
      }
      return { kind: 'drop-rest' };
    }
    return { kind: 'skip' };
  }

  #deliver(word: number, counterOverride?: number): void {
    const n = this.#count++;
    this.#words[n] = word;
    this.#uA[n] = this.#converter.convert(word);
    this.#lastCounter = counterOverride ?? sampleCounter(word);
    this.#nextIndex++;
    this.#stats.delivered++;
  }

  #gap(cause: SampleGap['cause'], count: number, detail: string): void {
    this.#closeSegment();
    this.#events.push({ at: this.#nextIndex, count, cause, detail });
    this.#nextIndex += count;
    this.#stats.lost[cause] += count;
    this.#segmentIndex = this.#nextIndex;
  }

  #closeSegment(): void {
    const from = this.#segmentFrom;
    const to = this.#count;
    if (to > from) {
      const raw = this.#words.slice(from, to);
      const logic = new Uint8Array(to - from);
      for (let k = 0; k < raw.length; k++) logic[k] = raw[k]! >>> 24;
      this.#events.push({
        start: this.#segmentIndex,
        uA: this.#uA.slice(from, to),
        raw,
        logic,
        t0: this.#startEpoch + (this.#segmentIndex * 1000) / this.#rateHz,
      });
    }
    this.#segmentFrom = to;
    this.#segmentIndex = this.#nextIndex;
  }

  #checkWallTime(now: Milliseconds): void {
    if (!this.#wallTime) return;
    // Words held back and bytes dropped in a search are samples that did arrive.
    const inFlight = Math.floor((this.#pending.length + this.#discarded) / WORD);
    const loss = this.#wallTime.observe(now, this.#nextIndex + inFlight);
    if (loss) this.#gap('wall-time', loss.count, loss.detail);
  }

  // Every event is handed out even when a handler throws; the first error is rethrown after.
  #emit(): void {
    const events = this.#events;
    this.#events = [];
    let failure: { error: unknown } | undefined;
    for (const event of events) {
      try {
        if ('cause' in event) this.#onGap?.(event);
        else this.#onBlock(event);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}

function readWord(data: Uint8Array, pos: number): number {
  return (data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16) | (data[pos + 3]! << 24)) >>> 0;
}

/** Indices k where word k+1's counter does not follow word k's, among `words` words from `at`. */
function linkBreaks(data: Uint8Array, at: number, words: number): number[] {
  const breaks: number[] = [];
  let previous = sampleCounter(readWord(data, at));
  for (let k = 1; k < words; k++) {
    const counter = sampleCounter(readWord(data, at + k * WORD));
    if (counter !== ((previous + 1) & 0x3f)) breaks.push(k - 1);
    previous = counter;
  }
  return breaks;
}

/** The n ≥ 0 with n ≡ residue (mod 64) closest to estimate. */
function nearestCongruent(residue: number, estimate: number): number {
  const turns = Math.max(0, Math.round((estimate - residue) / PPK2_COUNTER_MODULUS));
  return residue + turns * PPK2_COUNTER_MODULUS;
}
