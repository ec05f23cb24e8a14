import test from 'ava';
import fc from 'fast-check';
import {
  AnnounceError,
  type AnnouncementContent,
  announcementFragments,
  decodeAnnouncement,
  decodeIotAnnouncement,
  encodeAnnouncement,
  encodeIotAnnouncement,
  type IotServiceAnnouncement,
  toIotAnnouncement,
} from '../src/mbms/announce/index.ts';

const at = (iso: string) => Date.parse(iso);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const bytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

/**
 * Golden vectors: the same values encoded by Erlang/OTP 25's asn1 compiler (`asn1ct:compile(..., [uper])`,
 * Debian erlang-asn1) from the module text in src/mbms/announce/iot-types.ts. An independent encoder, so a
 * shared misreading of X.691 cannot pass unnoticed.
 */
const GOLDEN_FULL =
  '83593662c583160c183060c2d06b26cc58b070c183060c185ac1aeae4dc74e4d2ce74ccdee8c25a6248eae4dc74dedac274c4c6c2e6e874caf0e8bec4e6c6be66cee0e074caf082e0e0748c9ea8830831b7b0b81d1797b136b9b197b9b238169888b1b7b0b81d1797b136b9b197b0b2383216988eccdee8c25cd8c2c42d800040000627381400000300100800000bbc04080c3e80000c3593662c583260c983060c2d06b26cc58b064c193360c185a3230103593662c583260c983060c2d06b26cc58b064c193360c185a0000000106b26cc58b066c193060c185a0d64d98b160cd83266c1830b40000000403c683599dcbd85c1c0b4c8b8c4b989a5b80004000068b03d750500aaf12ca9dae5c67644405f16483d9198d8e590c8c0c8c8c18d88c59998d183593662c583260c983060c2d06b26cc58b064c193160c185aee6b27ff000000017e000000050000000a0f636f61703a2f2f7265706169722f6677fc0000000a00000079900631b7b0b81d1797b932b837b93a00';
const GOLDEN_MINIMAL =
  '035cb962c99b164cdab96ae6d06b472c593362c99b572d5cda000ea003980308004800436e0000000000000000000000006247456abcdefff9f0000000000000000000040000000ffffffff90010000400';
/** Top-level and session-description extension containers present (lateNonCriticalExtension 010203 / CAFE). */
const GOLDEN_EXTENSIONS =
  '43593660c583160c183060c2d06b26cc18b064c183060c185a000ea003980308b0b00000806002010000017780000087d00003c0595fc0006060204060';

const full: IotServiceAnnouncement = {
  validFrom: at('2026-11-01T00:00:00Z'),
  validUntil: at('2026-11-08T00:00:00Z'),
  usbd: {
    serviceId: 'urn:rig:fota-1',
    serviceClass: 'urn:oma:bcast:ext_bsc_3gpp:exApp:FOTA',
    deliveryMethod: {
      sessionDescriptionUri: 'coap://bmsc/sdp-1',
      associatedProcedureDescriptionUri: 'coap://bmsc/adpd-1',
      accessPointName: 'fota.lab',
    },
    requiredCapabilities: 22,
    availabilityInfo: { serviceArea: 1, radioFrequency: 6300 },
  },
  sessionDescription: {
    senderIpAddress: '10.0.0.1',
    tmgi: '00000100F110',
    destinationAddress: '239.1.2.3',
    destinationPort: 4000,
    tsi: 3,
    startTime: at('2026-11-02T02:00:00Z'),
    endTime: at('2026-11-02T02:30:00Z'),
    fecRedundancyLevel: 25,
  },
  scheduleDescription: {
    serviceSchedules: [
      {
        sessionSchedules: [
          { start: at('2026-11-02T02:00:00Z'), stop: at('2026-11-02T02:30:00Z'), index: 1 },
          { start: at('2026-11-03T02:00:00Z'), stop: at('2026-11-03T02:30:00Z'), index: 2 },
        ],
        fileSchedules: [
          {
            fileUri: {
              uri: 'fw/app-2.1.bin',
              toi: 1,
              contentLength: 6700,
              contentMd5: bytes('5d41402abc4b2a76b9719d911017c592'),
              fileEtag: 'df69d20220cb1ff4',
              cancelled: false,
            },
            deliveryInfo: { start: at('2026-11-02T02:00:00Z'), stop: at('2026-11-02T02:10:00Z') },
            expires: 3999999999,
          },
        ],
        sessionScheduleOverride: { index: 2, cancelled: true },
      },
    ],
  },
  adpd: {
    postFileRepair: { offsetTime: 5, randomPeriodTime: 10, serviceUri: 'coap://repair/fw' },
    postReceptionReport: {
      offsetTime: 5,
      randomPeriodTime: 60,
      samplePercentage: 100,
      forceTimeIndependence: false,
      reportType: 0,
      serviceUri: 'coap://report',
    },
  },
};

