import type { Duplex } from 'node:stream';
import { type Clock, formatDuration, type Milliseconds, type Timer } from '../../clock/index.ts';
import { type PortDiscoveryOptions, type PortSpec, parsePortSpec } from '../../serial/index.ts';
import {
  type Meter,
  type MeterCapabilities,
  MeterError,
  type MeterInfo,
  type MeterMode,
  type MilliVolts,
  type StreamHandlers,
} from '../meter.ts';
import { Ppk2Connection } from './connection.ts';
import { Ppk2Converter, type Ppk2SpikeFilter } from './convert.ts';
import { ppk2PortCandidates, probePpk2Ports } from './find.ts';
import { defaultCalibration, type Ppk2Metadata, parsePpk2Metadata } from './metadata.ts';
import {
  encodeAverageStart,
  encodeAverageStop,
  encodeDeviceRunningSet,
  encodeRegulatorSet,
  encodeSetPowerMode,
  encodeSetUserGains,
  PPK2_RANGE_COUNT,
  PPK2_SAMPLE_RATE_HZ,
  PPK2_USB_PRODUCT_ID,
  PPK2_USB_VENDOR_ID,
  PPK2_VDD_MAX_MV,
  PPK2_VDD_MIN_MV,
} from './protocol.ts';
import { Ppk2StreamDecoder, type Ppk2StreamStats } from './stream.ts';
import type { WallTimeCheckOptions } from './wall-time.ts';

export interface Ppk2MeterOptions {
  /** The PPK2's data port: a path, by-id name or usb:1915:c00a[:serial][#ifNN] (see Ppk2Meter.find). */
  port?: string | PortSpec;
  /** Or a byte stream already connected to a PPK2 (an emulated one, in-process). The meter owns it. */
  transport?: Duplex;
  /** How `transport` is named in errors and in info.spec. */
  transportLabel?: string;
  clock: Clock;
  /** The meter's name in the bench, for errors. */
  name?: string;
  /** Host-side spike filter as in the Nordic app (default true); false converts every reading exactly. */
  spikeFilter?: boolean | Partial<Ppk2SpikeFilter>;
  /** Check sample counts against wall time (default on); false for streams not paced in real time. */
  wallTime?: false | WallTimeCheckOptions;
  /** Wait for the metadata text after GetMetadata (default 3 s). */
  metadataTimeoutMs?: Milliseconds;
  /** No bytes for this long while streaming is an error (default 1 s). */
  stallTimeoutMs?: Milliseconds;
  /** A stream silent this long has stopped (default 50 ms). */
  quietMs?: Milliseconds;
  /** stop() fails when bytes still come this long after AverageStop (default 2 s). */
  stopTimeoutMs?: Milliseconds;
  lockDir?: string;
  discovery?: PortDiscoveryOptions;
  /** USB serial number, when known from discovery (for info). */
  serialNumber?: string;
}

export interface Ppk2FindOptions extends Omit<Ppk2MeterOptions, 'port' | 'transport' | 'transportLabel'> {
  /** usb:1915:c00a[:serial] (the default: the one PPK2 present), or a path / by-id name. */
  spec?: string;
  /** Wait for each candidate port's metadata reply (default 1.5 s). */
  probeTimeoutMs?: Milliseconds;
}

type State = 'closed' | 'opening' | 'idle' | 'streaming' | 'stopping' | 'lost';

/** Voltage used for the conversion when the metadata has none (the Nordic app's start value). */
const FALLBACK_VDD_MV = 3000;
// The app resets user gains that are further than this from 1 (a PPK2 left with odd gains).
const USER_GAIN_TOLERANCE = 0.1;

/**
 * Nordic Power Profiler Kit II over its USB serial data port (power.md §1). Open: stop any stream
 * left running and let it drain, GetMetadata, parse the calibration, reset out-of-range user
 * gains, RegulatorSet to the stored VDD, and in ampere mode switch the DUT path on, as the Nordic
 * app does. Source mode leaves DUT power as it is.
 */
