import test from 'ava';
import {
  type AlcPacket,
  CENC,
  checkProfile,
  decodePacket,
  encodePacket,
  PacketEncodeError,
} from '../src/mbms/packet/index.ts';

// Expected bytes are built here from the RFC 3451 Figure 1 field list, independently of the encoder:
// word 0 is V(4) C(2) r(2) S(1) O(2) H(1) T(1) R(1) A(1) B(1) HDR_LEN(8) CP(8), most significant bit first.
interface Word0 {
  V: number;
  C: number;
  r: number;
  S: number;
  O: number;
  H: number;
  T: number;
  R: number;
  A: number;
  B: number;
  HDR_LEN: number;
  CP: number;
}
function word0(f: Word0): number[] {
  const fields: [number, number][] = [
    [f.V, 4],
    [f.C, 2],
    [f.r, 2],
    [f.S, 1],
    [f.O, 2],
    [f.H, 1],
    [f.T, 1],
    [f.R, 1],
    [f.A, 1],
    [f.B, 1],
    [f.HDR_LEN, 8],
    [f.CP, 8],
  ];
  return be(
    fields.reduce((w, [v, bits]) => w * 2 ** bits + v, 0),
    4,
  );
}
/** value as `bytes` big-endian bytes. */
function be(value: number | bigint, bytes: number): number[] {
  const out: number[] = [];
  let rest = BigInt(value);
  for (let i = 0; i < bytes; i++) {
    out.unshift(Number(rest % 256n));
    rest /= 256n;
  }
  return out;
}
const profileWord0 = { V: 1, C: 0, r: 0, S: 0, O: 0, H: 1, T: 0, R: 0, A: 0, B: 0 };

// EXT_FTI body for Raptor (FEC ID 1, RFC 5053 §3.2): F 48, reserved 16, T 16, Z 16, N 8, Al 8.
const raptorFti = Uint8Array.from([...be(1_000_000, 6), 0, 0, ...be(512, 2), ...be(1, 2), 1, 4]);
const fdtXml = new TextEncoder().encode(
  '<?xml version="1.0" encoding="UTF-8"?><FDT-Instance Expires="331129600"/>',
);

function fdtPacket(over: Partial<AlcPacket> = {}): AlcPacket {
  return {
    version: 1,
    congestionControl: 0n,
    tsi: 0x1234,
    toi: 0n,
    codepoint: 1,
    flags: { closeSession: false, closeObject: false },
    headerExtensions: { fdt: { version: 1, instanceId: 0x12345 }, fti: raptorFti, unknown: [] },
    payloadId: Uint8Array.of(0, 0, 0, 5),
    payload: fdtXml,
    ...over,
  };
}

function filePacket(over: Partial<AlcPacket> = {}): AlcPacket {
  return {
    version: 1,
    congestionControl: 0n,
    tsi: 0x1234,
    toi: 0xbeefn,
    codepoint: 0,
    flags: { closeSession: false, closeObject: false },
    headerExtensions: { unknown: [] },
    payloadId: Uint8Array.of(0x00, 0x02, 0x01, 0x07),
    payload: Uint8Array.from({ length: 64 }, (_, i) => i),
    ...over,
  };
}

function decodeOk(bytes: Uint8Array, profile: 'mbms' | 'generic' = 'mbms') {
  const r = decodePacket(bytes, { profile });
  if (!r.ok) throw new Error(`expected a packet, got ${r.reason.kind}: ${r.reason.message}`);
  return r;
}

test('an FDT packet in the TS 26.346 profile: word 0, 32-bit zero CCI, 16-bit TSI/TOI, EXT_FDT, EXT_FTI', (t) => {
  const bytes = encodePacket(fdtPacket());
  // 4 fixed + 4 CCI + 2 TSI + 2 TOI + 4 EXT_FDT + 16 EXT_FTI = 32 bytes = 8 words.
  const expected = [
    ...word0({ ...profileWord0, HDR_LEN: 8, CP: 1 }),
    ...be(0, 4),
    ...be(0x1234, 2),
    ...be(0, 2),
    // EXT_FDT: HET 192 (8 bits), V (4 bits) = 1, FDT Instance ID (20 bits).
    ...be(192 * 2 ** 24 + 1 * 2 ** 20 + 0x12345, 4),
    // EXT_FTI: HET 64, HEL = 16 bytes / 4, then the 14-byte body.
    64,
    4,
    ...raptorFti,
    ...[0, 0, 0, 5],
    ...fdtXml,
  ];
  t.deepEqual([...bytes], expected);
  t.is(bytes.length - fdtXml.length, 16 + 20, 'per-packet overhead: 16 bytes, plus 20 on FDT packets');
});

