/**
 * FEC Payload IDs, EXT_FTI bodies and FDT attributes: exact byte layouts from the reference (§1.3), the
 * TS 26.346 7.2.10.4 FDT example, round trips, and the registry.
 */
import test from 'ava';
import {
  compactNoCode,
  FEC_SCHEMES,
  FecError,
  type FecOti,
  fecScheme,
  raptor,
  raptorq,
  raptorqOti,
} from '../src/mbms/fec/index.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/ /g, ''), 'hex'));

test('FEC Payload IDs: SBN 16 · ESI 16 for IDs 0 and 1, SBN 8 · ESI 24 for ID 6', (t) => {
  t.is(hex(compactNoCode.encodePayloadId({ sbn: 0x0102, esi: 0x0304 })), '01020304');
  t.is(hex(raptor.encodePayloadId({ sbn: 0xfffe, esi: 0x0001 })), 'fffe0001');
  t.is(hex(raptorq.encodePayloadId({ sbn: 0x12, esi: 0x345678 })), '12345678');
  t.deepEqual(raptorq.decodePayloadId(bytes('12345678')), { sbn: 0x12, esi: 0x345678 });
  t.deepEqual(compactNoCode.decodePayloadId(bytes('01020304')), { sbn: 0x0102, esi: 0x0304 });
  t.deepEqual(raptor.decodePayloadId(bytes('ffff ffff')), { sbn: 0xffff, esi: 0xffff });
  for (const s of Object.values(FEC_SCHEMES)) t.is(s.payloadIdLength, 4);
});

test('FEC Payload IDs refuse fields that do not fit and short input', (t) => {
  t.throws(() => compactNoCode.encodePayloadId({ sbn: 0x10000, esi: 0 }), {
    instanceOf: FecError,
    message: /SBN/,
  });
  t.throws(() => raptor.encodePayloadId({ sbn: 0, esi: -1 }), { instanceOf: FecError, message: /ESI/ });
  t.throws(() => raptorq.encodePayloadId({ sbn: 256, esi: 0 }), { instanceOf: FecError, message: /SBN/ });
  t.throws(() => raptorq.encodePayloadId({ sbn: 0, esi: 2 ** 24 }), { instanceOf: FecError, message: /ESI/ });
  t.throws(() => raptorq.decodePayloadId(bytes('123456')), {
    instanceOf: FecError,
    message: /4 bytes, got 3/,
  });
});

test('Compact No-Code EXT_FTI: F 48 · reserved 16 · E 16 · B 32', (t) => {
  const oti: FecOti = {
    encodingId: 0,
    transferLength: 0x010203040506,
    symbolLength: 1424,
    maxSourceBlockLength: 0x40,
  };
  // 2^40-ish objects need 16-bit blocks: the OTI is only encoded if its blocks fit SBN/ESI, so use B = 2^16.
  const big = { ...oti, maxSourceBlockLength: 65536 };
  t.throws(() => compactNoCode.encodeFti(oti), { instanceOf: FecError, message: /16 bits/ });
  t.is(hex(compactNoCode.encodeFti(big)), '010203040506' + '0000' + '0590' + '00010000');
  t.deepEqual(compactNoCode.decodeFti(compactNoCode.encodeFti(big)), big);
  const small: FecOti = {
    encodingId: 0,
    transferLength: 1_000_000,
    symbolLength: 1424,
    maxSourceBlockLength: 64,
  };
  t.is(hex(compactNoCode.encodeFti(small)), '0000000f4240' + '0000' + '0590' + '00000040');
});

test('Raptor EXT_FTI: F 48 · reserved 16 · T 16 · Z 16 · N 8 · Al 8 (the 7.2.10.4 example file)', (t) => {
  // TS 26.346 7.2.10.4: Transfer-Length 4294, T 16, Scheme-Specific-Info "AAEBBA==" (Z 1, N 1, Al 4).
  const oti: FecOti = {
    encodingId: 1,
    transferLength: 4294,
    symbolLength: 16,
    sourceBlocks: 1,
    subBlocks: 1,
    alignment: 4,
  };
  t.is(hex(raptor.encodeFti(oti)), '0000000010c6' + '0000' + '0010' + '0001' + '01' + '04');
  t.deepEqual(raptor.decodeFti(raptor.encodeFti(oti)), oti);
  t.deepEqual(raptor.fdtAttributes(oti), {
    'FEC-OTI-FEC-Encoding-ID': '1',
    'FEC-OTI-Encoding-Symbol-Length': '16',
    'FEC-OTI-Scheme-Specific-Info': 'AAEBBA==',
    'Transfer-Length': '4294',
  });
  // The example's own attributes, as an FDT parser hands them over (Content-Length 7543 is not the transfer length).
  const parsed = raptor.fromFdtAttributes(
    {
      'FEC-OTI-FEC-Encoding-ID': '1',
      'Transfer-Length': '4294',
      'FEC-OTI-Encoding-Symbol-Length': '16',
      'FEC-OTI-Scheme-Specific-Info': 'AAEBBA==',
    },
    7543,
  );
  t.deepEqual(parsed, oti);
});

