/**
 * The run as data. The results log is a sequence of these events (JSON lines, appended as they happen);
 * the RunRecord is rebuilt from it, and every report (console, JUnit, HTML, JSON, CSV, MQTT) is rendered
 * from the RunRecord alone.
 */
import type { Unit } from './units.ts';

/**
 * pass / marginal (within limits but inside the marginal band) / fail (the device did not meet a limit or
 * a requirement) / error (the rig or its infrastructure broke: a dead port, a crashed eNB; never the
 * device) / skip (not run: a bring-up it needed failed, or --only left it out).
 */
export type Verdict = 'pass' | 'marginal' | 'fail' | 'error' | 'skip';

/** LAVA's taxonomy: what kind of trouble an error is. */
export type ErrorKind = 'infrastructure' | 'configuration' | 'device' | 'bug';

export interface Limits {
  /** Inclusive bounds, in the measurement's unit. */
  low?: number;
  high?: number;
  /** Marginal band inside each bound, in the measurement's unit: pass but close. */
  marginal?: number;
}

export interface Measurement {
  name: string;
  unit: Unit;
  /** null when it could not be measured (the step's message says why). */
  value: number | null;
  limits?: Limits;
  verdict: Verdict;
  device?: string;
  description?: string;
}

export interface Evidence {
  kind: 'transcript' | 'power' | 'file' | 'json' | 'text';
  title: string;
  /** Path relative to the run directory. */
  path: string;
  device?: string;
  /** Power evidence: phase spans on the trace (ms since the trace start). */
  markers?: { label: string; start: number; end: number }[];
}

export type BringUpState = 'off' | 'at-ready' | 'registered' | 'power-saving-set';

export interface DeviceInfo {
  name: string;
  kind: 'emulated' | 'serial';
  profileId?: string;
  model?: string;
  firmware?: string;
  imei?: string;
  port?: string;
}

/** Campaign figures as a step records them (a JSON-safe copy of the campaign result). */
export interface CampaignSummary {
  useCase: string;
  metrics: Record<string, unknown>;
  devices: Record<string, unknown>[];
  plan: Record<string, unknown>;
  errors: string[];
}

export type LogEvent =
  | {
      t: 'run-start';
      at: number;
      wall: number;
      runId: string;
      plan: { name: string; file: string; description?: string };
      bench: { name: string; file: string };
      seed: number;
      rigVersion: string;
      host: string;
      only?: string[];
      resumed?: number;
    }
  | {
      t: 'resource';
      at: number;
      wall: number;
      kind: string;
      name: string;
      ok: boolean;
      detail: Record<string, string>;
      error?: string;
    }
  | { t: 'device'; at: number; wall: number; device: DeviceInfo }
  | {
      t: 'bring-up';
      at: number;
      wall: number;
      device: string;
      state: BringUpState;
      ok: boolean;
      error?: string;
    }
  | {
      t: 'scenario-start';
      at: number;
      wall: number;
      scenario: string;
      kind: string;
      title: string;
      params: Record<string, unknown>;
    }
  | {
      t: 'step-start';
      at: number;
      wall: number;
      scenario: string;
      step: string;
      title: string;
      device?: string;
    }
  | { t: 'measurement'; at: number; wall: number; scenario: string; step: string; m: Measurement }
  | { t: 'evidence'; at: number; wall: number; scenario: string; step: string; e: Evidence }
  | { t: 'campaign'; at: number; wall: number; scenario: string; step: string; summary: CampaignSummary }
  | {
      t: 'step-end';
      at: number;
      wall: number;
      scenario: string;
      step: string;
      verdict: Verdict;
      message?: string;
      errorKind?: ErrorKind;
      /** Bench time the step covered (virtual on the emulated bench) and the wall time it took, ms. */
      benchMs: number;
      wallMs: number;
    }
  | { t: 'scenario-end'; at: number; wall: number; scenario: string; verdict: Verdict }
  | { t: 'run-end'; at: number; wall: number; verdict: Verdict; counts: Record<Verdict, number> };

export interface StepRecord {
  id: string;
  title: string;
  device?: string;
  verdict: Verdict | 'running';
  message?: string;
  errorKind?: ErrorKind;
  measurements: Measurement[];
  evidence: Evidence[];
  campaign?: CampaignSummary;
  startedAt: number;
  benchMs?: number;
  wallMs?: number;
}

export interface ScenarioRecord {
  id: string;
  kind: string;
  title: string;
  params: Record<string, unknown>;
  verdict: Verdict | 'running';
  steps: StepRecord[];
}

export interface RunRecord {
  runId: string;
  plan: { name: string; file: string; description?: string };
  bench: { name: string; file: string };
  seed: number;
  rigVersion: string;
  host: string;
  startedAt: number;
  startedWall: number;
  endedAt?: number;
  endedWall?: number;
  /** True once run-end is in the log; a crashed run renders what finished. */
  complete: boolean;
  resumes: number;
  resources: Extract<LogEvent, { t: 'resource' }>[];
  devices: DeviceInfo[];
  bringUp: { device: string; state: BringUpState; ok: boolean; error?: string; at: number }[];
  scenarios: ScenarioRecord[];
  verdict: Verdict | 'incomplete';
  counts: Record<Verdict, number>;
}

