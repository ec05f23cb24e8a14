import { createServer, type Socket } from 'node:net';
import type { VirtualClock } from '../../src/clock/index.ts';

/**
 * A stand-in for the Otii application's TCP automation server, which is proprietary and cannot run
 * here. It speaks the protocol as the reference describes it (power.md §2, after the vendor's Python
 * client): a greeting `information` message on connect, CR LF framed JSON, `response`/`error` carrying
 * the request's trans_id, and the commands OtiiMeter uses, with a recording whose sample count grows
 * with the clock. It is not an Otii emulator: only what the tests need, written from the message
 * examples, sharing no code with src/power/otii.
 */

type Json = Record<string, unknown>;

export interface StandInDevice {
  device_id: string;
  name: string;
  type: string;
}

export interface StandInLicense {
  id: number;
  type: string;
  available: boolean;
  reserved_to: string;
}

export interface OtiiStandInOptions {
  clock: VirtualClock;
  /** µA the DUT draws at a clock instant; recorded only while main power is on. */
  current?: (t: number) => number;
  sampleRateHz?: number;
  devices?: StandInDevice[];
  /** The server has nobody logged in until otii_login with these. */
  login?: { username: string; password: string };
  licenses?: StandInLicense[];
}

interface StandInRecording {
  id: number;
  start: number;
  stop: number | undefined;
}

export interface OtiiStandIn extends AsyncDisposable {
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: { cmd: string; data: Json | undefined }[];
  readonly state: {
    mainOn: boolean;
    mainVoltage: number;
    regulation: string;
    channels: Set<string>;
    loggedIn: boolean;
    licenses: StandInLicense[];
    recordings: StandInRecording[];
  };
  /** The next request for cmd gets this error instead of its response. */
  failNext(cmd: string, errorcode: string, data?: Json): void;
  /** Close the connection when cmd arrives, after `skip` of them passed. */
  dropOn(cmd: string, skip?: number): void;
  close(): Promise<void>;
}