test('a file packet in the profile carries no extension: a 12-byte LCT header, then SBN/ESI and the symbol', (t) => {
  const p = filePacket({ flags: { closeSession: false, closeObject: true } });
  const bytes = encodePacket(p);
  const expected = [
    ...word0({ ...profileWord0, B: 1, HDR_LEN: 3, CP: 0 }),
    ...be(0, 4),
    ...be(0x1234, 2),
    ...be(0xbeef, 2),
    ...p.payloadId,
    ...p.payload,
  ];
  t.deepEqual([...bytes], expected);
  t.is(bytes.length - p.payload.length, 16);
});

test('a Close Session packet may end at the header (no FEC Payload ID, no symbol)', (t) => {
  const p = filePacket({
    flags: { closeSession: true, closeObject: false },
    payloadId: new Uint8Array(),
    payload: new Uint8Array(),
  });
  const bytes = encodePacket(p);
  t.deepEqual(
    [...bytes],
    [...word0({ ...profileWord0, A: 1, HDR_LEN: 3, CP: 0 }), 0, 0, 0, 0, 0x12, 0x34, 0xbe, 0xef],
  );
  const r = decodeOk(bytes);
  t.true(r.packet.flags.closeSession);
  t.is(r.packet.payloadId.length, 0);
  t.throws(() => encodePacket({ ...p, flags: { closeSession: false, closeObject: false } }), {
    instanceOf: PacketEncodeError,
    message: /Close Session/,
  });
});

test('generic layouts: CCI 32·(C+1), TSI 32·S+16·H, TOI 32·O+16·H bits, SCT and ERT after the TOI', (t) => {
  const cases = [
    { C: 0, S: 0, O: 0, H: 0 },
    { C: 1, S: 1, O: 0, H: 0 },
    { C: 3, S: 1, O: 3, H: 1 },
    { C: 2, S: 0, O: 2, H: 1 },
    { C: 0, S: 1, O: 1, H: 0 },
  ];
  for (const f of cases) {
    const cciBytes = 4 * (f.C + 1);
    const tsiBytes = 4 * f.S + 2 * f.H;
    const toiBytes = 4 * f.O + 2 * f.H;
    const cci = (1n << BigInt(cciBytes * 8)) - 3n;
    const tsi = tsiBytes === 0 ? 0 : 2 ** (tsiBytes * 8) - 2;
    const toi = toiBytes === 0 ? 0n : (1n << BigInt(toiBytes * 8)) - 5n;
    const headerBytes = 4 + cciBytes + tsiBytes + toiBytes + 8;
    const expected = [
      ...word0({ V: 1, r: 0, T: 1, R: 1, A: 1, B: 0, ...f, HDR_LEN: headerBytes / 4, CP: 130 }),
      ...be(cci, cciBytes),
      ...be(tsi, tsiBytes),
      ...be(toi, toiBytes),
      ...be(0xdeadbeef, 4),
      ...be(7, 4),
      ...[9, 9, 9, 9],
      ...[1, 2, 3],
    ];
    const p: AlcPacket = {
      ...filePacket(),
      congestionControl: cci,
      tsi,
      toi,
      codepoint: 130,
      flags: { closeSession: true, closeObject: false },
      timeFields: { senderCurrentTime: 0xdeadbeef, expectedResidualTime: 7 },
      payloadId: Uint8Array.of(9, 9, 9, 9),
      payload: Uint8Array.of(1, 2, 3),
      layout: { cciBytes, tsiBytes, toiBytes, reservedBits: 0, extensionOrder: [] },
    };
    const bytes = encodePacket(p, 'generic');
    t.deepEqual([...bytes], expected, JSON.stringify(f));
    const back = decodeOk(bytes, 'generic').packet;
    t.is(back.congestionControl, cci);
    t.is(back.tsi, tsi);
    t.is(back.toi, toi);
    t.deepEqual(back.timeFields, p.timeFields);
    t.deepEqual([...encodePacket(back, 'generic')], expected);
  }
});

test('without a layout the generic encoder picks the smallest widths, H shared by TSI and TOI', (t) => {
  const bytes = encodePacket(filePacket({ tsi: 0x123456, toi: 5n }), 'generic');
  const p = decodeOk(bytes, 'generic').packet;
  // TSI needs 3 bytes → 4 (S=1, H=0); TOI then has to be whole words too → 4 bytes (O=1).
  t.like(p.layout, { cciBytes: 4, tsiBytes: 4, toiBytes: 4 });
  t.is(p.tsi, 0x123456);
  t.is(p.toi, 5n);
});

