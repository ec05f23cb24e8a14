import test from 'ava';
import {
  AnnounceError,
  type AnnounceErrorCode,
  type AssociatedProcedures,
  generateAdpd,
  generateScheduleDescription,
  generateUsd,
  parseAdpd,
  parseScheduleDescription,
  parseUsd,
  type Schedule,
  type ScheduleDescription,
  scheduleIssues,
  sessionOccurrences,
  type UserServiceDescription,
} from '../src/mbms/announce/index.ts';

const at = (iso: string) => Date.parse(iso);

/** The USBD of the TS 26.346 L.2.10 example SA file (a FOTA service), as printed. */
const L210_USD = `<?xml version="1.0" encoding="UTF-8" standalone="no" ?>
<bundleDescription
xmlns="urn:3GPP:metadata:2005:MBMS:userServiceDescription"
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
xmlns:sv="urn:3gpp:metadata:2009:MBMS:schemaVersion"
xmlns:r7="urn:3GPP:metadata:2007:MBMS:userServiceDescription"
xmlns:r9="urn:3GPP:metadata:2009:MBMS:userServiceDescription"
xsi:schemaLocation="urn:3GPP:metadata:2005:MBMS:userServiceDescription USD-schema-main.xsd">
<userServiceDescription serviceId="urn:3GPP:metadataSoftwareUpdate-1"
r7:serviceClass="urn:oma:bcast:ext_bsc_3gpp:exApp:FOTA">
<name>Software Update</name>
<requiredCapabilities>
<feature>22</feature>
</requiredCapabilities>
<deliveryMethod accessPointName="fota.ex.com"
sessionDescriptionURI="http://usd.ex.com/fragments/sdp-1.sdp">
<sv:delimiter>0</sv:delimiter>
</deliveryMethod>
<r9:schedule>
<r9:scheduleDescriptionURI>http://usd.ex.com/fragments/schedule-1.xml</r9:scheduleDescriptionURI>
</r9:schedule><sv:delimiter>0</sv:delimiter>
</userServiceDescription>
<sv:schemaVersion>1</sv:schemaVersion>
</bundleDescription>`;

/** The 11.2.2 "Super Duper Service" USD: DASH extensions in r9/r12/r15 namespaces that we skip. */
const SUPER_DUPER_USD = `<?xml version="1.0" encoding="UTF-8"?>
<bundleDescription fecDescriptionURI="http://www.example.com/3gpp/mbms/session1-fec.sdp"
xmlns="urn:3GPP:metadata:2005:MBMS:userServiceDescription" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
xmlns:r7="urn:3GPP:metadata:2007:MBMS:userServiceDescription"
xmlns:r9="urn:3GPP:metadata:2009:MBMS:userServiceDescription"
xmlns:r12="urn:3GPP:metadata:2013:MBMS:userServiceDescription"
xmlns:r15="urn:3GPP:metadata:2018:r15:MBMS:userServiceDescription"
xmlns:sv="urn:3gpp:metadata:2009:MBMS:schemaVersion">
<userServiceDescription serviceId="urn:3gpp:12345superduper">
<name lang="EN">The Super Duper Service</name>
<serviceLanguage>EN</serviceLanguage>
<deliveryMethod associatedProcedureDescriptionURI="
http://www.example.com/3gpp/mbms/procedureX.xml" sessionDescriptionURI="
http://www.example.com/3gpp/mbms/session1.sdp">
<sv:delimiter>0</sv:delimiter>
<r12:broadcastAppService><r12:basePattern>http://example.com/bc/rep-512k</r12:basePattern></r12:broadcastAppService>
<r15:supplementaryUnicastAppService><r15:basePattern>http://example.com/uc/es</r15:basePattern></r15:supplementaryUnicastAppService>
<sv:delimiter>0</sv:delimiter>
</deliveryMethod>
<r9:mediaPresentationDescription><r9:mpdURI>http://example.com/MPD.mpd</r9:mpdURI></r9:mediaPresentationDescription>
<r9:schedule>
<r9:scheduleDescriptionURI>http://www.example.com/3gpp/mbms/schedule123.xml
</r9:scheduleDescriptionURI>
</r9:schedule>
<sv:delimiter>0</sv:delimiter>
<r12:appService appServiceDescriptionURI="http://www.example.com/MPD2.mpd" mimeType="application/dash+xml"></r12:appService>
<sv:delimiter>0</sv:delimiter>
</userServiceDescription>
<sv:schemaVersion>4</sv:schemaVersion>
</bundleDescription>`;

