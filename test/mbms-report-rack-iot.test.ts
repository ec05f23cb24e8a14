import { isDeepStrictEqual } from 'node:util';
import test from 'ava';
import fc from 'fast-check';
import { VirtualClock } from '../src/clock/index.ts';
import { CONTENT_FORMAT_OCTET_STREAM, CoapClient } from '../src/mbms/repair/index.ts';
import {
  decodeRackIot,
  encodeRackIot,
  RackIotError,
  type RackIotReport,
  RackIotStatus,
  ReceptionReportCollector,
  ReceptionReporter,
} from '../src/mbms/report/index.ts';
import { seededRandom } from '../src/random/index.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('UPER bits of the smallest RAck-IoT, worked out by hand', (t) => {
  // preamble 000 | deviceId len−1 = 0, 'A' | files−1 = 0 | file: ext 0, status (no ext) 01, md5 0, etag 0,
  // fileURI len−1 = 0, 'f' | 7 zero padding bits: 49 bits → 7 octets.
  const bytes = encodeRackIot({
    deviceId: 'A',
    files: [{ status: RackIotStatus.acknowledgedAndSuccessfulAction, fileURI: 'f' }],
  });
  t.is(hex(bytes), '00082002003300');
  t.deepEqual(decodeRackIot(bytes), {
    ok: true,
    value: { deviceId: 'A', files: [{ status: 1, fileURI: 'f' }] },
  });
});

test('UPER with clientId, contentMD5, fileEtag, an extension status and locationType', (t) => {
  const report: RackIotReport = {
    deviceId: 'A',
    clientId: 'C',
    files: [
      { status: 2, fileURI: 'f', contentMd5: Buffer.alloc(16, 0xab).toString('base64'), fileEtag: 'e' },
      // A status from a later version of the enumeration (reserved today): extension index 0 → 3.
      { status: 3, fileURI: 'g' },
    ],
    locationType: 'ecgi',
  };
  const bytes = encodeRackIot(report);
  // 101 | 'A' | 'C' | files−1 = 1 | file 1: 0, status 10, md5 1, etag 1, 'f', 16 × 0xAB, 'e' |
  // file 2: 0, extension bit 1 + normally-small 0 (0 000000), md5 0, etag 0, 'g' | locationType 0 01 | padding.
  t.is(hex(bytes), `a0082008602580335${'5d'.repeat(15)}58032a0000672`);
  t.deepEqual(decodeRackIot(bytes), { ok: true, value: report });
});

test('decoding refuses truncation, trailing octets, non-zero padding and bad UTF-8, with RackIotError', (t) => {
  const good = encodeRackIot({ deviceId: 'dev', files: [{ status: 0, fileURI: 'http://x/fw.bin' }] });
  const bad = (b: Uint8Array, why: RegExp) => {
    const r = decodeRackIot(b);
    t.false(r.ok);
    if (!r.ok) t.regex(r.error.message, why);
  };
  bad(good.subarray(0, good.length - 2), /ran out|octets needed/);
  bad(Uint8Array.from([...good, 0]), /trailing octets/);
  const padded = Uint8Array.from(good);
  padded[padded.length - 1]! |= 1;
  bad(padded, /padding/);
  // deviceId of one 0xFF octet (by hand: 000 00000000 11111111 00000000 0 0 00 0 0 00000000 'f').
  bad(Buffer.from('001fe000003300', 'hex'), /deviceId is not UTF-8/);
  t.throws(() => encodeRackIot({ deviceId: '', files: [{ status: 0, fileURI: 'f' }] }), {
    instanceOf: RackIotError,
  });
  t.throws(() => encodeRackIot({ deviceId: 'd', files: [] }), { instanceOf: RackIotError });
  t.throws(() => encodeRackIot({ deviceId: 'd', files: [{ status: 0, fileURI: 'f', contentMd5: 'AAAA' }] }), {
    instanceOf: RackIotError,
  });
});

