import type { Duplex } from 'node:stream';
import type { Milliseconds, Timer } from '../clock/index.ts';
import { closeStream, openRelayPort, type RelayPortOptions, showBytes, writeBytes } from './relay-port.ts';
import {
  SwitchBase,
  type SwitchInfo,
  SwitchReplyError,
  SwitchSpecError,
  SwitchTimeoutError,
} from './switch.ts';

/**
 * Numato Lab USB relay modules (1/2/4/8/16/32 channels; USB CDC, so the baud rate is nominal: their
 * samples use 19200). Commands are ASCII lines ended by CR: `relay on 0`, `relay off 0`,
 * `relay read 0`, `ver`. The board echoes what it receives, ends the echoed line with LF CR, prints
 * any answer as its own LF CR-ended line (`on`, `off`, the version) and then the prompt `>`.
 * Channels are 0-based; from 10 on they are letters: A = 10 … V = 31.
 * Sources: Numato's sample code (numato/samplecode relayread.py, NumatoLab/NumatoIO_Python
 * usbrelay_8.py) and product documentation; see hardware/switches.md.
 */
export const NUMATO_BAUD = 19200;
export const NUMATO_MAX_CHANNEL = 31;

/** The channel as the command line names it: 0–9, then A–V. */
export function numatoChannelToken(channel: number): string {
  if (!Number.isInteger(channel) || channel < 0 || channel > NUMATO_MAX_CHANNEL)
    throw new RangeError(`Numato channel must be 0..${NUMATO_MAX_CHANNEL}, got ${channel}`);
  return channel < 10 ? String(channel) : String.fromCharCode(55 + channel);
}

/** The bytes of one command. */
export function numatoCommand(text: string): Buffer {
  return Buffer.from(`${text}\r`, 'latin1');
}

export interface NumatoRelayOptions extends RelayPortOptions {
  spec: string;
  port: string;
  /** 0-based, as Numato numbers them (default 0). */
  channel?: number;
  contact?: 'no' | 'nc';
  baudRate?: number;
  /** Read the channel back after each switch (default true): a relay that did not move is an error. */
  verify?: boolean;
}

interface Pending {
  command: string;
  resolve(text: string): void;
  reject(error: Error): void;
  timer: Timer;
}

/** One channel of a Numato relay module as a PowerSwitch. */
export class NumatoRelay extends SwitchBase {
  readonly info: SwitchInfo;
  readonly #stream: Duplex;
  readonly #port: string;
  readonly #channel: number;
  readonly #token: string;
  readonly #contact: 'no' | 'nc';
  readonly #timeoutMs: Milliseconds;
  readonly #verify: boolean;
  #rx = '';
  #pending: Pending | undefined;
  #version: string | undefined;

  /** Opens the port, clears any half-typed line, asks the version and reads the channel's state. */
  static async open(options: NumatoRelayOptions): Promise<NumatoRelay> {
    const channel = options.channel ?? 0;
    if (!Number.isInteger(channel) || channel < 0 || channel > NUMATO_MAX_CHANNEL)
      throw new SwitchSpecError(options.spec, `Numato channels are 0..${NUMATO_MAX_CHANNEL}, got ${channel}`);
    const stream = await openRelayPort(options.spec, options.port, options.baudRate ?? NUMATO_BAUD, options);
    const relay = new NumatoRelay(stream, { ...options, channel });
    try {
      await relay.#handshake();
    } catch (error) {
      await closeStream(stream);
      throw error;
    }
    return relay;
  }