export class Ppk2Meter implements Meter {
  readonly info: MeterInfo;
  readonly capabilities: MeterCapabilities = { source: true, dutPower: true, logic: true };
  readonly rateHz = PPK2_SAMPLE_RATE_HZ;
  readonly #options: Ppk2MeterOptions;
  readonly #clock: Clock;
  readonly #portText: string;
  readonly #converter: Ppk2Converter;
  #connection: Ppk2Connection | undefined;
  #state: State = 'closed';
  #metadata: Ppk2Metadata | undefined;
  #mode: MeterMode | undefined;
  #dutPower: boolean | undefined;
  #decoder: Ppk2StreamDecoder | undefined;
  #handlers: StreamHandlers | undefined;
  #watchdog: Timer | undefined;
  #closing: Promise<void> | undefined;

  /**
   * Finds a PPK2 and returns it open. A USB spec lists the matching ports (a PPK2 shows a data port
   * and a shell port with one serial number), probes each with GetMetadata and keeps the one that
   * answers with metadata. A path or by-id spec is opened as it is.
   */
  static async find(options: Ppk2FindOptions): Promise<Ppk2Meter> {
    const {
      spec: text = `usb:${PPK2_USB_VENDOR_ID}:${PPK2_USB_PRODUCT_ID}`,
      probeTimeoutMs,
      ...rest
    } = options;
    const name = options.name ?? 'ppk2';
    let spec: PortSpec;
    try {
      spec = parsePortSpec(text);
    } catch (error) {
      throw new MeterError(name, `find: ${(error as Error).message}`);
    }
    if (spec.kind !== 'usb') {
      const meter = new Ppk2Meter({ ...rest, port: spec });
      await meter.open();
      return meter;
    }
    const candidates = await ppk2PortCandidates(spec, options.discovery, name);
    return probePpk2Ports(
      spec,
      candidates,
      name,
      (candidate) =>
        new Ppk2Meter({
          ...rest,
          port: candidate.open,
          metadataTimeoutMs: probeTimeoutMs ?? 1500,
          ...(candidate.serialNumber !== undefined && { serialNumber: candidate.serialNumber }),
        }),
    );
  }

