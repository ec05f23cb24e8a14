import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { Clock, EpochMs } from '../../src/clock/index.ts';
import { duplexPair } from '../../src/serial/index.ts';
import { SeededRandom } from '../random.ts';
import { ADC_MAX, AdcEncoder, packWord } from './adc.ts';
import {
  completeCalibration,
  formatMetadata,
  hostCalibration,
  type MetadataSettings,
  type PerRange,
  type Ppk2Calibration,
  quantizeCalibration,
  type RangeIndex,
} from './calibration.ts';
import { CommandReader, type Ppk2Command } from './commands.ts';
import { type Ppk2FaultControls, Ppk2FaultInjector, type Ppk2FaultSettings } from './faults.ts';
import { Recording, type StreamCounters } from './recording.ts';

export type MicroAmps = number;
/** The DUT's current at a clock instant (fractional ms: samples are 10 µs apart). */
export type CurrentProvider = (t: EpochMs) => MicroAmps;
/** The logic port D0..D7 at a clock instant (bit i = Di). */
export type LogicProvider = (t: EpochMs) => number;
export type Ppk2PowerMode = 'ampere' | 'source';

export interface EmulatedPpk2Options {
  clock: Clock;
  /** The only randomness (noise and faults); same seed, same bytes. Default 1. */
  seed?: number | string;
  /** Over EXAMPLE_CALIBRATION (a real unit's). Values are rounded to what the metadata prints. */
  calibration?: Partial<Ppk2Calibration>;
  metadata?: MetadataSettings;
  /** Regulator setting at power-up, mV (default 3000). */
  vddMv?: number;
  /** Power mode at power-up (default 'source'). */
  mode?: Ppk2PowerMode;
  /** DUT power at power-up (default off: a host must send DeviceRunningSet 1). */
  dutPower?: boolean;
  /** What the DUT draws; not consulted while DUT power is off. Default 0 µA. */
  current?: CurrentProvider;
  /** Logic inputs; default all low. */
  logic?: LogicProvider;
  /** Samples go out in one write per block of this length (default 10 ms = 1000 samples). */
  blockMs?: number;
  /** Gaussian ADC noise, σ in ADC counts (default 1; 0 for exact codes). */
  noiseCounts?: number;
  /** Auto-ranging switches up above this code (default 16383: the lowest range that fits). */
  rangeCeilingCode?: number;
  /** While more bytes than this wait unread on the host side, whole blocks are lost (default 400 000 = 1 s). */
  backlogLimitBytes?: number;
  faults?: Ppk2FaultSettings;
}

/** A command as the device received it, with the clock time it was acted on. */
export interface ReceivedCommand extends Ppk2Command {
  t: EpochMs;
}

export interface Ppk2State extends Readonly<StreamCounters> {
  /** A recording is producing words (also while trailing blocks go out after AverageStop). */
  streaming: boolean;
  dutPower: boolean;
  vddMv: number;
  mode: Ppk2PowerMode;
  /** User gains as the device stores and reports them (SetUserGains). */
  userGains: readonly number[];
  /** Hung by the stall fault: silent and deaf until recover(). */
  hung: boolean;
  /** Clock time of sample 0 of the current (or last) recording. */
  recordingStart: EpochMs | undefined;
  /** Samples taken in the current (or last) recording. */
  recordingSamples: number;
}

interface Ppk2Events {
  command: [ReceivedCommand];
  'dut-power': [boolean];
  streaming: [boolean];
  hung: [];
}

const VDD_MIN_MV = 800;
const VDD_MAX_MV = 5000;

/**
 * An emulated Nordic Power Profiler Kit II on the device side of its USB-serial link. `host` is the
 * driver's end of the cable. Commands per the reference §1.2, metadata text per §1.4, sample words per
 * §1.5, encoded by inverting the host's conversion §1.6 with the calibration the metadata reports.
 */
export class EmulatedPpk2 extends EventEmitter<Ppk2Events> {
  /** The host's end of the link (what a driver reads and writes). */
  readonly host: Duplex;
  readonly faults: Ppk2FaultControls;
  /** Every command received, in order. */
  readonly commands: ReceivedCommand[] = [];
  /** The calibration a correct host converts with after reading the metadata (the samples are encoded with it). */
  readonly hostCalibration: Ppk2Calibration;

