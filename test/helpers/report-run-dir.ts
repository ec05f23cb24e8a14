/**
 * A run directory for the reporter tests, written the way the runner writes one: LogEvents through a
 * ResultsLog, with the evidence files of report-evidence.ts (transcript, power timeline with phase markers,
 * a real Recording, an attachment) and hostile strings (markup, `]]>`, control characters) in titles,
 * messages, device facts and transcripts. `complete: false` leaves the log as a crash mid-step would.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogEvent, Verdict } from '../../src/runner/model.ts';
import { ResultsLog } from '../../src/runner/results-log.ts';
import {
  CDATA_END,
  CONTROLS,
  campaignSummary,
  HOSTILE,
  recordingDir,
  T0,
  timelineFile,
  transcriptFile,
} from './report-evidence.ts';

export { CDATA_END, CONTROLS, HOSTILE, T0, TRANSCRIPT_ENTRIES } from './report-evidence.ts';

const WALL0 = Date.UTC(2026, 0, 5, 9, 30, 0);

export interface RunDir {
  dir: string;
  events: LogEvent[];
  /** Step counts by verdict the run should report, and the steps left running. */
  counts: Record<Verdict, number>;
  running: number;
  /** Charts the HTML report should draw: one per power evidence, three per campaign. */
  charts: number;
  remove(): void;
}

