import type { EpochMs } from '../clock/index.ts';

/** Current in microamperes. */
export type MicroAmps = number;
/** Voltage in millivolts. */
export type MilliVolts = number;

/**
 * A run of consecutive samples from a meter. Sample indices count from the start of the recording;
 * JS numbers hold them exactly up to 2^53 (28 000 years at 100 kS/s), and storage keeps them as
 * 64-bit integers, so a 12-hour night at 100 kS/s (4.3 G samples) is no special case.
 */
export interface SampleBlock {
  /** Index of the first sample of this block in the recording. */
  start: number;
  /** Current per sample, µA. NaN marks a sample the meter flagged invalid. */
  uA: Float64Array;
  /** The meter's raw sample words, where it has them (PPK2: one 32-bit word per sample), for re-conversion. */
  raw?: Uint32Array;
  /** Digital channels per sample (PPK2 logic port, 8 bits), where the meter has them. */
  logic?: Uint8Array;
  /** Clock time of the first sample (epoch ms, on the injected clock). */
  t0: EpochMs;
}

/** Samples known missing: the counter jumped or wall time says more samples should have come. */
export interface SampleGap {
  /** Index the gap starts at (the next sample delivered carries index at + count). */
  at: number;
  count: number;
  /** How the gap was found. */
  /** rearm: dead time while an instrument starts its next acquisition (SCPI analysers). */
  cause: 'counter' | 'wall-time' | 'realign' | 'overflow' | 'rearm';
  detail?: string;
}

export interface MeterCapabilities {
  /** The meter can supply the DUT and set its voltage (PPK2 source mode, an SMU, Otii). */
  source: boolean;
  /** The meter can switch the DUT's supply on and off. */
  dutPower: boolean;
  /** Digital inputs recorded with the samples. */
  logic: boolean;
}

export type MeterMode = 'source' | 'ampere';

export interface MeterInfo {
  kind: 'ppk2' | 'scpi' | 'otii' | 'sim';
  /** How the user named it: `ppk2:/dev/serial/by-id/…`, `scpi:tcp://host:5025`, `sim:quectel-bg95`. */
  spec: string;
  /** Model / firmware / serial as the instrument reports them. */
  model?: string;
  serial?: string;
  firmware?: string;
}

export interface StreamHandlers {
  samples(block: SampleBlock): void;
  gap?(gap: SampleGap): void;
  /** The stream failed (meter vanished, stopped streaming); what was delivered stays valid. */
  error?(err: Error): void;
}

/**
 * A power analyser as the rig uses it: configure, stream timestamped current samples, stop. Drivers:
 * PPK2 (serial), SCPI analysers and SMUs (serial or TCP 5025), Otii (JSON over TCP), simulated (an
 * emulated module's current timeline, in virtual time).
 */
export interface Meter extends AsyncDisposable {
  readonly info: MeterInfo;
  readonly capabilities: MeterCapabilities;
  /** Samples per second of the stream. */
  readonly rateHz: number;
  /** Connect, read identification/calibration. Errors name the meter and its port. */
  open(): Promise<void>;
  setMode(mode: MeterMode): Promise<void>;
  /** Source voltage in source mode; also the voltage energy is computed with in ampere mode. */
  setVoltage(mv: MilliVolts): Promise<void>;
  readonly voltageMv: MilliVolts;
  setDutPower(on: boolean): Promise<void>;
  start(handlers: StreamHandlers): Promise<void>;
  /** Stop streaming; resolves once no more samples will be delivered. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

/** Errors of meter drivers: name the meter, the port and what was seen. */
export class MeterError extends Error {
  override name = 'MeterError';
  constructor(
    readonly meter: string,
    message: string,
  ) {
    super(`meter ${meter}: ${message}`);
  }

  /** An error from below (a socket, a protocol client) as a MeterError naming meter and operation. */
  static wrap(meter: string, operation: string, error: unknown): MeterError {
    if (error instanceof MeterError) return error;
    const text = error instanceof Error ? error.message : String(error);
    const wrapped = new MeterError(meter, `${operation}: ${text}`);
    wrapped.cause = error;
    return wrapped;
  }
}
