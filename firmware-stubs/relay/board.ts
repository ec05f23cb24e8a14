import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { Clock, EpochMs } from '../../src/clock/index.ts';
import { LcusDecoder } from './lcus-device.ts';
import { NumatoConsole } from './numato-device.ts';

/** Which protocol the board speaks: an LCUS-type CH340 board or a Numato module. */
export type RelayProtocol = 'lcus' | 'numato';

/** One coil changing. Channels are numbered as the protocol numbers them (LCUS from 1, Numato from 0). */
export interface RelayChange {
  channel: number;
  energised: boolean;
  t: EpochMs;
}

export interface RelayBoardFaults {
  /** The board's MCU is dead: bytes go in, nothing happens, nothing comes out. */
  silent?: boolean;
  /** Line noise instead of answers (the wrong device on the port, a wrong baud rate); nothing switches. */
  garbage?: boolean;
  /** The contacts are welded: commands are taken and answered, the coils never move. */
  stuck?: boolean;
}

export interface EmulatedRelayBoardOptions {
  protocol: RelayProtocol;
  /** Number of relays (default 4). */
  channels?: number;
  /** Timestamps of change events (default: host time). */
  clock?: Pick<Clock, 'now'>;
  faults?: RelayBoardFaults;
  /** What `ver` answers on a Numato board (default 00000008). */
  version?: string;
}

interface RelayBoardEvents {
  change: [RelayChange];
  /** Bytes the board sends to the host. */
  output: [Buffer];
  /** A frame (LCUS) or command line (Numato) the board took in, and whether it acted on it. */
  received: [{ raw: Buffer | string; accepted: boolean; why?: string }];
}

/**
 * An emulated USB relay board: the device side of the LCUS 4-byte frames or the Numato command line,
 * written on its own (it shares nothing with src/switch, so a wrong frame cannot agree with itself).
 * Feed it host bytes with input(); it emits 'output' with what the board sends back and 'change' for
 * every coil that moves.
 */
export class EmulatedRelayBoard extends EventEmitter<RelayBoardEvents> {
  readonly protocol: RelayProtocol;
  readonly channelCount: number;
  faults: RelayBoardFaults;
  readonly changes: RelayChange[] = [];
  readonly #coils: boolean[];
  readonly #clock: Pick<Clock, 'now'>;
  readonly #lcus: LcusDecoder;
  readonly #numato: NumatoConsole;
  #garbageSeed = 0x5a;

  constructor(options: EmulatedRelayBoardOptions) {
    super();
    this.protocol = options.protocol;
    this.channelCount = options.channels ?? 4;
    this.faults = { ...options.faults };
    this.#clock = options.clock ?? { now: () => Date.now() };
    this.#coils = new Array<boolean>(this.channelCount).fill(false);
    const board = {
      channelCount: this.channelCount,
      firstChannel: this.firstChannel,
      energised: (ch: number) => this.isEnergised(ch),
      set: (ch: number, on: boolean) => this.#set(ch, on),
      send: (text: string) => this.emit('output', Buffer.from(text, 'latin1')),
      received: (raw: Buffer | string, accepted: boolean, why?: string) =>
        this.emit('received', { raw, accepted, ...(why !== undefined && { why }) }),
    };
    this.#lcus = new LcusDecoder(board);
    this.#numato = new NumatoConsole(board, options.version ?? '00000008');
  }

  /** The lowest channel number: 1 on LCUS boards, 0 on Numato modules. */
  get firstChannel(): number {
    return this.protocol === 'lcus' ? 1 : 0;
  }

  isEnergised(channel: number): boolean {
    const i = channel - this.firstChannel;
    if (i < 0 || i >= this.channelCount) throw new RangeError(`relay board: no channel ${channel}`);
    return this.#coils[i]!;
  }

  /** Bytes from the host. */
  input(bytes: Buffer): void {
    if (this.faults.silent) return;
    if (this.faults.garbage) {
      this.emit('output', this.#noise(bytes.length + 3));
      return;
    }
    if (this.protocol === 'lcus') this.#lcus.push(bytes);
    else this.#numato.push(bytes);
  }

  /** Wires the board to a byte stream (one end of an in-process cable); returns the detach function. */
  attach(stream: Duplex): () => void {
    const fromHost = (chunk: Buffer) => this.input(chunk);
    const toHost = (bytes: Buffer) => {
      if (!stream.destroyed) stream.write(bytes);
    };
    stream.on('data', fromHost);
    this.on('output', toHost);
    return () => {
      stream.off('data', fromHost);
      this.off('output', toHost);
    };
  }

  #set(channel: number, on: boolean): void {
    const i = channel - this.firstChannel;
    if (this.faults.stuck || this.#coils[i] === on) return;
    this.#coils[i] = on;
    const change: RelayChange = { channel, energised: on, t: this.#clock.now() };
    this.changes.push(change);
    this.emit('change', change);
  }

  // Deterministic junk that never contains the Numato prompt, so a driver cannot mistake it for one.
  #noise(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) {
      this.#garbageSeed = (this.#garbageSeed * 73 + 41) & 0xff;
      out[i] = this.#garbageSeed === 0x3e ? 0x3f : this.#garbageSeed;
    }
    return out;
  }
}