export async function makeRunDir(options: { complete?: boolean } = {}): Promise<RunDir> {
  const complete = options.complete ?? true;
  const dir = mkdtempSync(join(tmpdir(), 'rig-report-'));
  mkdirSync(join(dir, 'evidence'));
  transcriptFile(join(dir, 'evidence', 'dut1-at.jsonl'));
  timelineFile(join(dir, 'evidence', 'dut1-power.json'));
  await recordingDir(join(dir, 'evidence', 'dut2-recording'));
  writeFileSync(join(dir, 'evidence', 'campaign.json'), JSON.stringify({ note: HOSTILE }));

  const log = new ResultsLog(join(dir, 'results.jsonl'));
  const events: LogEvent[] = [];
  let at = T0;
  let wall = WALL0;
  const emit = (e: LogEvent) => {
    log.write(e);
    events.push(e);
  };
  const tick = (ms: number, wallMs = ms) => {
    at += ms;
    wall += wallMs;
    return { at, wall };
  };
  const step = (
    scenario: string,
    id: string,
    title: string,
    verdict: Verdict,
    extra: { device?: string; message?: string; errorKind?: 'infrastructure'; m?: LogEvent[] } = {},
  ) => {
    const start = tick(0);
    emit({
      t: 'step-start',
      ...start,
      scenario,
      step: id,
      title,
      ...(extra.device ? { device: extra.device } : {}),
    });
    for (const m of extra.m ?? []) emit(m);
    const end = tick(12_000, 1_234);
    emit({
      t: 'step-end',
      ...end,
      scenario,
      step: id,
      verdict,
      benchMs: 12_000,
      wallMs: 1_234,
      ...(extra.message ? { message: extra.message } : {}),
      ...(extra.errorKind ? { errorKind: extra.errorKind } : {}),
    });
  };
  const meas = (
    scenario: string,
    stepId: string,
    m: Extract<LogEvent, { t: 'measurement' }>['m'],
  ): LogEvent => ({
    t: 'measurement',
    at,
    wall,
    scenario,
    step: stepId,
    m,
  });

  emit({
    t: 'run-start',
    ...tick(0),
    runId: '20260105-093000-nightly',
    plan: { name: 'nightly', file: 'rig/plans/nightly.yaml', description: `nightly ${HOSTILE}` },
    bench: { name: 'emulated', file: 'rig/benches/emulated.yaml' },
    seed: 42,
    rigVersion: '0.1.0',
    host: 'ci-runner-3',
  });
  emit({ t: 'resource', ...tick(0), kind: 'enb', name: 'sim', ok: true, detail: { model: 'sim eNB' } });
  emit({
    t: 'device',
    ...tick(0),
    device: {
      name: 'dut1',
      kind: 'emulated',
      profileId: 'quectel-bg95',
      model: 'BG95-M3',
      firmware: 'BG95M3LAR02A03',
      imei: '861234050000011',
    },
  });
  emit({
    t: 'device',
    ...tick(0),
    device: {
      name: 'dut2',
      kind: 'emulated',
      profileId: 'ublox-sara-r5',
      model: 'SARA-R510M8S',
      firmware: `03.15 ${CONTROLS}`,
      imei: '861234050000029',
    },
  });
  emit({ t: 'bring-up', ...tick(100), device: 'dut1', state: 'registered', ok: true });
  emit({
    t: 'bring-up',
    ...tick(100),
    device: 'dut2',
    state: 'registered',
    ok: false,
    error: 'no +CEREG: 5 in 60 s',
  });

  emit({
    t: 'scenario-start',
    ...tick(0),
    scenario: 'psm',
    kind: 'power-profile',
    title: 'PSM sleep current',
    params: { tau: '4 h' },
  });
  step('psm', 'attach', 'attach time', 'pass', {
    device: 'dut1',
    m: [
      meas('psm', 'attach', {
        name: 'attach time',
        unit: 's',
        value: 12.3,
        limits: { high: 60 },
        verdict: 'pass',
      }),
    ],
  });
  step('psm', 'sleep', 'sleep current', 'marginal', {
    device: 'dut1',
    m: [
      meas('psm', 'sleep', {
        name: 'sleep current',
        unit: 'µA',
        value: 4.8,
        limits: { high: 5, marginal: 0.5 },
        verdict: 'marginal',
        device: 'dut1',
      }),
    ],
  });
  step('psm', 'hostile', HOSTILE, 'fail', {
    message: `${CDATA_END} ${CONTROLS}`,
    m: [
      meas('psm', 'hostile', {
        name: `current ${HOSTILE}`,
        unit: 'mA',
        value: 7.5,
        limits: { low: 1, high: 5 },
        verdict: 'fail',
      }),
    ],
  });
  step('psm', 'relay', 'power cycle', 'error', {
    message: 'relay /dev/ttyACM0: no answer to status in 2 s',
    errorKind: 'infrastructure',
  });
  step('psm', 'edrx', 'eDRX current', 'skip', { device: 'dut2', message: 'bring-up of dut2 failed' });
  emit({ t: 'scenario-end', ...tick(0), scenario: 'psm', verdict: 'fail' });

  emit({
    t: 'scenario-start',
    ...tick(0),
    scenario: 'update',
    kind: 'campaign',
    title: 'UC1 update',
    params: { useCase: 'uc1' },
  });
  const s = 'update';
  const evidence = (e: Extract<LogEvent, { t: 'evidence' }>['e']): LogEvent => ({
    t: 'evidence',
    at,
    wall,
    scenario: s,
    step: 'uc1',
    e,
  });
  const uc1: LogEvent[] = [
    { t: 'campaign', at, wall, scenario: s, step: 'uc1', summary: campaignSummary() },
    evidence({ kind: 'transcript', title: 'AT transcript', path: 'evidence/dut1-at.jsonl', device: 'dut1' }),
    evidence({
      kind: 'power',
      title: 'current during the update',
      path: 'evidence/dut1-power.json',
      device: 'dut1',
      markers: [
        { label: 'reception', start: 50_000, end: 80_000 },
        { label: HOSTILE, start: 80_000, end: 95_000 },
      ],
    }),
    evidence({ kind: 'power', title: `meter ${HOSTILE}`, path: 'evidence/dut2-recording', device: 'dut2' }),
    evidence({ kind: 'json', title: 'campaign result', path: 'evidence/campaign.json' }),
  ];
  if (complete) {
    step(s, 'uc1', 'UC1 campaign', 'pass', { m: uc1 });
    emit({ t: 'scenario-end', ...tick(0), scenario: s, verdict: 'pass' });
    const counts = { pass: 2, marginal: 1, fail: 1, error: 1, skip: 1 };
    emit({ t: 'run-end', ...tick(0), verdict: 'error', counts });
  } else {
    emit({ t: 'step-start', ...tick(0), scenario: s, step: 'uc1', title: 'UC1 campaign' });
    for (const e of uc1) emit(e);
  }
  log.close();
  if (!complete) writeFileSync(join(dir, 'results.jsonl'), '{"t":"step-end","at":1,"wal', { flag: 'a' });
  return {
    dir,
    events,
    counts: complete
      ? { pass: 2, marginal: 1, fail: 1, error: 1, skip: 1 }
      : { pass: 1, marginal: 1, fail: 1, error: 1, skip: 1 },
    running: complete ? 0 : 1,
    charts: 2 + 3,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