/** 11.2A.3 Example 1: two service schedules of FOTA files. */
const SCHEDULE_EXAMPLE_1 = `<?xml version="1.0" encoding="UTF-8"?>
<scheduleDescription xmlns="urn:3gpp:metadata:2011:MBMS:scheduleDescription"
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sv="urn:3gpp:metadata:2009:MBMS:schemaVersion"
xsi:schemaLocation="urn:3gpp:metadata:2011:MBMS:scheduleDescription Schedule-Description-Main.xsd"
scheduleUpdate="2012-02-01T00:00:00Z">
<sv:schemaVersion>3</sv:schemaVersion>
<serviceSchedule>
<sessionSchedule><start>2012-03-01T23:00:00Z</start><stop>2012-03-01T23:30:00Z</stop>
<sv:delimiter>0</sv:delimiter><sv:delimiter>0</sv:delimiter></sessionSchedule>
<fileSchedule><fileURI>file://fota.operator.com/swupdate/oem-1/model-1/image032212.apk</fileURI>
<deliveryInfo start="2012-03-01T23:00:00Z" end="2012-03-01T23:10:00Z"/><sv:delimiter>0</sv:delimiter></fileSchedule>
<fileSchedule><fileURI>file://fota.operator.com/swupdate/oem-1/model-2/image098798.apk</fileURI>
<deliveryInfo start="2012-03-01T23:10:00Z" end="2012-03-01T23:20:00Z"/><sv:delimiter>0</sv:delimiter></fileSchedule>
<fileSchedule><fileURI>file://fota.operator.com/swupdate/oem-1/model-3/image765987.apk</fileURI>
<deliveryInfo start="2012-03-01T23:20:00Z" end="2012-03-01T23:30:00Z"/><sv:delimiter>0</sv:delimiter></fileSchedule>
</serviceSchedule>
<serviceSchedule>
<sessionSchedule><start>2012-03-07T10:00:00Z</start><stop>2012-03-07T10:30:00Z</stop>
<sv:delimiter>0</sv:delimiter><sv:delimiter>0</sv:delimiter></sessionSchedule>
<fileSchedule><fileURI>file://fota.operator.com/swupdate/oem-1/model-4/image456345.apk</fileURI>
<deliveryInfo start="2012-03-07T10:00:00Z" end="2012-03-07T10:15:00Z"/><sv:delimiter>0</sv:delimiter></fileSchedule>
<fileSchedule><fileURI>
file://fota.operator.com/swupdate/oem-1/model-5/image504123.apk</fileURI>
<deliveryInfo start="2012-03-07T10:15:00Z" end="2012-03-07T10:30:00Z"/><sv:delimiter>0</sv:delimiter></fileSchedule>
</serviceSchedule>
</scheduleDescription>`;

/** 11.2A.3 Example 2's session: daily from 7 March 23:00 until 14 March 00:00. */
const SCHEDULE_EXAMPLE_2 = `<?xml version="1.0" encoding="UTF-8"?>
<scheduleDescription xmlns="urn:3gpp:metadata:2011:MBMS:scheduleDescription"
xmlns:sv="urn:3gpp:metadata:2009:MBMS:schemaVersion" scheduleUpdate="2012-02-07T00:00:00Z" version="764">
<sv:schemaVersion>3</sv:schemaVersion>
<serviceSchedule>
<sessionSchedule>
<start>2012-03-07T23:00:00Z</start>
<stop>2012-03-07T23:30:00Z</stop>
<reoccurencePattern>daily</reoccurencePattern>
<reoccurenceStopTime>2012-03-14T00:00:00Z</reoccurenceStopTime>
<sv:delimiter>0</sv:delimiter>
<sv:delimiter>0</sv:delimiter>
</sessionSchedule>
<fileSchedule>
<fileURI>file://fota.operator.com/swupdate/oem-1/model-1/image032212.apk</fileURI>
<deliveryInfo start="2012-03-07T23:00:00Z" end="2012-03-07T23:10:00Z"/>
<sv:delimiter>0</sv:delimiter>
</fileSchedule>
</serviceSchedule>
</scheduleDescription>`;

