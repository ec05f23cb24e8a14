import type { Duplex } from 'node:stream';
import { ReadlineParser } from '@serialport/parser-readline';
import type { Clock, Milliseconds, Timer } from '../../clock/index.ts';
import { writeHeld } from '../../clock/index.ts';
import {
  parseBlockHeader,
  parseErrorEntry,
  parseIdentity,
  parseNumberList,
  parseScpiNumber,
  type ScpiIdentity,
} from './codec.ts';
import {
  ScpiCommandError,
  ScpiConnectionError,
  type ScpiErrorEntry,
  ScpiReplyError,
  ScpiTimeoutError,
} from './errors.ts';

export interface ScpiClientOptions {
  clock: Clock;
  /** How errors name the instrument until identify() learns its model: the address (tcp://host:5025). */
  label: string;
  /** Default deadline per query (default 5 s). */
  timeoutMs?: Milliseconds;
}

export interface QueryOptions {
  timeoutMs?: Milliseconds;
}

interface Pending {
  readonly command: string;
  readonly expect: 'line' | 'block';
  readonly resolve: (value: string) => void;
  readonly reject: (error: Error) => void;
  timer?: Timer;
  /** Block data read so far (latin1: one char per byte), when the block spans several lines. */
  partial?: string;
  dataLength?: number;
}

interface ResyncWaiter {
  line(text: string): void;
  fail(error: Error): void;
}

const DEFAULT_TIMEOUT: Milliseconds = 5000;
// SYST:ERR? is asked until "0,No error"; an instrument that never says so is broken, not chatty.
const MAX_ERROR_DRAIN = 32;
const RECENT_LINES = 8;

/**
 * A line-oriented SCPI client over any byte stream (TCP socket to port 5025, serial link). One
 * exchange at a time, in order: a command line goes out newline-terminated, its reply comes back as
 * one newline-terminated line, or as an IEEE 488.2 definite-length block whose binary data may itself
 * contain newlines (the lines are joined back until the declared length is reached).
 *
 * After a timeout or a garbled reply the link may be out of step (a late reply would be taken for the
 * next one), so the next exchange first resynchronises: it sends `*ESE <token>;*ESE?` and discards
 * every line until the token comes back, then restores `*ESE 0`.
 */
export class ScpiClient implements AsyncDisposable {
  readonly #stream: Duplex;
  readonly #clock: Clock;
  readonly #timeoutMs: Milliseconds;
  #label: string;
  #pending: Pending | undefined;
  #resyncWaiter: ResyncWaiter | undefined;
  #needsResync = false;
  #resyncCount = 0;
  #closedBy: Error | undefined;
  #closing = false;
  #lock: Promise<void> = Promise.resolve();
  readonly #recent: string[] = [];

