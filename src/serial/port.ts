import { Duplex } from 'node:stream';
import type { SerialPort } from 'serialport';
import type { Clock, Milliseconds } from '../clock/index.ts';
import { PortDownError, PortLostError, ReconnectTimeoutError } from './errors.ts';
import { type PortDiscoveryOptions, resolvePortPath } from './list.ts';
import type { PortLock } from './lock.ts';
import { closePortQuietly, type OpenedPort, openPortAt, type PortOpenSettings } from './open-port.ts';
import { type PortSpec, parsePortSpec } from './spec.ts';

export interface ReconnectOptions {
  /** How often to look for the port while it is down (default 250 ms). */
  pollInterval?: Milliseconds;
  /** Give up after the port has been down this long: 'error' (ReconnectTimeoutError), then close. Default 120 s. */
  deadline?: Milliseconds;
}

export interface OpenSerialOptions {
  baudRate: number;
  /** Polling and deadlines while reconnecting run on this clock. */
  clock: Clock;
  /** Rig lock file and kernel flock, so two rigs never share a DUT (default true). */
  lock?: boolean;
  /** Default: env RIG_LOCK_DIR, else <tmpdir>/mbms-iot-rig/locks. */
  lockDir?: string;
  /** Follow the port when it vanishes and returns (default true). false: a lost port is an error. */
  reconnect?: boolean | ReconnectOptions;
  /** A name for errors and logs (the DUT's name in the bench); the spec is always named too. */
  name?: string;
  /** Where to look for ports (fake roots in tests, extra pty paths). */
  discovery?: PortDiscoveryOptions;
}

export type LinkState = 'up' | 'down' | 'closed';

const DEFAULT_POLL_INTERVAL: Milliseconds = 250;
// Modules re-enumerate within seconds after a reset, but a firmware install can keep the port
// away for minutes.
const DEFAULT_DEADLINE: Milliseconds = 120_000;

/**
 * Opens a serial port by spec. Throws PortSpecError, PortNotFoundError (listing what is
 * present), AmbiguousPortError, PortBusyError or PortOpenError.
 */
export async function openSerial(spec: string | PortSpec, options: OpenSerialOptions): Promise<SerialLink> {
  const parsed = typeof spec === 'string' ? parsePortSpec(spec) : spec;
  const label = options.name ? `${options.name} (${parsed.text})` : parsed.text;
  const settings: PortOpenSettings = {
    baudRate: options.baudRate,
    lock: options.lock ?? true,
    lockDir: options.lockDir,
    label,
  };
  const discovery = options.discovery ?? {};
  const open = async (heldLock?: PortLock) =>
    openPortAt(await resolvePortPath(parsed, discovery), settings, heldLock);

  const reconnect = options.reconnect ?? true;
  return new SerialLink(parsed, label, await open(), {
    clock: options.clock,
    reopen: open,
    reconnect:
      reconnect === false
        ? undefined
        : {
            pollInterval: (reconnect === true ? undefined : reconnect.pollInterval) ?? DEFAULT_POLL_INTERVAL,
            deadline: (reconnect === true ? undefined : reconnect.deadline) ?? DEFAULT_DEADLINE,
          },
  });
}

interface LinkConfig {
  clock: Clock;
  reopen: (heldLock?: PortLock) => Promise<OpenedPort>;
  reconnect: Required<ReconnectOptions> | undefined;
}

type WriteCallback = (error: Error | null | undefined) => void;

/** Per-write outcome, so a write that meets a down port fails its own callback only. */
interface WriteTicket {
  error?: Error;
}

/**
 * A byte stream to a serial port that survives the port vanishing (USB re-enumeration when a
 * module reboots).
 *
 * Events besides the stream's own:
 * - 'down' (cause: Error): the port closed unexpectedly or failed; reads pause, writes fail
 *   their callbacks with PortDownError, and the spec is polled until it resolves again;
 * - 'up' (path: string): reopened, possibly at another path (ttyUSB2 → ttyUSB3);
 * - 'error' (ReconnectTimeoutError | PortLostError), then 'close': gave up.
 *
 * Writes never put the stream itself into an errored state: a failed write is reported to its
 * callback, and the link stays usable once the port is back.
 */
export class SerialLink extends Duplex {
  readonly spec: PortSpec;
  /** The name used in errors: "<name> (<spec>)" or the spec. */
  readonly label: string;
  #state: LinkState = 'up';
  #port: SerialPort | undefined;
  #path: string;
  #lock: PortLock | undefined;
  #tickets: WriteTicket[] = [];
  #finishInFlight: ((error?: Error) => void) | undefined;
  #closing: Promise<void> | undefined;
  readonly #stopReconnect = new AbortController();
  readonly #config: LinkConfig;

