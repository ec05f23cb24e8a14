/** The HTML report's tables and blocks. Every string from the run goes through html(); hrefs through evidenceHref(). */
import type { Evidence, Measurement, RunRecord, StepRecord } from '../model.ts';
import { evidenceHref, html } from './escape.ts';
import { formatDuration, formatLimits, formatNumber, formatTime, VERDICTS } from './text.ts';
import type { LoadedTranscript } from './transcript-file.ts';

export function verdictChip(v: string): string {
  return `<span class="v v-${html(v)}">${html(v.toUpperCase())}</span>`;
}

function table(head: string[], rows: string[][], cls = ''): string {
  const th = head.map((h) => `<th>${html(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function stepAnchor(si: number, ti: number): string {
  return `step-${si + 1}-${ti + 1}`;
}

export function header(run: RunRecord): string {
  const counts = VERDICTS.map((v) => `${run.counts[v]} ${v}`).join(', ');
  const running = run.scenarios.reduce(
    (n, s) => n + s.steps.filter((st) => st.verdict === 'running').length,
    0,
  );
  const rows: [string, string][] = [
    ['plan', `${html(run.plan.name)} <span class="dim">(${html(run.plan.file)})</span>`],
    ...(run.plan.description ? ([['description', html(run.plan.description)]] as [string, string][]) : []),
    ['bench', `${html(run.bench.name)} <span class="dim">(${html(run.bench.file)})</span>`],
    ['seed', html(run.seed)],
    ['rig version', html(run.rigVersion)],
    ['run id', html(run.runId)],
    ['host', html(run.host)],
    ['verdict', verdictChip(run.verdict)],
    ['steps', html(counts + (running ? `, ${running} unfinished` : ''))],
    ['started', html(formatTime(run.startedWall))],
    ['ended', html(run.complete ? formatTime(run.endedWall) : 'not ended (no run-end in the log)')],
    ...(run.resumes ? ([['resumed', html(`${run.resumes} time(s)`)]] as [string, string][]) : []),
  ];
  const banner = run.complete
    ? ''
    : `<p class="banner">Incomplete run: the results log ends without run-end (the rig crashed or was stopped). ` +
      `Everything that finished is shown; steps without an end are marked RUNNING.</p>`;
  const dl = rows.map(([k, v]) => `<dt>${html(k)}</dt><dd>${v}</dd>`).join('');
  return `<header><h1>Run ${html(run.runId)}: ${html(run.plan.name)} ${verdictChip(run.verdict)}</h1>${banner}<dl class="facts">${dl}</dl></header>`;
}

export function verdictTable(run: RunRecord): string {
  const rows = run.scenarios.flatMap((s, si) =>
    s.steps.map((st, ti) => [
      html(s.title || s.id),
      `<a href="#${stepAnchor(si, ti)}">${html(st.title)}</a>`,
      html(st.device ?? ''),
      verdictChip(st.verdict),
      html(st.message ?? ''),
      html(st.benchMs === undefined ? '' : formatDuration(st.benchMs)),
      html(st.wallMs === undefined ? '' : formatDuration(st.wallMs)),
    ]),
  );
  return table(
    ['scenario', 'step', 'device', 'verdict', 'message', 'bench time', 'wall time'],
    rows,
    'verdicts',
  );
}

export function measurementsTable(ms: readonly Measurement[]): string {
  if (ms.length === 0) return '';
  const rows = ms.map((m) => [
    html(m.name) + (m.description ? `<div class="dim">${html(m.description)}</div>` : ''),
    html(m.device ?? ''),
    html(m.value === null ? 'not measured' : formatNumber(m.value)),
    html(m.unit),
    html(formatLimits(m.limits, m.unit)),
    verdictChip(m.verdict),
  ]);
  return table(['measurement', 'device', 'value', 'unit', 'limits', 'verdict'], rows);
}

/** A campaign figure, formatted by what its key says it is (…Ms a duration, …Mj energy, …Success a share). */
function metricValue(path: string[], v: unknown): string {
  if (v === null || v === undefined) return 'n/a';
  if (typeof v !== 'number') return typeof v === 'string' ? v : JSON.stringify(v);
  if (path.some((p) => /Ms$/.test(p))) return formatDuration(v);
  if (path.some((p) => /Mj$/.test(p))) return `${formatNumber(v)} mJ`;
  if (path.some((p) => /Success$/.test(p))) return `${formatNumber(v * 100)} %`;
  return formatNumber(v);
}

function flatten(value: unknown, path: string[], out: [string[], unknown][]): [string[], unknown][] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, [...path, k], out);
  } else out.push([path, value]);
  return out;
}

export function metricsTable(metrics: Record<string, unknown>): string {
  const rows = flatten(metrics, [], []).map(([path, v]) => [
    html(path.join('.')),
    html(metricValue(path, v)),
  ]);
  return table(['metric', 'value'], rows, 'metrics');
}

export function campaignDevicesTable(devices: readonly Record<string, unknown>[]): string {
  const s = (v: unknown) =>
    v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  const n = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const rows = devices.map((d) => {
    const announced = n(d.announcedAt);
    const updated = n(d.updatedAt);
    const failure = d.failure as { phase?: unknown; message?: unknown } | undefined;
    const air = d.air as { received?: unknown; lost?: unknown } | undefined;
    return [
      html(s(d.name)),
      html(s(d.model)),
      verdictChip(s(d.outcome) === 'updated' ? 'pass' : s(d.outcome) === 'failed' ? 'fail' : 'error') +
        ` ${html(s(d.outcome))}`,
      html(`${s(d.versionBefore)} → ${s(d.versionAfter)}`),
      html(s(d.fileStatus)),
      html(announced !== undefined && updated !== undefined ? formatDuration(updated - announced) : ''),
      html(n(d.energyMj) !== undefined ? `${formatNumber(n(d.energyMj)!)} mJ` : ''),
      html(air ? `${s(air.received)} received, ${s(air.lost)} lost` : ''),
      html(failure ? `${s(failure.phase)}: ${s(failure.message)}` : ''),
    ];
  });
  return table(
    ['device', 'model', 'outcome', 'version', 'file', 'time to updated', 'energy', 'air', 'failure'],
    rows,
  );
}

export function evidenceLink(e: Evidence): string {
  const href = evidenceHref(e.path);
  const label = `${html(e.title)} <span class="dim">(${html(e.kind)}: ${html(e.path)})</span>`;
  return href
    ? `<a href="${html(href)}">${label}</a>`
    : `${label} <span class="dim">(not a path in the run directory)</span>`;
}

export function transcriptBlock(e: Evidence, t: LoadedTranscript, step: StepRecord): string {
  const title = `${html(e.title)} <span class="dim">— step ${html(step.title)}</span>`;
  if (!t.ok)
    return `<div class="evidence"><h4>${title}</h4><p class="warn">${html(t.error)}</p>${evidenceLink(e)}</div>`;
  const t0 = t.lines.find((l): l is Extract<typeof l, { entry: unknown }> => 'entry' in l)?.entry.t;
  const rows = t.lines.map((l) => {
    if ('raw' in l) return `<tr class="raw"><td colspan="5">unreadable line: ${html(l.raw)}</td></tr>`;
    const en = l.entry;
    const at = t0 === undefined ? '' : `+${((en.t - t0) / 1000).toFixed(3)} s`;
    return (
      `<tr class="d-${html(en.dir)}"><td>${html(at)}</td><td>${html(en.port)}</td><td>${html(en.dir)} ${html(en.meaning)}</td>` +
      `<td><code>${html(en.text)}</code></td><td>${html(en.detail ?? '')}</td></tr>`
    );
  });
  const note = t.cut
    ? `<p class="note">Showing the first ${t.lines.length} of ${t.total} entries; the whole transcript: ${evidenceLink(e)}</p>`
    : `<p class="note">${t.total} entries. ${evidenceLink(e)}</p>`;
  return (
    `<details class="evidence transcript"><summary>Transcript: ${title} (${t.total} entries)</summary>${note}` +
    `<table class="transcript"><thead><tr><th>time</th><th>port</th><th>what</th><th>text</th><th>detail</th></tr></thead>` +
    `<tbody>${rows.join('\n')}</tbody></table></details>`
  );
}

export function deviceFacts(run: RunRecord, name: string): string {
  const d = run.devices.find((x) => x.name === name);
  const facts: [string, string | undefined][] = d
    ? [
        ['kind', d.kind],
        ['profile', d.profileId],
        ['model', d.model],
        ['firmware', d.firmware],
        ['IMEI', d.imei],
        ['port', d.port],
      ]
    : [['kind', 'not announced in the log']];
  const dl = facts
    .filter((f): f is [string, string] => f[1] !== undefined)
    .map(([k, v]) => `<dt>${html(k)}</dt><dd>${html(v)}</dd>`)
    .join('');
  const bring = run.bringUp
    .filter((b) => b.device === name)
    .map(
      (b) =>
        `<li>${html(b.state)}: ${b.ok ? 'ok' : `<span class="warn">failed: ${html(b.error ?? '')}</span>`}</li>`,
    )
    .join('');
  return `<dl class="facts">${dl}</dl>${bring ? `<p>Bring-up:</p><ul>${bring}</ul>` : ''}`;
}

export function resourcesTable(run: RunRecord): string {
  if (run.resources.length === 0) return '';
  const rows = run.resources.map((r) => [
    html(r.kind),
    html(r.name),
    r.ok ? 'ok' : `<span class="warn">failed</span>`,
    html(
      [r.error ?? '', ...Object.entries(r.detail).map(([k, v]) => `${k}=${v}`)].filter(Boolean).join('; '),
    ),
  ]);
  return `<section><h2>Resources</h2>${table(['kind', 'name', 'state', 'detail'], rows)}</section>`;
}

export function formatStepTimes(st: StepRecord): string {
  const parts = [
    st.benchMs !== undefined ? `bench ${formatDuration(st.benchMs)}` : '',
    st.wallMs !== undefined ? `wall ${formatDuration(st.wallMs)}` : '',
  ].filter(Boolean);
  return html(parts.join(', '));
}
