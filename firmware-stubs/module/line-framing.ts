import { ReadlineParser } from '@serialport/parser-readline';
import type { Clock, Timer } from '../../src/clock/index.ts';

/** What the framing reports to the AT server. */
export interface FramingSink {
  /** A complete command line (without its terminator). */
  line(text: string): void;
  /** `A/` was typed: repeat the previous command line. */
  repeat(): void;
  /** Bytes consumed in command mode, for echo (as received, terminators and backspaces included). */
  commandBytes(bytes: Buffer): void;
}

export type RawResult =
  | { ok: true; bytes: Buffer }
  | { ok: false; reason: 'timeout' | 'cancelled'; bytes: Buffer };

interface RawReader {
  /** Take what it needs from chunk; returns how many bytes it used. */
  take(chunk: Buffer): number;
  cancel(): void;
}

const LF = 0x0a;
const BACKSPACE = 0x08;
const MAX_LINE = 4096;

/**
 * Command framing of the module's UART receive side. In command mode bytes go through a readline
 * parser split on S3 (CR); a bare LF also ends a line (tolerating "\n" and "\r\n" hosts: the empty
 * line a CRLF leaves behind is ignored by the server), backspace edits the pending line and `A/`
 * repeats the last line without a terminator (V.250 §5.2.4). In raw mode (after a `>` / CONNECT /
 * DOWNLOAD prompt) the parser is bypassed and exactly N bytes — or bytes up to a terminator — are
 * handed over, with an inactivity timeout on the injected clock.
 */
export class LineFraming {
  readonly #sink: FramingSink;
  readonly #clock: Clock;
  #parser: ReadlineParser;
  #terminator = 0x0d;
  #raw: RawReader | undefined;

  constructor(sink: FramingSink, clock: Clock) {
    this.#sink = sink;
    this.#clock = clock;
    this.#parser = makeParser(this.#terminator);
  }

  get rawMode(): boolean {
    return this.#raw !== undefined;
  }

  /** Bytes received from the host. */
  push(chunk: Buffer): void {
    let rest = chunk;
    while (rest.length > 0) {
      if (this.#raw) {
        const used = this.#raw.take(rest);
        rest = rest.subarray(used);
        continue;
      }
      // Command mode up to a point where raw mode could start: one line at a time.
      const end = indexOfTerminator(rest, this.#terminator);
      const piece = end < 0 ? rest : rest.subarray(0, end + 1);
      rest = end < 0 ? Buffer.alloc(0) : rest.subarray(end + 1);
      this.#sink.commandBytes(piece);
      this.#feed(piece);
    }
  }

  get terminator(): number {
    return this.#terminator;
  }

  /** S3 changed (ATS3=n). */
  setTerminator(byte: number): void {
    const pending = this.#parser.buffer;
    this.#terminator = byte;
    this.#parser = makeParser(byte);
    this.#parser.buffer = pending;
  }

  /** Forget any partial line and cancel a raw read (reboot, power loss). */
  reset(): void {
    this.#raw?.cancel();
    this.#raw = undefined;
    this.#parser.buffer = Buffer.alloc(0);
  }

  /**
   * Read exactly n raw bytes. Bytes already waiting in the line buffer count (a host that did not wait
   * for the prompt). timeoutMs restarts with every chunk. every/onEvery report progress (QFUPL ackmode).
   */
  readExactly(
    n: number,
    opts: { timeoutMs: number; every?: number; onEvery?: (received: number) => void },
  ): Promise<RawResult> {
    let received = 0;
    return this.#readRaw(
      opts.timeoutMs,
      (chunk, raw) => {
        const used = Math.min(chunk.length, n - received);
        const before = received;
        raw.parts.push(chunk.subarray(0, used));
        received += used;
        if (opts.every && opts.onEvery) {
          for (
            let k = Math.floor(before / opts.every) + 1;
            k * opts.every <= received && k * opts.every < n;
            k++
          ) {
            opts.onEvery(k * opts.every);
          }
        }
        if (received >= n) raw.finish({ ok: true, bytes: Buffer.concat(raw.parts) });
        else raw.arm();
        return used;
      },
      n === 0,
    );
  }

