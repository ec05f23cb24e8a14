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
import { OTII_DEFAULT_HOST, OTII_DEFAULT_PORT, OtiiConnection } from './connection.ts';
import { OtiiReplyError } from './errors.ts';
import {
  ARC_CURRENT_RATE_HZ,
  activeProject,
  findDevice,
  MAIN_CURRENT,
  mainCurrentRate,
  numberField,
  type OtiiDevice,
  type OtiiSession,
  signIn,
  signOut,
} from './setup.ts';

export interface OtiiMeterOptions {
  clock: Clock;
  /** Otii automation server (default 127.0.0.1:1905). */
  host?: string;
  port?: number;
  /** The meter's name in the bench, for errors (they always name the server too). */
  name?: string;
  /** Which Arc/Ace, by name or device id (default: the only one connected). */
  device?: string;
  /** Logged in with when the server says nobody is (otii_is_logged_in false). */
  credentials?: { username: string; password: string };
  /** License to reserve; by default the first free one that includes Automation. */
  licenseId?: number;
  /** How often new samples are fetched while recording (default 500 ms). */
  pollIntervalMs?: Milliseconds;
  /** Samples per recording_get_channel_data request (default 40 000, as the vendor's client). */
  chunkSize?: number;
  /** Main output current limit, A (arc_set_max_current, 0.001–5); left as it is when absent. */
  maxCurrentA?: number;
  /** Deadline per request (default 10 s). */
  timeoutMs?: Milliseconds;
  connectTimeoutMs?: Milliseconds;
}

interface Recording {
  id: number;
  /** Clock time the recording started: its timestamp 0. */
  base: EpochMs;
  delivered: number;
  stopRequested: boolean;
  wake: AbortController;
  done: Promise<void>;
}

interface Opened {
  connection: OtiiConnection;
  device: OtiiDevice;
  session: OtiiSession;
  projectId: number;
}

/**
 * A Meter on a Qoitech Otii Arc or Ace through the Otii application's TCP automation server. The
 * server records into a project; the stream polls the main-current channel's sample count and fetches
 * what is new in chunks, so SampleBlocks follow the recording one poll interval behind. Sample times
 * are on the injected clock: timestamp 0 of the recording is the moment project_start_recording was
 * acknowledged.
 */
export class OtiiMeter implements Meter {
  readonly capabilities: MeterCapabilities = { source: true, dutPower: true, logic: false };
  readonly #options: OtiiMeterOptions;
  readonly #clock: Clock;
  #info: MeterInfo;
  #opened: Opened | undefined;
  #rateHz = ARC_CURRENT_RATE_HZ;
  #mode: MeterMode = 'source';
  #voltageMv: MilliVolts = 0;
  #recording: Recording | undefined;

  constructor(options: OtiiMeterOptions) {
    this.#options = options;
    this.#clock = options.clock;
    const host = options.host ?? OTII_DEFAULT_HOST;
    const port = options.port ?? OTII_DEFAULT_PORT;
    this.#info = { kind: 'otii', spec: `otii:tcp://${host}:${port}` };
  }

  get info(): MeterInfo {
    return this.#info;
  }

  get rateHz(): number {
    return this.#rateHz;
  }

  get voltageMv(): MilliVolts {
    return this.#voltageMv;
  }

  get mode(): MeterMode {
    return this.#mode;
  }

