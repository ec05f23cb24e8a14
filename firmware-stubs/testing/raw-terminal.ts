import type { Duplex } from 'node:stream';
import type { Clock, EpochMs } from '../../src/clock/index.ts';

/** One chunk the host received, stamped with the module clock's time. */
export interface ReceivedChunk {
  t: EpochMs;
  bytes: Buffer;
}

const FINAL = /\r\n(OK|ERROR|\+CME ERROR: [^\r\n]*)\r\n/;

/**
 * A dumb terminal on the host end of an emulated UART, for tests and demos: records every byte with
 * its (virtual) arrival time and waits for text. It knows no AT syntax beyond "a final result ends a
 * response": it is NOT the controller's engine, so it cannot share the controller's mistakes.
 */
export class RawTerminal {
  readonly chunks: ReceivedChunk[] = [];
  readonly #clock: Clock;
  #stream: Duplex;
  #text = '';
  #waiters: (() => void)[] = [];

  constructor(stream: Duplex, clock: Clock) {
    this.#clock = clock;
    this.#stream = stream;
    this.#listen(stream);
  }

  /** Everything received so far, as latin1 text. */
  get text(): string {
    return this.#text;
  }

  /** Offset of the end of what has been received (for waiting on what comes next). */
  mark(): number {
    return this.#text.length;
  }

  /** Follow a new stream (the port came back after vanishing). */
  attach(stream: Duplex): void {
    this.#stream = stream;
    this.#listen(stream);
  }

  write(data: string | Uint8Array): void {
    this.#stream.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Wait until pattern appears at or after offset `from`; resolves with its position and time. */
  waitFor(
    pattern: string | RegExp,
    opts: { from?: number; timeoutMs?: number } = {},
  ): Promise<{ index: number; end: number; t: EpochMs; match: string }> {
    const from = opts.from ?? 0;
    const timeoutMs = opts.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hay = this.#text.slice(from);
        let index = -1;
        let match = '';
        if (typeof pattern === 'string') {
          index = hay.indexOf(pattern);
          match = pattern;
        } else {
          const m = pattern.exec(hay);
          if (m) {
            index = m.index;
            match = m[0];
          }
        }
        if (index < 0) return false;
        const end = from + index + match.length;
        resolve({ index: from + index, end, t: this.timeAt(end - 1), match });
        return true;
      };
      if (check()) return;
      // Real time: a safety net so a broken emulator fails the test instead of hanging it.
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `RawTerminal: ${String(pattern)} not seen within ${timeoutMs} ms; received: ${JSON.stringify(this.#text.slice(from).slice(-400))}`,
          ),
        );
      }, timeoutMs);
      const waiter = () => {
        if (check()) {
          clearTimeout(timer);
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
        }
      };
      this.#waiters.push(waiter);
    });
  }

  /** Send `command\r` and return what came back up to and including the final result. */
  async command(command: string, opts: { timeoutMs?: number; final?: RegExp } = {}): Promise<string> {
    const from = this.mark();
    this.write(`${command}\r`);
    const r = await this.waitFor(opts.final ?? FINAL, {
      from,
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    });
    return this.#text.slice(from, r.end);
  }

  /** Module-clock time at which the byte at offset arrived. */
  timeAt(offset: number): EpochMs {
    let pos = 0;
    for (const c of this.chunks) {
      pos += c.bytes.length;
      if (offset < pos) return c.t;
    }
    return this.chunks[this.chunks.length - 1]?.t ?? this.#clock.now();
  }

  /** The session as `[ms since start] "escaped bytes"` lines, one per received chunk. */
  transcript(start: EpochMs = this.chunks[0]?.t ?? 0): string {
    return this.chunks
      .map((c) => `[${c.t - start}] ${JSON.stringify(c.bytes.toString('latin1'))}`)
      .join('\n');
  }

  #listen(stream: Duplex): void {
    stream.on('data', (chunk: Buffer) => {
      if (stream !== this.#stream) return;
      this.chunks.push({ t: this.#clock.now(), bytes: chunk });
      this.#text += chunk.toString('latin1');
      for (const w of [...this.#waiters]) w();
    });
    stream.on('error', () => {});
  }
}
