import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';

const RIG = join(import.meta.dirname, '..', 'bin', 'rig.js');

function rig(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RIG, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('rig power: record an emulated BG95, then stats, CSV export and battery life from the recording', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rig-power-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const rec = join(dir, 'rec');
  const r = await rig([
    'power',
    'record',
    '--meter',
    'sim:quectel-bg95',
    '--duration',
    '60s',
    '--rate',
    '1000',
    '--out',
    rec,
    '--json',
  ]);
  t.is(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as {
    samples: number;
    phases: { name: string; averageUa: number; durationS: number }[];
  };
  t.true(summary.samples >= 59_900);
  const phases = Object.fromEntries(summary.phases.map((p) => [p.name, p]));
  // The profile's figures come back per phase (1 % noise): boot 40 mA for 4 s, PSM floor 3 µA.
  t.true(Math.abs(phases.boot!.averageUa - 40_000) / 40_000 < 0.01);
  t.true(Math.abs(phases.boot!.durationS - 4) < 0.01);
  t.true(Math.abs(phases.psm!.averageUa - 3) < 0.1);
  const stats = await rig(['power', 'stats', rec, '--phase', 'psm', '--json']);
  t.is(stats.code, 0, stats.stderr);
  t.true(Math.abs((JSON.parse(stats.stdout) as { averageUa: number }).averageUa - 3) < 0.1);
  const csv = join(dir, 'rec.csv');
  t.is((await rig(['power', 'export', rec, '--csv', csv, '--to', '10ms'])).code, 0);
  t.deepEqual(readFileSync(csv, 'utf8').split('\n').slice(0, 2), [
    'Timestamp(ms),Current(uA)',
    readFileSync(csv, 'utf8').split('\n')[1]!,
  ]);
  t.regex(readFileSync(csv, 'utf8').split('\n')[1]!, /^0,\d+\.\d{3}$/);
  const battery = await rig([
    'power',
    'battery',
    rec,
    '--capacity',
    '19Ah',
    '--event',
    'attach=1/180',
    '--json',
  ]);
  t.is(battery.code, 0, battery.stderr);
  const life = JSON.parse(battery.stdout) as { years: number; daysPerOccurrence: Record<string, number> };
  t.true(life.years > 15 && life.years < 100);
  t.true(life.daysPerOccurrence.attach! > 0);
  const summaryFile = JSON.parse(readFileSync(join(rec, 'summary.json'), 'utf8')) as object;
  t.truthy(summaryFile);
});

test('rig power: bad input is named', async (t) => {
  const unknown = await rig(['power', 'record', '--meter', 'acme:1', '--out', join(tmpdir(), 'x')]);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /unknown meter kind "acme"; known: ppk2:, scpi:, otii:, sim:/);
  const missing = await rig(['power', 'stats', join(tmpdir(), 'no-such-recording')]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /no-such-recording: open: no meta.json/);
  const capacity = await rig(['power', 'battery', join(tmpdir(), 'x'), '--capacity', 'lots']);
  t.is(capacity.code, 2);
  t.regex(capacity.stderr, /--capacity: expected e.g. 19Ah/);
  const ppk2 = await rig([
    'power',
    'record',
    '--meter',
    'ppk2:/dev/nonexistent-ppk2',
    '--out',
    join(tmpdir(), 'y'),
    '--duration',
    '1s',
  ]);
  t.is(ppk2.code, 1);
  t.regex(ppk2.stderr, /nonexistent-ppk2/);
});
