import test from 'ava';
import fc from 'fast-check';
import {
  type AlcPacket,
  type DecodeResult,
  decodePacket,
  type ExtensionSlot,
  encodePacket,
  type HeaderExtensions,
} from '../src/mbms/packet/index.ts';

const RUNS = 2000;

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
/** A body whose HET+HEL+body makes whole 32-bit words. */
const wordBody = (maxWords: number) =>
  fc.integer({ min: 1, max: maxWords }).chain((w) => bytes(w * 4 - 2, w * 4 - 2));
const uint32 = fc.integer({ min: 0, max: 0xffffffff });

/** fc.option leaves keys holding undefined; a decoded packet has no such keys. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const extensions: fc.Arbitrary<HeaderExtensions> = fc
  .record({
    fdt: fc.option(
      fc.record({
        version: fc.integer({ min: 0, max: 15 }),
        instanceId: fc.integer({ min: 0, max: 0xfffff }),
      }),
      {
        nil: undefined,
      },
    ),
    fti: fc.option(wordBody(5), { nil: undefined }),
    cenc: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
    time: fc.option(
      fc
        .record({
          sctHigh: fc.option(uint32, { nil: undefined }),
          sctLow: fc.option(uint32, { nil: undefined }),
          ert: fc.option(uint32, { nil: undefined }),
          slc: fc.option(uint32, { nil: undefined }),
          piSpecific: fc.integer({ min: 0, max: 255 }),
        })
        .map((t) => defined(t.sctHigh === undefined ? { ...t, sctLow: undefined } : t)),
      { nil: undefined },
    ),
    unknown: fc.array(
      fc.oneof(
        fc.record({ het: fc.integer({ min: 3, max: 63 }), body: wordBody(4) }),
        fc.record({ het: fc.integer({ min: 194, max: 255 }), body: bytes(3, 3) }),
      ),
      { maxLength: 3 },
    ),
  })
  .map(defined);

function slotsOf(ext: HeaderExtensions): ExtensionSlot[] {
  const slots: ExtensionSlot[] = [];
  if (ext.fdt) slots.push('fdt');
  if (ext.fti) slots.push('fti');
  if (ext.cenc !== undefined) slots.push('cenc');
  if (ext.time) slots.push('time');
  for (const _ of ext.unknown) slots.push('unknown');
  return slots;
}

const bigBelow = (bytesWide: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bytesWide * 8)) - 1n });

/** Any packet the generic encoder can write, with its layout (so it must come back byte for byte). */
const genericPacket: fc.Arbitrary<AlcPacket> = fc
  .record({
    c: fc.integer({ min: 0, max: 3 }),
    s: fc.integer({ min: 0, max: 1 }),
    o: fc.integer({ min: 0, max: 3 }),
    h: fc.integer({ min: 0, max: 1 }),
    headerExtensions: extensions,
  })
  .chain(({ c, s, o, h, headerExtensions }) => {
    const cciBytes = 4 * (c + 1);
    const tsiBytes = 4 * s + 2 * h;
    const toiBytes = 4 * o + 2 * h;
    const slots = slotsOf(headerExtensions);
    return fc.record({
      version: fc.constant(1 as const),
      congestionControl: bigBelow(cciBytes),
      tsi: bigBelow(tsiBytes).map(Number),
      toi: bigBelow(toiBytes),
      codepoint: fc.integer({ min: 0, max: 255 }),
      flags: fc.record({ closeSession: fc.boolean(), closeObject: fc.boolean() }),
      timeFields: fc.option(
        fc.record({ senderCurrentTime: uint32, expectedResidualTime: uint32 }, { requiredKeys: [] }),
        { nil: undefined },
      ),
      headerExtensions: fc.constant(headerExtensions),
      payloadId: bytes(4, 4),
      payload: bytes(0, 48),
      layout: fc.record({
        cciBytes: fc.constant(cciBytes),
        tsiBytes: fc.constant(tsiBytes),
        toiBytes: fc.constant(toiBytes),
        reservedBits: fc.integer({ min: 0, max: 3 }),
        extensionOrder: fc.shuffledSubarray(slots, { minLength: slots.length }),
      }),
    });
  })
  .map((p) => {
    const { timeFields, ...rest } = p;
    return timeFields === undefined || Object.keys(timeFields).length === 0 ? rest : p;
  });

/** Packets inside the TS 26.346 profile: FDT packets carry EXT_FDT v1 + EXT_FTI, file packets neither. */
const profilePacket: fc.Arbitrary<AlcPacket> = fc
  .record({
    isFdt: fc.boolean(),
    tsi: fc.integer({ min: 0, max: 0xffff }),
    fileToi: fc.integer({ min: 1, max: 0xffff }),
    instanceId: fc.integer({ min: 0, max: 0xfffff }),
    fti: bytes(14, 14),
    codepoint: fc.constantFrom(0, 1, 6),
    flags: fc.record({ closeSession: fc.boolean(), closeObject: fc.boolean() }),
    ert: fc.option(uint32, { nil: undefined }),
    payloadId: bytes(4, 4),
    payload: bytes(1, 64),
  })
  .map(
    (r): AlcPacket => ({
      version: 1,
      congestionControl: 0n,
      tsi: r.tsi,
      toi: r.isFdt ? 0n : BigInt(r.fileToi),
      codepoint: r.codepoint,
      flags: r.flags,
      headerExtensions: {
        ...(r.isFdt ? { fdt: { version: 1, instanceId: r.instanceId }, fti: r.fti } : {}),
        ...(r.ert !== undefined ? { time: { ert: r.ert, piSpecific: 0 } } : {}),
        unknown: [],
      },
      payloadId: r.payloadId,
      payload: r.payload,
    }),
  );

