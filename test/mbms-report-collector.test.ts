import { createServer } from 'node:net';
import test from 'ava';
import { VirtualClock } from '../src/clock/index.ts';
import {
  type FileOutcome,
  RECEPTION_REPORT_MIME,
  ReceptionReportCollector,
  ReceptionReporter,
  type ReportClientError,
  renderReceptionReport,
} from '../src/mbms/report/index.ts';
import { seededRandom } from '../src/random/index.ts';

const DONE: FileOutcome[] = [
  {
    fileURI: 'http://ex.com/fw/v2.bin',
    contentMd5: 'q6urq6urq6urq6urq6urqw==',
    receivedBeforeRepair: false,
    receivedAfterRepair: true,
    failedBlocks: [{ received: 16, total: 27 }],
  },
];

async function post(url: string, contentType: string, body: string | Uint8Array) {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': contentType }, body });
  return { status: res.status, text: await res.text() };
}

test('a RAck goes out after offsetTime + U(0, randomTimePeriod) and is stored under the device', async (t) => {
  const clock = new VirtualClock();
  await using collector = await ReceptionReportCollector.start({ clock, coapPort: null });
  const seed = 77;
  const reporter = new ReceptionReporter({
    clock,
    random: seededRandom(seed),
    procedure: { serviceURIs: [collector.serviceUri], offsetTime: 5, randomTimePeriod: 10 },
  });
  t.is(reporter.reportType, 'RAck');
  const t0 = clock.now();
  const out = await reporter.send(DONE, { deviceId: 'imei-1', sessionId: '10.0.0.1:1' });
  if (out.kind !== 'sent') return t.fail(out.kind);
  // Draws in order: the sample draw, then the back-off.
  const r = seededRandom(seed);
  r();
  const expected = Math.round((5 + r() * 10) * 1000);
  t.is(out.backoffMs, expected);
  t.is(out.at - t0, expected);
  t.is(out.status, '200');
  const [stored] = collector.reportsOf('imei-1');
  t.is(stored?.at, t0 + expected);
  t.deepEqual(stored?.body, {
    format: 'xml',
    report: {
      kind: 'acknowledgement',
      files: [
        {
          uri: 'http://ex.com/fw/v2.bin',
          contentMd5: 'q6urq6urq6urq6urq6urqw==',
          deviceId: 'imei-1',
          sessionId: '10.0.0.1:1',
        },
      ],
    },
  });
});

test('samplePercentage thins StaR reporters by a seeded draw made once; RAck ignores it', async (t) => {
  const clock = new VirtualClock();
  await using collector = await ReceptionReportCollector.start({ clock, coapPort: null });
  const procedure = {
    serviceURIs: [collector.serviceUri],
    randomTimePeriod: 1,
    reportType: 'StaR-all',
    samplePercentage: 25,
  };
  let sent = 0;
  for (let device = 0; device < 40; device++) {
    const reporter = new ReceptionReporter({ clock, random: seededRandom(1000 + device), procedure });
    // The decision is the draw against 25 %, and it does not change between calls.
    t.is(reporter.sampled, reporter.draw * 100 < 25);
    t.is(reporter.sampled, reporter.sampled);
    const out = await reporter.send(DONE, { deviceId: `dev-${device}`, serviceId: 'urn:svc' });
    t.is(out.kind, reporter.sampled ? 'sent' : 'not-sampled');
    if (out.kind === 'sent') sent++;
  }
  t.is(collector.stored.length, sent);
  t.true(sent > 3 && sent < 20, `${sent} of 40 reported at 25 %`);
  const first = collector.stored[0]!.body;
  t.true(first.format === 'xml' && first.report.kind === 'statistical');
  // RAck with samplePercentage 0 still reports: the attribute does not apply to RAck.
  const rack = new ReceptionReporter({
    clock,
    random: seededRandom(5),
    procedure: { serviceURIs: [collector.serviceUri], randomTimePeriod: 0, samplePercentage: 0 },
  });
  t.is((await rack.send(DONE, { deviceId: 'rack-dev' })).kind, 'sent');
});

test('a server that does not answer is left for another; all gone is an error', async (t) => {
  const clock = new VirtualClock();
  await using collector = await ReceptionReportCollector.start({ clock, coapPort: null });
  const closed = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
  const dead = `http://127.0.0.1:${closed}/report`;
  for (const seed of [1, 2, 3]) {
    const reporter = new ReceptionReporter({
      clock,
      random: seededRandom(seed),
      procedure: { serviceURIs: [dead, collector.serviceUri], randomTimePeriod: 3 },
    });
    const out = await reporter.send(DONE, { deviceId: `d${seed}` });
    t.is(out.kind === 'sent' ? out.server : out.kind, collector.serviceUri);
  }
  const alone = new ReceptionReporter({
    clock,
    random: seededRandom(9),
    procedure: { serviceURIs: [dead], randomTimePeriod: 0 },
  });
  const error = await t.throwsAsync<ReportClientError>(alone.send(DONE, { deviceId: 'x' }));
  t.is(error?.kind, 'exhausted');
});

test('the HTTP collector validates: 415, 413, 400 with the reason, 405; multipart/mixed aggregates', async (t) => {
  const clock = new VirtualClock();
  await using collector = await ReceptionReportCollector.start({ clock, coapPort: null, maxBodyBytes: 2048 });
  const url = collector.serviceUri;
  const xml = (device: string) =>
    renderReceptionReport({ kind: 'acknowledgement', files: [{ uri: 'http://ex.com/a', deviceId: device }] });
  t.is((await post(url, 'application/json', '{}')).status, 415);
  t.is((await post(url, RECEPTION_REPORT_MIME, 'x'.repeat(5000))).status, 413);
  const bad = await post(url, RECEPTION_REPORT_MIME, '<receptionReport xmlns="urn:nope"/>');
  t.is(bad.status, 400);
  t.regex(bad.text, /expected \{urn:3gpp:metadata:2008:MBMS:receptionreport\}receptionReport/);
  t.is((await fetch(url)).status, 405);
  t.is((await post(`${url}x`, RECEPTION_REPORT_MIME, xml('a'))).status, 404);
  t.is(collector.stored.length, 0);

  const multipart = [
    '--sep',
    `Content-Type: ${RECEPTION_REPORT_MIME}`,
    '',
    xml('agg-1'),
    '--sep',
    'Content-Type: application/3gpdash-qoe-report+xml',
    '',
    '<ReceptionReport/>',
    '--sep',
    `Content-Type: ${RECEPTION_REPORT_MIME}`,
    '',
    xml('agg-2'),
    '--sep--',
    '',
  ].join('\r\n');
  const ok = await post(url, 'multipart/mixed; boundary=sep', multipart);
  t.is(ok.status, 200);
  t.deepEqual([...collector.byDevice().keys()], ['agg-1', 'agg-2']);
  t.deepEqual(
    collector.refused.map((r) => r.status),
    ['415', '413', '400', '405', '404'],
  );
});
