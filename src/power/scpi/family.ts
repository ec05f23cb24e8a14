import type { Clock, EpochMs, Milliseconds } from '../../clock/index.ts';
import type { MeterMode, MilliVolts } from '../meter.ts';
import type { ScpiClient } from './client.ts';
import type { ScpiIdentity } from './codec.ts';

/** One acquisition the instrument is filling. */
export interface Acquisition {
  /** Clock time the acquisition was triggered (first sample, give or take the instrument's latency). */
  t0: EpochMs;
  /** How long the instrument needs to fill it. */
  durationMs: Milliseconds;
  points: number;
}

export interface FetchedAcquisition {
  /** Current per sample, µA; NaN where the instrument reported overload. */
  uA: Float64Array;
  /** Clock time of the first sample. */
  t0: EpochMs;
}

/** What ScpiMeter needs from one instrument family; one file per family. */
export interface ScpiFamily {
  /** For reports and errors: "Keysight N6705C + N6781A (channel 1)". */
  readonly name: string;
  /** Seconds between samples, as the instrument will really sample (known after configure()). */
  readonly sampleIntervalS: number;
  readonly supportsAmpereMode: boolean;
  /** Sets up repeated current acquisitions; reads back what the instrument made of the settings. */
  configure(): Promise<void>;
  readVoltage(): Promise<MilliVolts>;
  setMode(mode: MeterMode): Promise<void>;
  setVoltage(mv: MilliVolts): Promise<void>;
  setOutput(on: boolean): Promise<void>;
  /** Starts one acquisition. */
  arm(): Promise<Acquisition>;
  /** Reads an acquisition once it is complete (waits on the instrument if it is not yet). */
  fetch(acquisition: Acquisition): Promise<FetchedAcquisition>;
  /** Abandons an acquisition in progress (no reply, no error check: used on the way out). */
  abort(): Promise<void>;
}

/** Settings ScpiMeter passes to a family; each family uses the ones that apply to it. */
export interface ScpiAcquisitionSettings {
  /** N6705C output channel that holds the SMU. */
  channel: number;
  /** N6705C: digitizer interval to ask for, s (the instrument rounds it). */
  sampleIntervalS: number;
  /** N6705C: length of one acquisition, s. */
  acquisitionS: number;
  /** N6705C: FORM REAL (IEEE 488.2 block of float32) or FORM ASC (comma list). */
  transfer: 'binary' | 'ascii';
  /** 2280S: integration time in power-line cycles. */
  nplc: number;
  /** Samples per acquisition, when set explicitly. */
  points: number | undefined;
  /** Deadline of one query that does not wait for an acquisition. */
  timeoutMs: Milliseconds;
}

export interface ScpiFamilyContext {
  client: ScpiClient;
  clock: Clock;
  identity: ScpiIdentity;
  settings: ScpiAcquisitionSettings;
}
