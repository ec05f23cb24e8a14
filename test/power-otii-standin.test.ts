import test from 'ava';
import { VirtualClock } from '../src/clock/index.ts';
import { MeterError, type SampleBlock } from '../src/power/index.ts';
import {
  OtiiCommandError,
  OtiiConnection,
  OtiiMeter,
  type OtiiMeterOptions,
} from '../src/power/otii/index.ts';
import { type OtiiStandInOptions, startOtiiStandIn } from './helpers/otii-standin.ts';

// The Otii application is proprietary and cannot run here: every test below talks to a protocol
// stand-in (test/helpers/otii-standin.ts) written from the reference's message examples.

const ORIGIN = Date.UTC(2026, 0, 1);
/** 120 mA for 20 ms every 200 ms, 8 µA otherwise. */
const current = (t: number) => ((t - ORIGIN) % 200 < 20 ? 120_000 : 8);

async function rig(standIn: Partial<OtiiStandInOptions> = {}, meter: Partial<OtiiMeterOptions> = {}) {
  const clock = new VirtualClock({ start: ORIGIN });
  const server = await startOtiiStandIn({ clock, current, ...standIn });
  const otii = new OtiiMeter({ clock, port: server.port, ...meter });
  return {
    clock,
    server,
    meter: otii,
    async [Symbol.asyncDispose]() {
      await otii.close();
      await server.close();
    },
  };
}

const commands = (r: { server: { requests: { cmd: string }[] } }) => r.server.requests.map((q) => q.cmd);

test('stand-in: connect reads the greeting; requests are matched by trans_id; errors carry their code', async (t) => {
  const clock = new VirtualClock();
  await using server = await startOtiiStandIn({ clock });
  await using connection = await OtiiConnection.connect({ clock, port: server.port });
  t.deepEqual(connection.server, { otii_version: '3.5.5', protocol_version: '0.1', server: 'otii-server' });
  const [devices, project] = await Promise.all([
    connection.request('otii_get_devices', { timeout: 1 }),
    connection.request('otii_get_active_project'),
  ]);
  t.deepEqual(devices, { devices: [{ device_id: 'Arc5120-0001', name: 'Arc', type: 'Arc' }] });
  t.deepEqual(project, { project_id: 1 });
  const error = await t.throwsAsync(connection.request('recording_is_running'), {
    instanceOf: OtiiCommandError,
  });
  t.is(error.errorcode, 'Invalid command');
  t.is(error.message, `otii 127.0.0.1:${server.port}: recording_is_running failed: Invalid command`);
});

test('stand-in: open discovers the Arc, enables the main current channel, reads rate and voltage', async (t) => {
  await using r = await rig();
  await r.meter.open();
  t.deepEqual(r.meter.info, {
    kind: 'otii',
    spec: `otii:tcp://127.0.0.1:${r.server.port}`,
    model: 'Otii Arc Arc',
    serial: 'Arc5120-0001',
    firmware: '1.1.7',
  });
  t.is(r.meter.rateHz, 4000);
  t.is(r.meter.voltageMv, 3300);
  t.true(r.server.state.channels.has('mc'));
  t.deepEqual(commands(r), [
    'otii_is_logged_in',
    'otii_get_licenses',
    'otii_reserve_license',
    'otii_get_devices',
    'arc_get_version',
    'arc_enable_channel',
    'arc_get_channel_samplerate',
    'arc_get_main_voltage',
    'otii_get_active_project',
  ]);
  t.is(r.server.state.licenses[0]!.reserved_to, 'rig-host');
  await r.meter.close();
  t.is(r.server.state.licenses[0]!.reserved_to, '', 'the license goes back on close');
});

test('stand-in: a login when nobody is logged in, and a logout on close', async (t) => {
  await using r = await rig(
    { login: { username: 'lab', password: 'pw' } },
    { credentials: { username: 'lab', password: 'pw' } },
  );
  await r.meter.open();
  t.deepEqual(r.server.requests[1], { cmd: 'otii_login', data: { username: 'lab', password: 'pw' } });
  await r.meter.close();
  t.deepEqual(commands(r).slice(-2), ['otii_return_license', 'otii_logout']);
  t.false(r.server.state.loggedIn);
});

test('stand-in: no credentials for a server that wants a login is a clear error', async (t) => {
  await using r = await rig({ login: { username: 'lab', password: 'pw' } }, { name: 'arc-1' });
  const error = await t.throwsAsync(r.meter.open(), { instanceOf: MeterError });
  t.regex(
    error.message,
    /^meter arc-1 \(otii:tcp:\/\/127\.0\.0\.1:\d+\): open: the Otii server has no user logged in; give credentials/,
  );
});

test('stand-in: wrong credentials report the server error code', async (t) => {
  await using r = await rig(
    { login: { username: 'lab', password: 'pw' } },
    { credentials: { username: 'lab', password: 'x' } },
  );
  await t.throwsAsync(r.meter.open(), {
    instanceOf: MeterError,
    message: /open: otii 127\.0\.0\.1:\d+: otii_login failed: Could not login/,
  });
});

test('stand-in: no free Automation license', async (t) => {
  await using r = await rig({ licenses: [{ id: 3, type: 'Pro', available: true, reserved_to: '' }] });
  await t.throwsAsync(r.meter.open(), { message: /no free license with Automation; the user has: Pro/ });
});

