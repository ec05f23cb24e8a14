/**
 * The HTML report: header, verdict table, each step with its measurements (and, for a campaign, its metrics,
 * charts and device table), each device with its transcripts and power traces, the resources. One file,
 * uPlot inlined, no network. Evidence files are read here (async: recordings are read through their
 * pyramid); a missing or broken file becomes a note in the report, never a failed report.
 */
import type { Evidence, RunRecord, StepRecord } from '../model.ts';
import { html } from './escape.ts';
import { airtimeChart, ChartSet, cdfChart, energyChart, traceChart } from './html-charts.ts';
import { page } from './html-page.ts';
import {
  campaignDevicesTable,
  deviceFacts,
  evidenceLink,
  formatStepTimes,
  header,
  measurementsTable,
  metricsTable,
  resourcesTable,
  stepAnchor,
  transcriptBlock,
  verdictChip,
  verdictTable,
} from './html-tables.ts';
import { type LoadedTrace, loadPowerTrace } from './power-trace.ts';
import { formatDuration, formatNumber, formatTime } from './text.ts';
import { type LoadedTranscript, loadTranscript } from './transcript-file.ts';

export interface HtmlOptions {
  /** Transcript entries shown per transcript (the rest is linked). Default 500. */
  transcriptLines?: number;
  /** Values embedded per power trace. Default 4000. */
  maxPointsPerTrace?: number;
}

type Loaded = { kind: 'transcript'; t: LoadedTranscript } | { kind: 'power'; p: LoadedTrace };

async function loadEvidence(run: RunRecord, runDir: string, o: HtmlOptions): Promise<Map<Evidence, Loaded>> {
  const out = new Map<Evidence, Loaded>();
  // One at a time: a report of many nights of recordings should not hold them all at once.
  for (const s of run.scenarios)
    for (const st of s.steps)
      for (const e of st.evidence) {
        if (e.kind === 'transcript')
          out.set(e, { kind: 'transcript', t: await loadTranscript(runDir, e, o.transcriptLines) });
        else if (e.kind === 'power')
          out.set(e, { kind: 'power', p: await loadPowerTrace(runDir, e, o.maxPointsPerTrace) });
      }
  return out;
}

function powerBlock(e: Evidence, loaded: LoadedTrace, step: StepRecord, charts: ChartSet): string {
  const title = `${html(e.title)} <span class="dim">— step ${html(step.title)}</span>`;
  if (!loaded.ok)
    return `<div class="evidence"><h4>Power: ${title}</h4><p class="warn">${html(loaded.error)}</p>${evidenceLink(e)}</div>`;
  const t = loaded.trace;
  const s = t.stats;
  const q = (v: number | null, unit: string) => (v === null ? 'n/a' : `${formatNumber(v)} ${unit}`);
  const facts = [
    `source: ${t.source}`,
    `start ${formatTime(t.startEpochMs ?? undefined)}, duration ${formatDuration(t.durationS * 1000)}, supply ${formatNumber(t.voltageMv)} mV`,
    `mean ${q(s.meanUa, 'µA')}, min ${q(s.minUa, 'µA')}, max ${q(s.maxUa, 'µA')}, energy ${q(s.energyMj, 'mJ')}`,
  ];
  const phases = t.phases.length
    ? `<table><thead><tr><th>phase</th><th>from</th><th>to</th><th>duration</th></tr></thead><tbody>${t.phases
        .map(
          (p) =>
            `<tr><td>${html(p.label)}</td><td>${html(`${formatNumber(p.from)} s`)}</td><td>${html(`${formatNumber(p.to)} s`)}</td>` +
            `<td>${html(formatDuration((p.to - p.from) * 1000))}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '';
  return (
    `<div class="evidence power"><h4>Power: ${title}</h4>${traceChart(charts, e.title, t)}` +
    `<p class="note">${facts.map(html).join('<br>')}<br>Drag to zoom (sideways: time, up/down: current); double-click resets. ${evidenceLink(e)}</p>${phases}</div>`
  );
}

