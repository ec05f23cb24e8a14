/**
 * The runner: checks the bench and the plan, reserves the bench, builds it, brings devices up as each
 * scenario needs, runs the steps with deadlines, and writes every event to the results log first (so a
 * crash loses nothing finished); `resume` runs again in the same directory and redoes nothing that ended.
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { EpochMs } from '../clock/index.ts';
import { type BuiltBenchInternals, buildBench } from './bench-builder.ts';
import { loadBench } from './bench-spec.ts';
import { bringUp } from './bring-up.ts';
import { type LogEvent, replay, type Verdict, verdictOfSteps, worst } from './model.ts';
import { loadPlan, type PlannedScenario } from './plan-spec.ts';
import { ResultsLog, readResultsLog } from './results-log.ts';
import { type BenchDevice, RigError, type ScenarioContext, type ScenarioKind } from './scenario.ts';
import { classify, runStep, transcribe, writeOutcome } from './step.ts';
import { RIG_VERSION } from './version.ts';

export interface RunOptions {
  planFile: string;
  benchFile: string;
  registry: Readonly<Record<string, ScenarioKind>>;
  seed?: number;
  only?: string[];
  /** Where run directories go (default ./runs). */
  runsDir?: string;
  /** Resume this run directory (plan, bench and seed come from its log). */
  resume?: string;
  signal?: AbortSignal;
  /** Live listeners of the log (console progress, MQTT publisher). */
  onEvent?: (e: LogEvent) => void;
  /** Longest a step may take in bench time (default 48 h). */
  stepTimeoutMs?: number;
}

export interface RunOutcome {
  runDir: string;
  verdict: Verdict;
  counts: Record<Verdict, number>;
}

export async function runPlan(o: RunOptions): Promise<RunOutcome> {
  let previous: LogEvent[] = [];
  let planFile = o.planFile;
  let benchFile = o.benchFile;
  let seed = o.seed ?? 1;
  let only = o.only;
  let runDir: string;
  if (o.resume) {
    runDir = resolve(o.resume);
    previous = readResultsLog(join(runDir, 'results.jsonl')).events;
    const start = previous[0];
    if (start?.t !== 'run-start')
      throw new RigError('configuration', `${runDir}: its results log has no run-start: nothing to resume`);
    planFile = start.plan.file;
    benchFile = start.bench.file;
    seed = start.seed;
    only = start.only;
  } else {
    runDir = '';
  }
  // Everything is checked before anything runs.
  const { bench: benchSpec } = loadBench(benchFile);
  const plan = loadPlan(
    planFile,
    o.registry,
    benchSpec.modules.map((m) => m.name),
  );
  if (only) {
    const unknown = only.filter((id) => !plan.scenarios.some((s) => s.id === id));
    if (unknown.length > 0)
      throw new RigError(
        'configuration',
        `--only ${unknown.join(', ')}: not in ${planFile} (it has ${plan.scenarios.map((s) => s.id).join(', ')})`,
      );
  }
  if (!o.resume) {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/Z$/, '');
    runDir = resolve(o.runsDir ?? 'runs', `${stamp}-${plan.name}`);
  }
  mkdirSync(runDir, { recursive: true });
  const finishedSteps = new Map<string, Verdict>();
  const finishedScenarios = new Set<string>();
  for (const e of previous) {
    if (e.t === 'step-end') finishedSteps.set(`${e.scenario}/${e.step}`, e.verdict);
    if (e.t === 'scenario-end') finishedScenarios.add(e.scenario);
  }
  const { reserveBench } = await import('./lock.ts');
  const lease = reserveBench(benchSpec.name, { holder: `rig run ${plan.name} (${runDir})` });
  const log = new ResultsLog(join(runDir, 'results.jsonl'));
  if (o.onEvent) log.onEvent(o.onEvent);
  let bench: BuiltBenchInternals | undefined;
  try {
    const wall = () => Date.now();
    const now = (): EpochMs => bench?.clock.now() ?? Date.now();
    const write = (e: LogEvent) => log.write(e);
    // The bench is built before run-start is written, so the run starts at the bench's own time (virtual
    // on the emulated bench); a build failure is recorded right after it.
    let buildError: unknown;
    try {
      bench = await buildBench(benchSpec, resolve(benchFile), seed);
    } catch (e) {
      buildError = e;
    }
    write({
      t: 'run-start',
      at: now(),
      wall: wall(),
      runId: previous[0]?.t === 'run-start' ? previous[0].runId : runDir.split('/').pop()!,
      plan: {
        name: plan.name,
        file: resolve(planFile),
        ...(plan.description ? { description: plan.description } : {}),
      },
      bench: { name: benchSpec.name, file: resolve(benchFile) },
      seed,
      rigVersion: RIG_VERSION,
      host: hostname(),
      ...(only ? { only } : {}),
      ...(o.resume ? { resumed: previous.filter((e) => e.t === 'run-start').length } : {}),
    });
    try {
      if (!bench) throw buildError;
      write({
        t: 'resource',
        at: now(),
        wall: wall(),
        kind: 'broker',
        name: 'mqtt',
        ok: true,
        detail: {
          url: `mqtt://${bench.broker.host}:${bench.broker.port}`,
          embedded: String(!benchSpec.broker),
        },
      });
      await bench.enb.start(o.signal);
      write({
        t: 'resource',
        at: now(),
        wall: wall(),
        kind: 'enb',
        name: bench.enb.kind,
        ok: true,
        detail: { state: bench.enb.health().state },
      });
    } catch (e) {
      const c = classify(e);
      write({
        t: 'resource',
        at: now(),
        wall: wall(),
        kind: 'bench',
        name: benchSpec.name,
        ok: false,
        detail: {},
        error: c.message,
      });
      // Nothing can run: every planned step is an error of the rig.
      for (const s of plan.scenarios) {
        write({
          t: 'scenario-start',
          at: now(),
          wall: wall(),
          scenario: s.id,
          kind: s.kind.kind,
          title: s.title,
          params: s.rawParams,
        });
        writeOutcome(write, now, wall, {
          scenario: s.id,
          step: 'bench',
          title: 'bench built',
          verdict: 'error',
          errorKind: c.kind ?? 'infrastructure',
          message: c.message,
        });
        write({ t: 'scenario-end', at: now(), wall: wall(), scenario: s.id, verdict: 'error' });
      }
      return finish(log, runDir, write, now, wall, lease.release);
    }
    const b = bench;
    for (const s of plan.scenarios) {
      if (only && !only.includes(s.id)) continue;
      if (finishedScenarios.has(s.id)) continue;
      o.signal?.throwIfAborted();
      await runScenario(s, b, runDir, write, now, wall, finishedSteps, o);
    }
    return finish(log, runDir, write, now, wall, lease.release);
  } finally {
    await bench?.close().catch(() => {});
    log.close();
    lease.release();
  }
}