const RANK: Record<Verdict, number> = { skip: 0, pass: 1, marginal: 2, fail: 3, error: 4 };

/** The worst of several verdicts (error > fail > marginal > pass > skip); skip when there are none. */
export function worst(verdicts: Iterable<Verdict>): Verdict {
  let w: Verdict = 'skip';
  for (const v of verdicts) if (RANK[v] > RANK[w]) w = v;
  return w;
}

/** A measurement's verdict from its limits and marginal band. A missing value fails. */
export function judge(value: number | null, limits: Limits | undefined): Verdict {
  if (value === null || Number.isNaN(value)) return 'fail';
  if (!limits) return 'pass';
  const { low, high, marginal = 0 } = limits;
  if ((low !== undefined && value < low) || (high !== undefined && value > high)) return 'fail';
  if ((low !== undefined && value < low + marginal) || (high !== undefined && value > high - marginal))
    return 'marginal';
  return 'pass';
}

/** Exit code of a run: 0 pass (or marginal), 1 device failures, 2 rig errors. */
export function exitCodeOf(verdict: Verdict | 'incomplete'): 0 | 1 | 2 {
  if (verdict === 'error' || verdict === 'incomplete') return 2;
  if (verdict === 'fail') return 1;
  return 0;
}

/** The worst verdict of the steps that ended (those still running count for nothing). */
export function verdictOfSteps(scenarios: readonly ScenarioRecord[]): Verdict {
  return worst(
    scenarios.flatMap((s) => s.steps.map((st) => st.verdict)).filter((v): v is Verdict => v !== 'running'),
  );
}

/** Rebuild the run from its log. Events after a crash are whatever was flushed; nothing is invented. */
export function replay(events: readonly LogEvent[]): RunRecord {
  const first = events[0];
  if (first?.t !== 'run-start') throw new Error('results log: the first event is not run-start');
  const run: RunRecord = {
    runId: first.runId,
    plan: first.plan,
    bench: first.bench,
    seed: first.seed,
    rigVersion: first.rigVersion,
    host: first.host,
    startedAt: first.at,
    startedWall: first.wall,
    complete: false,
    resumes: 0,
    resources: [],
    devices: [],
    bringUp: [],
    scenarios: [],
    verdict: 'incomplete',
    counts: { pass: 0, marginal: 0, fail: 0, error: 0, skip: 0 },
  };
  const scenario = (id: string) => run.scenarios.find((s) => s.id === id);
  const step = (sid: string, id: string) => scenario(sid)?.steps.find((s) => s.id === id);
  for (const e of events.slice(1)) {
    switch (e.t) {
      case 'run-start':
        run.resumes++;
        break;
      case 'resource':
        run.resources = [...run.resources.filter((r) => r.name !== e.name || r.kind !== e.kind), e];
        break;
      case 'device':
        run.devices = [...run.devices.filter((d) => d.name !== e.device.name), e.device];
        break;
      case 'bring-up':
        run.bringUp.push({
          device: e.device,
          state: e.state,
          ok: e.ok,
          at: e.at,
          ...(e.error ? { error: e.error } : {}),
        });
        break;
      case 'scenario-start': {
        const existing = scenario(e.scenario);
        if (existing) {
          // Resumed: unfinished steps of the crashed attempt are dropped, finished ones kept.
          existing.steps = existing.steps.filter((s) => s.verdict !== 'running');
          existing.verdict = 'running';
        } else {
          run.scenarios.push({
            id: e.scenario,
            kind: e.kind,
            title: e.title,
            params: e.params,
            verdict: 'running',
            steps: [],
          });
        }
        break;
      }
      case 'step-start': {
        const s = scenario(e.scenario);
        if (!s) break;
        s.steps = s.steps.filter((x) => x.id !== e.step);
        s.steps.push({
          id: e.step,
          title: e.title,
          ...(e.device ? { device: e.device } : {}),
          verdict: 'running',
          measurements: [],
          evidence: [],
          startedAt: e.at,
        });
        break;
      }
      case 'measurement':
        step(e.scenario, e.step)?.measurements.push(e.m);
        break;
      case 'evidence':
        step(e.scenario, e.step)?.evidence.push(e.e);
        break;
      case 'campaign': {
        const s = step(e.scenario, e.step);
        if (s) s.campaign = e.summary;
        break;
      }
      case 'step-end': {
        const s = step(e.scenario, e.step);
        if (!s) break;
        s.verdict = e.verdict;
        s.benchMs = e.benchMs;
        s.wallMs = e.wallMs;
        if (e.message !== undefined) s.message = e.message;
        if (e.errorKind !== undefined) s.errorKind = e.errorKind;
        break;
      }
      case 'scenario-end': {
        const s = scenario(e.scenario);
        if (s) s.verdict = e.verdict;
        break;
      }
      case 'run-end':
        run.complete = true;
        run.endedAt = e.at;
        run.endedWall = e.wall;
        break;
    }
  }
  const counts: Record<Verdict, number> = { pass: 0, marginal: 0, fail: 0, error: 0, skip: 0 };
  for (const s of run.scenarios) for (const st of s.steps) if (st.verdict !== 'running') counts[st.verdict]++;
  run.counts = counts;
  run.verdict = run.complete ? verdictOfSteps(run.scenarios) : 'incomplete';
  return run;
}