test('EXT_CENC is HET 193, the CENC byte, 16 reserved bits; EXT_TIME is HET 2, HEL, Use, then the values', (t) => {
  const p = filePacket({
    headerExtensions: { cenc: CENC.gzip, time: { ert: 600, piSpecific: 0 }, unknown: [] },
  });
  const bytes = encodePacket(p, 'generic');
  const ext = [...bytes.subarray(12, 24)];
  // EXT_TIME Use field: SCT-High, SCT-Low, ERT, SLC flags from the top bit; only ERT (0x2000) here.
  t.deepEqual(ext, [193, 3, 0, 0, 2, 2, 0x20, 0x00, ...be(600, 4)]);
  t.is(bytes[2], 6);
  const back = decodeOk(bytes, 'generic');
  t.is(back.packet.headerExtensions.cenc, CENC.gzip);
  t.deepEqual(back.packet.headerExtensions.time, { ert: 600, piSpecific: 0 });
  t.deepEqual(
    back.violations.map((v) => v.rule),
    ['cenc-on-file'],
  );
});

test('a decoded packet re-encodes to the same bytes, extension order and reserved bits included', (t) => {
  const order = [
    [2, 2, 0x20, 0, 0, 0, 0, 9], // EXT_TIME (ERT)
    [130, 1, 2, 3], // unknown fixed
    [0, 1, 0, 0], // EXT_NOP
    [10, 2, 5, 6, 7, 8, 9, 10], // unknown variable
  ].flat();
  const bytes = Uint8Array.from([
    ...word0({
      V: 1,
      C: 0,
      r: 2,
      S: 0,
      O: 0,
      H: 1,
      T: 0,
      R: 0,
      A: 0,
      B: 0,
      HDR_LEN: 3 + order.length / 4,
      CP: 0,
    }),
    ...[0, 0, 0, 0, 0, 1, 0, 2],
    ...order,
    ...[0, 0, 0, 1, 0xaa],
  ]);
  const r = decodeOk(bytes);
  t.deepEqual(r.packet.layout?.extensionOrder, ['time', 'unknown', 'unknown', 'unknown']);
  t.deepEqual(
    r.packet.headerExtensions.unknown.map((u) => [u.het, ...u.body]),
    [
      [130, 1, 2, 3],
      [0, 0, 0],
      [10, 5, 6, 7, 8, 9, 10],
    ],
  );
  t.deepEqual([...encodePacket(r.packet, 'generic')], [...bytes]);
  t.deepEqual(r.violations.map((v) => v.rule).sort(), [
    'reserved-bits-set',
    'unknown-extension',
    'unknown-extension',
  ]);
  // The profile encoder writes the reserved bits as 0 (RFC 3451: senders set them to zero).
  t.is(encodePacket(r.packet, 'mbms')[0], 0x10);
});

test('round trips: what the profile encoder writes, the strict decoder reads back unchanged', (t) => {
  for (const p of [
    fdtPacket(),
    fdtPacket({
      headerExtensions: { fdt: { version: 1, instanceId: 0xfffff }, fti: raptorFti, unknown: [] },
    }),
    filePacket(),
    filePacket({ tsi: 0, toi: 0xffffn, codepoint: 6, flags: { closeSession: true, closeObject: true } }),
    filePacket({
      headerExtensions: { time: { ert: 12, piSpecific: 3 }, unknown: [{ het: 99, body: new Uint8Array(6) }] },
    }),
  ]) {
    const bytes = encodePacket(p);
    const r = decodeOk(bytes);
    const { layout, ...rest } = r.packet;
    t.deepEqual(rest, p);
    t.deepEqual(layout && { cci: layout.cciBytes, tsi: layout.tsiBytes, toi: layout.toiBytes }, {
      cci: 4,
      tsi: 2,
      toi: 2,
    });
    t.deepEqual([...encodePacket(r.packet)], [...bytes]);
  }
});

test('the profile encoder refuses what a strict receiver would drop, naming the rule', (t) => {
  const refuse = (p: AlcPacket, message: RegExp) =>
    t.throws(() => encodePacket(p), { instanceOf: PacketEncodeError, message });
  refuse(filePacket({ tsi: 0x10000 }), /TSI 65536 does not fit 16 bits/);
  refuse(filePacket({ toi: 0x10000n }), /TOI 65536 does not fit 16 bits/);
  refuse(filePacket({ congestionControl: 1n }), /CCI is 1.*§7\.2\.7/);
  refuse(
    fdtPacket({ headerExtensions: { fdt: { version: 1, instanceId: 1 }, unknown: [] } }),
    /without EXT_FTI/,
  );
  refuse(filePacket({ headerExtensions: { fti: raptorFti, unknown: [] } }), /EXT_FTI on a file packet/);
  refuse(
    filePacket({ headerExtensions: { fdt: { version: 1, instanceId: 1 }, unknown: [] } }),
    /EXT_FDT on a file packet/,
  );
  refuse(fdtPacket({ headerExtensions: { fti: raptorFti, unknown: [] } }), /TOI 0 \(FDT\) without EXT_FDT/);
  refuse(
    fdtPacket({ headerExtensions: { fdt: { version: 2, instanceId: 1 }, fti: raptorFti, unknown: [] } }),
    /FLUTE version 2/,
  );
  refuse(
    fdtPacket({ headerExtensions: { ...fdtPacket().headerExtensions, cenc: 0 } }),
    /EXT_CENC on an FDT packet/,
  );
  refuse(filePacket({ timeFields: { expectedResidualTime: 1 } }), /T or R flag/);
  refuse(filePacket({ payloadId: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) }), /FEC Payload ID of 8 bytes/);
});

