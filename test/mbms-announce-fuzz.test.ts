import test from 'ava';
import fc from 'fast-check';
import {
  AnnounceError,
  type AnnouncementContent,
  announcementFragments,
  decodeAnnouncement,
  decodeIotAnnouncement,
  encodeAnnouncement,
  parseAdpd,
  parseScheduleDescription,
  parseSdp,
  parseUsd,
} from '../src/mbms/announce/index.ts';

const at = (iso: string) => Date.parse(iso);

const content: AnnouncementContent = {
  validFrom: at('2026-11-01T00:00:00Z'),
  validUntil: at('2026-11-08T00:00:00Z'),
  usd: {
    serviceId: 'urn:rig:fota-1',
    requiredFeatures: [22],
    deliveryMethods: [
      { sessionDescriptionUri: 'http://b/sdp', associatedProcedureDescriptionUri: 'http://b/adpd' },
    ],
    scheduleDescriptionUri: 'http://b/schedule',
    availability: [{ serviceAreas: [7], radioFrequencies: [6300] }],
  },
  session: {
    tmgi: '00000100F110',
    serviceId: 'urn:rig:fota-1',
    group: 'ff3e::1',
    port: 4000,
    sourceAddress: '2001:db8::1',
    tsi: 3,
    start: at('2026-11-02T02:00:00Z'),
    stop: at('2026-11-02T02:30:00Z'),
    fec: { encodingId: 1, redundancyPercent: 10 },
    bearerRateBps: 32_000,
    procedures: {
      fileRepair: { serverUris: ['http://b/repair'], offsetTime: 5, randomTimePeriod: 60 },
      receptionReport: {
        serverUris: ['http://b/report'],
        randomTimePeriod: 60,
        reportType: 'StaR-all',
        samplePercentage: 50,
      },
    },
  },
  schedule: {
    sessions: [
      {
        start: at('2026-11-02T02:00:00Z'),
        stop: at('2026-11-02T02:30:00Z'),
        index: 1,
        recurrence: { pattern: 'weekly', count: 3 },
      },
    ],
    files: [
      {
        contentLocation: 'http://b/fw.bin',
        md5: 'XUFAKrxLKna5cZ2REBfFkg==',
        windows: [{ start: at('2026-11-02T02:00:00Z'), stop: at('2026-11-02T02:10:00Z') }],
        fdt: { toi: 2 },
      },
    ],
    cancelled: { sessions: [2], files: [] },
    rescheduled: [{ index: 3, start: at('2026-11-16T05:00:00Z'), stop: at('2026-11-16T05:30:00Z') }],
  },
};

const fragments = announcementFragments(content, 'http://b/usd');
const body = (contentType: string) => fragments.find((f) => f.contentType === contentType)!.body;
const seeds = {
  sdp: body('application/sdp'),
  usd: body('application/mbms-user-service-description+xml'),
  schedule: body('application/mbms-schedule+xml'),
  adpd: body('application/mbms-associated-procedure-description+xml'),
};
const binary = encodeAnnouncement(content).bytes;

/** Runs a decoder; anything thrown must be an AnnounceError, or the decoder has a bug. */
function valueOrAnnounceError(decode: () => unknown): boolean {
  try {
    decode();
    return true;
  } catch (e) {
    if (e instanceof AnnounceError) return true;
    throw e;
  }
}

/** A text with a few characters replaced, inserted or deleted. */
function mutatedText(seed: string): fc.Arbitrary<string> {
  const edit = fc.record({
    kind: fc.constantFrom('replace', 'insert', 'delete'),
    at: fc.nat({ max: seed.length }),
    text: fc.oneof(
      fc.string({ maxLength: 4 }),
      fc.constantFrom(
        '<',
        '>',
        '&',
        '"',
        '=',
        ':',
        '/',
        ' ',
        '\r\n',
        '<!DOCTYPE x>',
        '&amp;',
        ']]>',
        '\u0000',
        '\uffff',
        '0',
        '-1',
      ),
    ),
  });
  return fc.array(edit, { minLength: 1, maxLength: 6 }).map((edits) => {
    let s = seed;
    for (const e of edits) {
      const i = Math.min(e.at, s.length);
      if (e.kind === 'insert') s = s.slice(0, i) + e.text + s.slice(i);
      else if (e.kind === 'delete') s = s.slice(0, i) + s.slice(i + e.text.length + 1);
      else s = s.slice(0, i) + e.text + s.slice(i + e.text.length);
    }
    return s;
  });
}

const textDecoders: [string, (s: string) => unknown, string][] = [
  ['parseSdp', (s) => parseSdp(s), seeds.sdp],
  ['parseUsd', (s) => parseUsd(s), seeds.usd],
  ['parseScheduleDescription', (s) => parseScheduleDescription(s), seeds.schedule],
  ['parseAdpd', (s) => parseAdpd(s), seeds.adpd],
];

for (const [name, decode, seed] of textDecoders) {
  test(`${name} gives a value or an AnnounceError for mutated documents`, (t) => {
    t.notThrows(() => decode(seed), 'the seed itself is valid');
    fc.assert(
      fc.property(mutatedText(seed), (s) => valueOrAnnounceError(() => decode(s))),
      { numRuns: 1500 },
    );
  });

  test(`${name} gives a value or an AnnounceError for arbitrary text`, (t) => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (s) =>
        valueOrAnnounceError(() => decode(s)),
      ),
      {
        numRuns: 500,
      },
    );
    t.pass();
  });
}

const binaryDecoders: [string, (b: Uint8Array) => unknown][] = [
  ['decodeIotAnnouncement', decodeIotAnnouncement],
  ['decodeAnnouncement', decodeAnnouncement],
];

for (const [name, decode] of binaryDecoders) {
  test(`${name} gives a value or an AnnounceError for flipped bits, cut and spliced octets`, (t) => {
    t.notThrows(() => decode(binary), 'the seed itself is valid');
    const mutated = fc
      .record({
        flips: fc.array(fc.nat({ max: binary.length * 8 - 1 }), { minLength: 1, maxLength: 8 }),
        cut: fc.nat({ max: binary.length }),
        tail: fc.uint8Array({ maxLength: 8 }),
      })
      .map(({ flips, cut, tail }) => {
        const b = Uint8Array.from(binary);
        for (const bit of flips) b[bit >> 3]! ^= 0x80 >> (bit & 7);
        return new Uint8Array([...b.subarray(0, cut), ...tail]);
      });
    fc.assert(
      fc.property(mutated, (b) => valueOrAnnounceError(() => decode(b))),
      { numRuns: 3000 },
    );
  });

  test(`${name} gives a value or an AnnounceError for arbitrary octets`, (t) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => valueOrAnnounceError(() => decode(b))),
      { numRuns: 3000 },
    );
    t.pass();
  });
}

test('a flipped bit in a length makes the decoder stop at the end of the data, not run past it', (t) => {
  // Raise validFrom's length octet (bits 2..9) to 127: the string runs past any real data.
  const b = Uint8Array.from(binary);
  b[0]! |= 0x3f;
  b[1]! |= 0xc0;
  const err = t.throws(() => decodeIotAnnouncement(b), { instanceOf: AnnounceError });
  t.is(err.code, 'bad-binary');
});
