import test from 'ava';
import fc from 'fast-check';
import {
  buildReceptionReport,
  type FileOutcome,
  ntpSeconds,
  parseReceptionReport,
  RECEPTION_REPORT_NS,
  type ReceptionReport,
  ReceptionReportError,
  renderReceptionReport,
  reportTypeOf,
  sampledIn,
} from '../src/mbms/report/index.ts';

// The example of TS 26.346 §9.5.3.2, as printed (xsi attributes and all).
const SPEC_EXAMPLE = `<?xml version="1.0" encoding="UTF-8"?>
<receptionReport xmlns="urn:3gpp:metadata:2008:MBMS:receptionreport"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="urn:3gpp:metadata:2008:MBMS:receptionreport receptionreport.xsd">
  <receptionAcknowledgement>
    <fileURI>http://www.example.com/mbms-files/file1.3gp</fileURI>
    <fileURI>http://www.example.com/mbms-files/file2.3gp</fileURI>
    <fileURI>http://www.example.com/mbms-files/file4.3gp</fileURI>
  </receptionAcknowledgement>
</receptionReport>`;

const OUTCOMES: FileOutcome[] = [
  {
    fileURI: 'http://ex.com/fw/a.bin',
    contentMd5: 'q6urq6urq6urq6urq6urqw==',
    receivedBeforeRepair: true,
    receivedAfterRepair: true,
  },
  {
    fileURI: 'http://ex.com/fw/b.bin?v=2&x=<1>',
    receivedBeforeRepair: false,
    receivedAfterRepair: true,
    failedBlocks: [{ received: 20, total: 27 }],
  },
  {
    fileURI: 'http://ex.com/fw/c.bin',
    receivedBeforeRepair: false,
    receivedAfterRepair: false,
    failedBlocks: [
      { received: 3, total: 27 },
      { received: 0, total: 27 },
    ],
  },
];
const CTX = {
  deviceId: '356938035643809',
  clientId: '+4915112345678',
  sessionId: '10.1.2.3:42',
  serviceId: 'urn:fw:svc',
  sessionStart: Date.UTC(2026, 0, 1, 2, 0, 0),
  sessionStop: Date.UTC(2026, 0, 1, 2, 10, 0),
};

test('the §9.5.3.2 example parses to three acknowledged files', (t) => {
  const r = parseReceptionReport(SPEC_EXAMPLE);
  if (!r.ok) return t.fail(r.error.message);
  t.deepEqual(r.value, {
    kind: 'acknowledgement',
    files: ['file1', 'file2', 'file4'].map((f) => ({ uri: `http://www.example.com/mbms-files/${f}.3gp` })),
  });
  // A prefixed namespace is the same document.
  const prefixed = SPEC_EXAMPLE.replace(
    /<(\/?)(receptionReport|receptionAcknowledgement|fileURI)/g,
    '<$1r:$2',
  ).replace('xmlns="', 'xmlns:r="');
  t.deepEqual(parseReceptionReport(prefixed), r);
});

test('RAck lists the files complete after repair, identified on the first fileURI', (t) => {
  const report = buildReceptionReport('RAck', OUTCOMES, CTX);
  t.deepEqual(report, {
    kind: 'acknowledgement',
    files: [
      {
        uri: 'http://ex.com/fw/a.bin',
        contentMd5: 'q6urq6urq6urq6urq6urqw==',
        clientId: CTX.clientId,
        deviceId: CTX.deviceId,
        sessionId: CTX.sessionId,
      },
      { uri: 'http://ex.com/fw/b.bin?v=2&x=<1>' },
    ],
  });
  const xml = renderReceptionReport(report!);
  t.true(xml.includes(`<receptionReport xmlns="${RECEPTION_REPORT_NS}">`));
  t.true(xml.includes('>http://ex.com/fw/b.bin?v=2&amp;x=&lt;1&gt;</fileURI>'));
  t.deepEqual(parseReceptionReport(xml), { ok: true, value: report });
  t.is(buildReceptionReport('RAck', [OUTCOMES[2]!], CTX), undefined);
});

