import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { RecordingWriter } from '../src/power/index.ts';
import { replay } from '../src/runner/model.ts';
import { evidenceHref, html, jsonForScript, visibleControls, xmlAttr } from '../src/runner/report/escape.ts';
import { renderHtml, renderSummary, TIMELINE_CSV_HEADER, writeReports } from '../src/runner/report/index.ts';
import { loadPowerTrace, recordingTrace, timelineTrace } from '../src/runner/report/power-trace.ts';
import { readResultsLog } from '../src/runner/results-log.ts';
import { HOSTILE, makeRunDir, T0 } from './helpers/report-run-dir.ts';

test('writeReports writes junit.xml, report.html, summary.json and one CSV per power evidence', async (t) => {
  const run = await makeRunDir();
  t.teardown(run.remove);
  const written = await writeReports(run.dir);
  t.is(written.verdict, 'error');
  t.deepEqual(written.files.map((f) => f.slice(run.dir.length + 1)).sort(), [
    'junit.xml',
    'power/update.uc1.dut1.csv',
    'power/update.uc1.dut2.csv',
    'report.html',
    'summary.json',
  ]);
  t.deepEqual(written.csvSkipped, []);
  t.deepEqual(
    readdirSync(run.dir).filter((f) => f.endsWith('.tmp')),
    [],
    'no temporary file left',
  );

  // The timeline CSV: one row per change, time since the trace start, and the end of the last level.
  const timeline = readFileSync(join(run.dir, 'power', 'update.uc1.dut1.csv'), 'utf8')
    .trim()
    .split('\n');
  t.deepEqual(timeline, [
    TIMELINE_CSV_HEADER,
    '0,90000',
    '5,8000',
    '20,3.2',
    '50,62000',
    '80,25000',
    '95,3.1',
    '120,3.1',
  ]);
  // The recording CSV comes from src/power's exporter: its header, one row per sample.
  const recording = readFileSync(join(run.dir, 'power', 'update.uc1.dut2.csv'), 'utf8')
    .trim()
    .split('\n');
  t.is(recording[0], 'Timestamp(ms),Current(uA)');
  t.is(recording.length, 1 + 30_000);
  t.is(recording[5_001], `5000,${(60_000 + (5000 % 97) * 100).toFixed(3)}`, "the fixture's sample 5000");
});

test('summary.json: counts, verdicts per step, campaign metrics; identical on every rendering', async (t) => {
  const run = await makeRunDir();
  t.teardown(run.remove);
  const record = replay(readResultsLog(join(run.dir, 'results.jsonl')).events);
  const summary = renderSummary(record) as Record<string, unknown> & {
    counts: Record<string, number>;
    scenarios: {
      steps: {
        verdict: string;
        measurements: unknown[];
        campaign: null | { metrics: Record<string, unknown> };
      }[];
    }[];
  };
  t.deepEqual(summary.counts, { ...run.counts, running: 0 });
  t.is(summary.verdict, 'error');
  t.is(summary.exitCode, 2);
  t.deepEqual(
    summary.scenarios.flatMap((s) => s.steps.map((st) => st.verdict)),
    ['pass', 'marginal', 'fail', 'error', 'skip', 'pass'],
  );
  const metrics = summary.scenarios[1]!.steps[0]!.campaign!.metrics;
  t.deepEqual(Object.keys(metrics), [...Object.keys(metrics)].sort(), 'free-form records have sorted keys');
  t.deepEqual(metrics.airtimeMs, { multicast: 42_000, unicast: 3_000 });
  t.is(
    JSON.stringify(renderSummary(record)),
    JSON.stringify(renderSummary(replay(readResultsLog(join(run.dir, 'results.jsonl')).events))),
  );
  t.is(Object.keys(summary)[0], 'format');
});

test('an incomplete log (crash mid-step, torn last line) still gives every report', async (t) => {
  const run = await makeRunDir({ complete: false });
  t.teardown(run.remove);
  const written = await writeReports(run.dir);
  t.is(written.verdict, 'incomplete');
  t.true(written.torn?.startsWith('{"t":"step-end"'));
  t.is(written.files.length, 5);
  const summary = JSON.parse(readFileSync(join(run.dir, 'summary.json'), 'utf8'));
  t.is(summary.complete, false);
  t.is(summary.counts.running, 1);
  t.is(summary.exitCode, 2);
});

