import type { SweepImages } from './images.ts';
import type { FlashGeometrySpec } from './layouts.ts';

export type CutKind = 'before' | 'tear' | 'after';
export type UpdateMode = 'swap-scratch' | 'overwrite-only';
export type Scenario = 'upgrade' | 'revert';

/** One sweep for the engine to run: what the emulated device is, and how to cut it. */
export interface SweepPlan {
  kind: 'exhaustive' | 'random';
  updateMode: UpdateMode;
  scenario: Scenario;
  geometry: FlashGeometrySpec;
  slotSectors: number;
  images: SweepImages;
  seed: number;
  /** Random mode: updates to run, and the most cuts in one. */
  runs: number;
  maxCuts: number;
  bug?: 'image-ok-before-copy';
}

/** A failure as the engine reports it; (seed, opIndex, cutKind) replays it, with run and cuts in random mode. */
export interface EngineFailure {
  seed: number;
  opIndex: number;
  cutKind: CutKind;
  problem: string;
  detail: string;
  run?: number;
  cuts?: { opIndex: number; cutKind: CutKind }[];
}

export interface EngineResult {
  opsPerUpdate: number;
  /** Cuts made (exhaustive: one per point; random: several per run). */
  pointsByKind: Record<CutKind, number>;
  /** Updates interrupted and driven to their end (exhaustive: points; random: runs). */
  updates: number;
  failures: EngineFailure[];
}

/**
 * Runs one plan against a device. The CLI passes the emulated agent's sweep; src/update itself never
 * imports an emulator.
 */
export type SweepEngine = (
  plan: SweepPlan,
  onProgress?: (done: number, total: number) => void,
) => EngineResult;

export interface AtomicityFailure {
  scenario: Scenario;
  problem: string;
  detail: string;
  reproducer: { seed: number; opIndex: number; cutKind: CutKind; run?: number; cuts?: EngineFailure['cuts'] };
}

export interface AtomicityReport {
  module: string;
  mode: 'exhaustive' | 'random';
  updateMode: UpdateMode;
  seed: number;
  deviceClass: string;
  imageBytes: { old: number; new: number };
  geometry: FlashGeometrySpec & { slotSectors: number };
  scenarios: {
    scenario: Scenario;
    opsPerUpdate: number;
    updates: number;
    pointsByKind: Record<CutKind, number>;
  }[];
  /** Points tried (cuts made) per cut kind, over all scenarios. */
  pointsByKind: Record<CutKind, number>;
  updates: number;
  bricked: number;
  partial: number;
  wrongVersion: number;
  wronglyReported: number;
  /** Trailers left inconsistent, a non-idempotent boot, an unexpected error. */
  other: number;
  failures: AtomicityFailure[];
  seconds: number;
}

export interface AtomicityRequest {
  module: string;
  mode: 'exhaustive' | 'random';
  updateMode: UpdateMode;
  /** Default: upgrade and revert for swap-scratch, upgrade for overwrite-only. */
  scenarios?: Scenario[];
  geometry: FlashGeometrySpec;
  slotSectors: number;
  images: SweepImages;
  seed: number;
  runs: number;
  maxCuts: number;
  bug?: 'image-ok-before-copy';
}

/** Runs every scenario of the request through the engine and counts the failures by kind. */
export function runAtomicitySweep(
  request: AtomicityRequest,
  engine: SweepEngine,
  onProgress?: (done: number, total: number, scenario: Scenario) => void,
  now: () => number = () => performance.now(),
): AtomicityReport {
  const started = now();
  const scenarios =
    request.scenarios ?? (request.updateMode === 'swap-scratch' ? ['upgrade', 'revert'] : ['upgrade']);
  const report: AtomicityReport = {
    module: request.module,
    mode: request.mode,
    updateMode: request.updateMode,
    seed: request.seed,
    deviceClass: request.images.deviceClass,
    imageBytes: { old: request.images.old.length, new: request.images.new.length },
    geometry: { ...request.geometry, slotSectors: request.slotSectors },
    scenarios: [],
    pointsByKind: { before: 0, tear: 0, after: 0 },
    updates: 0,
    bricked: 0,
    partial: 0,
    wrongVersion: 0,
    wronglyReported: 0,
    other: 0,
    failures: [],
    seconds: 0,
  };
  for (const scenario of scenarios) {
    const result = engine(
      {
        kind: request.mode,
        updateMode: request.updateMode,
        scenario,
        geometry: request.geometry,
        slotSectors: request.slotSectors,
        images: request.images,
        seed: request.seed,
        runs: request.runs,
        maxCuts: request.maxCuts,
        ...(request.bug ? { bug: request.bug } : {}),
      },
      onProgress && ((done, total) => onProgress(done, total, scenario)),
    );
    report.scenarios.push({
      scenario,
      opsPerUpdate: result.opsPerUpdate,
      updates: result.updates,
      pointsByKind: result.pointsByKind,
    });
    for (const kind of ['before', 'tear', 'after'] as const)
      report.pointsByKind[kind] += result.pointsByKind[kind];
    report.updates += result.updates;
    for (const f of result.failures) {
      const counter = COUNTERS[f.problem] ?? 'other';
      report[counter]++;
      report.failures.push({
        scenario,
        problem: f.problem,
        detail: f.detail,
        reproducer: {
          seed: f.seed,
          opIndex: f.opIndex,
          cutKind: f.cutKind,
          ...(f.run !== undefined ? { run: f.run } : {}),
          ...(f.cuts ? { cuts: f.cuts } : {}),
        },
      });
    }
  }
  report.seconds = (now() - started) / 1000;
  return report;
}

const COUNTERS: Record<string, 'bricked' | 'partial' | 'wrongVersion' | 'wronglyReported'> = {
  bricked: 'bricked',
  partial: 'partial',
  'wrong-version': 'wrongVersion',
  'wrongly-reported': 'wronglyReported',
};

/** A one-line human summary plus one line per failure (at most `limit`). */
export function formatAtomicityReport(r: AtomicityReport, limit = 20): string {
  const k = r.pointsByKind;
  const lines = [
    `${r.module} ${r.updateMode} ${r.mode} sweep (seed ${r.seed}): ${r.updates} interrupted updates, ` +
      `cuts before ${k.before} / torn ${k.tear} / after ${k.after}, ` +
      r.scenarios.map((s) => `${s.scenario} ${s.opsPerUpdate} ops`).join(', ') +
      `, ${r.seconds.toFixed(1)} s`,
    `  bricked ${r.bricked}, partial ${r.partial}, wrong version ${r.wrongVersion}, ` +
      `wrongly reported ${r.wronglyReported}, other ${r.other}: ${r.failures.length === 0 ? 'PASS' : 'FAIL'}`,
  ];
  for (const f of r.failures.slice(0, limit)) {
    const p = f.reproducer;
    const cuts = p.cuts
      ? ` run ${p.run} cuts ${p.cuts.map((c) => `${c.opIndex}:${c.cutKind}`).join(',')}`
      : '';
    lines.push(
      `  ${f.scenario} seed ${p.seed} op ${p.opIndex} ${p.cutKind}${cuts}: ${f.problem}: ${f.detail}`,
    );
  }
  if (r.failures.length > limit) lines.push(`  … ${r.failures.length - limit} more (--json lists them all)`);
  return `${lines.join('\n')}\n`;
}

/** `[#####.....]  42% 123/290` for a terminal line. */
export function progressBar(done: number, total: number, width = 30): string {
  const share = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(share * 100)).padStart(3)}% ${done}/${total}`;
}
