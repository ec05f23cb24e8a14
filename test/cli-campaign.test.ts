/** `rig campaign` as a user runs it: the real CLI process, the embedded broker or a real mosquitto. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { mosquittoFor } from './helpers/mosquitto.ts';

const RIG = join(import.meta.dirname, '..', 'bin', 'rig.js');
const rig = (args: string[]) =>
  spawnSync(process.execPath, [RIG, ...args], { encoding: 'utf8', timeout: 120_000 });

test('rig campaign uc1 on the embedded broker: every module updated, a table and the metrics, exit 0, JSON written', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rig-campaign-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = rig([
    'campaign',
    'uc1',
    '--model',
    'quectel-bg95',
    '--model',
    'nordic-nrf9160',
    '--json',
    join(dir, 'c.json'),
  ]);
  t.is(r.status, 0, r.stderr + r.stdout);
  t.regex(r.stdout, /dut1 +BG95-M3 +updated .*→ 2\.0\.4/);
  t.regex(r.stdout, /dut2 +nRF9160\S* +updated .*→ 1\.3\.6/);
  t.regex(r.stdout, /updated 2\/2; T50 \d+ s/);
  const json = JSON.parse(readFileSync(join(dir, 'c.json'), 'utf8'));
  t.is(json.metrics.updated, 2);
  t.is(json.devices.length, 2);
});

test('rig campaign with a lab broker (a real mosquitto) and the unicast baseline', async (t) => {
  const port = await mosquittoFor(t);
  const r = rig(['campaign', 'unicast', '--model', 'quectel-bg96', '--broker', `127.0.0.1:${port}`]);
  t.is(r.status, 0, r.stderr + r.stdout);
  t.regex(r.stdout, /UNICAST/);
  t.regex(r.stdout, /acks 1\/1/);
});

test('rig campaign refuses bad input before anything runs, naming the option and what it saw', (t) => {
  for (const [args, re] of [
    [['campaign', 'uc9'], /use case must be one of uc1, uc2, uc3, unicast, got "uc9"/],
    [['campaign', '--model', 'bg77'], /--model bg77 is not an emulated model/],
    [['campaign', '--loss', '150%'], /--loss must be a packet loss rate.*"150%"/],
    [['campaign', '--broker', 'nowhere'], /--broker must be host:port, got "nowhere"/],
  ] as const) {
    const r = rig([...args]);
    t.is(r.status, 2, `${args.join(' ')}: ${r.stdout}`);
    t.regex(r.stderr, re);
  }
});