test('a long timeline is embedded as at most ~4000 values, keeping its extremes and its mean', (t) => {
  const segments: [number, number][] = [];
  let charge = 0;
  const n = 100_000;
  for (let i = 0; i < n; i++) {
    const uA = i === 54_321 ? 250_000 : i % 2 ? 5 : 1_000;
    segments.push([T0 + i * 100, uA]);
    charge += uA * 100;
  }
  const end = T0 + n * 100;
  const trace = timelineTrace({ unit: 'µA', voltageMv: 3600, start: T0, end, segments }, [], 4000);
  t.is(trace.shape, 'band');
  t.true(trace.x.length * 2 <= 4000);
  t.is(Math.max(...(trace.max as number[])), 250_000, 'the one spike survives');
  t.is(Math.min(...(trace.min as number[])), 5);
  t.true(Math.abs(trace.stats.meanUa! - charge / (n * 100)) < 1e-6);
  // Time-weighted bucket means average back to the whole mean.
  const means = trace.mean as number[];
  t.true(Math.abs(means.reduce((a, b) => a + b, 0) / means.length - trace.stats.meanUa!) < 1e-6);
  t.true(Math.abs(trace.stats.energyMj! - (charge * 3600) / 1e9) < 1e-6);

  const short = timelineTrace(
    { unit: 'µA', voltageMv: 3600, start: T0, end: T0 + 3000, segments: segments.slice(0, 3) },
    [],
    4000,
  );
  t.is(short.shape, 'step');
  t.deepEqual(short.x, [0, 0.1, 0.2, 3]);
  t.deepEqual(short.y, [1_000, 5, 1_000, 1_000]);
});

test('a recording is plotted from its pyramid at a bounded number of buckets, spikes kept', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rig-report-rec-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const recDir = join(dir, 'rec');
  const w = await RecordingWriter.create({
    dir: recDir,
    meter: { kind: 'sim', spec: 'sim:test' },
    rateHz: 10_000,
    voltageMv: 3300,
    durable: false,
    chunkSamples: 1 << 16,
    pyramid: { baseSamples: 64, fanOut: 8 },
  });
  const total = 2_000_000;
  for (let start = 0; start < total; start += 50_000) {
    const uA = new Float64Array(50_000).fill(3);
    if (start === 1_250_000) uA[17] = 180_000;
    w.append({ start, uA, t0: T0 + start / 10 });
  }
  w.beginPhase('rx', 400_000);
  w.endPhase('rx', 600_000);
  await w.close();
  const trace = await recordingTrace(recDir, [{ label: 'from the step', from: 1, to: 2 }], 4000);
  t.is(trace.x.length, 2000);
  t.is(Math.max(...(trace.max as number[])), 180_000);
  t.regex(trace.source, /pyramid entries of \d+ samples/);
  t.deepEqual(
    trace.phases.map((p) => [p.label, p.from, p.to]),
    [
      ['rx', 40, 60],
      ['from the step', 1, 2],
    ],
  );
  t.is(trace.durationS, 200);
});

test('broken or missing evidence becomes a note in the report, not a failed report', async (t) => {
  const run = await makeRunDir();
  t.teardown(run.remove);
  const missing = await loadPowerTrace(run.dir, { kind: 'power', title: 'gone', path: 'evidence/none.json' });
  t.false(missing.ok);
  t.regex(missing.ok ? '' : missing.error, /evidence\/none\.json: ENOENT/);
  const notTimeline = await loadPowerTrace(run.dir, {
    kind: 'power',
    title: 'x',
    path: 'evidence/campaign.json',
  });
  t.regex(notTimeline.ok ? '' : notTimeline.error, /not a power timeline/);

  const record = replay(readResultsLog(join(run.dir, 'results.jsonl')).events);
  record.scenarios[0]!.steps[0]!.evidence.push(
    { kind: 'power', title: 'lost trace', path: 'evidence/none.json' },
    { kind: 'transcript', title: 'lost transcript', path: 'evidence/none.jsonl' },
    { kind: 'file', title: 'sneaky', path: 'javascript:alert(1)' },
  );
  const page = await renderHtml(record, run.dir);
  t.regex(page, /evidence\/none\.json: ENOENT/);
  t.regex(page, /evidence\/none\.jsonl: ENOENT/);
  t.false(page.includes('href="javascript:'));
  t.regex(page, /not a path in the run directory/);
});

test('escaping: markup, quotes, control characters and script-breaking data', (t) => {
  t.is(html(HOSTILE), '&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
  t.is(html(`"'&`), '&quot;&#39;&amp;');
  t.is(visibleControls('a\u0000b\u001bc\u007fd\tn\n'), 'a␀b␛c␡d\tn\n');
  t.is(visibleControls('lone \ud800 pair \ud83d\ude00'), 'lone \\u{d800} pair \ud83d\ude00');
  t.is(xmlAttr('a\tb\nc"d'), 'a&#9;b&#10;c&quot;d');
  t.is(jsonForScript({ s: '</script><!--' }), '{"s":"\\u003c/script>\\u003c!--"}');
  t.is(evidenceHref('evidence/a b#c.json'), './evidence/a%20b%23c.json');
  t.is(evidenceHref('../etc/passwd'), undefined);
  t.is(evidenceHref('/etc/passwd'), undefined);
  t.is(evidenceHref('JavaScript:alert(1)'), undefined);
  t.is(evidenceHref('data:text/html,x'), undefined);
});