  /** How errors name this meter: `<name> (<spec>)`, or the spec. */
  get #label(): string {
    return this.#options.name ? `${this.#options.name} (${this.#info.spec})` : this.#info.spec;
  }

  async open(): Promise<void> {
    if (this.#opened) throw new MeterError(this.#label, 'open: already open');
    const o = this.#options;
    let connection: OtiiConnection | undefined;
    let session: OtiiSession | undefined;
    try {
      connection = await OtiiConnection.connect({
        clock: this.#clock,
        host: o.host,
        port: o.port,
        timeoutMs: o.timeoutMs,
        connectTimeoutMs: o.connectTimeoutMs,
      });
      session = await signIn(connection, o);
      const device = await findDevice(connection, o.device, o.timeoutMs ?? 10_000);
      const id = { device_id: device.device_id };
      const version = await connection.request('arc_get_version', id);
      await connection.request('arc_enable_channel', { ...id, channel: MAIN_CURRENT, enable: true });
      this.#rateHz = await mainCurrentRate(connection, device);
      if (o.maxCurrentA !== undefined)
        await connection.request('arc_set_max_current', { ...id, value: o.maxCurrentA });
      const volts = await connection.request('arc_get_main_voltage', id);
      this.#voltageMv = numberField(connection, 'arc_get_main_voltage', volts, 'value') * 1000;
      const projectId = await activeProject(connection);
      this.#opened = { connection, device, session, projectId };
      this.#info = {
        ...this.#info,
        model: `Otii ${device.type} ${device.name}`,
        serial: device.device_id,
        firmware: typeof version.fw_version === 'string' ? version.fw_version : undefined,
      };
    } catch (error) {
      if (connection && session) await signOut(connection, session);
      await connection?.close();
      throw this.#error('open', error);
    }
  }

  async setMode(mode: MeterMode): Promise<void> {
    // voltage: the Arc supplies the DUT; inline: it sits in series with the DUT's own supply.
    const regulation = mode === 'source' ? 'voltage' : 'inline';
    await this.#deviceRequest(`setMode(${mode})`, 'arc_set_power_regulation', { mode: regulation });
    this.#mode = mode;
  }

  async setVoltage(mv: MilliVolts): Promise<void> {
    // In ampere mode the DUT's own supply sets the voltage; the figure is only kept for energy.
    if (this.#mode === 'source') {
      await this.#deviceRequest(`setVoltage(${mv} mV)`, 'arc_set_main_voltage', { value: mv / 1000 });
    } else {
      this.#require('setVoltage');
    }
    this.#voltageMv = mv;
  }

  async setDutPower(on: boolean): Promise<void> {
    await this.#deviceRequest(`setDutPower(${on})`, 'arc_set_main', { enable: on });
  }

  /** Starts a recording in the project; samples follow a poll interval behind. */
  async start(handlers: StreamHandlers): Promise<void> {
    const opened = this.#require('start');
    if (this.#recording) throw new MeterError(this.#label, 'start: already recording');
    const { connection, projectId } = opened;
    let id: number;
    let base: EpochMs;
    try {
      await connection.request('project_start_recording', { project_id: projectId });
      base = this.#clock.now();
      const last = await connection.request('project_get_last_recording', { project_id: projectId });
      id = numberField(connection, 'project_get_last_recording', last, 'recording_id');
      if (id < 0)
        throw new OtiiReplyError(
          connection.label,
          'project_get_last_recording',
          'no recording after start',
          last,
        );
    } catch (error) {
      throw this.#error('start', error);
    }
    const recording: Recording = {
      id,
      base,
      delivered: 0,
      stopRequested: false,
      wake: new AbortController(),
      done: Promise.resolve(),
    };
    recording.done = this.#follow(opened, recording, handlers);
    this.#recording = recording;
  }

  /** Stops the recording and delivers its last samples. */
  async stop(): Promise<void> {
    const recording = this.#recording;
    if (!recording) return;
    recording.stopRequested = true;
    recording.wake.abort();
    await recording.done;
  }

  /** Stops, gives back the license and login open() took, hangs up. */
  async close(): Promise<void> {
    await this.stop();
    const opened = this.#opened;
    this.#opened = undefined;
    if (!opened) return;
    await signOut(opened.connection, opened.session);
    await opened.connection.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #follow(opened: Opened, recording: Recording, handlers: StreamHandlers): Promise<void> {
    const { connection, projectId } = opened;
    const poll = this.#options.pollIntervalMs ?? 500;
    try {
      while (!recording.stopRequested) {
        await this.#clock.sleep(poll, recording.wake.signal).catch(() => {});
        if (recording.stopRequested) break;
        await this.#fetchNew(opened, recording, handlers);
      }
      await connection.request('project_stop_recording', { project_id: projectId });
      await this.#fetchNew(opened, recording, handlers);
    } catch (error) {
      handlers.error?.(this.#error('stream', error));
      if (!connection.closed) {
        await connection.request('project_stop_recording', { project_id: projectId }).catch(() => {});
      }
    } finally {
      if (this.#recording === recording) this.#recording = undefined;
    }
  }

  /** Fetches every sample counted and not yet delivered, in chunks. */
  async #fetchNew(
    { connection, device }: Opened,
    recording: Recording,
    handlers: StreamHandlers,
  ): Promise<void> {
    const where = { recording_id: recording.id, device_id: device.device_id, channel: MAIN_CURRENT };
    const counted = await connection.request('recording_get_channel_data_count', where);
    const count = numberField(connection, 'recording_get_channel_data_count', counted, 'count');
    const chunk = this.#options.chunkSize ?? 40_000;
    const cmd = 'recording_get_channel_data';
    while (recording.delivered < count) {
      const ask = Math.min(chunk, count - recording.delivered);
      const data = await connection.request(cmd, { ...where, index: recording.delivered, count: ask });
      const values = data.values;
      if (!Array.isArray(values) || values.some((v) => typeof v !== 'number')) {
        throw new OtiiReplyError(
          connection.label,
          cmd,
          'expected analog data {timestamp, interval, values: [A, …]}',
          data,
        );
      }
      if (values.length === 0) break; // counted but not yet available: the next poll gets them
      const timestamp = numberField(connection, cmd, data, 'timestamp');
      const uA = new Float64Array(values.length);
      for (let i = 0; i < values.length; i++) uA[i] = (values[i] as number) * 1e6;
      handlers.samples({ start: recording.delivered, uA, t0: recording.base + timestamp * 1000 });
      recording.delivered += values.length;
    }
  }

  async #deviceRequest(operation: string, cmd: string, data: Record<string, unknown>): Promise<void> {
    const { connection, device } = this.#require(operation);
    try {
      await connection.request(cmd, { device_id: device.device_id, ...data });
    } catch (error) {
      throw this.#error(operation, error);
    }
  }

  #require(operation: string): Opened {
    if (!this.#opened) throw new MeterError(this.#label, `${operation}: not open`);
    return this.#opened;
  }

  #error(operation: string, error: unknown): MeterError {
    return MeterError.wrap(this.#label, operation, error);
  }
}
