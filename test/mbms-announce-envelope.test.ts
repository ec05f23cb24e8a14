/** One announcement as one message: TR 26.850 binary or the TS 26.346 fragments as multipart, both ways. */
import test from 'ava';
import fc from 'fast-check';
import {
  AnnounceError,
  type AnnouncementContent,
  decodeAnnouncementMessage,
  encodeAnnouncementMessage,
} from '../src/mbms/announce/index.ts';

const start = Date.UTC(2026, 10, 27, 2, 0, 0);
const content: AnnouncementContent = {
  validFrom: start - 86_400_000,
  validUntil: start + 7_200_000,
  usd: {
    serviceId: 'urn:rig:c1',
    requiredFeatures: [22],
    deliveryMethods: [
      { sessionDescriptionUri: 'http://b/s.sdp', associatedProcedureDescriptionUri: 'http://b/a.xml' },
    ],
    scheduleDescriptionUri: 'http://b/sch.xml',
  },
  session: {
    tmgi: '00A10100F110',
    serviceId: 'urn:rig:c1',
    group: '239.255.1.1',
    port: 4000,
    sourceAddress: '127.0.0.1',
    tsi: 1,
    start,
    stop: start + 60_000,
    fec: { encodingId: 1, redundancyPercent: 15 },
    procedures: {
      fileRepair: { serverUris: ['http://127.0.0.1:1/repair'], offsetTime: 5, randomTimePeriod: 60 },
      receptionReport: {
        serverUris: ['coap://127.0.0.1:2/report'],
        offsetTime: 5,
        randomTimePeriod: 60,
        reportType: 'RAck',
      },
    },
  },
  schedule: {
    serviceId: 'urn:rig:c1',
    sessions: [{ start, stop: start + 60_000, index: 1 }],
    files: [
      {
        contentLocation: 'http://b/fw.img',
        windows: [{ start, stop: start + 60_000 }],
        fdt: { toi: 1, contentLength: 1000 },
      },
    ],
    cancelled: { sessions: [], files: [] },
  },
};

for (const format of ['binary', 'xml'] as const) {
  test(`${format}: encodes and decodes to the same session, schedule and procedures`, (t) => {
    const { bytes } = encodeAnnouncementMessage(content, format);
    const back = decodeAnnouncementMessage(bytes);
    t.is(back.format, format);
    t.is(back.content.session.tmgi, content.session.tmgi);
    t.is(back.content.session.start, start);
    t.deepEqual(
      back.content.schedule.sessions.map((s) => [s.start, s.stop]),
      [[start, start + 60_000]],
    );
    t.deepEqual(back.content.session.procedures?.fileRepair?.serverUris, ['http://127.0.0.1:1/repair']);
    t.is(back.content.schedule.files[0]?.contentLocation, 'http://b/fw.img');
  });
}

test('the binary form is several times smaller than the XML fragments', (t) => {
  const bin = encodeAnnouncementMessage(content, 'binary').bytes.length;
  const xml = encodeAnnouncementMessage(content, 'xml').bytes.length;
  t.true(xml > 3 * bin, `binary ${bin} B, xml ${xml} B`);
});

test('a multipart without the SDP fragment is refused, naming what is missing', (t) => {
  const text = new TextDecoder().decode(encodeAnnouncementMessage(content, 'xml').bytes);
  const cut = text.replace(
    /--mbms-iot-rig-announcement\r\nContent-Type: application\/sdp[\s\S]*?(?=--mbms-iot-rig-announcement)/,
    '',
  );
  t.throws(() => decodeAnnouncementMessage(new TextEncoder().encode(cut)), {
    instanceOf: AnnounceError,
    message: /application\/sdp/,
  });
});

test('fuzz: arbitrary bytes decode or throw AnnounceError, never anything else', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      try {
        decodeAnnouncementMessage(bytes);
      } catch (e) {
        if (!(e instanceof AnnounceError)) throw e;
      }
    }),
    { numRuns: 500 },
  );
  t.pass();
});
