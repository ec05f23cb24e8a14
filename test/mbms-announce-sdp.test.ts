import test from 'ava';
import fc from 'fast-check';
import {
  AnnounceError,
  canonicalAddress,
  type DownloadSession,
  epochMsFromSdpTime,
  generateSdp,
  parseSdp,
  sessionFromSdp,
  tmgiFromDecimal,
  tmgiParts,
  tmgiToDecimal,
} from '../src/mbms/announce/index.ts';

const crlf = (lines: string[]) => lines.map((l) => `${l}\r\n`).join('');

/** TS 26.346 7.3.3, first example, as printed (including its `b=64`). */
const SPEC_EXAMPLE_1 = crlf([
  'v=0',
  'o=user123 2890844526 2890842807 IN IP6 2201:056D::112E:144A:1E24',
  's=File delivery session example',
  'i=More information',
  't=2873397496 2873404696',
  'a=mbms-mode:broadcast 123869108302929 1',
  'a=FEC-declaration:0 encoding-id=1',
  'a=source-filter: incl IN IP6 * 2001:210:1:2:240:96FF:FE25:8EC9',
  'a=flute-tsi:3',
  'm=application 12345 FLUTE/UDP 0',
  'c=IN IP6 FF1E:03AD::7F2E:172A:1E24/1',
  'b=64',
  'a=lang:EN',
  'a=FEC:0',
]);

const session: DownloadSession = {
  tmgi: '00000100F110',
  serviceId: 'urn:rig:fota-1',
  group: '239.1.2.3',
  port: 4000,
  sourceAddress: '10.0.0.1',
  ttl: 4,
  tsi: 3,
  start: Date.parse('2026-11-02T02:00:00Z'),
  stop: Date.parse('2026-11-02T02:30:00Z'),
  fec: { encodingId: 1, redundancyPercent: 25 },
  bearerRateBps: 64_000,
};

test('the first 26.346 7.3.3 example reads as a FLUTE session with its TMGI, TSI, channel and FEC', (t) => {
  const sdp = parseSdp(SPEC_EXAMPLE_1);
  t.is(sdp.tmgi, '70A88632F451');
  t.is(sdp.bearerMode, 'broadcast');
  t.is(sdp.counting, 1);
  t.is(sdp.tsi, 3);
  t.is(sdp.port, 12345);
  t.is(sdp.addressType, 'IP6');
  t.is(canonicalAddress(sdp.group), 'ff1e:3ad::7f2e:172a:1e24');
  t.is(sdp.sourceAddress, '2001:210:1:2:240:96FF:FE25:8EC9');
  t.is(sdp.start, epochMsFromSdpTime(2873397496));
  t.is(sdp.stop! - sdp.start!, 7200_000);
  t.deepEqual(sdp.fec, { encodingId: 1 });
  t.is(sdp.bandwidthKbps, 64);
  t.is(sdp.warnings.length, 1, 'the bare b=64 is tolerated and said so');
  t.regex(sdp.warnings[0]!, /line 12: b= without a modifier/);
});

test('the second and third 26.346 examples: redundancy level, broadcast-mbsfn and alternative TMGIs', (t) => {
  const second = parseSdp(
    crlf([
      'v=0',
      'o=user123 2890844526 2890842807 IN IP6 2201:056D::112E:144A:1E24',
      's=Download session carrying 2-hour DASH-encoded program',
      'i=More information',
      't=3615124600 3615131800',
      'a=mbms-mode:broadcast-mbsfn 123869108302929',
      'a=FEC-declaration:0 encoding-id=1',
      'a=FEC-redundancy-level:0 redundancy-level=25',
      'a=source-filter: incl IN IP6 * 2001:210:1:2:240:96FF:FE25:8EC9',
      'a=flute-tsi:5',
      'a=alternative-tmgi:123869108302899,123869108302915',
      'm=video 10111 FLUTE/UDP 0',
      'c=IN IP6 FF1E:03AD::7F2E:172A:1E24/1',
      'b=512',
      'a=lang:EN',
    ]),
  );
  t.is(second.bearerMode, 'broadcast-mbsfn');
  t.is(second.counting, undefined);
  t.is(second.media, 'video');
  t.deepEqual(second.fecDeclarations, [{ ref: 0, level: 'session', encodingId: 1, redundancyPercent: 25 }]);
  t.is(second.fec, undefined, 'no a=FEC line references the declaration');
  t.deepEqual(second.alternativeTmgis, [
    tmgiFromDecimal('123869108302899'),
    tmgiFromDecimal('123869108302915'),
  ]);
});

