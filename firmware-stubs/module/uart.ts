import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { duplexPair } from '../../src/serial/index.ts';
import type { FaultInjector } from './faults.ts';

interface UartEvents {
  /** A new host end after the port came back (the old one was destroyed). */
  port: [Duplex];
  /** The port vanished: the host end was destroyed. */
  vanished: [];
}

/**
 * The module's UART as an in-process cable: `host` is the controller's end, the other end belongs to
 * the firmware. Writes from the firmware can be cut into pieces (split-writes fault). The port can
 * vanish and return as a new stream, as a USB port does when a module re-enumerates.
 */
export class ModuleUart extends EventEmitter<UartEvents> {
  #host: Duplex;
  #device: Duplex | undefined;
  readonly #receive: (chunk: Buffer) => void;
  readonly #faults: FaultInjector;
  readonly #onTransfer: (() => void) | undefined;
  #closed = false;

  constructor(opts: { receive: (chunk: Buffer) => void; faults: FaultInjector; onTransfer?: () => void }) {
    super();
    this.#receive = opts.receive;
    this.#faults = opts.faults;
    this.#onTransfer = opts.onTransfer;
    this.#host = this.#connect();
  }

  /** The controller's end of the cable (a new object after the port vanished and returned). */
  get host(): Duplex {
    return this.#host;
  }

  /** False while the port has vanished. */
  get present(): boolean {
    return this.#device !== undefined;
  }

  /** Firmware → host. Dropped while the port is gone. */
  send(bytes: Buffer | string): void {
    const device = this.#device;
    if (!device || device.destroyed) return;
    const data = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    if (data.length === 0) return;
    let from = 0;
    for (const cut of this.#faults.splitPoints(data.length)) {
      device.write(data.subarray(from, cut));
      from = cut;
    }
    device.write(data.subarray(from));
  }

  /** The port disappears: both ends are destroyed; the host sees 'close'. */
  vanish(): void {
    if (!this.#device) return;
    const device = this.#device;
    this.#device = undefined;
    device.destroy();
    this.#host.destroy();
    this.emit('vanished');
  }

  /** The port returns as a fresh stream, offered through the 'port' event. */
  restore(): void {
    if (this.#device || this.#closed) return;
    this.#host = this.#connect();
    this.emit('port', this.#host);
  }

  close(): void {
    this.#closed = true;
    this.#device?.destroy();
    this.#device = undefined;
    this.#host.destroy();
  }

  #connect(): Duplex {
    const [host, device] = duplexPair(this.#onTransfer ? { onTransfer: this.#onTransfer } : {});
    device.on('data', (chunk: Buffer) => {
      if (this.#device === device) this.#receive(chunk);
    });
    device.on('error', () => {}); // a vanished peer is expected, not an error
    this.#device = device;
    return host;
  }
}