  constructor(spec: PortSpec, label: string, opened: OpenedPort, config: LinkConfig) {
    super();
    this.spec = spec;
    this.label = label;
    this.#config = config;
    this.#path = opened.path;
    this.#lock = opened.lock;
    this.#attach(opened.port);
  }

  get state(): LinkState {
    return this.#state;
  }

  /** The path currently (or last) open. */
  get path(): string {
    return this.#path;
  }

  override write(
    chunk: unknown,
    encoding?: BufferEncoding | WriteCallback,
    callback?: WriteCallback,
  ): boolean {
    const cb = typeof encoding === 'function' ? encoding : callback;
    const ticket: WriteTicket = {};
    // _write runs once per accepted chunk, in order; a destroyed or ended stream accepts none.
    const accepted = !this.destroyed && !this.writableEnded;
    if (accepted) this.#tickets.push(ticket);
    const done: WriteCallback = (error) => cb?.(error ?? ticket.error ?? null);
    try {
      return typeof encoding === 'string' ? super.write(chunk, encoding, done) : super.write(chunk, done);
    } catch (error) {
      if (accepted) this.#tickets.pop();
      throw error;
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const ticket = this.#tickets.shift();
    const port = this.#port;
    if (this.#state !== 'up' || !port) {
      if (ticket) ticket.error = new PortDownError(this.label);
      callback();
      return;
    }
    let finished = false;
    const finish = (error?: Error) => {
      if (finished) return;
      finished = true;
      this.#finishInFlight = undefined;
      if (error && ticket) ticket.error = error;
      callback();
    };
    this.#finishInFlight = finish;
    port.write(chunk, (error) => {
      if (!error) return finish();
      finish(new PortDownError(this.label, { cause: error }));
      if (port === this.#port) this.#lost(error);
    });
  }

  override _read(): void {
    this.#port?.resume();
  }

  override _final(callback: (error?: Error | null) => void): void {
    callback(); // ending our writable side leaves the port open for reading
  }

  /** Closes for good and releases the lock. Writes not yet on the wire are dropped. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      if (this.closed) return resolve();
      this.once('close', () => resolve());
      if (!this.readableEnded) this.push(null);
      this.destroy();
    });
    return this.#closing;
  }

  override async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#state = 'closed';
    this.#stopReconnect.abort();
    const port = this.#port;
    const lock = this.#lock;
    this.#port = undefined;
    this.#lock = undefined;
    this.#finishInFlight?.(new PortDownError(this.label));
    const released = port ? closePortQuietly(port) : Promise.resolve();
    void released.then(() => {
      lock?.release();
      callback(error);
    });
  }

  #attach(port: SerialPort): void {
    this.#port = port;
    port.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) port.pause();
    });
    port.on('error', (error: Error) => {
      if (port === this.#port) this.#lost(error);
    });
    port.on('close', (error: Error | null) => {
      if (port === this.#port) this.#lost(error ?? new Error('closed unexpectedly'));
    });
  }

  // Any failure of the underlying port leaves that port object unusable (serialport closes it on
  // ENXIO/EIO/EBADF and its stream is errored), so every one is handled as the port going away.
  #lost(cause: Error): void {
    if (this.#state !== 'up') return;
    const port = this.#port;
    this.#state = 'down';
    this.#port = undefined;
    if (port) void closePortQuietly(port);
    this.#finishInFlight?.(new PortDownError(this.label, { cause }));
    this.emit('down', cause);
    if (this.#config.reconnect) void this.#reconnect(this.#config.reconnect);
    else this.destroy(new PortLostError(this.label, cause));
  }

  async #reconnect({ pollInterval, deadline }: Required<ReconnectOptions>): Promise<void> {
    const { clock, reopen } = this.#config;
    const signal = this.#stopReconnect.signal;
    const started = clock.monotonic();
    let lastError: Error | undefined;
    while (this.#state === 'down') {
      try {
        await clock.sleep(pollInterval, signal);
      } catch {
        return; // closed while down
      }
      if (this.#state !== 'down') return;
      try {
        const opened = await reopen(this.#lock);
        if (this.#state !== 'down') {
          await closePortQuietly(opened.port);
          if (opened.lock !== this.#lock) opened.lock?.release();
          return;
        }
        if (opened.lock !== this.#lock) this.#lock?.release();
        this.#lock = opened.lock;
        this.#path = opened.path;
        this.#state = 'up';
        this.#attach(opened.port);
        this.emit('up', opened.path);
        return;
      } catch (error) {
        lastError = error as Error;
      }
      if (clock.monotonic() - started >= deadline) {
        this.destroy(new ReconnectTimeoutError(this.label, deadline, lastError));
        return;
      }
    }
  }
}