  readonly #clock: Clock;
  readonly #device: Duplex;
  readonly #reader = new CommandReader();
  readonly #faults: Ppk2FaultInjector;
  readonly #noise: SeededRandom;
  readonly #factory: Ppk2Calibration;
  readonly #encoder: AdcEncoder;
  readonly #options: EmulatedPpk2Options;
  readonly #noiseCounts: number;
  readonly #blockMs: number;
  readonly #backlogLimit: number;
  #current: CurrentProvider;
  #logic: LogicProvider | undefined;
  #userGains: number[];
  #dutPower = false;
  #vddMv = 3000;
  #mode: Ppk2PowerMode = 'source';
  #hung = false;
  #closed = false;
  #recording: Recording | undefined;
  #lastRecording: Recording | undefined;
  readonly #counters: StreamCounters = {
    counter: 0,
    samplesSent: 0,
    samplesSkipped: 0,
    samplesOverflowed: 0,
    bytesSent: 0,
  };

  constructor(options: EmulatedPpk2Options) {
    super();
    this.#options = options;
    this.#clock = options.clock;
    const random = new SeededRandom(options.seed ?? 1);
    this.#noise = random.fork('ppk2-noise');
    this.#faults = new Ppk2FaultInjector(options.faults ?? {}, random);
    this.faults = this.#faults;
    this.#factory = quantizeCalibration(completeCalibration(options.calibration));
    this.hostCalibration = hostCalibration(this.#factory, options.metadata);
    this.#userGains = [...this.#factory.ug];
    this.#current = options.current ?? (() => 0);
    this.#logic = options.logic;
    this.#noiseCounts = options.noiseCounts ?? 1;
    this.#blockMs = options.blockMs ?? 10;
    if (!(this.#blockMs >= 0.01))
      throw new RangeError(
        `emulated PPK2: blockMs must be at least one sample (0.01 ms), got ${this.#blockMs}`,
      );
    this.#backlogLimit = options.backlogLimitBytes ?? 400_000;
    this.#encoder = new AdcEncoder(this.hostCalibration, 3000, options.rangeCeilingCode);
    this.#powerUp();

    const poke = (this.#clock as { poke?: () => void }).poke?.bind(this.#clock);
    const [host, device] = duplexPair(poke ? { onTransfer: poke } : {});
    this.host = host;
    this.#device = device;
    device.on('data', (chunk: Buffer) => this.#receive(chunk));
    device.on('error', () => {}); // the host closing its end is no device error
  }

  get state(): Ppk2State {
    const rec = this.#recording ?? this.#lastRecording;
    return {
      ...this.#counters,
      streaming: this.#recording !== undefined,
      dutPower: this.#dutPower,
      vddMv: this.#vddMv,
      mode: this.#mode,
      userGains: [...this.#userGains],
      hung: this.#hung,
      recordingStart: rec?.start,
      recordingSamples: rec?.samples ?? 0,
    };
  }

  /** What GetMetadata answers right now (as a PPK2; the foreign-device fault answers otherwise). */
  get metadataText(): string {
    return formatMetadata(
      {
        calibration: { ...this.#factory, ug: this.#userGains as unknown as PerRange },
        vddMv: this.#vddMv,
        mode: this.#mode === 'ampere' ? 1 : 2,
      },
      this.#options.metadata,
    );
  }

  /** One ADC step in µA at a code of a range, with the calibration the host converts with. */
  resolutionMicroAmps(range: RangeIndex, code = ADC_MAX / 2): number {
    return this.#encoder.stepMicroAmps(range, code);
  }

  /** Wire the DUT's current (the lead connects an emulated module's timeline here). */
  setCurrent(provider: CurrentProvider): void {
    this.#current = provider;
  }

  setLogic(provider: LogicProvider | undefined): void {
    this.#logic = provider;
  }

  /** Unplug and replug after a hang: back to power-up state (user gains are kept, as in EEPROM). */
  recover(): void {
    this.#recording?.cancel();
    this.#endRecording();
    this.#hung = false;
    this.#powerUp();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#recording?.cancel();
    this.#recording = undefined;
    this.#device.destroy();
    this.host.destroy();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** Power-up state (also after Reset and recover()); user gains live in EEPROM and are kept. */
  #powerUp(): void {
    this.#reader.clear();
    this.#vddMv = clampVdd(this.#options.vddMv ?? 3000);
    this.#encoder.setVdd(this.#vddMv);
    this.#mode = this.#options.mode ?? 'source';
    this.#counters.counter = 0;
    this.#setDutPower(this.#options.dutPower ?? false);
  }

  #receive(chunk: Buffer): void {
    if (this.#hung || this.#closed) return; // a hung device reads nothing
    for (const command of this.#reader.push(chunk)) {
      const received: ReceivedCommand = { ...command, t: this.#clock.now() };
      this.commands.push(received);
      this.emit('command', received);
      this.#execute(command);
      if (this.#hung) return;
    }
  }

  #execute(command: Ppk2Command): void {
    const foreign = this.#faults.foreignText;
    if (foreign !== undefined) {
      if (command.name === 'GetMetadata') this.#send(Buffer.from(foreign, 'latin1'));
      return;
    }
    const p = command.payload;
    switch (command.name) {
      case 'GetMetadata':
        this.#send(Buffer.from(this.metadataText, 'latin1'));
        return;
      case 'AverageStart':
        this.#startRecording();
        return;
      case 'AverageStop':
        this.#recording?.stop();
        return;
      case 'DeviceRunningSet':
        this.#setDutPower(p[0] !== 0);
        return;
      case 'RegulatorSet':
        this.#vddMv = clampVdd((p[0]! << 8) | p[1]!);
        this.#encoder.setVdd(this.#vddMv);
        return;
      case 'SetPowerMode':
        if (p[0] === 1) this.#mode = 'ampere';
        else if (p[0] === 2) this.#mode = 'source';
        return;
      case 'SetUserGains':
        // Stored and reported; the samples do not change: user gains are applied by the host.
        if (p[0]! <= 4) this.#userGains[p[0]!] = p.readFloatLE(1);
        return;
      case 'Reset':
        this.#recording?.cancel();
        this.#endRecording();
        this.#powerUp();
        return;
      default:
        return; // the firmware does nothing with the rest (host-side features, PPK1 leftovers)
    }
  }

  #setDutPower(on: boolean): void {
    if (on === this.#dutPower) return;
    this.#dutPower = on;
    this.emit('dut-power', on);
  }

  #startRecording(): void {
    if (this.#recording) return; // already streaming: AverageStart changes nothing
    this.#recording = new Recording({
      clock: this.#clock,
      blockMs: this.#blockMs,
      faults: this.#faults,
      counters: this.#counters,
      word: (t, counter) => this.#word(t, counter),
      backlogged: () => this.#device.writableLength > this.#backlogLimit,
      send: (bytes) => this.#send(bytes),
      onHang: () => {
        this.#endRecording();
        this.#hung = true;
        this.emit('hung');
      },
      onEnd: () => this.#endRecording(),
    });
    this.emit('streaming', true);
  }

  #endRecording(): void {
    if (!this.#recording) return;
    this.#lastRecording = this.#recording;
    this.#recording = undefined;
    this.emit('streaming', false);
  }

  #word(t: EpochMs, counter: number): number {
    const uA = this.#dutPower ? this.#current(t) : 0;
    const reading = this.#encoder.encode(uA);
    let code = reading.code;
    if (this.#noiseCounts > 0) code += this.#noiseCounts * gaussian(this.#noise);
    code = Math.min(ADC_MAX, Math.max(0, Math.round(code)));
    const rangeBits = this.#faults.invalidRange() ?? reading.range;
    const logic = this.#logic ? this.#logic(t) : 0;
    return packWord(code, rangeBits, counter, logic);
  }

  #send(bytes: Buffer): void {
    const device = this.#device;
    if (device.destroyed || this.#closed) return;
    this.#counters.bytesSent += bytes.length;
    let from = 0;
    for (const cut of this.#faults.splitPoints(bytes.length)) {
      device.write(bytes.subarray(from, cut));
      from = cut;
    }
    device.write(bytes.subarray(from));
  }
}

export function createEmulatedPpk2(options: EmulatedPpk2Options): EmulatedPpk2 {
  return new EmulatedPpk2(options);
}

function clampVdd(mv: number): number {
  return Math.min(VDD_MAX_MV, Math.max(VDD_MIN_MV, Math.round(mv)));
}

/** Standard normal draw (Box–Muller) from a seeded stream. */
function gaussian(random: SeededRandom): number {
  const u = 1 - random.next(); // (0, 1]: log stays finite
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