function finish(
  log: ResultsLog,
  runDir: string,
  write: (e: LogEvent) => void,
  now: () => number,
  wall: () => number,
  release: () => void,
): RunOutcome {
  // Everything that ended, this attempt and any before it (a resumed run), as the log has it.
  const run = replay(readResultsLog(log.path).events);
  const verdict = verdictOfSteps(run.scenarios);
  write({ t: 'run-end', at: now(), wall: wall(), verdict, counts: run.counts });
  release();
  return { runDir, verdict, counts: run.counts };
}

async function runScenario(
  s: PlannedScenario,
  bench: BuiltBenchInternals,
  runDir: string,
  write: (e: LogEvent) => void,
  now: () => number,
  wall: () => number,
  finishedSteps: Map<string, Verdict>,
  o: RunOptions,
): Promise<void> {
  write({
    t: 'scenario-start',
    at: now(),
    wall: wall(),
    scenario: s.id,
    kind: s.kind.kind,
    title: s.title,
    params: s.rawParams,
  });
  const verdicts: Verdict[] = [];
  const wanted = bench.devices.filter((d) => !s.devices || s.devices.includes(d.name));
  const ready: BenchDevice[] = [];
  for (const d of wanted) {
    const ok = await bringUp(
      bench,
      d,
      s.kind.needs,
      {
        state: (dev, state, ok, error) =>
          write({
            t: 'bring-up',
            at: now(),
            wall: wall(),
            device: dev.name,
            state,
            ok,
            ...(error ? { error } : {}),
          }),
        identified: (info) => {
          write({ t: 'device', at: now(), wall: wall(), device: info });
          transcribe(d, runDir);
        },
      },
      o.signal,
    );
    if (ok) ready.push(d);
  }
  const skip = (id: string, title: string, reason: string, device?: BenchDevice) => {
    if (finishedSteps.has(`${s.id}/${id}`)) return;
    verdicts.push(
      writeOutcome(write, now, wall, {
        scenario: s.id,
        step: id,
        title,
        ...(device ? { device: device.name } : {}),
        verdict: 'skip',
        message: reason,
      }),
    );
  };
  for (const d of wanted) {
    if (ready.includes(d)) continue;
    const id = `bring-up-${d.name}`;
    if (!d.bringUp.reported && !finishedSteps.has(`${s.id}/${id}`)) {
      // The first scenario to meet the failure records it: FAIL for the device, ERROR for the rig.
      d.bringUp.reported = true;
      const c = classify(d.bringUp.error ?? new Error(d.bringUp.failed));
      verdicts.push(
        writeOutcome(write, now, wall, {
          scenario: s.id,
          step: id,
          title: `${d.name}: bring-up to ${s.kind.needs}`,
          device: d.name,
          verdict: c.verdict,
          message: `bring-up failed at ${d.bringUp.failed}`,
          ...(c.kind ? { errorKind: c.kind } : {}),
        }),
      );
    } else {
      skip(
        id,
        `${d.name}: bring-up to ${s.kind.needs}`,
        `skipped: bring-up failed earlier (${d.bringUp.failed})`,
        d,
      );
    }
  }
  const ctx: ScenarioContext<unknown> = {
    params: s.params,
    bench,
    clock: bench.clock,
    seed: bench.seed,
    signal: o.signal ?? new AbortController().signal,
    runDir,
    devices: ready,
    skip,
    step: async (id, title, options, fn) => {
      const key = `${s.id}/${id}`;
      const done = finishedSteps.get(key);
      if (done !== undefined) {
        verdicts.push(done);
        return done;
      }
      const v = await runStep(s, id, title, options.device, fn, bench, runDir, write, now, wall, o);
      verdicts.push(v);
      return v;
    },
  };
  // With no device left to run on (every one skipped above) the scenario itself does not run.
  if (ready.length > 0 || wanted.length === 0) {
    try {
      await s.kind.run(ctx);
    } catch (e) {
      // A scenario that throws outside a step: the rig's bug or infrastructure, recorded as a step.
      const c = classify(e);
      verdicts.push(
        writeOutcome(write, now, wall, {
          scenario: s.id,
          step: 'scenario',
          title: `${s.title}: outside any step`,
          verdict: c.verdict === 'fail' ? 'error' : c.verdict,
          errorKind: c.kind ?? 'bug',
          message: c.message,
        }),
      );
    }
  }
  write({ t: 'scenario-end', at: now(), wall: wall(), scenario: s.id, verdict: worst(verdicts) });
}
