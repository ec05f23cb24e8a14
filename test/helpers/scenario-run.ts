/**
 * The runner's side of a scenario test: a minimal ScenarioContext and StepContext over a harness bench
 * that collect the steps, judge measurements against their limits (the plan's, else the scenario's) and
 * write evidence to a temporary run directory; errors are classified as the runner does.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  type ErrorKind,
  type Evidence,
  judge,
  type Limits,
  type Measurement,
  type Verdict,
} from '../../src/runner/model.ts';
import {
  RigError,
  type ScenarioContext,
  type ScenarioKind,
  type StepContext,
  StepFailure,
} from '../../src/runner/scenario.ts';
import type { ScenarioBench } from './scenario-harness.ts';

export interface HarnessStep {
  id: string;
  title: string;
  device?: string;
  verdict: Verdict;
  message?: string;
  errorKind?: ErrorKind;
  measurements: Measurement[];
  evidence: Evidence[];
}

export interface HarnessRun {
  steps: HarnessStep[];
  runDir: string;
  /** The step with this id; throws naming the ids there are when it is missing. */
  step(id: string): HarnessStep;
  /** A measurement of a step; throws when it was not recorded. */
  value(id: string, measurement: string): number | null;
  cleanup(): void;
}

/** Run a scenario kind on the bench the way the runner would, minus the log and the reporters. */
export async function runScenario<P>(
  kind: ScenarioKind<P>,
  sb: ScenarioBench,
  o: { params?: unknown; limits?: Record<string, Limits> } = {},
): Promise<HarnessRun> {
  const params = kind.params.parse(o.params ?? {});
  const runDir = mkdtempSync(join(tmpdir(), 'rig-scenario-'));
  const steps: HarnessStep[] = [];
  const { bench, clock } = sb;
  if (kind.needs === 'registered' || kind.needs === 'power-saving-set') {
    for (const d of bench.devices) {
      try {
        await d.modem!.attach({ timeoutMs: 300_000 });
        d.bringUp.state = 'registered';
      } catch (e) {
        d.bringUp.failed = `registered: ${(e as Error).message}`;
      }
    }
  }
  const controller = new AbortController();
  const ctx: ScenarioContext<P> = {
    params,
    bench,
    clock,
    seed: bench.seed,
    signal: controller.signal,
    runDir,
    devices: bench.devices.filter((d) => !d.bringUp.failed),
    async step(id, title, options, run) {
      if (steps.some((s) => s.id === id)) throw new Error(`step id ${id} used twice`);
      const step: HarnessStep = {
        id,
        title,
        ...(options.device ? { device: options.device.name } : {}),
        verdict: 'pass',
        measurements: [],
        evidence: [],
      };
      steps.push(step);
      const notes: string[] = [];
      const s: StepContext = {
        clock,
        signal: controller.signal,
        ...(options.device ? { device: options.device } : {}),
        measure(name, value, m) {
          const spec = kind.measurements[name];
          if (!spec) throw new RigError('bug', `${kind.kind} measured "${name}", which it does not declare`);
          const limits = o.limits?.[name] ?? m?.limits ?? spec.limits;
          const verdict = judge(value, limits);
          const device = m?.device ?? options.device?.name;
          step.measurements.push({
            name,
            unit: spec.unit,
            value,
            verdict,
            ...(limits ? { limits } : {}),
            ...(device ? { device } : {}),
          });
          return verdict;
        },
        evidence(e) {
          let path: string;
          if ('content' in e) {
            path = e.file;
            mkdirSync(dirname(join(runDir, e.file)), { recursive: true });
            writeFileSync(join(runDir, e.file), e.content);
          } else path = e.path;
          step.evidence.push({
            kind: e.kind,
            title: e.title,
            path,
            ...(e.device ? { device: e.device } : {}),
            ...(e.markers ? { markers: e.markers } : {}),
          });
        },
        campaign() {},
        fail(message) {
          throw new StepFailure(message);
        },
        note(message) {
          notes.push(message);
        },
      };
      const measured = () => step.measurements.map((m) => m.verdict);
      try {
        await run(s);
        step.verdict = worst(measured());
      } catch (e) {
        const c = classify(e);
        step.verdict = c.verdict === 'fail' ? worst(['fail', ...measured()]) : c.verdict;
        step.message = c.message;
        if (c.kind) step.errorKind = c.kind;
      }
      const text = [step.message, ...notes].filter((x) => x !== undefined).join('; ');
      if (text) step.message = text;
      return step.verdict;
    },
    skip(id, title, reason, device) {
      steps.push({
        id,
        title,
        ...(device ? { device: device.name } : {}),
        verdict: 'skip',
        message: reason,
        measurements: [],
        evidence: [],
      });
    },
  };
  await kind.run(ctx);
  const step = (id: string) => {
    const s = steps.find((x) => x.id === id);
    if (!s) throw new Error(`no step ${id}; steps: ${steps.map((x) => x.id).join(', ')}`);
    return s;
  };
  return {
    steps,
    runDir,
    step,
    value(id, measurement) {
      const m = step(id).measurements.find((x) => x.name === measurement);
      if (!m) throw new Error(`step ${id} recorded no ${measurement} (${step(id).message ?? 'no message'})`);
      return m.value;
    },
    cleanup: () => rmSync(runDir, { recursive: true, force: true }),
  };
}

const RANK: Record<Verdict, number> = { skip: 0, pass: 1, marginal: 2, fail: 3, error: 4 };

/** Worst of the verdicts; a step without measurements passes (as in the runner). */
function worst(verdicts: Verdict[]): Verdict {
  return verdicts.reduce<Verdict>((w, v) => (RANK[v] > RANK[w] ? v : w), 'pass');
}

/** The runner's taxonomy: a StepFailure or an unexpected device answer fails, a RigError or a bug errors. */
function classify(e: unknown): { verdict: Verdict; kind?: ErrorKind; message: string } {
  const err = e instanceof Error ? e : new Error(String(e));
  if (err instanceof StepFailure) return { verdict: 'fail', message: err.message };
  if (err instanceof RigError) return { verdict: 'error', kind: err.kind, message: err.message };
  if (['AtPortError', 'AtClosedError'].includes(err.name))
    return { verdict: 'error', kind: 'infrastructure', message: `${err.name}: ${err.message}` };
  if (['TypeError', 'ReferenceError', 'RangeError', 'SyntaxError'].includes(err.name))
    return { verdict: 'error', kind: 'bug', message: `${err.name}: ${err.message}\n${err.stack ?? ''}` };
  return { verdict: 'fail', message: `${err.name}: ${err.message}` };
}
