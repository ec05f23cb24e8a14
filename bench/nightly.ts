/**
 * The full nightly plan on the emulated bench (`npm start`): wall time, and the bench time it covers
 * (virtual, from run-start to run-end). Target: at least 24 h of bench time in at most 3 minutes; the
 * ratio bench time / wall time is the speed-up over running the same plan on real hardware.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_BENCH, DEFAULT_PLAN } from '../src/cli/run.ts';
import { replay } from '../src/runner/model.ts';
import { writeReports } from '../src/runner/report/index.ts';
import { readResultsLog } from '../src/runner/results-log.ts';
import { runPlan } from '../src/runner/runner.ts';
import { SCENARIOS } from '../src/runner/scenarios/index.ts';

export async function benchNightly(): Promise<string[]> {
  const runs = mkdtempSync(join(tmpdir(), 'rig-bench-nightly-'));
  try {
    const started = performance.now();
    const outcome = await runPlan({
      planFile: DEFAULT_PLAN,
      benchFile: DEFAULT_BENCH,
      registry: SCENARIOS,
      runsDir: runs,
      seed: 1,
    });
    const runMs = performance.now() - started;
    const reportStarted = performance.now();
    await writeReports(outcome.runDir);
    const reportMs = performance.now() - reportStarted;
    const run = replay(readResultsLog(join(outcome.runDir, 'results.jsonl')).events);
    const benchMs = (run.endedAt ?? run.startedAt) - run.startedAt;
    const steps = Object.values(run.counts).reduce((a, b) => a + b, 0);
    const hours = benchMs / 3_600_000;
    const wallS = (runMs + reportMs) / 1000;
    return [
      `nightly plan on the emulated bench: ${steps} steps, verdict ${outcome.verdict} (${Object.entries(
        run.counts,
      )
        .filter(([, n]) => n > 0)
        .map(([v, n]) => `${n} ${v}`)
        .join(', ')})`,
      `bench time covered ${hours.toFixed(1)} h in ${wallS.toFixed(1)} s wall (run ${(runMs / 1000).toFixed(1)} s + reports ${(reportMs / 1000).toFixed(1)} s) = ` +
        `${Math.round(benchMs / (runMs + reportMs)).toLocaleString('en')}× real time; target ≥ 24 h in ≤ 180 s: ${hours >= 24 && wallS <= 180 ? 'met' : 'NOT met'}`,
    ];
  } finally {
    rmSync(runs, { recursive: true, force: true });
  }
}