test('stand-in: no device, or two without a choice, or the one asked for', async (t) => {
  {
    await using r = await rig({ devices: [] });
    await t.throwsAsync(r.meter.open(), { message: /no Arc or Ace connected to the Otii application/ });
  }
  const two = [
    { device_id: 'Arc-A', name: 'bench-a', type: 'Arc' },
    { device_id: 'Ace-B', name: 'bench-b', type: 'Ace' },
  ];
  {
    await using r = await rig({ devices: two });
    await t.throwsAsync(r.meter.open(), {
      message:
        /2 devices connected \(Arc "bench-a" \(Arc-A\), Ace "bench-b" \(Ace-B\)\); choose one with the device option/,
    });
  }
  {
    await using r = await rig({ devices: two }, { device: 'bench-b' });
    await r.meter.open();
    t.is(r.meter.info.serial, 'Ace-B');
  }
});

test('stand-in: source mode sets the main voltage; ampere mode goes inline and only remembers it', async (t) => {
  await using r = await rig();
  await r.meter.open();
  await r.meter.setMode('source');
  await r.meter.setVoltage(3700);
  t.is(r.server.state.mainVoltage, 3.7);
  t.is(r.server.state.regulation, 'voltage');
  await r.meter.setMode('ampere');
  t.is(r.server.state.regulation, 'inline');
  await r.meter.setVoltage(3600);
  t.is(r.meter.voltageMv, 3600);
  t.is(r.server.state.mainVoltage, 3.7);
  await t.throwsAsync(
    r.meter.setMode('source').then(() => r.meter.setVoltage(9000)),
    {
      instanceOf: MeterError,
      message:
        /setVoltage\(9000 mV\): otii 127\.0\.0\.1:\d+: arc_set_main_voltage failed: Invalid key value \(value = 9\)/,
    },
  );
});

test('stand-in: a recording streams in chunks; the samples are the current at their instants', async (t) => {
  await using r = await rig({}, { chunkSize: 3000, pollIntervalMs: 1000 });
  await r.meter.open();
  await r.meter.setDutPower(true);
  t.true(r.server.state.mainOn);
  const blocks: SampleBlock[] = [];
  const errors: Error[] = [];
  await r.meter.start({ samples: (b) => blocks.push(b), error: (e) => errors.push(e) });
  await r.clock.sleep(2500);
  await r.meter.stop();
  t.deepEqual(errors, []);
  const total = blocks.reduce((n, b) => n + b.uA.length, 0);
  t.is(total, 10_000, '2.5 s at 4 kS/s');
  let next = 0;
  for (const b of blocks) {
    t.is(b.start, next);
    t.true(b.uA.length <= 3000);
    next += b.uA.length;
    for (let k = 0; k < b.uA.length; k++) {
      const at = b.t0 + (k * 1000) / r.meter.rateHz;
      t.true(Math.abs(b.uA[k]! - current(at)) < 1e-6, `sample ${b.start + k}`);
    }
  }
  // Each poll asked for what was new: 4000 samples as 3000 + 1000, then the 2000 of the tail.
  const asked = r.server.requests
    .filter((q) => q.cmd === 'recording_get_channel_data')
    .map((q) => q.data!.count);
  t.deepEqual(asked, [3000, 1000, 3000, 1000, 2000]);
  t.true(commands(r).includes('project_stop_recording'));
});

test('stand-in: main power off records zero current', async (t) => {
  await using r = await rig({}, { pollIntervalMs: 250 });
  await r.meter.open();
  const blocks: SampleBlock[] = [];
  await r.meter.start({ samples: (b) => blocks.push(b) });
  await r.clock.sleep(500);
  await r.meter.stop();
  t.true(blocks.length > 0);
  t.true(blocks.every((b) => b.uA.every((x) => x === 0)));
});

test('stand-in: the connection drops mid-recording: a clear MeterError, the blocks delivered stay', async (t) => {
  await using r = await rig({}, { pollIntervalMs: 500 });
  await r.meter.open();
  await r.meter.setDutPower(true);
  r.server.dropOn('recording_get_channel_data', 2);
  const blocks: SampleBlock[] = [];
  const errors: Error[] = [];
  await r.meter.start({ samples: (b) => blocks.push(b), error: (e) => errors.push(e) });
  await r.clock.sleep(3000);
  t.is(blocks.length, 2);
  t.is(errors.length, 1);
  t.true(errors[0] instanceof MeterError);
  t.regex(
    errors[0]!.message,
    /^meter otii:tcp:\/\/127\.0\.0\.1:\d+: stream: otii 127\.0\.0\.1:\d+: recording_get_channel_data: connection closed by the Otii server$/,
  );
  t.is(blocks[1]!.start, blocks[0]!.uA.length);
  await r.meter.stop();
  await t.throwsAsync(r.meter.setDutPower(false), { message: /connection is closed/ });
});

test('stand-in: an error answer while recording ends the stream with that error', async (t) => {
  await using r = await rig({}, { pollIntervalMs: 500 });
  await r.meter.open();
  r.server.failNext('recording_get_channel_data_count', 'Command failure', { message: 'device busy' });
  const errors: Error[] = [];
  await r.meter.start({ samples: () => {}, error: (e) => errors.push(e) });
  await r.clock.sleep(1000);
  t.regex(errors[0]!.message, /recording_get_channel_data_count failed: Command failure \(device busy\)/);
  t.is(r.server.state.recordings[0]!.stop !== undefined, true, 'the recording was stopped on the way out');
});

test('stand-in: nothing listening on the port', async (t) => {
  const clock = new VirtualClock();
  const server = await startOtiiStandIn({ clock });
  const port = server.port;
  await server.close();
  const meter = new OtiiMeter({ clock, port });
  await t.throwsAsync(meter.open(), {
    instanceOf: MeterError,
    message: /open: otii 127\.0\.0\.1:\d+: connect failed: .*ECONNREFUSED/,
  });
});