test('StaR-all reports every file with receptionSuccess and the failed-block counts before repair', (t) => {
  const report = buildReceptionReport('StaR-all', OUTCOMES, CTX);
  if (report?.kind !== 'statistical') return t.fail();
  const [s] = report.reports;
  t.is(s!.sessionType, 'download');
  t.is(s!.serviceId, 'urn:fw:svc');
  t.deepEqual(
    s!.files.map((f) => [
      f.receptionSuccess,
      f.receivedSymbolsForFailedBlocks,
      f.totalSymbolsForFailedBlocks,
    ]),
    [
      [true, undefined, undefined],
      [false, [20], [27]],
      [false, [3, 0], [27, 27]],
    ],
  );
  t.deepEqual(s!.qoeMetrics, {
    numberOfLostObjects: [2],
    numberOfReceivedObjects: [1],
    mediaLevel: [{ sessionId: '10.1.2.3:42' }],
    sessionStartTime: 3_976_221_600,
    sessionStopTime: 3_976_222_200,
  });
  t.is(ntpSeconds(Date.UTC(1970, 0, 1)), 2_208_988_800);
  const xml = renderReceptionReport(report);
  t.true(
    xml.includes(
      'receptionSuccess="false" receivedSymbolsForFailedBlocks="3 0" totalSymbolsForFailedBlocks="27 27"',
    ),
  );
  t.deepEqual(parseReceptionReport(xml), { ok: true, value: report });

  // StaR: only the files complete before repair, no receptionSuccess; StaR-only: no files at all.
  const star = buildReceptionReport('StaR', OUTCOMES, CTX);
  t.deepEqual(star?.kind === 'statistical' ? star.reports[0]!.files : [], [
    { uri: 'http://ex.com/fw/a.bin', contentMd5: 'q6urq6urq6urq6urq6urqw==' },
  ]);
  const only = buildReceptionReport('StaR-only', OUTCOMES, CTX);
  t.deepEqual(only?.kind === 'statistical' ? only.reports[0]!.files : [1], []);
});

test('reportType defaults to RAck, unknown values are ignored, samplePercentage never thins RAck', (t) => {
  t.is(reportTypeOf(undefined), 'RAck');
  t.is(reportTypeOf('StaR-everything'), 'RAck');
  t.is(reportTypeOf('StaR-all'), 'StaR-all');
  t.true(sampledIn('RAck', 0, 0.99));
  t.true(sampledIn('StaR', undefined, 0.99));
  t.true(sampledIn('StaR', 30, 0.29));
  t.false(sampledIn('StaR', 30, 0.3));
  t.false(sampledIn('RAck-IoT', 0, 0));
});

