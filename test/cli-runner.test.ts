/** `rig list`, `rig doctor`, `rig run --help` and bad input, as a user meets them (the real CLI process). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { freePort } from './helpers/mosquitto.ts';

const ROOT = join(import.meta.dirname, '..');
const RIG = join(ROOT, 'bin', 'rig.js');
const rig = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [RIG, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  });

test('rig list names the plans, the benches with their modules, the scenarios with their measurements and units', (t) => {
  const r = rig(['list']);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /nightly\.yaml/);
  t.regex(
    r.stdout,
    /emulated\.yaml +virtual +bg95=quectel-bg95 r5=ublox-sara-r5 sim7080=simcom-sim7080g nrf91=nordic-nrf9160/,
  );
  t.regex(r.stdout, /campaign +One multicast update campaign/);
  t.regex(r.stdout, /t90 +\[s\]/);
  t.regex(r.stdout, /certification/);
});

test('rig doctor on the emulated bench: every resource answers, exit 0', (t) => {
  const r = rig(['doctor']);
  t.is(r.status, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /OK +module bg95 \(quectel-bg95\) +Quectel BG95-M3/);
  t.regex(r.stdout, /OK +meter for bg95 +ppk2/);
  t.regex(r.stdout, /OK +switch for r5 +relay-lcus/);
  t.regex(r.stdout, /emulated: \d+\/\d+ resources answer/);
});

test('rig doctor on a real bench with nothing plugged in: each missing resource named, exit 2', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rig-doctor-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const closed = await freePort();
  const bench = readFileSync(join(ROOT, 'rig', 'benches', 'lab-example.yaml'), 'utf8')
    .replace('mqtt://mqtt.lab.example:1883', `mqtt://127.0.0.1:${closed}`)
    .replace('workDir: /var/lib/mbms-iot-rig/srsran', `workDir: ${dir}/srsran`);
  writeFileSync(join(dir, 'lab.yaml'), bench);
  const r = rig(['doctor', '--bench', join(dir, 'lab.yaml')]);
  t.is(r.status, 2, r.stdout + r.stderr);
  t.regex(r.stdout, /FAIL +module bg95 \(quectel-bg95\) +.*usb:2c7c:0700/);
  t.regex(r.stdout, /FAIL +broker 127\.0\.0\.1:\d+/);
  t.regex(r.stdout, /srsRAN srsenb/);
});

test('rig run with a bench that has a typo: exit 2 before anything runs, the error names file, line and key', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rig-typo-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const bench = readFileSync(join(ROOT, 'rig', 'benches', 'emulated.yaml'), 'utf8').replace(
    '    coverage: 0\n    meter',
    '    coverag: 0\n    meter',
  );
  writeFileSync(join(dir, 'bench.yaml'), bench);
  const r = rig(['run', '--bench', join(dir, 'bench.yaml'), '--runs', dir]);
  t.is(r.status, 2);
  t.regex(r.stderr, /bench\.yaml: line \d+: modules\.0\.coverag: Unrecognized key/);
  t.deepEqual(
    readFileSync(join(dir, 'bench.yaml'), 'utf8').length > 0 &&
      spawnSync('ls', [dir]).stdout.toString().trim().split('\n').sort(),
    ['bench.yaml'],
    'no run directory was made',
  );
});

test('rig run --help says what it does and its exit codes', (t) => {
  const r = rig(['run', '--help']);
  t.is(r.status, 0);
  t.regex(r.stdout, /--resume <run-dir>/);
  t.regex(r.stdout, /Exit: 0 pass, 1 device failures, 2 rig error/);
});

test('rig run --mqtt publishes the run to a real mosquitto: every event, each step, and the retained verdict', async (t) => {
  const { mosquittoFor } = await import('./helpers/mosquitto.ts');
  const { connectAsync } = await import('mqtt');
  const port = await mosquittoFor(t);
  const dir = mkdtempSync(join(tmpdir(), 'rig-mqtt-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const sub = await connectAsync(`mqtt://127.0.0.1:${port}`);
  t.teardown(() => sub.endAsync());
  const seen: string[] = [];
  sub.on('message', (topic) => seen.push(topic));
  await sub.subscribeAsync('rig/run/#', { qos: 1 });
  const bench = join(ROOT, 'test', 'fixtures', 'rig', 'two-modules.yaml');
  const r = spawnSync(
    process.execPath,
    [
      RIG,
      'run',
      join(ROOT, 'test', 'fixtures', 'rig', 'quick.yaml'),
      '--bench',
      bench,
      '--only',
      'uc1',
      '--runs',
      dir,
      '--mqtt',
      `mqtt://127.0.0.1:${port}`,
    ],
    {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, RIG_LOCK_DIR: dir },
    },
  );
  t.is(r.status, 0, r.stdout + r.stderr);
  await new Promise((res) => setTimeout(res, 300));
  t.true(seen.filter((s) => s.endsWith('/event')).length > 10, 'every log event');
  t.true(
    seen.some((s) => /\/step\/uc1\/device-bg95$/.test(s)),
    'the step topic',
  );
  // A dashboard that connects later still gets the verdict (retained).
  const late = await connectAsync(`mqtt://127.0.0.1:${port}`);
  t.teardown(() => late.endAsync());
  const verdict = new Promise<string>((res) => late.on('message', (_t, p) => res(p.toString())));
  await late.subscribeAsync('rig/run/+/verdict', { qos: 1 });
  t.regex(await verdict, /"verdict":"pass"/);
});
