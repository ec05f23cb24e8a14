/**
 * The nightly runner end to end on the emulated bench: bench and plan checked before anything runs, the
 * results log, verdicts, bring-up failures, determinism, kill -9 then --resume, and the bench lease.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { loadBench } from '../src/runner/bench-spec.ts';
import { BenchBusyError, reserveBench } from '../src/runner/lock.ts';
import { type LogEvent, replay } from '../src/runner/model.ts';
import { loadPlan } from '../src/runner/plan-spec.ts';
import { readResultsLog } from '../src/runner/results-log.ts';
import { runPlan } from '../src/runner/runner.ts';
import { SCENARIOS } from '../src/runner/scenarios/index.ts';
import { ConfigFileError } from '../src/runner/yaml-file.ts';

const FIX = join(import.meta.dirname, 'fixtures', 'rig');
const BENCH = join(FIX, 'two-modules.yaml');
const PLAN = join(FIX, 'quick.yaml');
const RIG = join(import.meta.dirname, '..', 'bin', 'rig.js');

function tmp(t: import('ava').ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'rig-runner-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Lock files of these tests stay out of the machine-wide lock directory. */
process.env.RIG_LOCK_DIR = mkdtempSync(join(tmpdir(), 'rig-locks-'));

test.serial('a plan on the emulated bench: every step passes, the log and the reports say so', async (t) => {
  const runs = tmp(t);
  const outcome = await runPlan({
    planFile: PLAN,
    benchFile: BENCH,
    registry: SCENARIOS,
    runsDir: runs,
    seed: 3,
  });
  const { events } = readResultsLog(join(outcome.runDir, 'results.jsonl'));
  const run = replay(events);
  t.is(
    outcome.verdict,
    'pass',
    JSON.stringify(
      run.scenarios.flatMap((s) =>
        s.steps.filter((x) => x.verdict !== 'pass').map((x) => `${x.id}: ${x.message}`),
      ),
    ),
  );
  t.true(run.complete);
  t.deepEqual(
    run.scenarios.map((s) => s.id),
    ['uc1', 'atomicity', 'uc2'],
  );
  const uc1 = run.scenarios[0]!;
  t.deepEqual(
    uc1.steps.map((s) => s.id),
    ['campaign', 'device-bg95', 'device-r5'],
  );
  const t90 = uc1.steps[0]!.measurements.find((m) => m.name === 't90')!;
  t.is(t90.unit, 's');
  t.deepEqual(
    t90.limits,
    { high: 3 * 3600 },
    'the plan wrote 3 h; the runner converted it to the declared unit',
  );
  t.truthy(uc1.steps[0]!.campaign, 'the campaign figures are in the log');
  t.deepEqual(run.devices.map((d) => d.name).sort(), ['bg95', 'r5']);
  t.true(run.bringUp.every((b) => b.ok));
  t.true(existsSync(join(outcome.runDir, 'transcripts', 'bg95.jsonl')));
  const power = uc1.steps[1]!.evidence.find((e) => e.kind === 'power')!;
  t.true(existsSync(join(outcome.runDir, power.path)));
  t.true(power.markers!.some((m) => m.label === 'install'));
});

test('a bench with a typo, an unknown profile or a missing port is refused with file, line and key', (t) => {
  const bad = `name: b
clock: virtual
modules:
  - name: one
    profile: quectel-bg95
    emulated: true
    annoucement: binary
  - name: two
    profile: quectel-bg77
    emulated: true
enb: { kind: sim }
`;
  const e1 = t.throws(() => loadBench('typo.yaml', bad), { instanceOf: ConfigFileError });
  t.regex(e1.message, /typo\.yaml: .*line 7: modules\.0\.annoucement: Unrecognized key/s);
  const fixed = bad.replace('annoucement', 'announcement');
  const e2 = t.throws(() => loadBench('profile.yaml', fixed), { instanceOf: ConfigFileError });
  t.regex(e2.message, /line 9: modules\.1\.profile: unknown module profile "quectel-bg77"/);
  const real = `name: r
clock: real
modules:
  - name: one
    profile: quectel-bg95
enb: { kind: sim }
`;
  t.regex(
    t.throws(() => loadBench('real.yaml', real))!.message,
    /line 4: modules\.0\.port: a real module needs a port/,
  );
});