test('hostile and malformed documents are refused with a reason', (t) => {
  const refused = (
    doc: string | Uint8Array,
    why: RegExp,
    options: { maxBytes?: number; maxFiles?: number } = {},
  ) => {
    const r = parseReceptionReport(doc, options);
    t.false(r.ok, String(doc).slice(0, 60));
    if (!r.ok) {
      t.true(r.error instanceof ReceptionReportError);
      t.regex(r.error.message, why);
    }
  };
  const wrap = (inner: string) =>
    `<receptionReport xmlns="${RECEPTION_REPORT_NS}"><receptionAcknowledgement>${inner}</receptionAcknowledgement></receptionReport>`;
  refused(
    `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><receptionReport xmlns="${RECEPTION_REPORT_NS}"><receptionAcknowledgement><fileURI>&lol2;</fileURI></receptionAcknowledgement></receptionReport>`,
    /DOCTYPE/,
  );
  refused(`<!DOCTYPE r SYSTEM "file:///etc/passwd"><r/>`, /DOCTYPE/);
  refused(wrap('<fileURI>http://a/&xxe;</fileURI>'), /undeclared entity/);
  refused(wrap('<fileURI>http://a/&#0;</fileURI>'), /not an XML character/);
  refused(SPEC_EXAMPLE, /more than the 100 accepted/, { maxBytes: 100 });
  refused(Uint8Array.of(0x3c, 0x61, 0xff, 0x3e), /UTF-8/);
  refused('<receptionReport><receptionAcknowledgement/></receptionReport>', /expected \{urn:3gpp/);
  refused(`<receptionReport xmlns="urn:other">x</receptionReport>`, /root is \{urn:other\}/);
  refused(
    `<receptionReport xmlns="${RECEPTION_REPORT_NS}"><receptionAcknowledgement><fileURI>a</fileURI></receptionAcknowledgement><statisticalReport/></receptionReport>`,
    /stand alone/,
  );
  refused(wrap('<fileURI receptionSuccess="yes">a</fileURI>'), /not a boolean/);
  refused(wrap('<fileURI Content-MD5="***">a</fileURI>'), /not base64/);
  refused(wrap('<fileURI receivedSymbolsForFailedBlocks="1 -2">a</fileURI>'), /not an unsigned integer/);
  refused(wrap('<fileURI> </fileURI>'), /not a URI/);
  refused(wrap('<fileURI>a</fileURI'), /well-formed/);
  refused(
    wrap(Array.from({ length: 6 }, (_, i) => `<fileURI>u${i}</fileURI>`).join('')),
    /more than 5 fileURI/,
    { maxFiles: 5 },
  );
});

test('fuzz: the parser returns a report or a ReceptionReportError for any input', (t) => {
  const fragments = fc.constantFrom(
    '<receptionReport xmlns="urn:3gpp:metadata:2008:MBMS:receptionreport">',
    '</receptionReport>',
    '<receptionAcknowledgement>',
    '</receptionAcknowledgement>',
    '<statisticalReport sessionType="download">',
    '</statisticalReport>',
    '<fileURI>',
    '</fileURI>',
    '<fileURI receptionSuccess="false" totalSymbolsForFailedBlocks="4 5">',
    '<qoeMetrics sessionStartTime="7">',
    '</qoeMetrics>',
    '<medialevel_qoeMetrics sessionId="1:2"/>',
    'http://a/b',
    '&amp;',
    '&#x1F600;',
    '&bad;',
    '<!DOCTYPE x>',
    '<![CDATA[x]]>',
    '<!-- c -->',
    '<?pi x?>',
    '"',
    '<',
    '>',
  );
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.array(fragments, { maxLength: 25 }).map((a) => a.join('')),
        fc.uint8Array({ maxLength: 200 }),
      ),
      (input) => {
        const r = parseReceptionReport(input, { maxFiles: 5 });
        if (!r.ok) return r.error instanceof ReceptionReportError;
        // Whatever parses renders back to a document that parses to the same report.
        const again = parseReceptionReport(renderReceptionReport(r.value));
        return again.ok && JSON.stringify(again.value) === JSON.stringify(r.value);
      },
    ),
    { numRuns: 4000 },
  );
  // Generated reports survive the round trip with awkward characters in every string.
  const text = fc.string({ minLength: 1, maxLength: 20 }).map((s) => `u:${s.replace(/\s/g, '_')}`);
  const fileArb = fc.record(
    {
      uri: text,
      receptionSuccess: fc.boolean(),
      receivedSymbolsForFailedBlocks: fc.array(fc.nat(), { maxLength: 3 }),
    },
    { requiredKeys: ['uri'] },
  );
  fc.assert(
    fc.property(
      fc.array(fileArb, { maxLength: 5 }),
      fc.option(text, { nil: undefined }),
      (files, serviceId) => {
        const report: ReceptionReport = {
          kind: 'statistical',
          reports: [{ ...(serviceId !== undefined ? { serviceId } : {}), files }],
        };
        const back = parseReceptionReport(renderReceptionReport(report));
        return back.ok && JSON.stringify(back.value) === JSON.stringify(report);
      },
    ),
  );
  t.pass();
});
