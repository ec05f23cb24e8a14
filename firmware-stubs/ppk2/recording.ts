import type { Clock, EpochMs, Timer } from '../../src/clock/index.ts';
import { SAMPLES_PER_MS } from './adc.ts';
import type { Ppk2FaultInjector } from './faults.ts';

/** Counters the device keeps across recordings (the packet counter runs free; it is not reset by 0x06). */
export interface StreamCounters {
  /** Counter value of the next sample (6 bits). */
  counter: number;
  samplesSent: number;
  /** Samples skipped by the counter-gap fault (the counter advanced over them). */
  samplesSkipped: number;
  /** Samples dropped because the host left too many bytes unread (the counter advanced over them). */
  samplesOverflowed: number;
  /** Bytes written towards the host (after the dropped-byte fault). */
  bytesSent: number;
}

export interface RecordingHooks {
  clock: Clock;
  blockMs: number;
  faults: Ppk2FaultInjector;
  counters: StreamCounters;
  /** The sample word taken at time t with this counter value. */
  word(t: EpochMs, counter: number): number;
  /** True while the host has too many bytes unread: the block is lost, as in the PPK2's own buffer. */
  backlogged(): boolean;
  send(bytes: Buffer): void;
  /** The device hung mid-recording (stall fault). */
  onHang(): void;
  /** The recording ended (after AverageStop and any trailing blocks). */
  onEnd(): void;
}

/**
 * One recording, from AverageStart to the end of the stream: sample n is taken at start + n·10 µs on the
 * injected clock and sent in blocks, one every blockMs, with whatever samples fell due since the last.
 * On a VirtualClock the blocks are exactly blockMs·100 samples; on a RealClock a late timer sends more.
 */
export class Recording {
  /** Clock time of sample 0. */
  readonly start: EpochMs;
  readonly #startMonotonic: number;
  readonly #hooks: RecordingHooks;
  #next = 0;
  #blocks = 0;
  #skip = 0;
  #timer: Timer | undefined;
  #trailing: number | undefined;
  #ended = false;

  constructor(hooks: RecordingHooks) {
    this.#hooks = hooks;
    this.start = hooks.clock.now();
    this.#startMonotonic = hooks.clock.monotonic();
    this.#schedule();
  }

  /** Samples taken so far (sent, skipped or overflowed). */
  get samples(): number {
    return this.#next;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** True after AverageStop while trailing blocks are still going out. */
  get stopping(): boolean {
    return this.#trailing !== undefined;
  }

  /** AverageStop: end now, or after the trailing-blocks fault's count of further blocks. */
  stop(): void {
    if (this.#ended || this.#trailing !== undefined) return;
    const trailing = this.#hooks.faults.trailingBlocks;
    if (trailing > 0) this.#trailing = trailing;
    else this.#end();
  }

  /** Stop without a word (device reset, hang, close). */
  cancel(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#ended = true;
  }

  #end(): void {
    this.cancel();
    this.#hooks.onEnd();
  }

  #schedule(): void {
    const { clock, blockMs } = this.#hooks;
    this.#blocks++;
    const due = this.#startMonotonic + this.#blocks * blockMs;
    this.#timer = clock.setTimer(Math.max(0, due - clock.monotonic()), () => this.#tick());
  }

  #tick(): void {
    this.#timer = undefined;
    if (this.#ended) return;
    const elapsed = this.#hooks.clock.monotonic() - this.#startMonotonic;
    const hung = this.#produce(Math.floor(elapsed * SAMPLES_PER_MS + 1e-6));
    if (hung) {
      this.cancel();
      this.#hooks.onHang();
      return;
    }
    if (this.#trailing !== undefined) {
      this.#trailing--;
      if (this.#trailing <= 0) {
        this.#end();
        return;
      }
    }
    this.#schedule();
  }

  /** Take samples up to (not including) index `due` and send them as one block; true when the device hung. */
  #produce(due: number): boolean {
    const { faults, counters } = this.#hooks;
    const stallAt = faults.stallAfterSamples;
    const end = stallAt === undefined ? due : Math.min(due, Math.max(stallAt, this.#next));
    const count = end - this.#next;
    if (count > 0 && this.#hooks.backlogged()) {
      counters.samplesOverflowed += count;
      counters.counter = (counters.counter + count) & 0x3f;
      this.#next = end;
    } else if (count > 0) {
      this.#sendBlock(count);
    }
    return stallAt !== undefined && this.#next >= stallAt;
  }

  #sendBlock(count: number): void {
    const { faults, counters } = this.#hooks;
    const gap = faults.gap(count);
    const block = Buffer.allocUnsafe(count * 4);
    let length = 0;
    for (let k = 0; k < count; k++) {
      const n = this.#next + k;
      if (gap && k === gap.offset) this.#skip += gap.samples;
      if (this.#skip > 0) {
        this.#skip--;
        counters.samplesSkipped++;
      } else {
        block.writeUInt32LE(this.#hooks.word(this.start + n / SAMPLES_PER_MS, counters.counter), length);
        length += 4;
        counters.samplesSent++;
      }
      counters.counter = (counters.counter + 1) & 0x3f;
    }
    this.#next += count;
    let bytes = block.subarray(0, length);
    const dropAt = faults.droppedByte(bytes.length);
    if (dropAt !== undefined) bytes = Buffer.concat([bytes.subarray(0, dropAt), bytes.subarray(dropAt + 1)]);
    if (bytes.length > 0) this.#hooks.send(bytes);
  }
}
