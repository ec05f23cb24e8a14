/**
 * summary.json: the run for machines. Key order is fixed here for the run's own fields, and free-form
 * records (scenario parameters, campaign metrics, device records) have their keys sorted, so two renderings
 * of one log are byte-identical and diffs between runs show only what changed.
 */
import { exitCodeOf, type Measurement, type RunRecord, type StepRecord } from '../model.ts';

export const SUMMARY_FORMAT = 'mbms-iot-rig/run-summary';

/** A JSON-safe copy with object keys sorted at every depth (arrays keep their order). */
export function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortedKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return null; // JSON has no NaN/Infinity
  return value;
}

function measurement(m: Measurement) {
  return {
    name: m.name,
    device: m.device ?? null,
    value: m.value !== null && Number.isFinite(m.value) ? m.value : null,
    unit: m.unit,
    limits: m.limits
      ? { low: m.limits.low ?? null, high: m.limits.high ?? null, marginal: m.limits.marginal ?? null }
      : null,
    verdict: m.verdict,
    description: m.description ?? null,
  };
}

function step(st: StepRecord) {
  return {
    id: st.id,
    title: st.title,
    device: st.device ?? null,
    verdict: st.verdict,
    message: st.message ?? null,
    errorKind: st.errorKind ?? null,
    startedAt: st.startedAt,
    benchMs: st.benchMs ?? null,
    wallMs: st.wallMs ?? null,
    measurements: st.measurements.map(measurement),
    evidence: st.evidence.map((e) => ({
      kind: e.kind,
      title: e.title,
      path: e.path,
      device: e.device ?? null,
      markers: e.markers ?? [],
    })),
    campaign: st.campaign
      ? {
          useCase: st.campaign.useCase,
          metrics: sortedKeys(st.campaign.metrics),
          plan: sortedKeys(st.campaign.plan),
          devices: sortedKeys(st.campaign.devices),
          errors: st.campaign.errors,
        }
      : null,
  };
}

export function renderSummary(run: RunRecord): object {
  return {
    format: SUMMARY_FORMAT,
    version: 1,
    runId: run.runId,
    verdict: run.verdict,
    exitCode: exitCodeOf(run.verdict),
    complete: run.complete,
    counts: {
      pass: run.counts.pass,
      marginal: run.counts.marginal,
      fail: run.counts.fail,
      error: run.counts.error,
      skip: run.counts.skip,
      running: run.scenarios.reduce((n, s) => n + s.steps.filter((st) => st.verdict === 'running').length, 0),
    },
    plan: { name: run.plan.name, file: run.plan.file, description: run.plan.description ?? null },
    bench: { name: run.bench.name, file: run.bench.file },
    seed: run.seed,
    rigVersion: run.rigVersion,
    host: run.host,
    startedAt: run.startedAt,
    startedWall: run.startedWall,
    endedAt: run.endedAt ?? null,
    endedWall: run.endedWall ?? null,
    resumes: run.resumes,
    devices: run.devices.map((d) => ({
      name: d.name,
      kind: d.kind,
      profileId: d.profileId ?? null,
      model: d.model ?? null,
      firmware: d.firmware ?? null,
      imei: d.imei ?? null,
      port: d.port ?? null,
    })),
    resources: run.resources.map((r) => ({
      kind: r.kind,
      name: r.name,
      ok: r.ok,
      error: r.error ?? null,
      detail: sortedKeys(r.detail),
    })),
    bringUp: run.bringUp.map((b) => ({
      device: b.device,
      state: b.state,
      ok: b.ok,
      error: b.error ?? null,
      at: b.at,
    })),
    scenarios: run.scenarios.map((s) => ({
      id: s.id,
      kind: s.kind,
      title: s.title,
      verdict: s.verdict,
      params: sortedKeys(s.params),
      steps: s.steps.map(step),
    })),
  };
}