/** Random bytes, often with a plausible first word so that the decoder gets past the version and HDR_LEN. */
const noise = fc.record({ raw: bytes(0, 96), plausible: fc.boolean() }).map(({ raw, plausible }) => {
  if (plausible && raw.length >= 4) {
    raw[0] = 0x10 | (raw[0]! & 0x0f);
    raw[2] = raw[2]! % (Math.floor(raw.length / 4) + 1);
  }
  return raw;
});

function checkTotal(t: { true(v: boolean, m?: string): void }, input: Uint8Array): void {
  for (const profile of ['mbms', 'generic'] as const) {
    let r: DecodeResult | undefined;
    try {
      r = decodePacket(input, { profile });
    } catch (err) {
      throw new Error(
        `decodePacket threw on ${Buffer.from(input).toString('hex')}: ${(err as Error).message}`,
      );
    }
    if (r.ok) {
      // Whatever decodes is re-encoded exactly: nothing is lost between bytes and AlcPacket.
      const again = encodePacket(r.packet, 'generic');
      if (Buffer.compare(Buffer.from(again), Buffer.from(input)) !== 0) {
        throw new Error(`re-encode differs for ${Buffer.from(input).toString('hex')}`);
      }
    } else if (!/^ALC\/LCT decode: byte \d+: /.test(r.reason.message)) {
      throw new Error(`failure message without an offset: ${r.reason.message}`);
    }
    // Bytes beyond the view must not matter: decoding a view into a larger buffer gives the same answer.
    const padded = new Uint8Array(input.length + 8).fill(0xa5);
    padded.set(input);
    const viaView = decodePacket(padded.subarray(0, input.length), { profile });
    t.true(summary(viaView) === summary(r), 'a view decodes like a copy');
  }
}

function summary(r: DecodeResult): string {
  return r.ok ? Buffer.from(encodePacket(r.packet, 'generic')).toString('hex') : r.reason.message;
}

test('any byte string gives a result, never an exception; whatever decodes re-encodes to the same bytes', (t) => {
  fc.assert(
    fc.property(noise, (input) => checkTotal(t, input)),
    { numRuns: RUNS * 5 },
  );
});

test('generic packets of every field width and extension order round-trip exactly', (t) => {
  fc.assert(
    fc.property(genericPacket, (p) => {
      const wire = encodePacket(p, 'generic');
      const r = decodePacket(wire, { profile: 'generic' });
      if (!r.ok) throw new Error(`${r.reason.kind}: ${r.reason.message}`);
      t.deepEqual(r.packet, p);
      t.deepEqual([...encodePacket(r.packet, 'generic')], [...wire]);
    }),
    { numRuns: RUNS },
  );
});

test('truncations and bit flips of valid packets: always a result; what still decodes re-encodes exactly', (t) => {
  const mutated = fc
    .tuple(fc.oneof(genericPacket, profilePacket), fc.nat(), fc.array(fc.nat(), { maxLength: 4 }))
    .map(([p, cut, flips]) => {
      const wire = encodePacket(p, 'generic');
      const out = wire.slice(0, cut % (wire.length + 1));
      for (const f of flips) if (out.length > 0) out[(f >> 3) % out.length]! ^= 1 << (f & 7);
      return out;
    });
  fc.assert(
    fc.property(mutated, (input) => checkTotal(t, input)),
    { numRuns: RUNS * 2 },
  );
});

test('a valid packet cut inside its header is too short; cut inside its FEC Payload ID, the Payload ID is truncated', (t) => {
  fc.assert(
    fc.property(fc.oneof(genericPacket, profilePacket), fc.nat(), (p, n) => {
      const wire = encodePacket(p, 'generic');
      const headerBytes = wire[2]! * 4;
      const cut = n % (headerBytes + 4);
      const r = decodePacket(wire.subarray(0, cut), { profile: 'generic' });
      const closesAtHeader = cut === headerBytes && p.flags.closeSession;
      const expected = cut < headerBytes ? 'too-short' : closesAtHeader ? undefined : 'payload-id-truncated';
      t.is(r.ok ? undefined : r.reason.kind, expected);
    }),
    { numRuns: RUNS },
  );
});

test('every packet of the profile encoder is accepted by the strict decoder, unchanged and without errors', (t) => {
  fc.assert(
    fc.property(profilePacket, (p) => {
      const wire = encodePacket(p);
      const r = decodePacket(wire);
      if (!r.ok) throw new Error(`${r.reason.kind}: ${r.reason.message}`);
      const { layout, ...rest } = r.packet;
      t.deepEqual(rest, p);
      t.deepEqual(r.violations, []);
      t.deepEqual([...encodePacket(r.packet)], [...wire]);
    }),
    { numRuns: RUNS },
  );
});

test('a header of 255 words of fixed extensions is walked to the end', (t) => {
  const header = new Uint8Array(255 * 4);
  header.set([0x10, 0x10, 255, 0, 0, 0, 0, 0, 0, 1, 0, 2]);
  for (let at = 12; at < header.length; at += 4) header.set([250, 1, 2, 3], at);
  const r = decodePacket(Uint8Array.from([...header, 0, 0, 0, 1]), { profile: 'generic' });
  t.true(r.ok);
  if (r.ok) t.is(r.packet.headerExtensions.unknown.length, 252);
});