  constructor(stream: Duplex, options: ScpiClientOptions) {
    this.#stream = stream;
    this.#clock = options.clock;
    this.#label = options.label;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT;
    // latin1 keeps one char per byte, so binary block data survives the round trip through strings;
    // object mode keeps empty lines (two newline bytes in a row inside a block) as lines of their own.
    const parser = new ReadlineParser({ delimiter: '\n', encoding: 'latin1', readableObjectMode: true });
    parser.on('data', (line: string) => this.#onLine(line));
    // Fed by hand rather than piped: a pipe would flush a half line as a "reply" when the link ends.
    stream.on('data', (chunk: Buffer) => parser.write(chunk));
    let lastError: Error | undefined;
    stream.on('error', (error: Error) => {
      lastError = error;
    });
    stream.on('close', () => this.#onClosed(lastError));
  }

  /** How errors name the instrument: the address, then `<model> (<address>)` once identified. */
  get label(): string {
    return this.#label;
  }

  set label(label: string) {
    this.#label = label;
  }

  get closed(): boolean {
    return this.#closedBy !== undefined;
  }

  /** Sends a command that has no reply, without asking the error queue (hot paths; see command()). */
  write(command: string): Promise<void> {
    return this.#exclusive(() => this.#writeLine(command));
  }

  /** Sends a command, then drains SYST:ERR?; throws ScpiCommandError naming the command if anything was queued. */
  command(command: string): Promise<void> {
    return this.commands([command]);
  }

  /** Sends commands in order, then drains the error queue once; an error names all of them. */
  commands(commands: readonly string[]): Promise<void> {
    return this.#exclusive(async () => {
      this.#assertOpen(commands[0] ?? '(no command)');
      if (this.#needsResync) await this.#resync();
      for (const c of commands) await this.#writeLine(c);
      const errors = await this.#drain();
      if (errors.length > 0) throw new ScpiCommandError(this.#label, commands.join('; '), errors);
    });
  }

  /** One reply line (without its terminator). */
  query(command: string, options: QueryOptions = {}): Promise<string> {
    return this.#exclusive(() => this.#exchange(command, 'line', options.timeoutMs));
  }

  async queryNumber(command: string, options: QueryOptions = {}): Promise<number> {
    const reply = await this.query(command, options);
    const n = parseScpiNumber(reply);
    if (n === undefined) throw this.#garbled(command, 'expected a number', reply);
    return n;
  }

  /** A comma-separated ASCII list of numbers. */
  async queryNumbers(command: string, options: QueryOptions = {}): Promise<number[]> {
    const reply = await this.query(command, options);
    const list = parseNumberList(reply);
    if (typeof list === 'string')
      throw this.#garbled(command, `expected a comma-separated number list (${list})`, reply);
    return list;
  }

  /** The data of an IEEE 488.2 arbitrary block reply (`#<n><len><data>`, or `#0<data>` up to the newline). */
  async queryBlock(command: string, options: QueryOptions = {}): Promise<Buffer> {
    const text = await this.#exclusive(() => this.#exchange(command, 'block', options.timeoutMs));
    return Buffer.from(text, 'latin1');
  }

  /** Reads SYST:ERR? until the queue says 0; returns what was queued (empty when all is well). */
  drainErrors(): Promise<ScpiErrorEntry[]> {
    return this.#exclusive(() => this.#drain());
  }

  /** *IDN?: manufacturer, model, serial, firmware. */
  async identify(options: QueryOptions = {}): Promise<ScpiIdentity> {
    const reply = await this.query('*IDN?', options);
    const identity = parseIdentity(reply);
    if (!identity)
      throw this.#garbled('*IDN?', 'expected "<manufacturer>,<model>,<serial>,<firmware>"', reply);
    return identity;
  }

  /** Closes the link; an exchange in progress fails with ScpiConnectionError. */
  close(): Promise<void> {
    this.#closing = true;
    return new Promise((resolve) => {
      if (this.#closedBy) return resolve();
      this.#stream.once('close', () => resolve());
      this.#stream.destroy();
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(work);
    this.#lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async #drain(): Promise<ScpiErrorEntry[]> {
    const errors: ScpiErrorEntry[] = [];
    for (let i = 0; i < MAX_ERROR_DRAIN; i++) {
      const reply = await this.#exchange('SYST:ERR?', 'line', undefined);
      const entry = parseErrorEntry(reply);
      if (!entry) throw this.#garbled('SYST:ERR?', 'expected <code>,"<message>"', reply);
      if (entry.code === 0) return errors;
      errors.push(entry);
    }
    return errors;
  }

  #writeLine(command: string): Promise<void> {
    this.#assertOpen(command);
    return new Promise((resolve, reject) => {
      this.#send(command, (error) => {
        if (error)
          reject(new ScpiConnectionError(this.#label, `writing ${command} failed`, { cause: error }));
        else resolve();
      });
    });
  }

  async #exchange(
    command: string,
    expect: Pending['expect'],
    timeoutMs: Milliseconds | undefined,
  ): Promise<string> {
    this.#assertOpen(command);
    const deadline = timeoutMs ?? this.#timeoutMs;
    if (this.#needsResync) await this.#resync(deadline);
    return new Promise<string>((resolve, reject) => {
      const pending: Pending = { command, expect, resolve, reject };
      pending.timer = this.#clock.setTimer(deadline, () => {
        if (this.#pending !== pending) return;
        this.#pending = undefined;
        this.#needsResync = true;
        reject(new ScpiTimeoutError(this.#label, command, deadline, this.#recent));
      });
      this.#pending = pending;
      this.#send(command, (error) => {
        if (error && this.#pending === pending) {
          this.#settle(
            pending,
            new ScpiConnectionError(this.#label, `writing ${command} failed`, { cause: error }),
          );
        }
      });
    });
  }

  async #resync(deadline: Milliseconds = this.#timeoutMs): Promise<void> {
    this.#needsResync = false;
    // A token a late reply is unlikely to equal: not 0 or 1 (the usual boolean / *OPC? answers).
    const token = 2 + ((this.#resyncCount++ * 37) % 250);
    const probe = `*ESE ${token};*ESE?`;
    await new Promise<void>((resolve, reject) => {
      const timer = this.#clock.setTimer(deadline, () => {
        this.#resyncWaiter = undefined;
        this.#needsResync = true;
        reject(new ScpiTimeoutError(this.#label, `resynchronisation (${probe})`, deadline, this.#recent));
      });
      this.#resyncWaiter = {
        line: (text) => {
          if (parseScpiNumber(text) !== token) {
            this.#remember(`< (discarded) ${text}`);
            return;
          }
          timer.cancel();
          this.#resyncWaiter = undefined;
          resolve();
        },
        fail: (error) => {
          timer.cancel();
          this.#resyncWaiter = undefined;
          reject(error);
        },
      };
      this.#send(probe);
    });
    await this.#writeLine('*ESE 0');
  }

  #send(command: string, done?: (error?: Error | null) => void): void {
    this.#remember(`> ${command}`);
    writeHeld(this.#clock, this.#stream, `${command}\n`, `scpi ${this.#label}: ${command}`, done);
  }

  #onLine(raw: string): void {
    if (this.#resyncWaiter) {
      this.#resyncWaiter.line(stripCr(raw));
      return;
    }
    const pending = this.#pending;
    if (!pending) {
      this.#remember(`< (unsolicited) ${raw}`);
      return;
    }
    if (pending.expect === 'line') {
      const line = stripCr(raw);
      this.#remember(`< ${line}`);
      this.#settle(pending, line);
      return;
    }
    this.#onBlockLine(pending, raw);
  }

  #onBlockLine(pending: Pending, raw: string): void {
    let data: string;
    if (pending.partial === undefined) {
      const header = parseBlockHeader(raw);
      if (typeof header === 'string') {
        this.#remember(`< ${raw}`);
        this.#settle(pending, this.#garbled(pending.command, header, raw));
        return;
      }
      this.#remember(`< ${raw.slice(0, header.headerLength)}… (block)`);
      if (header.dataLength === undefined) {
        this.#settle(pending, stripCr(raw.slice(header.headerLength)));
        return;
      }
      pending.dataLength = header.dataLength;
      data = raw.slice(header.headerLength);
    } else {
      // The newline the line splitter removed was a data byte.
      data = `${pending.partial}\n${raw}`;
    }
    const want = pending.dataLength!;
    if (data.length < want) {
      pending.partial = data;
      return;
    }
    if (data.length === want || (data.length === want + 1 && data.endsWith('\r'))) {
      this.#settle(pending, data.slice(0, want));
      return;
    }
    this.#settle(
      pending,
      this.#garbled(pending.command, `block longer than its declared ${want} bytes`, data.slice(want)),
    );
  }