test('a plan with an unknown scenario, a parameter it does not take, or a limit in the wrong unit is refused before anything runs', (t) => {
  const devices = ['bg95', 'r5'];
  const plan = (body: string) => `name: p\nscenarios:\n${body}`;
  const e1 = t.throws(() =>
    loadPlan('p.yaml', SCENARIOS, devices, plan('  - id: a\n    scenario: campain\n')),
  );
  t.regex(e1!.message, /line 4: scenarios\.0\.scenario: unknown scenario "campain" \(known: campaign,/);
  const e2 = t.throws(() =>
    loadPlan(
      'p.yaml',
      SCENARIOS,
      devices,
      plan('  - id: a\n    scenario: campaign\n    params: { useCase: uc1, leadTime: 3 }\n'),
    ),
  );
  t.regex(e2!.message, /line 5: scenarios\.0\.params\.leadTime: Unrecognized key/);
  const e3 = t.throws(() =>
    loadPlan(
      'p.yaml',
      SCENARIOS,
      devices,
      plan('  - id: a\n    scenario: campaign\n    limits:\n      t90: { high: 5 mA }\n'),
    ),
  );
  t.regex(
    e3!.message,
    /line 6: scenarios\.0\.limits\.t90\.high: "5 mA" is a current, but t90 is measured in s/,
  );
  const e4 = t.throws(() =>
    loadPlan('p.yaml', SCENARIOS, devices, plan('  - id: a\n    scenario: campaign\n    devices: [bg96]\n')),
  );
  t.regex(e4!.message, /scenarios\.0\.devices\.0: the bench has no module "bg96"/);
  const ok = loadPlan(
    'p.yaml',
    SCENARIOS,
    devices,
    plan(
      '  - id: a\n    scenario: campaign\n    limits:\n      updateEnergy: { high: 2 J, marginal: 100 mJ }\n',
    ),
  );
  t.deepEqual(ok.scenarios[0]!.limits.updateEnergy, { high: 2000, marginal: 100 });
});

test.serial(
  'a module that never answers fails its bring-up once; later scenarios skip it; the others run',
  async (t) => {
    const runs = tmp(t);
    const bench = join(runs, 'dead.yaml');
    writeFileSync(
      bench,
      readFileSync(BENCH, 'utf8').replace(
        '    switch: relay#2',
        '    switch: relay#2\n    faults: { noAnswer: 1 }',
      ),
    );
    const outcome = await runPlan({
      planFile: PLAN,
      benchFile: bench,
      registry: SCENARIOS,
      runsDir: runs,
      seed: 3,
      only: ['uc1', 'atomicity'],
    });
    const run = replay(readResultsLog(join(outcome.runDir, 'results.jsonl')).events);
    t.is(outcome.verdict, 'fail');
    const uc1 = run.scenarios.find((s) => s.id === 'uc1')!;
    const failed = uc1.steps.find((s) => s.id === 'bring-up-r5')!;
    t.is(failed.verdict, 'fail');
    t.regex(failed.message!, /bring-up failed at at-ready/);
    t.is(uc1.steps.find((s) => s.id === 'device-bg95')!.verdict, 'pass');
    const later = run.scenarios.find((s) => s.id === 'atomicity')!.steps.find((s) => s.id === 'bring-up-r5')!;
    t.is(later.verdict, 'skip');
    t.is(
      run.scenarios.find((s) => s.id === 'atomicity')!.steps.find((s) => s.id === 'sweep-bg95')!.verdict,
      'pass',
    );
  },
);

test.serial('same seed, same measurements and verdicts', async (t) => {
  const runs = tmp(t);
  const measure = async () => {
    const o = await runPlan({
      planFile: PLAN,
      benchFile: BENCH,
      registry: SCENARIOS,
      runsDir: runs,
      seed: 11,
      only: ['uc1'],
    });
    const run = replay(readResultsLog(join(o.runDir, 'results.jsonl')).events);
    return run.scenarios.flatMap((s) =>
      s.steps.map((st) => ({ step: st.id, verdict: st.verdict, m: st.measurements })),
    );
  };
  const a = await measure();
  await new Promise((r) => setTimeout(r, 5)); // a distinct run directory name
  const b = await measure();
  t.true(a.length > 0);
  t.deepEqual(a, b);
});

test.serial(
  'kill -9 in the middle of a run, then rig run --resume: nothing finished is redone, nothing is lost',
  async (t) => {
    const runs = tmp(t);
    const child = spawn(
      process.execPath,
      [RIG, 'run', PLAN, '--bench', BENCH, '--runs', runs, '--seed', '5'],
      {
        stdio: 'ignore',
        env: { ...process.env },
      },
    );
    // Wait until the first campaign ended in the log, then kill hard.
    const deadline = Date.now() + 60_000;
    let runDir: string | undefined;
    for (;;) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        t.fail('the run never got past the first campaign');
        return;
      }
      runDir ??= readdirSync(runs)
        .map((d) => join(runs, d))
        .find((d) => existsSync(join(d, 'results.jsonl')));
      if (runDir && readFileSync(join(runDir, 'results.jsonl'), 'utf8').includes('"t":"scenario-end","at"'))
        break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const before = readResultsLog(join(runDir!, 'results.jsonl')).events;
    t.false(
      before.some((e) => e.t === 'run-end'),
      'killed before the end',
    );
    const finishedBefore = new Set(
      before
        .filter((e) => e.t === 'step-end')
        .map((e) => `${(e as { scenario: string }).scenario}/${(e as { step: string }).step}`),
    );
    t.true(finishedBefore.size > 0);
    // The crashed run still renders.
    const report = spawnSync(process.execPath, [RIG, 'report', runDir!], { encoding: 'utf8' });
    t.is(report.status, 2, report.stderr);
    t.regex(report.stdout, /incomplete/);

    const resumed = spawnSync(process.execPath, [RIG, 'run', '--resume', runDir!], {
      encoding: 'utf8',
      timeout: 180_000,
    });
    t.is(resumed.status, 0, resumed.stdout + resumed.stderr);
    const after = readResultsLog(join(runDir!, 'results.jsonl')).events;
    const run = replay(after);
    t.true(run.complete);
    t.is(run.resumes, 1);
    const ends = after.filter((e): e is Extract<LogEvent, { t: 'step-end' }> => e.t === 'step-end');
    for (const key of finishedBefore) {
      const starts = after.filter((e) => e.t === 'step-start' && `${e.scenario}/${e.step}` === key).length;
      t.is(starts, 1, `${key} finished before the kill and was not run again`);
    }
    const keys = ends.map((e) => `${e.scenario}/${e.step}`);
    t.is(new Set(keys).size, keys.length, 'every step ended once');
    t.deepEqual(
      run.scenarios.map((s) => s.id),
      ['uc1', 'atomicity', 'uc2'],
    );
    t.true(run.scenarios.every((s) => s.verdict === 'pass'));
    t.true(existsSync(join(runDir!, 'junit.xml')) && existsSync(join(runDir!, 'report.html')));
  },
);

