import type { Duplex } from 'node:stream';
import { type Clock, formatDuration, type Milliseconds } from '../../clock/index.ts';
import { openSerial, type PortDiscoveryOptions, type PortSpec } from '../../serial/index.ts';
import { MeterError } from '../meter.ts';
import { extractMetadataText } from './metadata.ts';
import { encodeGetMetadata } from './protocol.ts';

export interface Ppk2ConnectionOptions {
  port?: string | PortSpec;
  transport?: Duplex;
  clock: Clock;
  name?: string;
  lockDir?: string;
  discovery?: PortDiscoveryOptions;
}

// Bytes kept while waiting for the metadata text; a PPK2 still streaming sends 400 kB/s.
const METADATA_BUFFER_LIMIT = 64 * 1024;

/**
 * The byte stream to one PPK2: commands out, bytes in (to whoever listens at the moment), when the
 * last byte came, and the loss of the port. Errors name the meter and its port (`label`).
 */
export class Ppk2Connection {
  /** Where incoming bytes go; undefined drops them. */
  onBytes: ((chunk: Buffer) => void) | undefined;
  /** Monotonic time of the last byte received (or of a command after which quiet is awaited). */
  lastByteAt: Milliseconds = Number.NEGATIVE_INFINITY;
  readonly #transport: Duplex;
  readonly #clock: Clock;
  readonly #label: string;
  readonly #detach: () => void;
  #lostCause: Error | undefined;
  #onLost: ((cause: Error) => void) | undefined;
  #wake: (() => void) | undefined;
  #closed = false;

  /** Opens the serial port (115200 baud, locked, no reconnect) or takes the given transport. */
  static async open(
    options: Ppk2ConnectionOptions,
    label: string,
    onLost: (cause: Error) => void,
  ): Promise<Ppk2Connection> {
    if (options.transport) return new Ppk2Connection(options.transport, options.clock, label, onLost);
    try {
      const link = await openSerial(options.port!, {
        baudRate: 115_200, // irrelevant for USB CDC; the Nordic app uses it
        clock: options.clock,
        lock: true,
        reconnect: false, // a PPK2 that re-enumerates has lost its settings: the stream is over
        name: options.name ?? 'ppk2',
        ...(options.lockDir !== undefined && { lockDir: options.lockDir }),
        ...(options.discovery !== undefined && { discovery: options.discovery }),
      });
      return new Ppk2Connection(link, options.clock, label, onLost);
    } catch (error) {
      throw new MeterError(label, `open: ${(error as Error).message}`);
    }
  }

  constructor(transport: Duplex, clock: Clock, label: string, onLost: (cause: Error) => void) {
    this.#transport = transport;
    this.#clock = clock;
    this.#label = label;
    this.#onLost = onLost;
    const onData = (chunk: Buffer) => {
      this.lastByteAt = clock.monotonic();
      this.onBytes?.(chunk);
    };
    const onError = (error: Error) => this.#lost(error);
    const onClose = () => this.#lost(new Error('closed unexpectedly'));
    transport.on('data', onData);
    transport.on('error', onError);
    transport.on('close', onClose);
    this.#detach = () => {
      transport.off('data', onData);
      transport.off('close', onClose);
      transport.off('error', onError);
      transport.on('error', () => {}); // a late error must not take the process down
    };
  }

  /** Why the port went away, once it has. */
  get lostCause(): Error | undefined {
    return this.#lostCause;
  }

  lostError(what: string): MeterError {
    return new MeterError(this.#label, `${what}: the port is gone (${this.#lostCause?.message ?? 'lost'})`);
  }

  async send(bytes: Buffer, what: string): Promise<void> {
    if (this.#lostCause) throw this.lostError(what);
    if (this.#closed) throw new MeterError(this.#label, `${what}: not open`);
    await new Promise<void>((resolve, reject) => {
      this.#transport.write(bytes, (error) =>
        error ? reject(new MeterError(this.#label, `${what}: write failed: ${error.message}`)) : resolve(),
      );
    });
  }

  /** Resolves true once no byte has come for `quiet` ms, false when `limit` ms pass first. */
  async waitQuiet(quiet: Milliseconds, limit: Milliseconds): Promise<boolean> {
    const started = this.#clock.monotonic();
    for (;;) {
      const now = this.#clock.monotonic();
      const idle = now - this.lastByteAt;
      if (idle >= quiet) return true;
      if (now - started >= limit || this.#lostCause) return false;
      await this.#clock.sleep(Math.max(1, Math.min(quiet - idle, limit - (now - started))));
    }
  }

  /** GetMetadata, then the text up to its END line. Fails on timeout, naming what did arrive. */
  async readMetadata(timeout: Milliseconds): Promise<string> {
    let received = Buffer.alloc(0);
    let total = 0;
    const done = new AbortController();
    this.#wake = () => done.abort();
    const previous = this.onBytes;
    const text = new Promise<string>((resolve) => {
      this.onBytes = (chunk) => {
        total += chunk.length;
        received = Buffer.concat([received, chunk]);
        if (received.length > METADATA_BUFFER_LIMIT) received = received.subarray(-METADATA_BUFFER_LIMIT / 4);
        // Only the newly arrived bytes (and the few before them) can complete an END line.
        if (received.subarray(-(chunk.length + 4)).indexOf('END') < 0) return;
        const found = extractMetadataText(received);
        if (found) {
          done.abort();
          resolve(found.text);
        }
      };
    });
    const timedOut = this.#clock.sleep(timeout, done.signal).then(
      () => undefined,
      () => undefined,
    );
    try {
      await this.send(encodeGetMetadata(), 'GetMetadata');
      const result = await Promise.race([text, timedOut]);
      if (this.#lostCause) throw this.lostError('GetMetadata');
      if (result !== undefined) return result;
      throw new MeterError(
        this.#label,
        `no metadata reply to GetMetadata (0x19) within ${formatDuration(timeout)}; ` +
          (total === 0 ? 'nothing received' : `received ${total} bytes: ${preview(received)}`) +
          ' (is this the PPK2 data port?)',
      );
    } finally {
      done.abort();
      this.#wake = undefined;
      this.onBytes = previous;
    }
  }

  /** Detaches and closes the port (or destroys the transport). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#onLost = undefined;
    this.onBytes = undefined;
    this.#detach();
    const closable = this.#transport as Duplex & { close?: () => Promise<void> };
    if (typeof closable.close === 'function') await closable.close();
    else this.#transport.destroy();
  }

  #lost(cause: Error): void {
    if (this.#lostCause || this.#closed) return;
    this.#lostCause = cause;
    this.#wake?.();
    this.#onLost?.(cause);
  }
}

function preview(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.subarray(0, 120)).toString('latin1');
  const printable = text.replace(
    /[^\x20-\x7e]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return JSON.stringify(printable) + (bytes.length > 120 ? '…' : '');
}