  #settle(pending: Pending, outcome: string | Error): void {
    if (this.#pending !== pending) return;
    pending.timer?.cancel();
    this.#pending = undefined;
    if (typeof outcome === 'string') {
      pending.resolve(outcome);
      return;
    }
    this.#needsResync = true;
    pending.reject(outcome);
  }

  #garbled(command: string, problem: string, seen: string): ScpiReplyError {
    this.#needsResync = true;
    return new ScpiReplyError(this.#label, command, problem, seen);
  }

  #onClosed(cause: Error | undefined): void {
    if (this.#closedBy) return;
    const what = this.#closing ? 'link closed' : 'connection closed by the instrument';
    this.#closedBy = new ScpiConnectionError(this.#label, what, cause ? { cause } : undefined);
    const pending = this.#pending;
    if (pending) {
      this.#settle(
        pending,
        new ScpiConnectionError(this.#label, `${pending.command}: ${what}`, cause ? { cause } : undefined),
      );
    }
    this.#resyncWaiter?.fail(this.#closedBy);
  }

  #assertOpen(command: string): void {
    if (this.#closedBy) {
      throw new ScpiConnectionError(
        this.#label,
        `${command}: ${this.#closing ? 'link closed' : 'link lost'}`,
        {
          cause: this.#closedBy,
        },
      );
    }
  }

  #remember(line: string): void {
    const printable = line.replace(/[^\x20-\x7e]/g, '.');
    this.#recent.push(printable.length > 60 ? `${printable.slice(0, 60)}…` : printable);
    if (this.#recent.length > RECENT_LINES) this.#recent.shift();
  }
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
