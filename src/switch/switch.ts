import type { Clock, Milliseconds } from '../clock/index.ts';

/** What a switch knows about the DUT's supply: 'unknown' until it has switched or read back once. */
export type SwitchState = 'on' | 'off' | 'unknown';

export type SwitchKind = 'relay-lcus' | 'relay-numato' | 'ppk2' | 'scpi' | 'emulated';

export interface SwitchInfo {
  kind: SwitchKind;
  /** How the user named it: `relay-lcus:/dev/ttyUSB0#1`, `scpi:tcp://host:5025#1`, `emulated:dut1`. */
  spec: string;
  /** The relay channel or supply output, where the kind has channels. */
  channel?: number;
  /** Model or firmware as the device reports it, where it reports anything. */
  model?: string;
}

/**
 * What cuts and restores a DUT's power. `on()` means the DUT is powered, whatever the contact
 * wiring (a relay on its NC contact powers the DUT with the coil released; the driver hides that).
 */
export interface PowerSwitch extends AsyncDisposable {
  readonly info: SwitchInfo;
  readonly state: SwitchState;
  on(): Promise<void>;
  off(): Promise<void>;
  /**
   * Off, then on again after offMs on the switch's clock. Errors name the step; a failure to restore
   * power says the DUT is left off.
   */
  cycle(offMs: Milliseconds, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** Errors of switch drivers: name the switch, its port or address, the operation and what was seen. */
export class SwitchError extends Error {
  override name = 'SwitchError';
  constructor(
    /** The switch's spec. */
    readonly switchSpec: string,
    /** The port or address it talks to ('' for switches without one). */
    readonly port: string,
    readonly operation: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`switch ${switchSpec}${port ? ` (port ${port})` : ''}: ${operation}: ${detail}`, options);
  }
}

/** A spec that does not parse, or names an unknown kind or a channel the board does not have. */
export class SwitchSpecError extends SwitchError {
  override name = 'SwitchSpecError';
  constructor(spec: string, detail: string) {
    super(spec, '', 'parse spec', detail);
  }
}

/** The device did not answer in time. */
export class SwitchTimeoutError extends SwitchError {
  override name = 'SwitchTimeoutError';
}

/** The device answered something that is not its protocol (a wrong board, line noise). */
export class SwitchReplyError extends SwitchError {
  override name = 'SwitchReplyError';
}

/** Shared on/off bookkeeping and cycle(); a driver supplies only the switching itself. */
export abstract class SwitchBase implements PowerSwitch {
  abstract readonly info: SwitchInfo;
  protected readonly clock: Clock;
  protected current: SwitchState = 'unknown';
  #closed = false;
  #closing: Promise<void> | undefined;
  // One operation at a time: a cycle's on() must not overtake an off() issued before it.
  #lock: Promise<void> = Promise.resolve();

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** The port or address errors name. */
  protected abstract get port(): string;
  protected abstract apply(on: boolean): Promise<void>;
  protected abstract release(): Promise<void>;

  get state(): SwitchState {
    return this.current;
  }

  on(): Promise<void> {
    return this.#set(true);
  }

  off(): Promise<void> {
    return this.#set(false);
  }

  async cycle(offMs: Milliseconds, signal?: AbortSignal): Promise<void> {
    if (!(offMs >= 0)) throw this.error('cycle', `off time must be ≥ 0 ms, got ${offMs}`);
    await this.off();
    try {
      await this.clock.sleep(offMs, signal);
    } catch (reason) {
      throw this.error('cycle', `aborted during the off time; the DUT is left off`, reason);
    }
    try {
      await this.on();
    } catch (error) {
      throw this.error(
        'cycle',
        `power was cut but could not be restored; the DUT is left off: ${(error as Error).message}`,
        error,
      );
    }
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#lock.then(() => this.release());
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  protected error(operation: string, detail: string, cause?: unknown): SwitchError {
    return new SwitchError(
      this.info.spec,
      this.port,
      operation,
      detail,
      cause === undefined ? {} : { cause },
    );
  }

  #set(on: boolean): Promise<void> {
    const operation = on ? 'on' : 'off';
    const run = this.#lock.then(async () => {
      if (this.#closed) throw this.error(operation, 'switch is closed');
      try {
        await this.apply(on);
      } catch (error) {
        // After a failed command nobody knows what the contact did.
        this.current = 'unknown';
        if (error instanceof SwitchError) throw error;
        throw this.error(operation, (error as Error).message ?? String(error), error);
      }
      this.current = on ? 'on' : 'off';
    });
    this.#lock = run.catch(() => undefined);
    return run;
  }
}
