/**
 * JUnit XML for CI (Jenkins xUnit, GitLab): one <testsuite> per scenario, one <testcase> per step. Checked
 * against the Jenkins xUnit schema (junit-10.xsd). Verdicts map as: fail → <failure>, error → <error
 * type=errorKind>, skip → <skipped>, marginal → a pass with a note in <system-out>; a step still running
 * when the log ends (a crashed run) → <error type="incomplete">.
 *
 * Suite properties: run, plan, bench, seed, rig version, host, completeness; each device's profile, model,
 * firmware, IMEI and port; per campaign step its use case, each device's versions before and after the
 * update, and any field named like a digest (`*digest*`, `*sha256*`) found in the campaign plan or device
 * records (each device record carries its image's SHA-256 as image.sha256).
 */
import type { RunRecord, ScenarioRecord, StepRecord } from '../model.ts';
import { xmlAttr, xmlText } from './escape.ts';
import { describeMeasurement, failureMessage } from './text.ts';

/** Seconds with at most 3 decimals, as the schema's SUREFIRE_TIME pattern wants (no exponent, no sign). */
function seconds(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '0';
  return Number((ms / 1000).toFixed(3)).toString();
}

function attrs(pairs: Record<string, string | number | undefined>): string {
  return Object.entries(pairs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
}

/** Values under keys that name a digest, anywhere in a JSON-like value, with their dotted paths. */
function digests(value: unknown, path: string, out: [string, string][]): void {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) digests(v, `${path}.${i}`, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = `${path}.${k}`;
      if (/digest|sha256/i.test(k) && (typeof v === 'string' || typeof v === 'number'))
        out.push([p, String(v)]);
      else digests(v, p, out);
    }
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function runProperties(run: RunRecord): [string, string][] {
  const props: [string, string][] = [
    ['run.id', run.runId],
    ['run.complete', String(run.complete)],
    ['run.verdict', run.verdict],
    ['plan', run.plan.name],
    ['plan.file', run.plan.file],
    ['bench', run.bench.name],
    ['bench.file', run.bench.file],
    ['seed', String(run.seed)],
    ['rig.version', run.rigVersion],
    ['host', run.host],
  ];
  for (const d of run.devices) {
    props.push([`device.${d.name}.kind`, d.kind]);
    for (const key of ['profileId', 'model', 'firmware', 'imei', 'port'] as const) {
      const v = d[key];
      if (v !== undefined) props.push([`device.${d.name}.${key}`, v]);
    }
  }
  for (const s of run.scenarios) {
    for (const st of s.steps) {
      const c = st.campaign;
      if (!c) continue;
      const at = `campaign.${s.id}.${st.id}`;
      props.push([`${at}.useCase`, c.useCase]);
      for (const d of c.devices) {
        const name = str(d.name) ?? '?';
        const before = str(d.versionBefore);
        const after = str(d.versionAfter);
        if (before !== undefined) props.push([`${at}.device.${name}.versionBefore`, before]);
        if (after !== undefined) props.push([`${at}.device.${name}.versionAfter`, after]);
      }
      digests(c.plan, `${at}.plan`, props);
      for (const [i, d] of c.devices.entries()) digests(d, `${at}.devices.${str(d.name) ?? i}`, props);
    }
  }
  return props;
}

function systemOut(step: StepRecord, complete: boolean): string {
  const lines: string[] = [];
  if (step.verdict === 'marginal')
    lines.push(
      `MARGINAL: within limits but inside the marginal band${step.message ? `: ${step.message}` : ''}`,
    );
  else if (step.message && step.verdict === 'pass') lines.push(step.message);
  if (step.device) lines.push(`device: ${step.device}`);
  if (step.benchMs !== undefined) lines.push(`bench time: ${step.benchMs} ms`);
  for (const m of step.measurements) lines.push(`measurement: ${describeMeasurement(m)}`);
  for (const e of step.evidence)
    lines.push(`evidence (${e.kind}${e.device ? `, ${e.device}` : ''}): ${e.title}: ${e.path}`);
  if (step.verdict === 'running' && !complete) lines.push('the results log ends before this step finished');
  return lines.length ? `<system-out>${xmlText(lines.join('\n'))}</system-out>` : '';
}

function testcase(run: RunRecord, s: ScenarioRecord, step: StepRecord, name: string): string {
  const head = `<testcase${attrs({ name, classname: `${run.plan.name}.${s.id}`, time: seconds(step.wallMs) })}>`;
  let outcome = '';
  const detail = (text: string) => xmlText(text);
  switch (step.verdict) {
    case 'fail': {
      const failed = step.measurements.filter((m) => m.verdict === 'fail').map(describeMeasurement);
      outcome = `<failure${attrs({ type: 'fail', message: failureMessage(step) })}>${detail(failed.join('\n'))}</failure>`;
      break;
    }
    case 'error':
      outcome = `<error${attrs({ type: step.errorKind ?? 'error', message: failureMessage(step) })}>${detail(step.message ?? '')}</error>`;
      break;
    case 'skip':
      outcome = `<skipped${attrs({ message: step.message })}/>`;
      break;
    case 'running':
      outcome = `<error${attrs({ type: 'incomplete', message: 'the run ended before this step finished (no step-end in the results log)' })}/>`;
      break;
  }
  return `    ${head}${outcome}${systemOut(step, run.complete)}</testcase>`;
}

/** Test names: the step title, with the step id added where two steps of a scenario share a title. */
function caseNames(s: ScenarioRecord): string[] {
  const seen = new Map<string, number>();
  for (const st of s.steps) seen.set(st.title, (seen.get(st.title) ?? 0) + 1);
  return s.steps.map((st) => ((seen.get(st.title) ?? 0) > 1 ? `${st.title} [${st.id}]` : st.title));
}

export function renderJunit(run: RunRecord): string {
  const props = runProperties(run)
    .map(([name, value]) => `      <property${attrs({ name, value })}/>`)
    .join('\n');
  const timestamp = new Date(run.startedWall).toISOString().slice(0, 19);
  let tests = 0;
  let failures = 0;
  let errors = 0;
  let totalMs = 0;
  const suites = run.scenarios.map((s) => {
    const count = (v: StepRecord['verdict']) => s.steps.filter((st) => st.verdict === v).length;
    const f = count('fail');
    const e = count('error') + count('running');
    const ms = s.steps.reduce((sum, st) => sum + (st.wallMs ?? 0), 0);
    tests += s.steps.length;
    failures += f;
    errors += e;
    totalMs += ms;
    const names = caseNames(s);
    const head = `  <testsuite${attrs({
      name: `${run.plan.name}.${s.id}`,
      tests: s.steps.length,
      failures: f,
      errors: e,
      skipped: count('skip'),
      time: seconds(ms),
      timestamp,
      hostname: run.host,
      id: s.id,
      package: run.plan.name,
    })}>`;
    const cases = s.steps.map((st, i) => testcase(run, s, st, names[i]!));
    const out =
      s.verdict === 'running' ? [`    <system-out>${xmlText('scenario did not finish')}</system-out>`] : [];
    return [head, '    <properties>', props, '    </properties>', ...cases, ...out, '  </testsuite>'].join(
      '\n',
    );
  });
  const root = `<testsuites${attrs({ name: run.plan.name, tests, failures, errors, time: seconds(totalMs) })}>`;
  return ['<?xml version="1.0" encoding="UTF-8"?>', root, ...suites, '</testsuites>', ''].join('\n');
}