/** 9.5.2: the example ADPD, with bmFileRepair (not modelled) between the two procedures. */
const ADPD_EXAMPLE = `<?xml version="1.0" encoding="UTF-8"?>
<associatedProcedureDescription xmlns="urn:3gpp:metadata:2005:MBMS:associatedProcedure"
xmlns:sv="urn:3gpp:metadata:2009:MBMS:schemaVersion" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
xsi:schemaLocation="urn:3gpp:metadata:2005:MBMS:associatedProcedure associatedprocedure.xsd">
<postFileRepair offsetTime="5" randomTimePeriod="10">
<serviceURI>http://mbmsrepair0.example.com/path/repair_script</serviceURI>
<serviceURI>http://mbmsrepair1.example.com/path1/repair_script</serviceURI>
<serviceURI>http://mbmsrepair2.example.com/path2/repair_script</serviceURI>
</postFileRepair>
<bmFileRepair sessionDescriptionURI="http://www.example.com/3gpp/mbms/session1.sdp"/>
<postReceptionReport offsetTime="5" randomTimePeriod="10" reportType="StaR-all" samplePercentage="100" forceTimeIndependence="0">
<serviceURI>http://mbmsreport.example.com/path/report_script</serviceURI>
</postReceptionReport>
<sv:schemaVersion>1</sv:schemaVersion>
</associatedProcedureDescription>`;

test('the L.2.10 FOTA USD reads with service class, Profile 1a feature, APN and schedule reference', (t) => {
  const [service] = parseUsd(L210_USD).services;
  t.deepEqual(service, {
    serviceId: 'urn:3GPP:metadataSoftwareUpdate-1',
    serviceClass: 'urn:oma:bcast:ext_bsc_3gpp:exApp:FOTA',
    name: 'Software Update',
    requiredFeatures: [22],
    deliveryMethods: [
      { sessionDescriptionUri: 'http://usd.ex.com/fragments/sdp-1.sdp', accessPointName: 'fota.ex.com' },
    ],
    scheduleDescriptionUri: 'http://usd.ex.com/fragments/schedule-1.xml',
  });
});

test('a USD full of DASH extensions in other namespaces reads, the extensions skipped', (t) => {
  const [service] = parseUsd(SUPER_DUPER_USD).services;
  t.is(service!.serviceId, 'urn:3gpp:12345superduper');
  t.deepEqual(service!.deliveryMethods, [
    {
      sessionDescriptionUri: 'http://www.example.com/3gpp/mbms/session1.sdp',
      associatedProcedureDescriptionUri: 'http://www.example.com/3gpp/mbms/procedureX.xml',
    },
  ]);
  t.is(service!.scheduleDescriptionUri, 'http://www.example.com/3gpp/mbms/schedule123.xml');
});

const usd: UserServiceDescription = {
  serviceId: 'urn:rig:fota-1',
  serviceClass: 'urn:oma:bcast:ext_bsc_3gpp:exApp:FOTA',
  name: 'Meter firmware <2.1> & friends',
  requiredFeatures: [22],
  deliveryMethods: [
    {
      sessionDescriptionUri: 'http://bmsc.lab/sdp-1.sdp',
      associatedProcedureDescriptionUri: 'http://bmsc.lab/adpd-1.xml?a=1&b=2',
      accessPointName: 'fota.lab',
    },
  ],
  scheduleDescriptionUri: 'http://bmsc.lab/schedule-1.xml',
  availability: [{ serviceAreas: [1, 2], radioFrequencies: [6300] }],
};

test('a generated USD reads back to the same user service, escaping included', (t) => {
  const xml = generateUsd(usd);
  t.true(xml.includes('&amp;') && xml.includes('&lt;2.1&gt;'));
  t.deepEqual(parseUsd(xml).services, [usd]);
});

test('11.2A.3 Example 1 reads as two service schedules with their file windows', (t) => {
  const d = parseScheduleDescription(SCHEDULE_EXAMPLE_1);
  t.is(d.scheduleUpdate, at('2012-02-01T00:00:00Z'));
  t.is(d.services.length, 2);
  const [first, second] = d.services;
  t.deepEqual(first!.sessions, [{ start: at('2012-03-01T23:00:00Z'), stop: at('2012-03-01T23:30:00Z') }]);
  t.deepEqual(
    first!.files.map((f) => f.windows),
    [
      [{ start: at('2012-03-01T23:00:00Z'), stop: at('2012-03-01T23:10:00Z') }],
      [{ start: at('2012-03-01T23:10:00Z'), stop: at('2012-03-01T23:20:00Z') }],
      [{ start: at('2012-03-01T23:20:00Z'), stop: at('2012-03-01T23:30:00Z') }],
    ],
  );
  t.is(second!.files[1]!.contentLocation, 'file://fota.operator.com/swupdate/oem-1/model-5/image504123.apk');
  t.deepEqual(scheduleIssues(first!), []);
});

test('11.2A.3 Example 2 recurs daily: seven sessions from 7 to 13 March', (t) => {
  const [schedule] = parseScheduleDescription(SCHEDULE_EXAMPLE_2).services;
  const occurrences = sessionOccurrences(schedule!);
  t.deepEqual(
    occurrences.map((o) => new Date(o.start).toISOString()),
    [7, 8, 9, 10, 11, 12, 13].map((d) => `2012-03-${String(d).padStart(2, '0')}T23:00:00.000Z`),
  );
  t.true(occurrences.every((o) => o.stop - o.start === 30 * 60_000));
});

