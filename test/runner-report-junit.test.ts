import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { type LogEvent, replay } from '../src/runner/model.ts';
import { renderJunit } from '../src/runner/report/index.ts';
import { readResultsLog } from '../src/runner/results-log.ts';
import { CDATA_END, HOSTILE, makeRunDir } from './helpers/report-run-dir.ts';

const SCHEMA = '/work/shared/schemas/junit-10.xsd';

/** xmllint's verdict on a document: its exit status and what it said. */
function xmllint(xml: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rig-junit-'));
  try {
    const file = join(dir, 'junit.xml');
    writeFileSync(file, xml);
    const r = spawnSync('xmllint', ['--noout', '--schema', SCHEMA, file], { encoding: 'utf8' });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
});

interface Case {
  name: string;
  classname: string;
  time: string;
  failure?: { message: string; type: string; '#text'?: string } | string;
  error?: { message: string; type: string };
  skipped?: unknown;
  'system-out'?: string;
}

function parse(xml: string) {
  const doc = parser.parse(xml) as {
    testsuites: {
      tests: string;
      failures: string;
      errors: string;
      testsuite: {
        name: string;
        tests: string;
        failures: string;
        errors: string;
        skipped: string;
        properties: { property: { name: string; value: string }[] };
        testcase: Case[];
      }[];
    };
  };
  return doc.testsuites;
}

const FORBIDDEN_IN_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

test('junit (xmllint): a complete run validates against the JUnit schema, with counts per verdict', async (t) => {
  const run = await makeRunDir();
  t.teardown(run.remove);
  const xml = renderJunit(replay(readResultsLog(join(run.dir, 'results.jsonl')).events));
  const lint = xmllint(xml);
  t.true(lint.ok, lint.output);
  t.false(FORBIDDEN_IN_XML.test(xml), 'no character XML 1.0 forbids');

  const suites = parse(xml);
  t.is(Number(suites.tests), 6);
  t.is(Number(suites.failures), run.counts.fail);
  t.is(Number(suites.errors), run.counts.error);
  const [psm, update] = suites.testsuite;
  t.is(psm?.name, 'nightly.psm');
  t.is(Number(psm?.tests), 5);
  t.is(Number(psm?.skipped), 1);
  t.is(update?.testcase.length, 1);

  const cases = psm!.testcase;
  t.deepEqual(
    cases.map((c) => c.classname),
    Array(5).fill('nightly.psm'),
  );
  t.is(cases[0]?.time, '1.234');
  const marginal = cases[1]!;
  t.regex(String(marginal['system-out']), /^MARGINAL/);
  t.regex(
    String(marginal['system-out']),
    /sleep current \[dut1\] = 4\.8 µA \(limits ≤ 5 µA \(marginal 0\.5 µA\)\): marginal/,
  );
  t.is(marginal.failure, undefined);
  const failed = cases[2]!;
  t.is(failed.name, HOSTILE, 'the hostile title survives as text');
  t.true(typeof failed.failure === 'object' && failed.failure.message.includes(']]>'));
  const error = cases[3]!;
  t.is(error.error?.type, 'infrastructure');
  t.regex(error.error?.message ?? '', /relay \/dev\/ttyACM0/);
  t.not(cases[4]?.skipped, undefined);

  const props = new Map(psm!.properties.property.map((p) => [p.name, p.value]));
  t.is(props.get('bench'), 'emulated');
  t.is(props.get('seed'), '42');
  t.is(props.get('rig.version'), '0.1.0');
  t.is(props.get('run.id'), '20260105-093000-nightly');
  t.is(props.get('device.dut1.firmware'), 'BG95M3LAR02A03');
  t.is(props.get('device.dut2.imei'), '861234050000029');
  t.regex(
    props.get('device.dut2.firmware') ?? '',
    /^03\.15 nul␀ bell␇ esc␛\[31m vt␋ del␡ end$/,
    'controls shown as pictures',
  );
  t.is(props.get('campaign.update.uc1.device.dut1.versionAfter'), '2.0.4');
  t.false(xml.includes('<img'), 'markup from the run never appears unescaped');
  t.true(xml.includes(CDATA_END.replace('>', '&gt;')));
});

test('junit (xmllint): an incomplete log renders; the unfinished step is an error of type incomplete', async (t) => {
  const run = await makeRunDir({ complete: false });
  t.teardown(run.remove);
  const { events, torn } = readResultsLog(join(run.dir, 'results.jsonl'));
  t.truthy(torn, 'the fixture cut the last line short');
  const xml = renderJunit(replay(events));
  const lint = xmllint(xml);
  t.true(lint.ok, lint.output);
  const suites = parse(xml);
  const update = suites.testsuite.find((s) => s.name === 'nightly.update')!;
  t.is(update.testcase.length, 1);
  t.is(update.testcase[0]?.error?.type, 'incomplete');
  t.is(Number(suites.errors), run.counts.error + run.running);
  const props = new Map(update.properties.property.map((p) => [p.name, p.value]));
  t.is(props.get('run.complete'), 'false');
  t.is(props.get('run.verdict'), 'incomplete');
});

test('junit (xmllint): any string in titles, messages and measurement names gives a valid document', (t) => {
  // Every UTF-16 code unit, lone surrogates included, in every place the run puts text.
  const text = fc.string({
    unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    maxLength: 30,
  });
  const samples = fc.sample(fc.tuple(text, text, text, text), { numRuns: 60, seed: 7 });
  const events: LogEvent[] = [
    {
      t: 'run-start',
      at: 0,
      wall: 0,
      runId: samples[0]![0],
      plan: { name: samples[0]![1], file: 'p.yaml' },
      bench: { name: samples[0]![2], file: 'b.yaml' },
      seed: 1,
      rigVersion: samples[0]![3],
      host: 'h',
    },
    { t: 'scenario-start', at: 0, wall: 0, scenario: 's', kind: 'k', title: 't', params: {} },
  ];
  samples.forEach(([title, message, name, device], i) => {
    const step = `step${i}`;
    events.push(
      { t: 'device', at: 0, wall: 0, device: { name: `d${i}`, kind: 'serial', firmware: device } },
      { t: 'step-start', at: 0, wall: 0, scenario: 's', step, title },
      {
        t: 'measurement',
        at: 0,
        wall: 0,
        scenario: 's',
        step,
        m: { name, unit: 'mA', value: 2, limits: { high: 1 }, verdict: 'fail' },
      },
      {
        t: 'step-end',
        at: 0,
        wall: 0,
        scenario: 's',
        step,
        verdict: (['pass', 'marginal', 'fail', 'error', 'skip'] as const)[i % 5]!,
        message,
        benchMs: 1,
        wallMs: 123_456.789,
      },
    );
  });
  const xml = renderJunit(replay(events));
  const lint = xmllint(xml);
  t.true(lint.ok, lint.output);
  t.is(parse(xml).testsuite[0]?.testcase.length, samples.length);
  // xmllint must be able to fail: the same document with a raw control character is rejected.
  t.false(xmllint(xml.replace('<testcase ', '<testcase \u0001')).ok);
});

test('junit: xmllint is installed', (t) => {
  t.notThrows(() => execFileSync('xmllint', ['--version'], { stdio: 'ignore' }));
});