  private constructor(stream: Duplex, options: NumatoRelayOptions & { channel: number }) {
    super(options.clock);
    this.#stream = stream;
    this.#port = options.port;
    this.#channel = options.channel;
    this.#token = numatoChannelToken(options.channel);
    this.#contact = options.contact ?? 'no';
    this.#timeoutMs = options.timeoutMs ?? 1000;
    this.#verify = options.verify ?? true;
    stream.on('data', (chunk: Buffer) => this.#onData(chunk));
    stream.on('error', () => {});
    stream.on('close', () => this.#pending?.reject(this.error(this.#pending.command, 'the port closed')));
    this.info = { kind: 'relay-numato', spec: options.spec, channel: this.#channel };
  }

  /** The firmware version the board reported (`ver`). */
  get version(): string | undefined {
    return this.#version;
  }

  protected get port(): string {
    return this.#port;
  }

  protected async apply(on: boolean): Promise<void> {
    const energised = this.#contact === 'no' ? on : !on;
    await this.#exchange(`relay ${energised ? 'on' : 'off'} ${this.#token}`, on ? 'on' : 'off');
    if (!this.#verify) return;
    const read = await this.#readCoil(on ? 'on' : 'off');
    if (read !== energised)
      throw new SwitchReplyError(
        this.info.spec,
        this.#port,
        on ? 'on' : 'off',
        `relay ${this.#token} reads ${read ? 'on' : 'off'} after it was switched ${energised ? 'on' : 'off'}`,
      );
  }

  protected release(): Promise<void> {
    return closeStream(this.#stream);
  }

  async #handshake(): Promise<void> {
    // A bare CR ends whatever a previous user left half-typed; its answer is only the prompt.
    await this.#exchange('', 'open');
    const [version] = await this.#exchange('ver', 'open');
    if (version === undefined || !/^[0-9A-Za-z.]+$/.test(version))
      throw new SwitchReplyError(
        this.info.spec,
        this.#port,
        'open',
        `"ver" answered ${showBytes(version ?? '(nothing)')}, not a version`,
      );
    this.#version = version;
    this.info.model = `Numato relay module, firmware ${version}`;
    const energised = await this.#readCoil('open');
    this.current = energised === (this.#contact === 'no') ? 'on' : 'off';
  }

  async #readCoil(operation: string): Promise<boolean> {
    const [answer] = await this.#exchange(`relay read ${this.#token}`, operation);
    if (answer === 'on') return true;
    if (answer === 'off') return false;
    throw new SwitchReplyError(
      this.info.spec,
      this.#port,
      operation,
      `"relay read ${this.#token}" answered ${showBytes(answer ?? '(nothing)')}, expected on or off`,
    );
  }

  /** Sends one command line and returns the lines between its echo and the prompt. */
  async #exchange(command: string, operation: string): Promise<string[]> {
    this.#rx = ''; // what came unasked (a late answer, noise) belongs to no command
    const reply = new Promise<string>((resolve, reject) => {
      const timer = this.clock.setTimer(this.#timeoutMs, () => {
        this.#pending = undefined;
        reject(
          new SwitchTimeoutError(
            this.info.spec,
            this.#port,
            operation,
            `no prompt after ${JSON.stringify(command)} within ${this.#timeoutMs} ms; received ${showBytes(this.#rx)}`,
          ),
        );
      });
      this.#pending = {
        command,
        resolve: (text) => {
          timer.cancel();
          resolve(text);
        },
        reject: (error) => {
          timer.cancel();
          reject(error);
        },
        timer,
      };
    });
    await writeBytes(this.#stream, numatoCommand(command), this.clock, {
      spec: this.info.spec,
      port: this.#port,
      operation,
      timeoutMs: this.#timeoutMs,
    });
    this.#onData(Buffer.alloc(0)); // the answer may already be complete
    const text = await reply;
    const lines = text.split(/[\r\n]+/).filter((l) => l.trim() !== '');
    const echo = lines.shift()?.trim() ?? '';
    if (echo !== command)
      throw new SwitchReplyError(
        this.info.spec,
        this.#port,
        operation,
        `expected the echo of ${JSON.stringify(command)}, received ${showBytes(text)}`,
      );
    return lines.map((l) => l.trim());
  }

  #onData(chunk: Buffer): void {
    this.#rx += chunk.toString('latin1');
    const pending = this.#pending;
    if (!pending) return;
    const prompt = this.#rx.indexOf('>');
    if (prompt < 0) return;
    const text = this.#rx.slice(0, prompt);
    this.#rx = this.#rx.slice(prompt + 1);
    this.#pending = undefined;
    pending.resolve(text);
  }
}
