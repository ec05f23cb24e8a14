import type { Duplex } from 'node:stream';
import type { Milliseconds } from '../clock/index.ts';
import { closeStream, openRelayPort, type RelayPortOptions, writeBytes } from './relay-port.ts';
import { SwitchBase, type SwitchInfo, SwitchSpecError } from './switch.ts';

/**
 * LCUS-type USB relay boards (LCUS-1/2/4/8: a CH340 USB-UART `1a86:7523` and a small MCU), 9600 8N1.
 * Each command is four bytes: start mark 0xA0, channel (1-based), 0x01 coil on / 0x00 coil off, and a
 * checksum that is the low byte of the sum of the first three (A0 01 01 A2, A0 01 00 A1, A0 02 01 A3).
 * Sources: the sellers' protocol notes (e.g. optimusdigital.ro "USB 5V 10A Relay Module", openimpulse.com
 * "USB Relay Module"); see hardware/switches.md. The boards send nothing back, so the driver cannot
 * tell a missing board from a working one once the port is open.
 */
export const LCUS_BAUD = 9600;
export const LCUS_START = 0xa0;
/** LCUS-8 is the largest of the family; the address byte could go higher, no board does. */
export const LCUS_MAX_CHANNEL = 8;

/** The four bytes that set one channel's coil. */
export function lcusFrame(channel: number, energised: boolean): Buffer {
  if (!Number.isInteger(channel) || channel < 1 || channel > 0xff)
    throw new RangeError(`LCUS channel must be 1..255, got ${channel}`);
  const state = energised ? 0x01 : 0x00;
  return Buffer.from([LCUS_START, channel, state, (LCUS_START + channel + state) & 0xff]);
}

export interface LcusRelayOptions extends RelayPortOptions {
  /** The switch's spec, for info and errors. */
  spec: string;
  /** The board's port (path, by-id:…, usb:1a86:7523[:serial]); named in errors also with a transport. */
  port: string;
  /** 1-based, as printed on the board (default 1). */
  channel?: number;
  /** 'no' (default): the DUT is wired through the normally-open contact; 'nc': through the normally-closed one. */
  contact?: 'no' | 'nc';
  baudRate?: number;
}

/** One channel of an LCUS board as a PowerSwitch. */
export class LcusRelay extends SwitchBase {
  readonly info: SwitchInfo;
  readonly #stream: Duplex;
  readonly #port: string;
  readonly #channel: number;
  readonly #contact: 'no' | 'nc';
  readonly #timeoutMs: Milliseconds;

  static async open(options: LcusRelayOptions): Promise<LcusRelay> {
    const channel = options.channel ?? 1;
    if (!Number.isInteger(channel) || channel < 1 || channel > LCUS_MAX_CHANNEL)
      throw new SwitchSpecError(
        options.spec,
        `LCUS channels are 1..${LCUS_MAX_CHANNEL} (as printed on the board), got ${channel}`,
      );
    const stream = await openRelayPort(options.spec, options.port, options.baudRate ?? LCUS_BAUD, options);
    return new LcusRelay(stream, { ...options, channel });
  }

  private constructor(stream: Duplex, options: LcusRelayOptions & { channel: number }) {
    super(options.clock);
    this.#stream = stream;
    this.#port = options.port;
    this.#channel = options.channel;
    this.#contact = options.contact ?? 'no';
    this.#timeoutMs = options.timeoutMs ?? 1000;
    // The boards are silent; whatever comes back is dropped rather than left to fill the buffer.
    stream.on('data', () => {});
    stream.on('error', () => {});
    this.info = { kind: 'relay-lcus', spec: options.spec, channel: this.#channel, model: 'LCUS (CH340)' };
  }

  protected get port(): string {
    return this.#port;
  }

  protected apply(on: boolean): Promise<void> {
    const energised = this.#contact === 'no' ? on : !on;
    return writeBytes(this.#stream, lcusFrame(this.#channel, energised), this.clock, {
      spec: this.info.spec,
      port: this.#port,
      operation: on ? 'on' : 'off',
      timeoutMs: this.#timeoutMs,
    });
  }

  protected release(): Promise<void> {
    return closeStream(this.#stream);
  }
}