test('the TMGI of 26.346 7.3.2.7: 70A886 32F451 hex is 123869108302929, MCC 234 MNC 15', (t) => {
  t.is(tmgiToDecimal('70A88632F451'), '123869108302929');
  t.is(tmgiFromDecimal('123869108302929'), '70A88632F451');
  t.deepEqual(tmgiParts('70A88632F451'), { mbmsServiceId: '70A886', mcc: '234', mnc: '15' });
  t.deepEqual(tmgiParts('00000100F110'), { mbmsServiceId: '000001', mcc: '001', mnc: '01' });
  t.is(tmgiFromDecimal('281474976710656'), undefined, '2^48 does not fit six octets');
});

test('a generated SDP has the 26.346 lines in RFC 4566 order and reads back to the same session', (t) => {
  const text = generateSdp(session);
  t.true(text.endsWith('\r\n'));
  const lines = text.trimEnd().split('\r\n');
  t.deepEqual(lines.slice(3), [
    't=4002573600 4002575400',
    `a=mbms-mode:broadcast ${tmgiToDecimal('00000100F110')} 0`,
    'a=FEC-declaration:0 encoding-id=1',
    'a=FEC-redundancy-level:0 redundancy-level=25',
    'a=source-filter: incl IN IP4 * 10.0.0.1',
    'a=flute-tsi:3',
    'm=application 4000 FLUTE/UDP 0',
    'c=IN IP4 239.1.2.3/4',
    'b=AS:64',
    'a=FEC:0',
  ]);
  const parsed = parseSdp(text);
  t.deepEqual(parsed.warnings, []);
  t.deepEqual(sessionFromSdp(parsed, { serviceId: session.serviceId }), session);
});

test('a=flute-ch:1 is written on request and a channel count other than 1 is refused', (t) => {
  const text = generateSdp(session, { fluteChannelAttribute: true });
  t.true(text.includes('a=flute-ch:1\r\n'));
  t.is(parseSdp(text).tsi, 3);
  const err = t.throws(() => parseSdp(text.replace('a=flute-ch:1', 'a=flute-ch:2')), {
    instanceOf: AnnounceError,
  });
  t.regex(err.message, /line 10: a=flute-ch must be 1/);
});

const sessions = fc.record({
  v6: fc.boolean(),
  a: fc.integer({ min: 0, max: 0xffff }),
  b: fc.integer({ min: 1, max: 0xfffe }),
  port: fc.integer({ min: 1, max: 65535 }),
  tsi: fc.integer({ min: 0, max: 2 ** 48 - 1 }),
  ttl: fc.integer({ min: 0, max: 255 }),
  startS: fc.integer({ min: 1, max: 4_000_000_000 }),
  lengthS: fc.integer({ min: 1, max: 10_000_000 }),
  tmgi: fc.bigInt({ min: 0n, max: 2n ** 48n - 1n }),
  fec: fc.option(
    fc.record({
      encodingId: fc.integer({ min: 0, max: 255 }),
      redundancyPercent: fc.option(fc.integer({ min: 0, max: 999 }), { nil: undefined }),
    }),
    { nil: undefined },
  ),
  kbps: fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: undefined }),
});

test('any valid session survives generate and parse (property)', (t) => {
  fc.assert(
    fc.property(sessions, (g) => {
      const s: DownloadSession = {
        tmgi: g.tmgi.toString(16).toUpperCase().padStart(12, '0'),
        serviceId: 'urn:x',
        group: g.v6
          ? `ff3e::${g.a.toString(16)}:${g.b.toString(16)}`
          : `239.${g.a >> 8}.${g.a & 255}.${g.b & 255}`,
        port: g.port,
        sourceAddress: g.v6 ? `2001:db8::${g.b.toString(16)}` : `192.0.2.${g.b & 255}`,
        tsi: g.tsi,
        start: g.startS * 1000,
        stop: (g.startS + g.lengthS) * 1000,
      };
      if (!g.v6) s.ttl = g.ttl;
      if (g.fec) s.fec = g.fec.redundancyPercent === undefined ? { encodingId: g.fec.encodingId } : g.fec;
      if (g.kbps !== undefined) s.bearerRateBps = g.kbps * 1000;
      const back = sessionFromSdp(parseSdp(generateSdp(s)), { serviceId: 'urn:x' });
      t.deepEqual(back, s);
    }),
  );
});

/** Replaces line n (1-based) of the generated SDP, or removes it when `text` is undefined. */
function edit(n: number, text: string | undefined): string {
  const lines = generateSdp(session).trimEnd().split('\r\n');
  if (text === undefined) lines.splice(n - 1, 1);
  else lines[n - 1] = text;
  return crlf(lines);
}

