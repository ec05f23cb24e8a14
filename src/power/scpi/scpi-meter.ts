import type { Clock, EpochMs, Milliseconds } from '../../clock/index.ts';
import {
  type Meter,
  type MeterCapabilities,
  MeterError,
  type MeterInfo,
  type MeterMode,
  type MilliVolts,
  type StreamHandlers,
} from '../meter.ts';
import type { ScpiClient } from './client.ts';
import type { ScpiIdentity } from './codec.ts';
import type { Acquisition, ScpiAcquisitionSettings, ScpiFamily, ScpiFamilyContext } from './family.ts';
import { isKeithley2280, Keithley2280 } from './keithley-2280.ts';
import { isKeysightN6705, KeysightN6705 } from './keysight-n6705.ts';
import { connectScpi, parseScpiAddress, type ScpiAddress, type ScpiConnectOptions } from './transport.ts';

export interface ScpiMeterOptions {
  /** tcp://<host>[:5025] or serial:<port spec>[?baud=<n>]; a leading `scpi:` is accepted. */
  spec: string;
  clock: Clock;
  /** The meter's name in the bench, for errors (they always name the address too). */
  name?: string;
  /** N6705C output channel that holds the N6781A/N6782A (default 1). */
  channel?: number;
  /** N6705C: digitizer interval to ask for, s (default 20.48 µs; the instrument rounds it). */
  sampleIntervalS?: number;
  /** N6705C: length of one acquisition, s (default 1 s). */
  acquisitionS?: number;
  /** N6705C: float32 blocks (FORM REAL, default) or ASCII lists (FORM ASC). */
  transfer?: 'binary' | 'ascii';
  /** 2280S: integration time in power-line cycles (default 0.002, the shortest). */
  nplc?: number;
  /** Samples per acquisition (2280S default and maximum: 2500, its buffer). */
  points?: number;
  /** Deadline per query, ms (default 5000). */
  timeoutMs?: Milliseconds;
  connectTimeoutMs?: Milliseconds;
  serial?: ScpiConnectOptions['serial'];
}

const SUPPORTED = 'Keysight N6705B/C with an N6781A/N6782A SMU, Keithley 2280S/2281S';

interface FamilyDefinition {
  matches(identity: ScpiIdentity): boolean;
  create(context: ScpiFamilyContext): ScpiFamily;
}

/** The instrument families ScpiMeter drives, chosen from *IDN?. */
const FAMILIES: readonly FamilyDefinition[] = [
  { matches: isKeysightN6705, create: (c) => new KeysightN6705(c) },
  { matches: isKeithley2280, create: (c) => new Keithley2280(c) },
];

interface StreamRun {
  stopRequested: boolean;
  done: Promise<void>;
}

/**
 * A Meter on an SCPI source-measure instrument. The stream is a sequence of acquisitions taken back
 * to back; the instrument records nothing while the host reads one and arms the next, and that dead
 * time is reported as a SampleGap (cause 'overflow', detail saying it is re-arm time) so that sample
 * indices stay true to time.
 */
export class ScpiMeter implements Meter {
  readonly capabilities: MeterCapabilities = { source: true, dutPower: true, logic: false };
  readonly #options: ScpiMeterOptions;
  readonly #address: ScpiAddress;
  readonly #clock: Clock;
  #info: MeterInfo;
  #client: ScpiClient | undefined;
  #family: ScpiFamily | undefined;
  #mode: MeterMode = 'source';
  #voltageMv: MilliVolts = 0;
  #run: StreamRun | undefined;

  constructor(options: ScpiMeterOptions) {
    this.#options = options;
    this.#clock = options.clock;
    this.#address = parseScpiAddress(options.spec);
    this.#info = { kind: 'scpi', spec: `scpi:${this.#address.text}` };
  }

  get info(): MeterInfo {
    return this.#info;
  }