test('fuzz: RAck-IoT round trips, and any bytes decode to a report or a RackIotError', (t) => {
  const id = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => Buffer.byteLength(s) <= 255);
  const file = fc.record(
    {
      status: fc.integer({ min: 0, max: 70 }),
      fileURI: id,
      contentMd5: fc
        .uint8Array({ minLength: 16, maxLength: 16 })
        .map((b) => Buffer.from(b).toString('base64')),
      fileEtag: id,
      extension: fc.record(
        {
          lateNonCriticalExtension: fc.uint8Array({ maxLength: 200 }),
          nonCriticalExtension: fc.constant(true),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: ['status', 'fileURI'] },
  );
  const report = fc.record(
    {
      deviceId: id,
      clientId: id,
      files: fc.array(file, { minLength: 1, maxLength: 6 }),
      locationType: fc.oneof(
        fc.constantFrom('cgi' as const, 'ecgi' as const, 'sai' as const),
        fc.integer({ min: 3, max: 90 }),
      ),
    },
    { requiredKeys: ['deviceId', 'files'] },
  );
  fc.assert(
    fc.property(report, (r) => {
      const back = decodeRackIot(encodeRackIot(r));
      return back.ok && isDeepStrictEqual(back.value, structuredClone(r));
    }),
    { numRuns: 1000 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
      const r = decodeRackIot(bytes);
      return r.ok ? hex(encodeRackIot(r.value)) === hex(bytes) : r.error instanceof RackIotError;
    }),
    { numRuns: 5000 },
  );
  t.pass();
});

test('RAck-IoT statuses over CoAP POST reach the collector, stored per device', async (t) => {
  const clock = new VirtualClock();
  await using collector = await ReceptionReportCollector.start({ clock });
  const outcomes = [
    { action: undefined, device: '356938035643801' },
    { action: 'succeeded' as const, device: '356938035643802' },
    { action: 'failed' as const, device: '356938035643803' },
  ];
  for (const [i, o] of outcomes.entries()) {
    const reporter = new ReceptionReporter({
      clock,
      random: seededRandom(100 + i),
      procedure: { serviceURIs: [collector.coapUri], reportType: 'RAck-IoT', randomTimePeriod: 60 },
    });
    const sent = await reporter.send(
      [
        {
          fileURI: 'http://ex.com/fw/v2.bin',
          fileEtag: 'df69d20220cb1ff4',
          receivedBeforeRepair: false,
          receivedAfterRepair: true,
          ...(o.action ? { action: o.action } : {}),
        },
      ],
      { deviceId: o.device },
    );
    t.is(sent.kind, 'sent');
    if (sent.kind === 'sent') t.is(sent.status, '2.04');
  }
  const byDevice = collector.byDevice();
  t.deepEqual(
    outcomes.map((o) => {
      const stored = byDevice.get(o.device)?.[0];
      return stored?.body.format === 'rack-iot' ? stored.body.report.files[0]!.status : undefined;
    }),
    [
      RackIotStatus.acknowledged,
      RackIotStatus.acknowledgedAndSuccessfulAction,
      RackIotStatus.acknowledgedAndUnsuccessfulAction,
    ],
  );
  t.true(collector.stored.every((s) => s.transport === 'coap'));
});

test('the CoAP collector refuses other content formats and undecodable reports, and takes Block1 uploads', async (t) => {
  const clock = new VirtualClock();
  await using collector = await ReceptionReportCollector.start({ clock, httpPort: 0 });
  const url = new URL(collector.coapUri);
  await using client = await CoapClient.connect({
    clock,
    random: seededRandom(4),
    host: url.hostname,
    port: Number(url.port),
  });
  const json = await client.request({
    method: 'POST',
    path: ['report'],
    contentFormat: 50,
    payload: new TextEncoder().encode('{}'),
  });
  t.is(json.codeText, '4.15');
  const junk = await client.request({
    method: 'POST',
    path: ['report'],
    contentFormat: CONTENT_FORMAT_OCTET_STREAM,
    payload: Uint8Array.of(1, 2, 3),
  });
  t.is(junk.codeText, '4.00');
  t.regex(new TextDecoder().decode(junk.payload), /RAck-IoT/);
  // 200 files with long URIs: several kilobytes, so the upload goes in 1024-byte Block1 pieces.
  const big: RackIotReport = {
    deviceId: 'imei-big',
    files: Array.from({ length: 200 }, (_, i) => ({
      status: 1,
      fileURI: `http://updates.example.com/fleet/${'x'.repeat(40)}/part-${i}.bin`,
    })),
  };
  const payload = encodeRackIot(big);
  t.true(payload.length > 4 * 1024);
  const res = await client.request({
    method: 'POST',
    path: ['report'],
    contentFormat: CONTENT_FORMAT_OCTET_STREAM,
    payload,
  });
  t.is(res.codeText, '2.04');
  t.is(res.exchanges, Math.ceil(payload.length / 1024));
  const stored = collector.reportsOf('imei-big');
  t.is(stored.length, 1);
  t.deepEqual(stored[0]!.body, { format: 'rack-iot', report: big });
  t.deepEqual(
    collector.refused.map((r) => r.status),
    ['4.15', '4.00'],
  );
});