const strictCases: [string, string, RegExp][] = [
  ['version 1', edit(1, 'v=1'), /line 1: v= must be 0/],
  ['an attribute before t=', edit(4, 'a=tool:x\r\nt=4002573600 4002575400'), /line 5: t= is out of order/],
  ['a second time line', edit(4, 't=4002573600 4002575400\r\nt=1 2'), /line 5: t= may appear only once/],
  [
    'a repeat-times line',
    edit(4, 't=4002573600 4002575400\r\nr=7d 1h 0'),
    /line 5: r= repeat times are not supported/,
  ],
  ['no TSI', edit(9, undefined), /no a=flute-tsi line/],
  ['a TSI of 16 digits', edit(9, 'a=flute-tsi:1234567890123456'), /line 9: a=flute-tsi needs 1\*15DIGIT/],
  ['an exclusive source filter', edit(8, 'a=source-filter: excl IN IP4 * 10.0.0.1'), /line 8: .*incl mode/],
  [
    'two sources',
    edit(8, 'a=source-filter: incl IN IP4 * 10.0.0.1 10.0.0.2'),
    /line 8: .*exactly one source/,
  ],
  [
    'a source of the wrong family',
    edit(8, 'a=source-filter: incl IN IP4 * 2001:db8::1'),
    /line 8: .*not an IP4/,
  ],
  ['an IPv4 group without TTL', edit(11, 'c=IN IP4 239.1.2.3'), /line 11: c= IPv4 multicast address needs/],
  ['two channels in one c=', edit(11, 'c=IN IP4 239.1.2.3/4/2'), /line 11: c= address count must be 1/],
  [
    'a second m= line',
    `${generateSdp(session)}m=application 4001 FLUTE/UDP 0\r\n`,
    /line 14: a second m= line/,
  ],
  [
    'RTP instead of FLUTE',
    edit(10, 'm=application 4000 RTP/AVP 0'),
    /line 10: m= protocol must be FLUTE\/UDP/,
  ],
  ['a=FEC naming no declaration', edit(13, 'a=FEC:7'), /line 13: a=FEC:7 references no a=FEC-declaration/],
  ['a malformed mbms-mode', edit(5, 'a=mbms-mode:multicast 1 0'), /line 5: a=mbms-mode needs/],
  [
    'a TSI at media level',
    `${generateSdp(session)}a=flute-tsi:4\r\n`,
    /line 14: a=flute-tsi belongs at session level/,
  ],
  ['a blank line', edit(4, 't=4002573600 4002575400\r\n'), /line 5: not an SDP line/],
  ['a line without =', edit(3, 's'), /line 3: not an SDP line/],
  ['stop before start', edit(4, 't=4002575400 4002573600'), /line 4: t= stop is before start/],
];

for (const [name, text, message] of strictCases) {
  test(`the parser refuses ${name}, naming the line`, (t) => {
    const err = t.throws(() => parseSdp(text, 'sdp-1.sdp'), { instanceOf: AnnounceError });
    t.regex(err.message, /^sdp-1\.sdp: parse: /);
    t.regex(err.message, message);
  });
}

test('generation refuses sessions SDP cannot describe', (t) => {
  const bad: [Partial<DownloadSession>, RegExp][] = [
    [{ port: 0 }, /port must be 1..65535/],
    [{ tsi: -1 }, /tsi must be an integer/],
    [{ sourceAddress: '2001:db8::1' }, /sourceAddress must be an IP4 address/],
    [{ stop: session.start }, /stop must be after start/],
    [{ start: session.start + 1 }, /whole seconds/],
    [{ tmgi: 'xyz' }, /tmgi must be 12 hex digits/],
    [{ fec: { encodingId: 1, redundancyPercent: 1000 } }, /redundancyPercent/],
  ];
  for (const [change, message] of bad) {
    const err = t.throws(() => generateSdp({ ...session, ...change }), { instanceOf: AnnounceError });
    t.is(err.code, 'bad-value');
    t.regex(err.message, message);
  }
});

test('a unicast channel has no TTL and an explicit destination in the source filter is accepted with a warning', (t) => {
  const text = generateSdp({ ...session, group: '127.0.0.1', sourceAddress: '127.0.0.2' });
  t.true(text.includes('c=IN IP4 127.0.0.1\r\n'));
  const named = parseSdp(
    generateSdp(session).replace(
      'a=source-filter: incl IN IP4 * 10.0.0.1',
      'a=source-filter: incl IN IP4 239.1.2.3 10.0.0.1',
    ),
  );
  t.is(named.sourceAddress, '10.0.0.1');
  t.regex(named.warnings[0]!, /7\.3\.2\.1 asks for \*/);
});
