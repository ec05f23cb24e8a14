/**
 * One step of a scenario: its measurements judged against the limits the plan gives, its evidence written
 * under the run directory, its verdict from what it measured or how it ended, every event to the log.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RIG_FAULTS } from '../update/index.ts';
import type { BuiltBenchInternals } from './bench-builder.ts';
import { type ErrorKind, judge, type LogEvent, type Measurement, type Verdict, worst } from './model.ts';
import type { PlannedScenario } from './plan-spec.ts';
import { type BenchDevice, RigError, type StepContext, StepFailure } from './scenario.ts';

/** Errors that are the rig's or its infrastructure's, not the device's. */
const INFRASTRUCTURE = new Set([
  // The campaign's own list of rig faults, and what the runner's other resources throw.
  ...RIG_FAULTS,
  'MeterError',
  'SwitchError',
  'SerialError',
  'PortLockError',
  'RecordingError',
]);
const BUGS = new Set(['TypeError', 'ReferenceError', 'RangeError', 'SyntaxError']);

export function classify(e: unknown): { verdict: Verdict; kind?: ErrorKind; message: string } {
  const err = e instanceof Error ? e : new Error(String(e));
  if (err instanceof StepFailure) return { verdict: 'fail', message: err.message };
  if (err instanceof RigError) return { verdict: 'error', kind: err.kind, message: err.message };
  if (INFRASTRUCTURE.has(err.name))
    return { verdict: 'error', kind: 'infrastructure', message: `${err.name}: ${err.message}` };
  if (err.name === 'ConfigFileError' || err.name === 'UsageError')
    return { verdict: 'error', kind: 'configuration', message: err.message };
  if (BUGS.has(err.name))
    return { verdict: 'error', kind: 'bug', message: `${err.name}: ${err.message}\n${err.stack ?? ''}` };
  return { verdict: 'fail', message: `${err.name}: ${err.message}` };
}

const transcribed = new WeakSet<BenchDevice>();

/** Every AT exchange of the device, appended to transcripts/<device>.jsonl as it happens. */
export function transcribe(d: BenchDevice, runDir: string): void {
  if (!d.engine || transcribed.has(d)) return;
  transcribed.add(d);
  const file = join(runDir, 'transcripts', `${d.name}.jsonl`);
  mkdirSync(dirname(file), { recursive: true });
  d.engine.transcript.onEntry((e) => appendFileSync(file, `${JSON.stringify(e)}\n`));
}

export async function runStep(
  s: PlannedScenario,
  id: string,
  title: string,
  device: BenchDevice | undefined,
  fn: (ctx: StepContext) => Promise<void>,
  bench: BuiltBenchInternals,
  runDir: string,
  write: (e: LogEvent) => void,
  now: () => number,
  wall: () => number,
  o: { signal?: AbortSignal; stepTimeoutMs?: number },
): Promise<Verdict> {
  const base = { scenario: s.id, step: id };
  const startedAt = now();
  const startedWall = wall();
  write({
    t: 'step-start',
    at: startedAt,
    wall: startedWall,
    ...base,
    title,
    ...(device ? { device: device.name } : {}),
  });
  const measured: Verdict[] = [];
  const notes: string[] = [];
  const deadline = bench.clock.timeoutSignal(
    o.stepTimeoutMs ?? 48 * 3_600_000,
    new RigError('infrastructure', `step ${s.id}/${id} ran past its deadline`),
  );
  const signal = o.signal ? AbortSignal.any([o.signal, deadline]) : deadline;
  const ctx: StepContext = {
    clock: bench.clock,
    signal,
    ...(device ? { device } : {}),
    measure: (name, value, options) => {
      const spec = s.kind.measurements[name];
      if (!spec) throw new RigError('bug', `${s.kind.kind} measured "${name}", which it does not declare`);
      const limits = s.limits[name] ?? options?.limits ?? spec.limits;
      const verdict = judge(value, limits);
      const m: Measurement = {
        name,
        unit: spec.unit,
        value,
        verdict,
        description: spec.description,
        ...(limits ? { limits } : {}),
        ...((options?.device ?? device?.name) ? { device: options?.device ?? device?.name } : {}),
      };
      write({ t: 'measurement', at: now(), wall: wall(), ...base, m });
      measured.push(verdict);
      return verdict;
    },
    evidence: (e) => {
      let path: string;
      if ('content' in e) {
        path = e.file;
        const full = join(runDir, e.file);
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, e.content);
      } else {
        path = e.path;
      }
      const { kind, title: t, device: dev, markers } = e;
      write({
        t: 'evidence',
        at: now(),
        wall: wall(),
        ...base,
        e: { kind, title: t, path, ...(dev ? { device: dev } : {}), ...(markers ? { markers } : {}) },
      });
    },
    campaign: (summary) => write({ t: 'campaign', at: now(), wall: wall(), ...base, summary }),
    fail: (message) => {
      throw new StepFailure(message);
    },
    note: (message) => {
      notes.push(message);
    },
  };
  let verdict: Verdict;
  let message: string | undefined;
  let errorKind: ErrorKind | undefined;
  try {
    await fn(ctx);
    verdict = measured.length > 0 ? worst(measured) : 'pass';
  } catch (e) {
    const c = classify(signal.aborted && !(e instanceof StepFailure) ? (signal.reason ?? e) : e);
    verdict = c.verdict === 'fail' ? worst(['fail', ...measured]) : c.verdict;
    message = c.message;
    errorKind = c.kind;
  }
  const text = [message, ...notes].filter((x) => x !== undefined).join('; ');
  write({
    t: 'step-end',
    at: now(),
    wall: wall(),
    ...base,
    verdict,
    ...(text ? { message: text } : {}),
    ...(errorKind ? { errorKind } : {}),
    benchMs: now() - startedAt,
    wallMs: wall() - startedWall,
  });
  return verdict;
}

/** A step that ran nothing (a skip, a failure recorded for the rig or a bring-up): its start and end at once. */
export function writeOutcome(
  write: (e: LogEvent) => void,
  now: () => number,
  wall: () => number,
  o: {
    scenario: string;
    step: string;
    title: string;
    device?: string;
    verdict: Verdict;
    message: string;
    errorKind?: ErrorKind;
  },
): Verdict {
  const base = { scenario: o.scenario, step: o.step };
  write({
    t: 'step-start',
    at: now(),
    wall: wall(),
    ...base,
    title: o.title,
    ...(o.device ? { device: o.device } : {}),
  });
  write({
    t: 'step-end',
    at: now(),
    wall: wall(),
    ...base,
    verdict: o.verdict,
    message: o.message,
    ...(o.errorKind ? { errorKind: o.errorKind } : {}),
    benchMs: 0,
    wallMs: 0,
  });
  return o.verdict;
}
