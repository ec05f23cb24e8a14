import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { type Clock, formatDuration, type Timer } from '../clock/index.ts';
import { errorText } from './codecs/index.ts';
import {
  AtAbortedError,
  AtClosedError,
  AtDeviceError,
  AtError,
  AtPortError,
  AtRebootError,
  AtTimeoutError,
  AtUnresponsiveError,
} from './errors.ts';
import { Framer, type Token } from './framer.ts';
import { classifyFinal, describeFinal, type FinalResult } from './results.ts';
import { Transcript } from './transcript.ts';
import { type Urc, UrcRegistry } from './urc.ts';

export interface AtCommand {
  /** The command line without its terminator, e.g. `AT+CEREG?`. */
  command: string;
  timeoutMs?: number;
  /**
   * Prefixes of the information lines this command answers with. Derived from the command when
   * omitted (`AT+CEREG?` → `+CEREG:`); used to tell a read response from a URC with the same prefix.
   */
  expect?: string[];
  /** Wait for a prompt, then send the payload (`AT+QMTPUB=…` → `>`; `AT+QFUPL=…` → `CONNECT`). */
  prompt?: { wait: string[]; payload: Buffer | string; delayMs?: number };
  /** Read n raw bytes after this line (a length-prefixed binary read, or CONNECT before a download). */
  rawAfter?: (line: string) => number | undefined;
  /**
   * Binary data inside an information line: given the line so far (up to a `"` or `,`), the number of
   * raw bytes that follow, e.g. `+URDFILE: "f.bin",5,"` → 5. The payload goes to `payloads`, the head
   * to `lines`, and the closing quote is dropped.
   */
  rawInline?: (head: string) => number | undefined;
  signal?: AbortSignal;
}

export interface AtResponse {
  command: string;
  /** Information lines, without echo and URCs. */
  lines: string[];
  /** Binary payloads read in raw mode, in order. */
  payloads: Buffer[];
  final: FinalResult;
  sentAt: number;
  doneAt: number;
}

export interface AtEngineOptions {
  /**
   * Longest line taken before it is flushed as garbage (default 16 KiB: MQTT and file URCs carry their
   * payload inline, e.g. u-blox `+UMQTTC: 6,…,"<message>"`).
   */
  maxLineBytes?: number;
  /** Port name used in errors and the transcript. */
  name: string;
  clock: Clock;
  defaultTimeoutMs?: number;
  /** Pause after a final result before the next command (module guard time). */
  guardMs?: number;
  /** Quiet time after which an unterminated partial line is taken as complete (missing CRLF). */
  partialFlushMs?: number;
  /** Resynchronisation: attempts, timeout per attempt, quiet time that proves nothing stale follows. */
  resync?: { attempts?: number; timeoutMs?: number; quietMs?: number; command?: string; expect?: string };
  /** Bytes written to abort a command in flight (V.250: any character; ESC also cancels prompt input). */
  abortBytes?: string;
  urcs?: UrcRegistry;
  transcript?: Transcript;
  /** Look-up of CME/CMS error names for messages. */
  describeError?: (family: 'CME' | 'CMS', code: number) => string | undefined;
}

interface Pending {
  spec: AtCommand;
  expect: string[];
  resolve: (r: AtResponse) => void;
  reject: (e: Error) => void;
  lines: string[];
  payloads: Buffer[];
  sentAt: number;
  state: 'queued' | 'sent' | 'prompted' | 'done';
  sawResponse: boolean;
  timer?: Timer;
  onAbort?: () => void;
  internal?: boolean;
}

/** Events: 'urc' (Urc), 'unsolicited' (line), 'reboot' (Urc), 'desync' (reason), 'resync' (). */
export interface AtEngineEvents {
  urc: [Urc];
  unsolicited: [string];
  reboot: [Urc];
  desync: [string];
  resync: [];
  closed: [Error | undefined];
}

/**
 * The AT command engine: one command in flight with a queue behind it, over any byte Duplex.
 * URCs are recognised on every line, also in the middle of a response. After anything that leaves
 * the line in doubt (a timeout, an abort, a vanished port) the engine resynchronises with a query
 * whose answer a stale OK cannot fake, and only then sends the next command.
 */