const minimal: IotServiceAnnouncement = {
  validFrom: at('1999-12-31T23:59:59Z'),
  validUntil: at('2049-12-31T23:59:59Z'),
  usbd: {
    serviceId: 'u',
    deliveryMethod: { sessionDescriptionUri: 's', associatedProcedureDescriptionUri: 'a' },
    requiredCapabilities: 0,
  },
  sessionDescription: {
    senderIpAddress: '2001:db8::1',
    tmgi: 'ABCDEF216354',
    destinationAddress: 'ff3e::8000:1',
    destinationPort: 65535,
    tsi: 65535,
  },
  scheduleDescription: {
    serviceSchedules: [{ fileSchedules: [] }, { sessionSchedules: [], fileSchedules: [{}] }],
  },
};

test('the encoder matches an independent UPER encoder bit for bit', (t) => {
  t.is(hex(encodeIotAnnouncement(full)), GOLDEN_FULL);
  t.is(hex(encodeIotAnnouncement(minimal)), GOLDEN_MINIMAL);
});

test('the decoder reads the independent encoder’s octets back to the values', (t) => {
  t.deepEqual(decodeIotAnnouncement(bytes(GOLDEN_FULL)), full);
  t.deepEqual(decodeIotAnnouncement(bytes(GOLDEN_MINIMAL)), minimal);
});

test('extension containers are read and dropped', (t) => {
  const a = decodeIotAnnouncement(bytes(GOLDEN_EXTENSIONS));
  t.is(a.sessionDescription.tsi, 7);
  t.is(a.sessionDescription.destinationAddress, '239.0.0.1');
  t.deepEqual(a.scheduleDescription.serviceSchedules, [{ fileSchedules: [] }]);
  t.is(
    encodeIotAnnouncement(a).length < bytes(GOLDEN_EXTENSIONS).length,
    true,
    're-encoding leaves them out',
  );
});

test('every truncation, a trailing octet and set padding bits are refused as bad binary', (t) => {
  const good = bytes(GOLDEN_FULL);
  for (let n = 0; n < good.length; n++) {
    const err = t.throws(() => decodeIotAnnouncement(good.subarray(0, n)), { instanceOf: AnnounceError });
    t.is(err.code, 'bad-binary');
  }
  const longer = new Uint8Array([...good, 0]);
  t.regex(
    t.throws(() => decodeIotAnnouncement(longer), { instanceOf: AnnounceError }).message,
    /1 octet\(s\) after the end/,
  );
  const padded = Uint8Array.from(good);
  padded[padded.length - 1]! |= 1;
  t.regex(
    t.throws(() => decodeIotAnnouncement(padded), { instanceOf: AnnounceError }).message,
    /padding bits/,
  );
});

test('decoding errors name the bit and the field', (t) => {
  const broken = bytes(GOLDEN_MINIMAL);
  broken[2] = 0xff; // inside validFrom's characters
  const err = t.throws(() => decodeIotAnnouncement(broken), { instanceOf: AnnounceError });
  t.regex(err.message, /^TR 26\.850 announcement: decode: bit \d+ \(validFrom\): /);
});