  /** How errors name this meter: `<name> (<spec>)`, or the spec. */
  get #label(): string {
    return this.#options.name ? `${this.#options.name} (${this.#info.spec})` : this.#info.spec;
  }

  /** Samples per second; the instrument's real rate once open() has configured it. */
  get rateHz(): number {
    const interval = this.#family?.sampleIntervalS ?? this.#options.sampleIntervalS ?? 20.48e-6;
    return 1 / interval;
  }

  get voltageMv(): MilliVolts {
    return this.#voltageMv;
  }

  get mode(): MeterMode {
    return this.#mode;
  }

  /** The family driver in use ("Keysight N6705C + N6781A (channel 1)"), after open(). */
  get instrument(): string | undefined {
    return this.#family?.name;
  }

  async open(): Promise<void> {
    if (this.#client) throw new MeterError(this.#label, 'open: already open');
    const o = this.#options;
    let client: ScpiClient | undefined;
    try {
      client = await connectScpi(this.#address, {
        clock: this.#clock,
        timeoutMs: o.timeoutMs,
        connectTimeoutMs: o.connectTimeoutMs,
        serial: o.serial,
      });
      const identity = await client.identify();
      const definition = FAMILIES.find((f) => f.matches(identity));
      if (!definition) {
        const idn = [identity.manufacturer, identity.model, identity.serial, identity.firmware].join(',');
        throw new Error(`*IDN? answered "${idn}": not an instrument this driver knows (${SUPPORTED})`);
      }
      client.label = `${identity.manufacturer} ${identity.model} (${this.#address.text})`;
      await client.write('*CLS');
      const family = definition.create({ client, clock: this.#clock, identity, settings: this.#settings() });
      await family.configure();
      this.#voltageMv = await family.readVoltage();
      this.#client = client;
      this.#family = family;
      this.#info = {
        ...this.#info,
        model: family.name,
        serial: identity.serial,
        firmware: identity.firmware,
      };
    } catch (error) {
      await client?.close();
      throw this.#error('open', error);
    }
  }

  async setMode(mode: MeterMode): Promise<void> {
    const family = this.#require('setMode');
    try {
      await family.setMode(mode);
    } catch (error) {
      throw this.#error(`setMode(${mode})`, error);
    }
    this.#mode = mode;
  }

  async setVoltage(mv: MilliVolts): Promise<void> {
    const family = this.#require('setVoltage');
    // In ampere mode the lab supply sets the voltage; the figure is only kept for energy.
    if (this.#mode === 'source') {
      try {
        await family.setVoltage(mv);
      } catch (error) {
        throw this.#error(`setVoltage(${mv} mV)`, error);
      }
    }
    this.#voltageMv = mv;
  }

  async setDutPower(on: boolean): Promise<void> {
    const family = this.#require('setDutPower');
    try {
      await family.setOutput(on);
    } catch (error) {
      throw this.#error(`setDutPower(${on})`, error);
    }
  }

  /** Arms the first acquisition (configuration errors surface here), then streams in the background. */
  async start(handlers: StreamHandlers): Promise<void> {
    const family = this.#require('start');
    if (this.#run) throw new MeterError(this.#label, 'start: already streaming');
    let first: Acquisition;
    try {
      first = await family.arm();
    } catch (error) {
      throw this.#error('start', error);
    }
    const run: StreamRun = { stopRequested: false, done: Promise.resolve() };
    run.done = this.#stream(run, family, first, handlers);
    this.#run = run;
  }

  /** Lets the acquisition in progress finish and delivers it, then arms no more. */
  async stop(): Promise<void> {
    const run = this.#run;
    if (!run) return;
    run.stopRequested = true;
    await run.done;
  }

  async close(): Promise<void> {
    await this.stop();
    const client = this.#client;
    this.#client = undefined;
    this.#family = undefined;
    await client?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #stream(
    run: StreamRun,
    family: ScpiFamily,
    first: Acquisition,
    handlers: StreamHandlers,
  ): Promise<void> {
    const rateHz = 1 / family.sampleIntervalS;
    let acquisition = first;
    let next = 0;
    let origin: EpochMs | undefined;
    try {
      for (;;) {
        await this.#clock.sleep(Math.max(0, acquisition.t0 + acquisition.durationMs - this.#clock.now()));
        const { uA, t0 } = await family.fetch(acquisition);
        origin ??= t0;
        // Index from the clock, not by counting: dead time between acquisitions becomes a gap.
        const due = Math.round(((t0 - origin) * rateHz) / 1000);
        if (due > next) {
          const count = due - next;
          handlers.gap?.({
            at: next,
            count,
            cause: 'rearm',
            detail: `instrument re-arm between acquisitions: ${round((count * 1000) / rateHz)} ms not sampled`,
          });
          next = due;
        }
        handlers.samples({ start: next, uA, t0 });
        next += uA.length;
        if (run.stopRequested) break;
        acquisition = await family.arm();
      }
    } catch (error) {
      handlers.error?.(this.#error('stream', error));
      await family.abort().catch(() => {});
    } finally {
      if (this.#run === run) this.#run = undefined;
    }
  }

  #settings(): ScpiAcquisitionSettings {
    const o = this.#options;
    return {
      channel: o.channel ?? 1,
      sampleIntervalS: o.sampleIntervalS ?? 20.48e-6,
      acquisitionS: o.acquisitionS ?? 1,
      transfer: o.transfer ?? 'binary',
      nplc: o.nplc ?? 0.002,
      points: o.points,
      timeoutMs: o.timeoutMs ?? 5000,
    };
  }

  #require(operation: string): ScpiFamily {
    if (!this.#family) throw new MeterError(this.#label, `${operation}: not open`);
    return this.#family;
  }

  #error(operation: string, error: unknown): MeterError {
    return MeterError.wrap(this.#label, operation, error);
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