export async function startOtiiStandIn(options: OtiiStandInOptions): Promise<OtiiStandIn> {
  const { clock } = options;
  const rate = options.sampleRateHz ?? 4000;
  const devices = options.devices ?? [{ device_id: 'Arc5120-0001', name: 'Arc', type: 'Arc' }];
  const current = options.current ?? (() => 0);
  const mainHistory: { t: number; on: boolean }[] = [];
  const state: OtiiStandIn['state'] = {
    mainOn: false,
    mainVoltage: 3.3,
    regulation: 'voltage',
    channels: new Set(),
    loggedIn: options.login === undefined,
    licenses: options.licenses ?? [{ id: 11, type: 'Automation', available: true, reserved_to: '' }],
    recordings: [],
  };
  const requests: OtiiStandIn['requests'] = [];
  const failures = new Map<string, { errorcode: string; data: Json }>();
  const drops = new Map<string, number>();
  const sockets = new Set<Socket>();

  const mainAt = (t: number) => {
    let on = false;
    for (const h of mainHistory) if (h.t <= t) on = h.on;
    return on;
  };
  const count = (r: StandInRecording) => Math.floor((((r.stop ?? clock.now()) - r.start) * rate) / 1000);
  const device = (data: Json | undefined) => devices.find((d) => d.device_id === data?.device_id);

  // Returns the response data, or an error [errorcode, data].
  const handle = (cmd: string, data: Json | undefined): Json | [string, Json] => {
    const needsLogin = !cmd.startsWith('otii_is_logged_in') && !cmd.startsWith('otii_login');
    if (needsLogin && !state.loggedIn) return ['Not logged in', {}];
    if (cmd.startsWith('arc_') && !device(data))
      return ['Device not connected', { device_id: String(data?.device_id) }];
    switch (cmd) {
      case 'otii_is_logged_in':
        return { logged_in: state.loggedIn };
      case 'otii_login':
        if (data?.username !== options.login?.username || data?.password !== options.login?.password) {
          return ['Could not login', {}];
        }
        state.loggedIn = true;
        return {};
      case 'otii_logout':
        state.loggedIn = options.login === undefined;
        return {};
      case 'otii_get_licenses':
        return { licenses: state.licenses };
      case 'otii_reserve_license':
      case 'otii_return_license': {
        const l = state.licenses.find((x) => x.id === data?.license_id);
        if (!l)
          return [`License could not be ${cmd.endsWith('reserve_license') ? 'reserved' : 'returned'}`, {}];
        l.reserved_to = cmd.endsWith('reserve_license') ? 'rig-host' : '';
        return {};
      }
      case 'otii_get_devices':
        return { devices };
      case 'otii_get_active_project':
        return { project_id: 1 };
      case 'arc_get_version':
        return { hw_version: 'Arc 1.0', fw_version: '1.1.7' };
      case 'arc_enable_channel':
        if (data?.enable) state.channels.add(String(data.channel));
        else state.channels.delete(String(data?.channel));
        return {};
      case 'arc_get_channel_samplerate':
        return { value: rate };
      case 'arc_get_main_voltage':
        return { value: state.mainVoltage };
      case 'arc_set_main_voltage': {
        const v = data?.value;
        if (typeof v !== 'number' || v < 0.5 || v > 4.75)
          return ['Invalid key value', { key: 'value', value: v }];
        state.mainVoltage = v;
        return {};
      }
      case 'arc_set_max_current':
        return {};
      case 'arc_set_power_regulation':
        if (!['voltage', 'current', 'inline', 'off'].includes(String(data?.mode))) {
          return ['Invalid key value', { key: 'mode', value: data?.mode }];
        }
        state.regulation = String(data?.mode);
        return {};
      case 'arc_set_main':
        state.mainOn = data?.enable === true;
        mainHistory.push({ t: clock.now(), on: state.mainOn });
        return {};
      case 'project_start_recording':
        state.recordings.push({ id: state.recordings.length + 1, start: clock.now(), stop: undefined });
        return {};
      case 'project_stop_recording': {
        const r = state.recordings.at(-1);
        if (r && r.stop === undefined) r.stop = clock.now();
        return {};
      }
      case 'project_get_last_recording': {
        const r = state.recordings.at(-1);
        return r ? { recording_id: r.id, name: `Recording ${r.id}` } : { recording_id: -1 };
      }
      case 'recording_get_channel_data_count':
      case 'recording_get_channel_data': {
        const r = state.recordings.find((x) => x.id === data?.recording_id);
        if (!r) return ['Command failure', { message: `no recording ${String(data?.recording_id)}` }];
        if (data?.channel !== 'mc' || !state.channels.has('mc')) {
          return ['Command failure', { message: `channel ${String(data?.channel)} not recorded` }];
        }
        const n = count(r);
        if (cmd.endsWith('_count')) return { count: n };
        const index = Number(data?.index);
        const wanted = Math.max(0, Math.min(Number(data?.count), n - index));
        const values: number[] = [];
        for (let i = 0; i < wanted; i++) {
          const t = r.start + ((index + i) * 1000) / rate;
          values.push(mainAt(t) ? current(t) * 1e-6 : 0);
        }
        return { data_type: 'analog', timestamp: index / rate, interval: 1 / rate, values };
      }
      default:
        return ['Invalid command', {}];
    }
  };

  const send = (socket: Socket, message: Json) => {
    const hold = clock.hold('otii stand-in reply');
    socket.write(`${JSON.stringify(message)}\r\n`, () => releaseAfterTurns(hold.release, 5));
  };

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    send(socket, {
      type: 'information',
      info: 'connected',
      data: { otii_version: '3.5.5', protocol_version: '0.1', server: 'otii-server' },
    });
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      for (let end = text.indexOf('\r\n'); end >= 0; end = text.indexOf('\r\n')) {
        const line = text.slice(0, end);
        text = text.slice(end + 2);
        const request = JSON.parse(line) as Json;
        const cmd = String(request.cmd);
        const data = request.data as Json | undefined;
        requests.push({ cmd, data });
        const dropSkip = drops.get(cmd);
        if (dropSkip !== undefined) {
          if (dropSkip <= 0) {
            drops.delete(cmd);
            socket.destroy();
            return;
          }
          drops.set(cmd, dropSkip - 1);
        }
        const failure = failures.get(cmd);
        failures.delete(cmd);
        const outcome = failure ? ([failure.errorcode, failure.data] as [string, Json]) : handle(cmd, data);
        const base = { cmd, trans_id: request.trans_id };
        if (Array.isArray(outcome))
          send(socket, { type: 'error', errorcode: outcome[0], ...base, data: outcome[1] });
        else send(socket, { type: 'response', ...base, data: outcome });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    port,
    requests,
    state,
    failNext: (cmd, errorcode, data = {}) => failures.set(cmd, { errorcode, data }),
    dropOn: (cmd, skip = 0) => drops.set(cmd, skip),
    close,
    [Symbol.asyncDispose]: close,
  };
}

function releaseAfterTurns(release: () => void, turns: number): void {
  if (turns <= 0) release();
  else setImmediate(() => releaseAfterTurns(release, turns - 1));
}