const text = fc
  .string({ minLength: 1, maxLength: 40, unit: 'grapheme' })
  .filter((s) => Buffer.byteLength(s) <= 255);
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const instant = fc
  .integer({ min: at('1950-01-01T00:00:00Z') / 1000, max: at('2049-12-31T23:59:59Z') / 1000 })
  .map((s) => s * 1000);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const ipv4 = fc.ipV4();
const address = fc.oneof(
  ipv4,
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
    return groups.join(':');
  }),
);
const tmgi = fc
  .tuple(
    fc.uint8Array({ minLength: 3, maxLength: 3 }),
    fc.stringMatching(/^\d{3}$/),
    fc.stringMatching(/^\d{2,3}$/),
  )
  .map(
    ([id, mcc, mnc]) =>
      `${hex(id).toUpperCase()}${mcc[1]}${mcc[0]}${mnc[2] ?? 'F'}${mcc[2]}${mnc[1]}${mnc[0]}`,
  );

/** Drops undefined properties so a decoded value (which never has them) can be compared. */
function clean<T>(v: T): T {
  return JSON.parse(JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? { u8: hex(x) } : x)));
}

const announcements: fc.Arbitrary<IotServiceAnnouncement> = fc.record({
  validFrom: instant,
  validUntil: instant,
  usbd: fc.record({
    serviceId: text,
    serviceClass: opt(text),
    deliveryMethod: fc.record({
      sessionDescriptionUri: text,
      associatedProcedureDescriptionUri: text,
      accessPointName: opt(fc.string({ minLength: 1, maxLength: 50, unit: 'binary-ascii' })),
    }),
    requiredCapabilities: fc.integer({ min: 0, max: 255 }),
    availabilityInfo: opt(
      fc.record({ serviceArea: opt(fc.integer({ min: 0, max: 65535 })), radioFrequency: opt(u32) }),
    ),
  }),
  sessionDescription: fc.record({
    senderIpAddress: address,
    tmgi,
    destinationAddress: address,
    destinationPort: fc.integer({ min: 0, max: 65535 }),
    tsi: fc.integer({ min: 0, max: 65535 }),
    startTime: opt(instant),
    endTime: opt(instant),
    fecRedundancyLevel: opt(fc.integer({ min: 0, max: 100 })),
  }),
  scheduleDescription: fc.record({
    serviceSchedules: fc.array(
      fc.record({
        sessionSchedules: opt(
          fc.array(fc.record({ start: instant, stop: instant, index: u32 }), { maxLength: 4 }),
        ),
        fileSchedules: fc.array(
          fc.record({
            fileUri: opt(
              fc.record({
                uri: text,
                toi: fc.integer({ min: 0, max: 65535 }),
                contentLength: opt(u32),
                contentMd5: opt(fc.uint8Array({ minLength: 1, maxLength: 32 })),
                alternateContentLocation1: opt(text),
                fileEtag: opt(text),
                cancelled: fc.boolean(),
              }),
            ),
            deliveryInfo: opt(fc.record({ start: opt(instant), stop: opt(instant) })),
            expires: opt(u32),
            baseUrl1: opt(text),
            baseUrl2: opt(text),
          }),
          { maxLength: 3 },
        ),
        sessionScheduleOverride: opt(fc.record({ index: u32, cancelled: fc.boolean() })),
      }),
      { minLength: 1, maxLength: 8 },
    ),
  }),
  adpd: opt(
    fc.record({
      postFileRepair: opt(
        fc.record({ offsetTime: opt(u32), randomPeriodTime: opt(u32), serviceUri: opt(text) }),
      ),
      postReceptionReport: opt(
        fc.record({
          offsetTime: opt(u32),
          randomPeriodTime: opt(u32),
          samplePercentage: opt(fc.integer({ min: 0, max: 100 })),
          forceTimeIndependence: opt(fc.boolean()),
          reportType: opt(fc.integer({ min: 0, max: 3 })),
          serviceUri: opt(text),
        }),
      ),
    }),
  ),
}) as fc.Arbitrary<IotServiceAnnouncement>;