test('RaptorQ EXT_FTI: F 40 · reserved 8 · T 16 · Z 8 · N 16 · Al 8 · 2 bytes padding; FDT AQABCA==', (t) => {
  const oti = raptorqOti(1 << 20, 1024);
  t.deepEqual(oti, {
    encodingId: 6,
    transferLength: 1 << 20,
    symbolLength: 1024,
    sourceBlocks: 1,
    subBlocks: 1,
    alignment: 8,
  });
  t.is(hex(raptorq.encodeFti(oti)), '0000100000' + '00' + '0400' + '01' + '0001' + '08' + '0000');
  t.deepEqual(raptorq.decodeFti(raptorq.encodeFti(oti)), oti);
  t.deepEqual(raptorq.fdtAttributes(oti), {
    'FEC-OTI-FEC-Encoding-ID': '6',
    'FEC-OTI-Encoding-Symbol-Length': '1024',
    'FEC-OTI-Scheme-Specific-Info': 'AQABCA==',
    'Transfer-Length': '1048576',
  });
  // A reserved octet of 6 (as @davidcal/fec-raptorq writes) is ignored.
  t.deepEqual(raptorq.decodeFti(bytes('0000100000' + '06' + '0400' + '01' + '0001' + '08' + '0000')), oti);
});

test('Compact No-Code FDT attributes round trip; Transfer-Length wins over the caller’s length', (t) => {
  const oti: FecOti = { encodingId: 0, transferLength: 5000, symbolLength: 512, maxSourceBlockLength: 64 };
  const attrs = compactNoCode.fdtAttributes(oti);
  t.deepEqual(attrs, {
    'FEC-OTI-FEC-Encoding-ID': '0',
    'FEC-OTI-Encoding-Symbol-Length': '512',
    'FEC-OTI-Maximum-Source-Block-Length': '64',
    'Transfer-Length': '5000',
  });
  t.deepEqual(compactNoCode.fromFdtAttributes(attrs, 99), oti);
  const { 'Transfer-Length': _, ...withoutLength } = attrs;
  t.deepEqual(compactNoCode.fromFdtAttributes(withoutLength, 5000), oti);
  // FEC-OTI-FEC-Encoding-ID may be absent (ID 0 is FLUTE's default).
  t.is(
    compactNoCode.fromFdtAttributes({ ...withoutLength, 'FEC-OTI-FEC-Encoding-ID': undefined }, 7)
      .transferLength,
    7,
  );
});

test('FDT attributes: errors name the attribute and the value', (t) => {
  const base = { 'FEC-OTI-Encoding-Symbol-Length': '512', 'FEC-OTI-Maximum-Source-Block-Length': '64' };
  t.throws(() => compactNoCode.fromFdtAttributes({ ...base, 'FEC-OTI-FEC-Encoding-ID': '1' }, 10), {
    instanceOf: FecError,
    message: /FEC-OTI-FEC-Encoding-ID="1"/,
  });
  t.throws(() => compactNoCode.fromFdtAttributes({ ...base, 'FEC-OTI-Encoding-Symbol-Length': '-5' }, 10), {
    message: /FEC-OTI-Encoding-Symbol-Length="-5" is not an unsigned integer/,
  });
  t.throws(() => compactNoCode.fromFdtAttributes({ 'FEC-OTI-Encoding-Symbol-Length': '512' }, 10), {
    message: /FEC-OTI-Maximum-Source-Block-Length is missing/,
  });
  t.throws(
    () =>
      raptor.fromFdtAttributes(
        { 'FEC-OTI-Encoding-Symbol-Length': '16', 'FEC-OTI-Scheme-Specific-Info': 'AA!BBA==' },
        10,
      ),
    { message: /is not base64/ },
  );
  t.throws(
    () =>
      raptorq.fromFdtAttributes(
        { 'FEC-OTI-Encoding-Symbol-Length': '64', 'FEC-OTI-Scheme-Specific-Info': 'AAEB' },
        10,
      ),
    { message: /holds 3 bytes; RaptorQ needs 4/ },
  );
  // T not a multiple of Al.
  t.throws(
    () =>
      raptor.fromFdtAttributes(
        { 'FEC-OTI-Encoding-Symbol-Length': '18', 'FEC-OTI-Scheme-Specific-Info': 'AAEBBA==' },
        10,
      ),
    { message: /T=18 is not a multiple of the alignment Al=4/ },
  );
});

test('encoder OTIs round trip through EXT_FTI and FDT attributes for every scheme', (t) => {
  const data = new Uint8Array(100_000);
  for (const [scheme, params] of [
    [compactNoCode, { symbolLength: 1000, maxSourceBlockLength: 30 }],
    [raptor, { symbolLength: 64, maxSourceBlockLength: 512, subBlockBytes: 4096 }],
    [raptorq, { symbolLength: 1000 }],
  ] as const) {
    const oti = scheme.encoder(data, params).oti;
    t.deepEqual(scheme.decodeFti(scheme.encodeFti(oti)), oti, scheme.name);
    t.deepEqual(scheme.fromFdtAttributes(scheme.fdtAttributes(oti), 1), oti, scheme.name);
    t.is(scheme.encodeFti(oti).length, 14, `${scheme.name}: EXT_FTI body is 14 bytes (HEL = 4)`);
  }
});

test('the registry: FEC_SCHEMES and fecScheme(id)', (t) => {
  t.is(fecScheme(0), compactNoCode);
  t.is(fecScheme(1), raptor);
  t.is(fecScheme(6), raptorq);
  t.deepEqual(
    Object.entries(FEC_SCHEMES).map(([id, s]) => [Number(id), s.id]),
    [
      [0, 0],
      [1, 1],
      [6, 6],
    ],
  );
  t.throws(() => fecScheme(5), {
    instanceOf: FecError,
    message: /FEC Encoding ID 5 is not supported \(supported: 0, 1, 6\)/,
  });
});