  /**
   * Read raw bytes until stop (e.g. Ctrl-Z, 0x1A) — not included — or cancel (ESC) or max bytes.
   * For text payloads entered after a `>` prompt without a length.
   */
  readUntil(opts: { stop: number; cancel?: number; max: number; timeoutMs: number }): Promise<RawResult> {
    let received = 0;
    return this.#readRaw(opts.timeoutMs, (chunk, raw) => {
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i]!;
        if (b === opts.stop || b === opts.cancel || received + i >= opts.max) {
          raw.parts.push(chunk.subarray(0, i));
          const bytes = Buffer.concat(raw.parts);
          if (b === opts.cancel) raw.finish({ ok: false, reason: 'cancelled', bytes });
          else raw.finish({ ok: true, bytes });
          return b === opts.stop || b === opts.cancel ? i + 1 : i;
        }
      }
      raw.parts.push(chunk);
      received += chunk.length;
      raw.arm();
      return chunk.length;
    });
  }

  /**
   * The frame both raw reads share: the collected parts, an input timeout that restarts with every
   * chunk, cancel, and the bytes already waiting in the line buffer fed in first.
   */
  #readRaw(
    timeoutMs: number,
    take: (
      chunk: Buffer,
      raw: { parts: Buffer[]; arm: () => void; finish: (r: RawResult) => void },
    ) => number,
    empty = false,
  ): Promise<RawResult> {
    return new Promise((resolve) => {
      const parts: Buffer[] = [];
      let timer: Timer | undefined;
      const finish = (result: RawResult) => {
        timer?.cancel();
        this.#raw = undefined;
        resolve(result);
      };
      const arm = () => {
        timer?.cancel();
        timer = this.#clock.setTimer(timeoutMs, () =>
          finish({ ok: false, reason: 'timeout', bytes: Buffer.concat(parts) }),
        );
      };
      const raw = { parts, arm, finish };
      this.#raw = {
        take: (chunk) => take(chunk, raw),
        cancel: () => finish({ ok: false, reason: 'cancelled', bytes: Buffer.concat(parts) }),
      };
      arm();
      this.#drainLineBuffer();
      if (empty) finish({ ok: true, bytes: Buffer.alloc(0) });
    });
  }

  // Bytes typed after the command line but before the prompt belong to the payload.
  #drainLineBuffer(): void {
    const pending = this.#parser.buffer;
    this.#parser.buffer = Buffer.alloc(0);
    if (pending.length > 0) this.push(pending);
  }

  #feed(piece: Buffer): void {
    let start = 0;
    for (let i = 0; i < piece.length; i++) {
      const b = piece[i]!;
      if (b === LF || b === BACKSPACE) {
        this.#write(piece.subarray(start, i));
        start = i + 1;
        if (b === LF) this.#write(Buffer.from([this.#terminator]));
        else
          this.#parser.buffer = this.#parser.buffer.subarray(0, Math.max(0, this.#parser.buffer.length - 1));
      }
    }
    this.#write(piece.subarray(start));
  }

  #write(bytes: Buffer): void {
    if (bytes.length > 0) this.#parser.write(bytes);
    for (let line = this.#parser.read(); line !== null; line = this.#parser.read())
      this.#sink.line(String(line));
    const pending = this.#parser.buffer;
    if (pending.length === 2 && (pending[0] === 0x41 || pending[0] === 0x61) && pending[1] === 0x2f) {
      this.#parser.buffer = Buffer.alloc(0);
      this.#sink.repeat();
    } else if (pending.length > MAX_LINE) {
      this.#parser.buffer = Buffer.alloc(0); // a real module discards an overlong line
    }
  }
}

function makeParser(terminator: number): ReadlineParser {
  // Paused, object-mode readable side: write() then read() hands lines over synchronously and in order.
  return new ReadlineParser({
    delimiter: Buffer.from([terminator]),
    encoding: 'latin1',
    readableObjectMode: true,
  });
}

function indexOfTerminator(chunk: Buffer, terminator: number): number {
  for (let i = 0; i < chunk.length; i++) {
    const b = chunk[i];
    if (b === terminator || b === LF) return i;
  }
  return -1;
}