test('any announcement the ASN.1 allows survives encode and decode (property)', (t) => {
  fc.assert(
    fc.property(announcements, (a) => {
      const canonical = clean(a);
      const back = decodeIotAnnouncement(encodeIotAnnouncement(a));
      // Addresses come back in canonical text; compare them as the encoder saw them.
      canonical.sessionDescription.senderIpAddress = back.sessionDescription.senderIpAddress;
      canonical.sessionDescription.destinationAddress = back.sessionDescription.destinationAddress;
      t.deepEqual(clean(back), canonical);
    }),
    { numRuns: 300 },
  );
});

test('encoding refuses what the ASN.1 does not allow, naming the field', (t) => {
  const cases: [IotServiceAnnouncement, RegExp][] = [
    [
      { ...full, validFrom: at('2050-01-01T00:00:00Z') },
      /validFrom: UTCTime needs whole seconds in 1950\.\.2049/,
    ],
    [
      { ...full, sessionDescription: { ...full.sessionDescription, tsi: 65536 } },
      /sessionDescription\.tsi must be an integer 0\.\.65535/,
    ],
    [{ ...full, usbd: { ...full.usbd, serviceId: 'x'.repeat(256) } }, /usbd\.serviceID must have 1\.\.255/],
    [{ ...full, usbd: { ...full.usbd, serviceId: '' } }, /usbd\.serviceID must have 1\.\.255/],
    [
      { ...full, scheduleDescription: { serviceSchedules: [] } },
      /scheduleDescription\.serviceSchedule must have 1\.\.8/,
    ],
    [
      { ...full, sessionDescription: { ...full.sessionDescription, tmgi: '00000100FF10' } },
      /not a TMGI with a BCD PLMN/,
    ],
  ];
  for (const [a, message] of cases) {
    const err = t.throws(() => encodeIotAnnouncement(a), { instanceOf: AnnounceError });
    t.is(err.code, 'unrepresentable');
    t.regex(err.message, message);
  }
});

const content: AnnouncementContent = {
  validFrom: at('2026-11-01T00:00:00Z'),
  validUntil: at('2026-11-08T00:00:00Z'),
  usd: {
    serviceId: 'urn:rig:fota-1',
    serviceClass: 'urn:oma:bcast:ext_bsc_3gpp:exApp:FOTA',
    name: 'Meter firmware',
    requiredFeatures: [22],
    deliveryMethods: [
      {
        sessionDescriptionUri: 'http://bmsc.lab/fragments/sdp-1.sdp',
        associatedProcedureDescriptionUri: 'http://bmsc.lab/fragments/adpd-1.xml',
        accessPointName: 'fota.lab',
      },
    ],
    scheduleDescriptionUri: 'http://bmsc.lab/fragments/schedule-1.xml',
  },
  session: {
    tmgi: '00000100F110',
    serviceId: 'urn:rig:fota-1',
    group: '239.1.2.3',
    port: 4000,
    sourceAddress: '10.0.0.1',
    tsi: 3,
    start: at('2026-11-02T02:00:00Z'),
    stop: at('2026-11-03T02:30:00Z'),
    fec: { encodingId: 1, redundancyPercent: 25 },
    procedures: {
      fileRepair: { serverUris: ['http://bmsc.lab/repair'], offsetTime: 5, randomTimePeriod: 600 },
      receptionReport: {
        serverUris: ['http://bmsc.lab/report'],
        offsetTime: 60,
        randomTimePeriod: 3600,
        reportType: 'RAck',
        samplePercentage: 100,
      },
    },
  },
  schedule: {
    sessions: [
      { start: at('2026-11-02T02:00:00Z'), stop: at('2026-11-02T02:30:00Z'), index: 1 },
      { start: at('2026-11-03T02:00:00Z'), stop: at('2026-11-03T02:30:00Z'), index: 2 },
    ],
    files: [
      {
        contentLocation: 'http://bmsc.lab/fw/app-2.1.bin',
        md5: 'XUFAKrxLKna5cZ2REBfFkg==',
        windows: [
          { start: at('2026-11-02T02:00:00Z'), stop: at('2026-11-02T02:10:00Z') },
          { start: at('2026-11-03T02:00:00Z'), stop: at('2026-11-03T02:10:00Z') },
        ],
        fdt: { toi: 1, contentLength: 6700, etag: 'df69d20220cb1ff4' },
      },
    ],
    cancelled: { sessions: [], files: [] },
  },
};