const schedule: Schedule = {
  serviceId: 'urn:rig:fota-1',
  sessions: [
    { start: at('2026-11-02T02:00:00Z'), stop: at('2026-11-02T02:30:00Z'), index: 1 },
    {
      start: at('2026-11-03T02:00:00Z'),
      stop: at('2026-11-03T02:30:00Z'),
      index: 10,
      recurrence: { pattern: 'weekly', count: 4 },
    },
  ],
  files: [
    {
      contentLocation: 'http://bmsc.lab/fw/app-2.1.bin',
      md5: 'XUFAKrxLKna5cZ2REBfFkg==',
      windows: [
        { start: at('2026-11-02T02:00:00Z'), stop: at('2026-11-02T02:10:00Z') },
        { start: at('2026-11-03T02:00:00Z'), stop: at('2026-11-03T02:10:00Z') },
      ],
    },
    { contentLocation: 'http://bmsc.lab/fw/config.bin', windows: [] },
  ],
  cancelled: { sessions: [11], files: ['http://bmsc.lab/fw/config.bin'] },
  rescheduled: [{ index: 12, start: at('2026-11-25T04:00:00Z'), stop: at('2026-11-25T04:30:00Z') }],
};

test('a generated Schedule Description reads back: recurrence, cancellations, reschedule, fileMD5', (t) => {
  const description: ScheduleDescription = {
    scheduleUpdate: at('2026-11-01T00:00:00Z'),
    services: [schedule],
  };
  const xml = generateScheduleDescription(description);
  t.true(xml.includes('<sessionScheduleOverride index="11" cancelled="true"/>'));
  t.true(xml.includes('<fileURI cancelled="true">http://bmsc.lab/fw/config.bin</fileURI>'));
  t.deepEqual(parseScheduleDescription(xml), description);
  const occurrences = sessionOccurrences(schedule);
  t.deepEqual(
    occurrences.map((o) => [o.index, o.cancelled, o.rescheduled]),
    [
      [1, false, false],
      [10, false, false],
      [11, true, false],
      [13, false, false],
      [12, false, true],
    ],
    'index 12 moved behind 13, index 11 cancelled',
  );
});

test('schedule issues: windows outside every session, overrides naming nothing, duplicate indices', (t) => {
  const broken: Schedule = {
    sessions: [
      { start: at('2026-01-01T00:00:00Z'), stop: at('2026-01-01T01:00:00Z'), index: 1 },
      { start: at('2026-01-02T00:00:00Z'), stop: at('2026-01-02T01:00:00Z'), index: 1 },
    ],
    files: [
      {
        contentLocation: 'f',
        windows: [{ start: at('2026-01-01T00:50:00Z'), stop: at('2026-01-01T01:10:00Z') }],
      },
    ],
    cancelled: { sessions: [9], files: [] },
  };
  t.deepEqual(
    scheduleIssues(broken).map((i) => i.problem),
    [
      'two session occurrences share an index',
      'an override names no session occurrence',
      'delivery window lies outside every session occurrence',
    ],
  );
});

test('the 9.5.2 ADPD example reads: three repair servers, StaR-all reports', (t) => {
  t.deepEqual(parseAdpd(ADPD_EXAMPLE), {
    fileRepair: {
      serverUris: [
        'http://mbmsrepair0.example.com/path/repair_script',
        'http://mbmsrepair1.example.com/path1/repair_script',
        'http://mbmsrepair2.example.com/path2/repair_script',
      ],
      offsetTime: 5,
      randomTimePeriod: 10,
    },
    receptionReport: {
      serverUris: ['http://mbmsreport.example.com/path/report_script'],
      offsetTime: 5,
      randomTimePeriod: 10,
      reportType: 'StaR-all',
      samplePercentage: 100,
      forceTimeIndependence: false,
    },
  });
});

test('a generated ADPD reads back; an unknown reportType reads as the RAck default', (t) => {
  const procedures: AssociatedProcedures = {
    fileRepair: { serverUris: ['coap://repair.lab/fw'], offsetTime: 30, randomTimePeriod: 600 },
    receptionReport: {
      serverUris: ['coap://report.lab/r', 'coap://report2.lab/r'],
      randomTimePeriod: 3600,
      reportType: 'RAck',
      samplePercentage: 12.5,
      forceTimeIndependence: true,
    },
  };
  const xml = generateAdpd(procedures);
  t.deepEqual(parseAdpd(xml), procedures);
  const unknown = parseAdpd(xml.replace('reportType="RAck"', 'reportType="RAck-IoT"'));
  t.is(unknown.receptionReport!.reportType, undefined);
});