test('both encoders refuse values their fields cannot hold', (t) => {
  const refuse = (p: AlcPacket, message: RegExp) =>
    t.throws(() => encodePacket(p, 'generic'), { instanceOf: PacketEncodeError, message });
  refuse(
    fdtPacket({ headerExtensions: { fdt: { version: 1, instanceId: 0x100000 }, unknown: [] } }),
    /not 20 bits/,
  );
  refuse(
    fdtPacket({ headerExtensions: { fti: new Uint8Array(13), unknown: [] } }),
    /EXT_FTI body of 13 bytes/,
  );
  refuse(
    filePacket({ headerExtensions: { unknown: [{ het: 200, body: new Uint8Array(4) }] } }),
    /3-byte body/,
  );
  refuse(
    filePacket({ headerExtensions: { cenc: 1, unknown: [{ het: 193, body: Uint8Array.of(1, 0, 1) }] } }),
    /two header extensions with HET 193/,
  );
  refuse(filePacket({ tsi: 2 ** 48 }), /TSI 281474976710656 does not fit 48 bits/);
  refuse(filePacket({ tsi: 1.5 }), /TSI 1.5 does not fit/);
  refuse(filePacket({ toi: -1n }), /TOI -1 does not fit/);
  refuse(filePacket({ codepoint: 256 }), /codepoint 256/);
  refuse(
    filePacket({
      toi: 0x10000n,
      layout: { cciBytes: 4, tsiBytes: 2, toiBytes: 2, reservedBits: 0, extensionOrder: [] },
    }),
    /TOI 65536 does not fit 16 bits/,
  );
  refuse(
    filePacket({ layout: { cciBytes: 4, tsiBytes: 2, toiBytes: 4, reservedBits: 0, extensionOrder: [] } }),
    /half-word flag/,
  );
  refuse(
    filePacket({
      headerExtensions: { unknown: Array.from({ length: 4 }, () => ({ het: 5, body: new Uint8Array(254) })) },
    }),
    /exceeds HDR_LEN/,
  );
});

test('a tolerant reader takes packets from senders outside the profile; the strict one says why it drops them', (t) => {
  // Like ypo/flute's defaults: EXT_FTI on every file packet, FLUTE version 2 on the FDT, EXT_TIME with SCT.
  const inbandFti = encodePacket(
    filePacket({ headerExtensions: { fti: raptorFti, unknown: [] } }),
    'generic',
  );
  const strict = decodePacket(inbandFti);
  t.false(strict.ok);
  if (!strict.ok) {
    t.is(strict.reason.kind, 'fti-on-file');
    t.is(strict.reason.offset, 12);
    t.regex(strict.reason.message, /byte 12: EXT_FTI on a file packet.*TS 26\.346 §7\.2\.8/);
  }
  const tolerant = decodePacket(inbandFti, { profile: 'generic' });
  t.true(tolerant.ok);
  if (tolerant.ok) {
    t.deepEqual([...(tolerant.packet.headerExtensions.fti ?? [])], [...raptorFti]);
    t.deepEqual(
      tolerant.violations.map((v) => [v.rule, v.severity]),
      [['fti-on-file', 'error']],
    );
  }
  const v2 = encodePacket(
    fdtPacket({
      headerExtensions: {
        fdt: { version: 2, instanceId: 7 },
        fti: raptorFti,
        time: { sctHigh: 1, sctLow: 2, piSpecific: 0 },
        unknown: [],
      },
    }),
    'generic',
  );
  const v2strict = decodePacket(v2);
  t.like(v2strict, { ok: false, reason: { kind: 'flute-version-not-1', offset: 12 } });
  t.deepEqual(
    checkProfile(decodeOk(v2, 'generic').packet).map((v) => v.rule),
    ['flute-version-not-1', 'ext-time-not-ert-only'],
  );
});