function evidenceBlock(
  e: Evidence,
  loaded: Map<Evidence, Loaded>,
  step: StepRecord,
  charts: ChartSet,
): string {
  const l = loaded.get(e);
  if (l?.kind === 'transcript') return transcriptBlock(e, l.t, step);
  if (l?.kind === 'power') return powerBlock(e, l.p, step, charts);
  return `<p>Attachment: ${evidenceLink(e)}</p>`;
}

function campaignBlock(step: StepRecord, charts: ChartSet): string {
  const c = step.campaign;
  if (!c) return '';
  const chartDivs = [cdfChart(charts, c), energyChart(charts, c), airtimeChart(charts, c)]
    .filter(Boolean)
    .join('\n');
  const errors = c.errors.length
    ? `<p class="warn">Campaign errors:</p><ul>${c.errors.map((e) => `<li>${html(e)}</li>`).join('')}</ul>`
    : '';
  return (
    `<h4>Campaign (${html(c.useCase)})</h4>${errors}<div class="campaign">${metricsTable(c.metrics)}</div>` +
    `${chartDivs}<h4>Devices in the campaign</h4>${campaignDevicesTable(c.devices)}`
  );
}

function stepsSection(run: RunRecord, loaded: Map<Evidence, Loaded>, charts: ChartSet): string {
  const parts = ['<section><h2>Steps</h2>'];
  run.scenarios.forEach((s, si) => {
    parts.push(
      `<h3>Scenario ${html(s.title || s.id)} <span class="dim">(${html(s.id)}, ${html(s.kind)})</span> ${verdictChip(s.verdict)}</h3>`,
    );
    s.steps.forEach((st, ti) => {
      const own = st.evidence.filter((e) => e.device === undefined);
      parts.push(
        `<section class="step" id="${stepAnchor(si, ti)}"><h4>${html(st.title)} ${verdictChip(st.verdict)}` +
          `${st.device ? ` <span class="dim">on ${html(st.device)}</span>` : ''}</h4>` +
          `<p class="note">${formatStepTimes(st)}${st.errorKind ? `; error kind: ${html(st.errorKind)}` : ''}</p>` +
          (st.message ? `<p>${html(st.message)}</p>` : '') +
          measurementsTable(st.measurements) +
          campaignBlock(st, charts) +
          own.map((e) => evidenceBlock(e, loaded, st, charts)).join('\n') +
          '</section>',
      );
    });
  });
  parts.push('</section>');
  return parts.join('\n');
}

function devicesSection(run: RunRecord, loaded: Map<Evidence, Loaded>, charts: ChartSet): string {
  const names = [...run.devices.map((d) => d.name)];
  const byDevice = new Map<string, { e: Evidence; step: StepRecord }[]>();
  for (const s of run.scenarios)
    for (const st of s.steps)
      for (const e of st.evidence) {
        if (e.device === undefined) continue;
        if (!names.includes(e.device)) names.push(e.device);
        byDevice.set(e.device, [...(byDevice.get(e.device) ?? []), { e, step: st }]);
      }
  if (names.length === 0) return '';
  const parts = ['<section><h2>Devices</h2>'];
  for (const name of names) {
    const items = byDevice.get(name) ?? [];
    parts.push(
      `<section class="device"><h3>${html(name)}</h3>${deviceFacts(run, name)}` +
        (items.length ? '' : '<p class="dim">No evidence recorded for this device.</p>') +
        items.map(({ e, step }) => evidenceBlock(e, loaded, step, charts)).join('\n') +
        '</section>',
    );
  }
  parts.push('</section>');
  return parts.join('\n');
}

export async function renderHtml(run: RunRecord, runDir: string, options: HtmlOptions = {}): Promise<string> {
  const loaded = await loadEvidence(run, runDir, options);
  const charts = new ChartSet();
  const body = [
    header(run),
    `<section><h2>Verdicts</h2>${verdictTable(run)}</section>`,
    stepsSection(run, loaded, charts),
    devicesSection(run, loaded, charts),
    resourcesTable(run),
    `<footer class="dim"><p>mbms-iot-rig ${html(run.rigVersion)}; rendered from results.jsonl; charts drawn with uPlot.</p></footer>`,
  ].join('\n');
  return page({ title: `${run.plan.name} ${run.runId}: ${run.verdict}`, body, charts: charts.specs });
}