  constructor(options: Ppk2MeterOptions) {
    if ((options.port === undefined) === (options.transport === undefined)) {
      throw new MeterError(options.name ?? 'ppk2', 'give either a port or a transport');
    }
    this.#options = options;
    this.#clock = options.clock;
    const port = options.port;
    this.#portText =
      port === undefined
        ? (options.transportLabel ?? 'transport')
        : typeof port === 'string'
          ? port
          : port.text;
    this.info = {
      kind: 'ppk2',
      spec: `ppk2:${this.#portText}`,
      ...(options.serialNumber !== undefined && { serial: options.serialNumber }),
    };
    this.#converter = new Ppk2Converter({
      calibration: defaultCalibration(),
      vddMv: FALLBACK_VDD_MV,
      spikeFilter: options.spikeFilter ?? true,
    });
  }

  /** How errors name this meter: its name and port. */
  get label(): string {
    return `${this.#options.name ?? 'ppk2'} (${this.#portText})`;
  }

  /** What the PPK2 said in reply to GetMetadata, with warnings about the values replaced. */
  get metadata(): Ppk2Metadata | undefined {
    return this.#metadata;
  }

  get voltageMv(): MilliVolts {
    return this.#converter.vddMv;
  }

  get mode(): MeterMode | undefined {
    return this.#mode;
  }

  get dutPower(): boolean | undefined {
    return this.#dutPower;
  }

  /** Counters of the current or last stream. */
  get streamStats(): Readonly<Ppk2StreamStats> | undefined {
    return this.#decoder?.stats;
  }

  /** The converter in use (calibration, voltage, spike filter), e.g. to re-convert raw words. */
  get converter(): Ppk2Converter {
    return this.#converter;
  }

  /** Idempotent while open; a closed meter does not reopen. */
  async open(): Promise<void> {
    if (this.#closing) throw new MeterError(this.label, 'open: the meter was closed');
    if (this.#state === 'lost') throw this.#connection!.lostError('open');
    if (this.#state !== 'closed') return;
    this.#state = 'opening';
    try {
      const connection = await Ppk2Connection.open(this.#options, this.label, (cause) => this.#lost(cause));
      this.#connection = connection;
      connection.onBytes = (chunk) => this.#streamBytes(chunk);
      // A stream left running by an earlier session would bury the metadata reply.
      await connection.send(encodeAverageStop(), 'AverageStop');
      connection.lastByteAt = Math.max(connection.lastByteAt, this.#clock.monotonic());
      await connection.waitQuiet(this.#options.quietMs ?? 50, 1000);
      const text = await connection.readMetadata(this.#options.metadataTimeoutMs ?? 3000);
      await this.#applyMetadata(parsePpk2Metadata(text, this.label));
      this.#state = 'idle';
    } catch (error) {
      await this.#connection?.close();
      this.#connection = undefined;
      this.#state = 'closed';
      throw error;
    }
  }

  async setMode(mode: MeterMode): Promise<void> {
    const connection = this.#open('setMode');
    if (mode === 'source') {
      await connection.send(encodeDeviceRunningSet(false), 'DeviceRunningSet(0)');
      this.#dutPower = false;
      await connection.send(encodeSetPowerMode('source'), 'SetPowerMode(source)');
    } else {
      await connection.send(encodeSetPowerMode('ampere'), 'SetPowerMode(ampere)');
      await connection.send(encodeDeviceRunningSet(true), 'DeviceRunningSet(1)');
      this.#dutPower = true;
    }
    this.#mode = mode;
  }

  async setVoltage(mv: MilliVolts): Promise<void> {
    const connection = this.#open('setVoltage');
    let command: Buffer;
    try {
      command = encodeRegulatorSet(mv);
    } catch {
      const range = `${PPK2_VDD_MIN_MV}..${PPK2_VDD_MAX_MV} mV`;
      throw new MeterError(this.label, `setVoltage ${mv} mV: outside ${range} (integer mV)`);
    }
    await connection.send(command, `RegulatorSet(${mv} mV)`);
    this.#converter.vddMv = mv;
  }

  async setDutPower(on: boolean): Promise<void> {
    const connection = this.#open('setDutPower');
    await connection.send(encodeDeviceRunningSet(on), `DeviceRunningSet(${on ? 1 : 0})`);
    this.#dutPower = on;
  }

  async start(handlers: StreamHandlers): Promise<void> {
    const connection = this.#open('start');
    if (this.#state !== 'idle') throw new MeterError(this.label, `start: already ${this.#state}`);
    this.#converter.resetFilter(); // as the app does at each AverageStart
    this.#handlers = handlers;
    this.#decoder = new Ppk2StreamDecoder({
      converter: this.#converter,
      clock: this.#clock,
      rateHz: this.rateHz,
      onBlock: (block) => handlers.samples(block),
      onGap: (gap) => handlers.gap?.(gap),
      ...(this.#options.wallTime !== undefined && { wallTime: this.#options.wallTime }),
    });
    this.#state = 'streaming';
    connection.lastByteAt = this.#clock.monotonic();
    try {
      await connection.send(encodeAverageStart(), 'AverageStart');
    } catch (error) {
      this.#endStream();
      if (this.#state === 'streaming') this.#state = 'idle';
      throw error;
    }
    this.#armWatchdog(this.#options.stallTimeoutMs ?? 1000);
  }

  /**
   * AverageStop, then samples still in flight are delivered until the stream has been quiet for
   * `quietMs`; bytes after that are discarded. Fails if the PPK2 keeps streaming past `stopTimeoutMs`.
   */
  async stop(): Promise<void> {
    if (this.#state === 'lost') {
      this.#endStream();
      return;
    }
    const connection = this.#open('stop');
    if (this.#state === 'stopping') throw new MeterError(this.label, 'stop: already stopping');
    if (this.#state === 'streaming') this.#state = 'stopping';
    this.#watchdog?.cancel();
    try {
      await connection.send(encodeAverageStop(), 'AverageStop');
      connection.lastByteAt = Math.max(connection.lastByteAt, this.#clock.monotonic());
      const limit = this.#options.stopTimeoutMs ?? 2000;
      if (!(await connection.waitQuiet(this.#options.quietMs ?? 50, limit))) {
        throw new MeterError(this.label, `stop: still streaming ${formatDuration(limit)} after AverageStop`);
      }
    } finally {
      this.#endStream();
      if (this.#state === 'stopping') this.#state = 'idle';
    }
  }

  async close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#state === 'streaming') await this.stop().catch(() => {});
      this.#endStream();
      await this.#connection?.close();
      this.#state = 'closed';
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #applyMetadata(metadata: Ppk2Metadata): Promise<void> {
    const connection = this.#connection!;
    this.#metadata = metadata;
    const calibration = metadata.calibration;
    if (calibration.ug.some((gain) => !(Math.abs(gain - 1) <= USER_GAIN_TOLERANCE))) {
      for (let range = 0; range < PPK2_RANGE_COUNT; range++) {
        await connection.send(encodeSetUserGains(range, 1), `SetUserGains(${range}, 1)`);
      }
      metadata.warnings.push(`user gains ${calibration.ug.join(', ')} reset to 1`);
      calibration.ug = [1, 1, 1, 1, 1];
    }
    this.#converter.calibration = calibration;
    // The conversion needs the regulator voltage in both modes (power.md §1.3).
    const vdd = metadata.vddMv ?? FALLBACK_VDD_MV;
    if (metadata.vddMv === undefined) metadata.warnings.push(`no usable VDD; ${vdd} mV set`);
    await connection.send(encodeRegulatorSet(vdd), `RegulatorSet(${vdd} mV)`);
    this.#converter.vddMv = vdd;
    this.#mode = metadata.mode ?? 'source';
    if (this.#mode === 'ampere') {
      await connection.send(encodeDeviceRunningSet(true), 'DeviceRunningSet(1)');
      this.#dutPower = true;
    }
    this.info.model = metadata.hw !== undefined ? `PPK2 HW ${metadata.hw}` : 'PPK2';
  }

  #streamBytes(chunk: Buffer): void {
    const decoder = this.#decoder;
    if (!decoder || (this.#state !== 'streaming' && this.#state !== 'stopping')) return;
    try {
      decoder.push(chunk);
    } catch (error) {
      this.#failStream(new MeterError(this.label, `sample handler threw: ${(error as Error).message}`));
    }
  }

  #armWatchdog(stall: Milliseconds): void {
    const check = () => {
      const connection = this.#connection;
      if (this.#state !== 'streaming' || !connection) return;
      const idle = this.#clock.monotonic() - connection.lastByteAt;
      if (idle < stall) {
        this.#watchdog = this.#clock.setTimer(stall - idle, check).unref();
        return;
      }
      const delivered = this.#decoder?.stats.delivered ?? 0;
      this.#failStream(
        new MeterError(
          this.label,
          `stream stalled: no bytes for ${formatDuration(idle)} while streaming (${delivered} samples delivered)`,
        ),
      );
    };
    // unref: the watchdog alone must not keep a virtual clock running.
    this.#watchdog = this.#clock.setTimer(stall, check).unref();
  }

  /** The stream is over with an error: deliver what is held back, then report once. */
  #failStream(error: MeterError): void {
    const handlers = this.#handlers;
    this.#endStream();
    if (this.#state === 'streaming' || this.#state === 'stopping') this.#state = 'idle';
    handlers?.error?.(error);
  }

  #endStream(): void {
    this.#watchdog?.cancel();
    this.#watchdog = undefined;
    this.#handlers = undefined;
    const decoder = this.#decoder;
    if (decoder && !decoder.finished) {
      try {
        decoder.finish();
      } catch {
        // a handler threw on the last samples: there is nobody left to tell
      }
    }
  }

  #lost(cause: Error): void {
    if (this.#closing || this.#state === 'closed' || this.#state === 'lost') return;
    const streaming = this.#state === 'streaming' || this.#state === 'stopping';
    const handlers = this.#handlers;
    if (streaming) this.#endStream();
    this.#state = 'lost';
    if (streaming) {
      const delivered = this.#decoder?.stats.delivered ?? 0;
      handlers?.error?.(
        new MeterError(
          this.label,
          `port lost while streaming (${cause.message}); ${delivered} samples were delivered`,
        ),
      );
    }
  }

  /** The connection, for a command; throws when the meter is not open or its port is gone. */
  #open(what: string): Ppk2Connection {
    const connection = this.#connection;
    if (this.#state === 'lost') throw connection!.lostError(what);
    if (!connection || this.#state === 'closed' || this.#state === 'opening' || this.#closing) {
      throw new MeterError(this.label, `${what}: not open`);
    }
    return connection;
  }
}