test('an announcement goes to the binary form and back with what it can carry', (t) => {
  const { bytes: encoded, dropped } = encodeAnnouncement(content);
  const back = decodeAnnouncement(encoded);
  const { name: _name, scheduleDescriptionUri: _uri, ...usdCarried } = content.usd;
  t.deepEqual(back.usd, usdCarried, 'the name and the schedule URI are not in the binary USBD');
  t.deepEqual(back.session, content.session);
  t.deepEqual(back.schedule, content.schedule);
  t.deepEqual(dropped, []);
});

test('the binary announcement is under 30 % of the XML fragments (the TR quotes 26-29 %)', (t) => {
  const xmlBytes = announcementFragments(content, 'http://bmsc.lab/fragments/usd-1.xml').reduce(
    (sum, f) => sum + Buffer.byteLength(f.body),
    0,
  );
  const perBytes = encodeAnnouncement(content).bytes.length;
  t.log(
    `XML+SDP fragments ${xmlBytes} bytes, PER announcement ${perBytes} bytes, ratio ${(perBytes / xmlBytes).toFixed(3)}`,
  );
  t.true(perBytes / xmlBytes < 0.3);
  t.true(perBytes > 100, 'the PER message still carries every URI in full');
});

test('several cancellations ride in extra service schedules, and come back', (t) => {
  const cancelled: AnnouncementContent = {
    ...content,
    schedule: {
      ...content.schedule,
      sessions: [
        {
          start: at('2026-11-02T02:00:00Z'),
          stop: at('2026-11-02T02:30:00Z'),
          index: 1,
          recurrence: { pattern: 'daily', count: 5 },
        },
      ],
      files: [],
      cancelled: { sessions: [2, 4], files: [] },
    },
  };
  const { announcement, dropped } = toIotAnnouncement(cancelled);
  t.is(announcement.scheduleDescription.serviceSchedules.length, 2);
  t.deepEqual(dropped, ['schedule.sessions: recurrences sent expanded']);
  const back = decodeAnnouncement(encodeIotAnnouncement(announcement));
  t.deepEqual(back.schedule.cancelled.sessions, [2, 4]);
  t.deepEqual(
    back.schedule.sessions.map((s) => s.index),
    [1, 2, 3, 4, 5],
  );
});

test('mapping refuses what would change behaviour and lists what it leaves out', (t) => {
  const refuse = (change: (c: AnnouncementContent) => AnnouncementContent, message: RegExp) => {
    const err = t.throws(() => encodeAnnouncement(change(content)), { instanceOf: AnnounceError });
    t.regex(err.message, message);
  };
  refuse((c) => ({ ...c, session: { ...c.session, fec: { encodingId: 6 } } }), /FEC Encoding ID 6/);
  refuse(
    (c) => ({ ...c, schedule: { ...c.schedule, files: [{ contentLocation: 'x', windows: [] }] } }),
    /a file needs its TOI/,
  );
  refuse(
    (c) => ({
      ...c,
      schedule: { ...c.schedule, sessions: [{ start: c.session.start, stop: c.session.stop }] },
    }),
    /every session needs an index/,
  );
  refuse(
    (c) => ({
      ...c,
      schedule: { ...c.schedule, cancelled: { sessions: [1, 2, 3, 4, 5, 6, 7, 8, 9], files: [] } },
    }),
    /9 cancelled sessions, at most 8 fit/,
  );
  const { dropped } = encodeAnnouncement({
    ...content,
    session: { ...content.session, bearerRateBps: 64000, ttl: 1 },
    usd: { ...content.usd, requiredFeatures: [22, 23] },
  });
  t.deepEqual(dropped.sort(), [
    'session.bearerRateBps: no SDP bandwidth in the IoT profile',
    'session.ttl: no TTL in the IoT session description',
    'usd.requiredFeatures: only the first one is carried',
  ]);
});