test('the bench lease: a second holder is refused and named; a dead holder or an expired lease is taken over', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rig-lease-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const a = reserveBench('lab-1', { holder: 'nightly #41', dir });
  const e = t.throws(() => reserveBench('lab-1', { holder: 'nightly #42', dir }), {
    instanceOf: BenchBusyError,
  });
  t.regex(e.message, /bench lab-1 is reserved by nightly #41 \(pid \d+ on .*lease until/);
  a.release();
  reserveBench('lab-1', { holder: 'nightly #42', dir }).release();
  // A killed holder: its pid is gone.
  writeFileSync(
    join(dir, 'lab-1.lock'),
    JSON.stringify({
      holder: 'killed',
      pid: 2 ** 22 + 12345,
      host: hostname(),
      since: Date.now(),
      expires: Date.now() + 3_600_000,
    }),
  );
  reserveBench('lab-1', { holder: 'after a kill', dir }).release();
  // Another host whose lease ran out.
  writeFileSync(
    join(dir, 'lab-1.lock'),
    JSON.stringify({ holder: 'elsewhere', pid: 1, host: 'other-host', since: 0, expires: Date.now() - 1 }),
  );
  reserveBench('lab-1', { holder: 'after expiry', dir }).release();
  // Another host, lease still running: refused.
  writeFileSync(
    join(dir, 'lab-1.lock'),
    JSON.stringify({
      holder: 'ci on lab-pc',
      pid: 1,
      host: 'lab-pc',
      since: Date.now(),
      expires: Date.now() + 60_000,
    }),
  );
  t.throws(() => reserveBench('lab-1', { holder: 'me', dir }), {
    message: /reserved by ci on lab-pc \(pid 1 on lab-pc/,
  });
});
