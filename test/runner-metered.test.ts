/**
 * The real bench's energy path, on the emulated bench: the campaign's energy per phase comes from a meter
 * recording (a simulated meter sampling the emulated module, since no instrument is attached here), and it
 * agrees with the module's exact current timeline; the report draws that recording with the phases.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Recording } from '../src/power/index.ts';
import { replay } from '../src/runner/model.ts';
import { writeReports } from '../src/runner/report/index.ts';
import { readResultsLog } from '../src/runner/results-log.ts';
import { runPlan } from '../src/runner/runner.ts';
import { SCENARIOS } from '../src/runner/scenarios/index.ts';

const FIX = join(import.meta.dirname, 'fixtures', 'rig');
process.env.RIG_LOCK_DIR = mkdtempSync(join(tmpdir(), 'rig-locks-'));

test('simulated meter (no instrument here): campaign energy per phase from the meter recording, close to the exact timeline', async (t) => {
  const runs = mkdtempSync(join(tmpdir(), 'rig-metered-'));
  t.teardown(() => rmSync(runs, { recursive: true, force: true }));
  const plan = join(runs, 'plan.yaml');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    plan,
    'name: metered\nscenarios:\n  - id: uc1\n    scenario: campaign\n    params: { useCase: uc1, plannedLead: 10 min }\n',
  );
  const outcome = await runPlan({
    planFile: plan,
    benchFile: join(FIX, 'metered.yaml'),
    registry: SCENARIOS,
    runsDir: runs,
    seed: 2,
  });
  const run = replay(readResultsLog(join(outcome.runDir, 'results.jsonl')).events);
  t.is(outcome.verdict, 'pass', JSON.stringify(run.scenarios[0]?.steps.map((s) => s.message)));
  const step = run.scenarios[0]!.steps.find((s) => s.id === 'device-bg95')!;
  const power = step.evidence.find((e) => e.kind === 'power')!;
  t.true(existsSync(join(outcome.runDir, power.path, 'meta.json')), 'a recording directory');
  t.true(power.markers!.some((m) => m.label === 'reception'));
  const device = (
    run.scenarios[0]!.steps[0]!.campaign!.devices as {
      phases: { phase: string; start: number; end: number; energyMj: number }[];
    }[]
  )[0]!;
  const rec = await Recording.open(join(outcome.runDir, power.path));
  t.teardown(() => rec.close());
  t.is(rec.rateHz, 1000);
  // The campaign's figures came from this recording: recompute one phase from it.
  const reception = device.phases.find((p) => p.phase === 'reception')!;
  const stats = await rec.stats({ time: reception.start }, { time: reception.end });
  t.true(Math.abs((stats.chargeUc * rec.voltageMv) / 1e6 - reception.energyMj) / reception.energyMj < 0.01);
  t.true(reception.energyMj > 0);
  const reports = await writeReports(outcome.runDir);
  t.true(reports.files.some((f) => f.endsWith('report.html')));
  t.regex(readFileSync(join(outcome.runDir, 'report.html'), 'utf8'), /meter recording/);
});