export class AtEngine extends EventEmitter<AtEngineEvents> {
  readonly name: string;
  readonly urcs: UrcRegistry;
  readonly transcript: Transcript;
  readonly #io: Duplex;
  readonly #clock: Clock;
  readonly #framer: Framer;
  readonly #opts: Required<
    Pick<AtEngineOptions, 'defaultTimeoutMs' | 'guardMs' | 'partialFlushMs' | 'abortBytes'>
  >;
  readonly #resync: { attempts: number; timeoutMs: number; quietMs: number; command: string; expect: string };
  readonly #describe: AtEngineOptions['describeError'];
  #queue: Pending[] = [];
  #current: Pending | undefined;
  #driving = false;
  #desync = false;
  #down = false;
  #closed: Error | undefined;
  #numeric = false;
  #lastFinalAt = -Infinity;
  #rxCount = 0;
  #flushTimer: Timer | undefined;
  #pendingUrc: { urc: Urc } | undefined;
  // After an in-line payload, the rest of its line (the closing quote) is not a line of its own.
  #inlineTail = false;
  #wakeDrive: (() => void) | undefined;

  constructor(io: Duplex, options: AtEngineOptions) {
    super();
    this.name = options.name;
    this.#io = io;
    this.#clock = options.clock;
    this.urcs = options.urcs ?? new UrcRegistry();
    this.transcript = options.transcript ?? new Transcript(options.name, () => options.clock.now());
    this.#describe = options.describeError ?? errorText;
    this.#opts = {
      defaultTimeoutMs: options.defaultTimeoutMs ?? 8000,
      guardMs: options.guardMs ?? 0,
      partialFlushMs: options.partialFlushMs ?? 100,
      abortBytes: options.abortBytes ?? '\x1b',
    };
    this.#resync = {
      attempts: options.resync?.attempts ?? 4,
      timeoutMs: options.resync?.timeoutMs ?? 2000,
      quietMs: options.resync?.quietMs ?? 200,
      command: options.resync?.command ?? 'AT+CMEE?',
      expect: options.resync?.expect ?? '+CMEE:',
    };
    this.#framer = new Framer((t) => this.#onToken(t), { maxLineBytes: options.maxLineBytes ?? 16_384 });
    io.on('data', (chunk: Buffer) => this.#onData(chunk));
    io.on('close', () => this.#shutdown(AtPortError, 'port closed'));
    io.on('error', (err: Error) => this.#shutdown(AtPortError, `port error: ${err.message}`));
    // A reconnecting serial link reports its port going away and coming back.
    io.on('down', (err?: Error) => this.#onDown(err));
    io.on('up', () => this.#onUp());
  }

  /** True once the line is known to be in step (no timeout, abort or vanished port since the last resync). */
  get inSync(): boolean {
    return !this.#desync;
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Send a command and wait for its final result; device errors reject with AtDeviceError. */
  async send(command: string | AtCommand, options: Omit<AtCommand, 'command'> = {}): Promise<AtResponse> {
    const spec: AtCommand =
      typeof command === 'string' ? { ...options, command } : { ...command, ...options };
    return this.#enqueue(spec, false);
  }

  /** Send and return the lines that start with the command's prefix, prefix stripped. */
  async query(command: string, options: Omit<AtCommand, 'command'> = {}): Promise<string[]> {
    const response = await this.send(command, options);
    const prefix = options.expect?.[0] ?? derivePrefixes(command)[0];
    if (!prefix) return response.lines;
    return response.lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length).trim());
  }

  /** Subscribe to a URC by name ('*' for all); returns an unsubscribe function. */
  onUrc(name: string, handler: (urc: Urc) => void): () => void {
    const listener = (urc: Urc) => {
      if (name === '*' || urc.name === name) handler(urc);
    };
    this.on('urc', listener);
    return () => this.off('urc', listener);
  }

  /** Wait for a URC matching name and predicate, within timeoutMs on the engine's clock. */
  waitForUrc(
    name: string,
    options: { predicate?: (urc: Urc) => boolean; timeoutMs: number; signal?: AbortSignal; what?: string },
  ): Promise<Urc> {
    return new Promise((resolve, reject) => {
      if (this.#closed) return reject(this.#closed);
      const cleanup = () => {
        off();
        timer.cancel();
        this.off('closed', onClosed);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const off = this.onUrc(name, (urc) => {
        if (options.predicate && !options.predicate(urc)) return;
        cleanup();
        resolve(urc);
      });
      const timer = this.#clock.setTimer(options.timeoutMs, () => {
        cleanup();
        reject(
          new AtTimeoutError(
            this.name,
            undefined,
            `no ${options.what ?? name} URC within ${formatDuration(options.timeoutMs)}`,
            this.transcript.tail(),
          ),
        );
      });
      const onClosed = (err: Error | undefined) => {
        cleanup();
        reject(err ?? new AtClosedError(this.name, undefined, 'engine closed'));
      };
      const onAbort = () => {
        cleanup();
        reject(new AtAbortedError(this.name, undefined, `waiting for ${name} aborted`));
      };
      this.on('closed', onClosed);
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Bring the line into step now: send the resync query until its distinctive answer arrives and the
   * line then stays quiet. Resolves false when the module does not answer.
   */
  async resync(): Promise<boolean> {
    this.#desync = true;
    return this.#enqueue({ command: this.#resync.command }, true).then(
      () => true,
      () => false,
    );
  }

  /** Reject everything pending and stop listening; the Duplex itself is left to its owner. */
  close(): void {
    this.#shutdown(AtClosedError, 'engine closed');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  #enqueue(spec: AtCommand, resyncOnly: boolean): Promise<AtResponse> {
    return new Promise<AtResponse>((resolve, reject) => {
      if (this.#closed) {
        reject(new AtClosedError(this.name, spec.command, 'engine is closed', this.transcript.tail()));
        return;
      }
      if (/[\r\n]/.test(spec.command)) {
        reject(new AtError(this.name, spec.command, 'a command must not contain CR or LF'));
        return;
      }
      const pending: Pending = {
        spec,
        expect: spec.expect ?? derivePrefixes(spec.command),
        resolve,
        reject,
        lines: [],
        payloads: [],
        sentAt: 0,
        state: 'queued',
        sawResponse: false,
        ...(resyncOnly ? { internal: true } : {}),
      };
      if (spec.signal) {
        if (spec.signal.aborted) {
          reject(new AtAbortedError(this.name, spec.command, 'aborted before it was sent'));
          return;
        }
        pending.onAbort = () => this.#abort(pending);
        spec.signal.addEventListener('abort', pending.onAbort, { once: true });
      }
      this.#queue.push(pending);
      void this.#drive();
    });
  }

  async #drive(): Promise<void> {
    if (this.#driving) return;
    this.#driving = true;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        if (this.#down) {
          await new Promise<void>((r) => {
            this.#wakeDrive = r;
          });
          continue;
        }
        const next = this.#queue[0]!;
        if (this.#desync) {
          const ok = await this.#runResync();
          if (next.internal) {
            this.#queue.shift();
            this.#settleInternal(next, ok);
            continue;
          }
          if (!ok) {
            this.#queue.shift();
            this.#finish(
              next,
              new AtUnresponsiveError(
                this.name,
                next.spec.command,
                `not sent: the module did not answer ${this.#resync.command} after ${this.#resync.attempts} attempts`,
                this.transcript.tail(),
              ),
            );
            continue;
          }
        } else if (next.internal) {
          this.#queue.shift();
          this.#settleInternal(next, true);
          continue;
        }
        if (this.#closed || this.#down) continue;
        this.#queue.shift();
        if (next.state === 'done') continue;
        await this.#guard();
        await this.#execute(next);
      }
    } finally {
      this.#driving = false;
    }
  }

  #settleInternal(p: Pending, ok: boolean): void {
    p.state = 'done';
    if (ok) {
      p.resolve({
        command: p.spec.command,
        lines: [],
        payloads: [],
        final: { kind: 'OK', ok: true, line: 'OK' },
        sentAt: 0,
        doneAt: this.#clock.now(),
      });
    } else {
      p.reject(
        new AtUnresponsiveError(
          this.name,
          p.spec.command,
          'resynchronisation failed',
          this.transcript.tail(),
        ),
      );
    }
  }

  async #guard(): Promise<void> {
    const wait = this.#lastFinalAt + this.#opts.guardMs - this.#clock.monotonic();
    if (wait > 0) await this.#clock.sleep(wait);
  }

  /** Send one command and resolve when it has settled (by result, timeout, abort or port loss). */
  #execute(p: Pending): Promise<void> {
    return new Promise<void>((done) => {
      const { resolve, reject } = p;
      p.resolve = (r) => {
        resolve(r);
        done();
      };
      p.reject = (e) => {
        reject(e);
        done();
      };
      this.#current = p;
      p.state = 'sent';
      p.sentAt = this.#clock.now();
      if (p.spec.prompt) this.#framer.armPrompts(p.spec.prompt.wait);
      this.#framer.armInline(p.spec.rawInline);
      const timeout = p.spec.timeoutMs ?? this.#opts.defaultTimeoutMs;
      p.timer = this.#clock.setTimer(timeout, () => this.#onTimeout(p, timeout));
      this.#write(p, `${p.spec.command}\r`, 'command');
    });
  }

  #write(p: Pending | undefined, data: Buffer | string, meaning: 'command' | 'payload' | 'abort'): void {
    const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    this.transcript.record('tx', meaning, buf, p?.spec.command);
    try {
      this.#io.write(buf, (err) => {
        if (err && p && p.state !== 'done') {
          this.#desync = true;
          this.#finish(
            p,
            new AtPortError(
              this.name,
              p.spec.command,
              `write failed: ${err.message}`,
              this.transcript.tail(),
            ),
          );
        }
      });
    } catch (err) {
      if (p)
        this.#finish(
          p,
          new AtPortError(this.name, p.spec.command, `write failed: ${(err as Error).message}`),
        );
    }
  }

  #finish(p: Pending, outcome: AtResponse | Error): void {
    if (p.state === 'done') return;
    p.state = 'done';
    p.timer?.cancel();
    if (p.onAbort) p.spec.signal?.removeEventListener('abort', p.onAbort);
    if (this.#current === p) {
      this.#current = undefined;
      this.#framer.disarmPrompts();
      this.#framer.armInline(undefined);
      this.#lastFinalAt = this.#clock.monotonic();
    }
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }

  #onTimeout(p: Pending, timeout: number): void {
    this.#markDesync(`${p.spec.command} timed out`);
    this.#finish(
      p,
      new AtTimeoutError(
        this.name,
        p.spec.command,
        `timed out after ${formatDuration(timeout)}`,
        this.transcript.tail(),
      ),
    );
  }

  #abort(p: Pending): void {
    if (p.state === 'done') return;
    if (p.state === 'queued') {
      this.#queue = this.#queue.filter((q) => q !== p);
      this.#finish(p, new AtAbortedError(this.name, p.spec.command, 'aborted before it was sent'));
      return;
    }
    this.#write(undefined, this.#opts.abortBytes, 'abort');
    this.#markDesync(`${p.spec.command} aborted`);
    this.#finish(
      p,
      new AtAbortedError(this.name, p.spec.command, 'aborted while in flight', this.transcript.tail()),
    );
  }

  #markDesync(reason: string): void {
    if (!this.#desync) {
      this.#desync = true;
      this.transcript.note(`out of step: ${reason}`);
      this.emit('desync', reason);
    }
  }

  /** Query until the distinctive answer comes back and nothing stale follows it. */
  async #runResync(): Promise<boolean> {
    const { attempts, timeoutMs, quietMs, command, expect } = this.#resync;
    for (let i = 0; i < attempts && !this.#closed && !this.#down; i++) {
      const p: Pending = {
        spec: { command, timeoutMs },
        expect: [expect],
        resolve: () => {},
        reject: () => {},
        lines: [],
        payloads: [],
        sentAt: 0,
        state: 'queued',
        sawResponse: false,
      };
      const outcome = await new Promise<AtResponse | Error>((settle) => {
        p.resolve = settle;
        p.reject = settle;
        void this.#execute(p);
      });
      if (outcome instanceof Error) {
        if (outcome instanceof AtDeviceError) {
          // It answered, just not as we hoped: still alive and in step once quiet.
        } else continue;
      } else if (!outcome.lines.some((l) => l.startsWith(expect))) {
        continue; // A stale OK: the distinctive line is missing.
      }
      const before = this.#rxCount;
      await this.#clock.sleep(quietMs);
      if (this.#rxCount === before && !this.#current) {
        this.#desync = false;
        this.transcript.note('in step again');
        this.emit('resync');
        return true;
      }
    }
    return false;
  }

  #onData(chunk: Buffer): void {
    this.#rxCount++;
    this.#framer.push(chunk);
    this.#flushTimer?.cancel();
    this.#flushTimer = undefined;
    if (this.#framer.partial.length > 0 && this.#framer.rawPending === 0) {
      this.#flushTimer = this.#clock.setTimer(this.#opts.partialFlushMs, () => {
        this.#flushTimer = undefined;
        if (this.#framer.rawPending === 0) this.#framer.flushPartial();
      });
    }
  }

  #onToken(token: Token): void {
    const p = this.#current;
    if (token.kind === 'raw') {
      if (this.#pendingUrc) {
        const { urc } = this.#pendingUrc;
        this.#pendingUrc = undefined;
        urc.payload = token.bytes;
        this.transcript.record('rx', 'raw', token.bytes, urc.name);
        this.emit('urc', urc);
      } else if (p) {
        p.payloads.push(token.bytes);
        this.transcript.record('rx', 'raw', token.bytes, p.spec.command);
        if (p.spec.rawInline) this.#inlineTail = true;
      } else {
        this.transcript.record('rx', 'garbage', token.bytes, 'raw bytes with nobody waiting');
      }
      return;
    }
    if (token.kind === 'prompt') {
      this.#onPrompt(p, token.text, token.bytes);
      return;
    }
    const line = token.text;
    if (this.#inlineTail) {
      this.#inlineTail = false;
      if (line === '"') return;
    }
    if (token.inlineHead && p) {
      p.sawResponse = true;
      p.lines.push(line);
      this.transcript.record('rx', 'info', token.bytes, 'binary data follows in the line');
      return;
    }
    if (line === '') {
      this.transcript.record('rx', 'garbage', token.bytes);
      return;
    }
    // Echo: the command line coming back before any response line.
    if (p && !p.sawResponse && line === p.spec.command) {
      this.transcript.record('rx', 'echo', token.bytes);
      return;
    }
    if (p?.spec.prompt && p.state === 'sent' && p.spec.prompt.wait.includes(line)) {
      this.#onPrompt(p, line, token.bytes);
      return;
    }
    // ATV0 itself is already answered in numeric form.
    const numeric = this.#numeric || (p !== undefined && verboseSetting(p.spec.command) === false);
    const final = classifyFinal(line, { numeric });
    if (final && p && p.state !== 'queued') {
      this.#onFinal(p, final, token.bytes);
      return;
    }
    const urcSpec = this.urcs.match(line, p?.expect ?? []);
    if (urcSpec) {
      const urc: Urc = { name: urcSpec.name, kind: urcSpec.kind ?? 'event', line, t: this.#clock.now() };
      this.transcript.record('rx', 'urc', token.bytes, urcSpec.name);
      const raw = urcSpec.rawLength?.(line);
      if (raw !== undefined && raw > 0) {
        this.#pendingUrc = { urc };
        this.#framer.expectRaw(raw);
        return;
      }
      this.#deliverUrc(urc);
      return;
    }
    if (final) {
      this.transcript.record('rx', 'stale', token.bytes, 'final result with no command in flight');
      return;
    }
    if (p) {
      p.sawResponse = true;
      p.lines.push(line);
      this.transcript.record(
        'rx',
        token.garbled ? 'garbage' : 'info',
        token.bytes,
        token.garbled ? 'garbled line kept' : undefined,
      );
      const n = p.spec.rawAfter?.(line);
      if (n !== undefined && n > 0) this.#framer.expectRaw(n);
      return;
    }
    this.transcript.record('rx', token.garbled ? 'garbage' : 'unsolicited', token.bytes);
    this.emit('unsolicited', line);
  }

  #deliverUrc(urc: Urc): void {
    if (urc.kind === 'reboot') {
      const p = this.#current;
      if (p) {
        this.#finish(
          p,
          new AtRebootError(
            this.name,
            p.spec.command,
            `module restarted (${urc.line}) while the command was in flight`,
            this.transcript.tail(),
          ),
        );
      }
      this.#numeric = false;
      this.emit('reboot', urc);
    }
    this.emit('urc', urc);
  }

  #onPrompt(p: Pending | undefined, text: string, bytes: Buffer): void {
    if (!p?.spec.prompt || p.state !== 'sent') {
      this.transcript.record('rx', 'unsolicited', bytes, 'prompt with no command waiting for one');
      return;
    }
    this.transcript.record('rx', 'prompt', bytes, p.spec.command);
    p.state = 'prompted';
    p.sawResponse = true;
    this.#framer.disarmPrompts();
    const { payload, delayMs } = p.spec.prompt;
    const send = () => {
      if (p.state === 'prompted') this.#write(p, payload, 'payload');
    };
    if (delayMs && delayMs > 0) this.#clock.setTimer(delayMs, send);
    else send();
    // CONNECT-style prompts may be followed by a raw read as well.
    const n = p.spec.rawAfter?.(text);
    if (n !== undefined && n > 0) this.#framer.expectRaw(n);
  }

  #onFinal(p: Pending, final: FinalResult, bytes: Buffer): void {
    this.transcript.record('rx', 'final', bytes, final.ok ? undefined : describeFinal(final, this.#describe));
    if (final.kind === 'CONNECT') {
      const n = p.spec.rawAfter?.(final.line);
      if (n !== undefined && n > 0) {
        // CONNECT opens a download: the data and the real final result follow.
        p.sawResponse = true;
        this.#framer.expectRaw(n);
        return;
      }
    }
    if (final.ok) {
      const verbose = verboseSetting(p.spec.command);
      if (verbose !== undefined) this.#numeric = !verbose;
      this.#finish(p, {
        command: p.spec.command,
        lines: p.lines,
        payloads: p.payloads,
        final,
        sentAt: p.sentAt,
        doneAt: this.#clock.now(),
      });
      return;
    }
    const description = describeFinal(final, this.#describe);
    this.#finish(
      p,
      new AtDeviceError(this.name, p.spec.command, final, description, p.lines, this.transcript.tail()),
    );
  }

  #onDown(err?: Error): void {
    if (this.#down) return;
    this.#down = true;
    this.transcript.note(`port went away${err ? `: ${err.message}` : ''}`);
    this.#markDesync('port went away');
    const p = this.#current;
    if (p)
      this.#finish(
        p,
        new AtPortError(
          this.name,
          p.spec.command,
          `port vanished while the command was in flight${err ? ` (${err.message})` : ''}`,
          this.transcript.tail(),
        ),
      );
  }

  #onUp(): void {
    if (!this.#down) return;
    this.#down = false;
    this.transcript.note('port is back');
    this.#desync = true;
    const wake = this.#wakeDrive;
    this.#wakeDrive = undefined;
    wake?.();
    void this.#drive();
  }

  #shutdown(Kind: typeof AtPortError | typeof AtClosedError, why: string): void {
    if (this.#closed) return;
    const reason = new Kind(this.name, undefined, why);
    this.#closed = reason;
    this.#flushTimer?.cancel();
    this.transcript.note(`engine stopped: ${why}`);
    const all = [...(this.#current ? [this.#current] : []), ...this.#queue];
    this.#queue = [];
    for (const p of all) this.#finish(p, new Kind(this.name, p.spec.command, why, this.transcript.tail()));
    const wake = this.#wakeDrive;
    this.#wakeDrive = undefined;
    wake?.();
    this.emit('closed', reason);
  }
}

/** ATV0 / ATE0V0 / ATV1: the V setting a basic command line makes, if any. */
export function verboseSetting(command: string): boolean | undefined {
  const m = /^AT((?:[A-Z&]\d*)*)$/i.exec(command.trim());
  if (!m) return undefined;
  const v = /V(\d?)/i.exec(m[1]!.replace(/&V\d*/gi, ''));
  if (!v) return undefined;
  return v[1] !== '0';
}

/** `AT+CEREG?` → ['+CEREG:'], `AT%XMONITOR` → ['%XMONITOR:'], `ATI` → []. */
export function derivePrefixes(command: string): string[] {
  const m = /^AT([+%#$][A-Z0-9_]+)/i.exec(command.trim());
  return m ? [`${m[1]!.toUpperCase()}:`] : [];
}