const malformed: [string, string, AnnounceErrorCode, RegExp][] = [
  [
    'an entity expansion bomb',
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><bundleDescription>&lol2;</bundleDescription>',
    'dtd-refused',
    /line 1: DTDs and entity declarations are refused/,
  ],
  [
    'an external entity',
    '<?xml version="1.0"?>\n<!DOCTYPE r [\n<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<r>&xxe;</r>',
    'dtd-refused',
    /line 2: /,
  ],
  ['an undefined entity', '<r xmlns="x">&xxe;</r>', 'malformed-xml', /only the five predefined entities/],
  ['a bare ampersand', '<r xmlns="x" a="b & c"/>', 'malformed-xml', /a bare &/],
  ['an unclosed element', '<r>\n<a>\n</r>', 'malformed-xml', /line 3/],
  ['an undeclared prefix', '<p:r/>', 'malformed-xml', /prefix p is not declared/],
  ['two roots', '<r/><s/>', 'malformed-xml', /./],
  ['nesting too deep', `${'<a>'.repeat(40)}${'</a>'.repeat(40)}`, 'malformed-xml', /./],
];

for (const [name, xml, code, message] of malformed) {
  test(`hostile XML is refused before it is used: ${name}`, (t) => {
    for (const parse of [parseUsd, parseScheduleDescription, parseAdpd]) {
      const err = t.throws(() => parse(xml, 'fragment.xml'), { instanceOf: AnnounceError });
      t.is(err.code, code);
      t.regex(err.message, /^fragment\.xml: parse: /);
      t.regex(err.message, message);
    }
  });
}

test('a document over the size limit is refused without parsing', (t) => {
  const big = `<bundleDescription xmlns="urn:3GPP:metadata:2005:MBMS:userServiceDescription">${' '.repeat(2000)}</bundleDescription>`;
  const err = t.throws(() => parseUsd(big, 'usd', { maxChars: 1000 }), { instanceOf: AnnounceError });
  t.is(err.code, 'too-large');
});

test('element names that are object keys do not reach the prototype', (t) => {
  const xml =
    '<bundleDescription xmlns="urn:3GPP:metadata:2005:MBMS:userServiceDescription"><__proto__><polluted>1</polluted></__proto__></bundleDescription>';
  t.throws(() => parseUsd(xml), { instanceOf: AnnounceError });
  t.is(({} as Record<string, unknown>).polluted, undefined);
});

test('schema errors name the element path and line', (t) => {
  const wrongRoot = t.throws(() => parseUsd(L210_USD.replaceAll('bundleDescription', 'bundle')), {
    instanceOf: AnnounceError,
  });
  t.is(wrongRoot.code, 'wrong-root');
  const backwards = SCHEDULE_EXAMPLE_1.replace(
    '<stop>2012-03-07T10:30:00Z</stop>',
    '<stop>2012-03-07T09:30:00Z</stop>',
  );
  const err = t.throws(() => parseScheduleDescription(backwards, 'schedule-1.xml'), {
    instanceOf: AnnounceError,
  });
  t.is(
    err.message,
    'schedule-1.xml: parse: scheduleDescription/serviceSchedule[2]/sessionSchedule (line 18): stop must be after start',
  );
  const noUri = t.throws(
    () => parseAdpd(ADPD_EXAMPLE.replace(/<serviceURI>http:\/\/mbmsreport[^<]*<\/serviceURI>/, '')),
    {
      instanceOf: AnnounceError,
    },
  );
  t.regex(
    noUri.message,
    /associatedProcedureDescription\/postReceptionReport \(line 11\): needs at least one serviceURI/,
  );
  const badPattern = SCHEDULE_EXAMPLE_2.replace('>daily<', '>hourly<');
  t.regex(
    t.throws(() => parseScheduleDescription(badPattern), { instanceOf: AnnounceError }).message,
    /sessionSchedule\/reoccurencePattern \(line 9\): reoccurencePattern must be daily, weekly or monthly; saw "hourly"/,
  );
  const unknown = SCHEDULE_EXAMPLE_2.replace(
    '<sv:schemaVersion>3</sv:schemaVersion>',
    '<sv:schemaVersion>3</sv:schemaVersion><bogus/>',
  );
  t.regex(
    t.throws(() => parseScheduleDescription(unknown), { instanceOf: AnnounceError }).message,
    /bogus is not allowed/,
  );
});
