import type { Clock, EpochMs, Timer } from '../../clock/index.ts';
import { gaussian, seededRandom } from '../../random/index.ts';
import {
  type Meter,
  type MeterCapabilities,
  MeterError,
  type MeterInfo,
  type MeterMode,
  type MicroAmps,
  type MilliVolts,
  type StreamHandlers,
} from '../meter.ts';

/** Anything that knows the current at an instant: an emulated module's timeline, a test waveform. */
export interface CurrentSource {
  at(t: EpochMs): MicroAmps;
}

export interface SimulatedMeterOptions {
  spec: string;
  clock: Clock;
  source: CurrentSource;
  /** Samples per second (default 100 kS/s, the PPK2's rate). */
  rateHz?: number;
  /** Samples per delivered block; one block is delivered per block time on the clock (default 10 ms worth). */
  blockSamples?: number;
  /** Seed of the noise; same seed, same samples. */
  seed?: number;
  /** Noise: relative (fraction of the value) and absolute floor (µA), Gaussian, one sigma. 0 for exact tests. */
  noise?: { relative: number; floorUa: number };
}

/**
 * A meter that samples a current source in (virtual) time: the emulated bench's stand-in for a PPK2.
 * Sample i of a recording is the source's current at t0 + i / rate, plus seeded Gaussian noise.
 */
export class SimulatedMeter implements Meter {
  readonly info: MeterInfo;
  readonly capabilities: MeterCapabilities = { source: true, dutPower: false, logic: false };
  readonly rateHz: number;
  #voltage: MilliVolts = 3800;
  #timer: Timer | undefined;
  #next = 0;
  #random: () => number;
  readonly #o: SimulatedMeterOptions;
  readonly #block: number;

  constructor(options: SimulatedMeterOptions) {
    this.#o = options;
    this.info = { kind: 'sim', spec: options.spec, model: 'simulated meter' };
    this.rateHz = options.rateHz ?? 100_000;
    this.#block = options.blockSamples ?? Math.max(1, Math.round(this.rateHz / 100));
    this.#random = seededRandom(options.seed ?? 1);
    if (!(this.rateHz > 0) || !Number.isFinite(this.rateHz))
      throw new MeterError(
        options.spec,
        `rate must be a positive number of samples per second, got ${this.rateHz}`,
      );
  }

  get voltageMv(): MilliVolts {
    return this.#voltage;
  }

  async open(): Promise<void> {}

  async setMode(_mode: MeterMode): Promise<void> {}

  async setVoltage(mv: MilliVolts): Promise<void> {
    if (!(mv >= 800 && mv <= 5000))
      throw new MeterError(this.info.spec, `source voltage ${mv} mV is outside 800..5000 mV`);
    this.#voltage = mv;
  }

  async setDutPower(_on: boolean): Promise<void> {
    throw new MeterError(
      this.info.spec,
      'the simulated meter does not switch the DUT; use the emulated switch',
    );
  }

  async start(handlers: StreamHandlers): Promise<void> {
    if (this.#timer) throw new MeterError(this.info.spec, 'already streaming');
    const { clock, source } = this.#o;
    const t0 = clock.now();
    this.#next = 0;
    const periodMs = (this.#block * 1000) / this.rateHz;
    const tick = () => {
      const start = this.#next;
      const uA = new Float64Array(this.#block);
      for (let i = 0; i < this.#block; i++)
        uA[i] = this.#noisy(source.at(t0 + ((start + i) * 1000) / this.rateHz));
      this.#next += this.#block;
      handlers.samples({ start, uA, t0: t0 + (start * 1000) / this.rateHz });
      this.#timer = clock.setTimer(
        t0 + (this.#next + this.#block) * (1000 / this.rateHz) - clock.now(),
        tick,
      );
    };
    // The first block is complete one block time after the start, as on a real meter.
    this.#timer = clock.setTimer(periodMs, tick);
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  async close(): Promise<void> {
    await this.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #noisy(v: MicroAmps): MicroAmps {
    const n = this.#o.noise;
    if (!n || (n.relative === 0 && n.floorUa === 0)) return v;
    const sigma = Math.abs(v) * n.relative + n.floorUa;
    return Math.max(0, v + sigma * gaussian(this.#random));
  }
}
