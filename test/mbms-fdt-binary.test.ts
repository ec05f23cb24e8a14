import test from 'ava';
import fc from 'fast-check';
import {
  CONTENT_TYPE_CODES,
  decodeBinaryFdt,
  decodeFdtXml,
  effectiveFecAttributes,
  encodeBinaryFdt,
  encodeFdtXml,
  FdtError,
  type FdtFile,
  type FdtInstance,
  type FecOtiAttributes,
} from '../src/mbms/fdt/index.ts';

/** An independent bit-string builder: the expected PER layout written out field by field. */
function bits(value: number | bigint, width: number): string {
  return BigInt(value).toString(2).padStart(width, '0');
}
function octetsOf(fields: string[]): Uint8Array {
  const all = fields.join('');
  const padded = all.padEnd(Math.ceil(all.length / 8) * 8, '0');
  return Uint8Array.from(padded.match(/.{8}/g)!.map((byte) => Number.parseInt(byte, 2)));
}
const ascii = (text: string) => [...Buffer.from(text)].map((byte) => bits(byte, 8)).join('');

const tinyLayout = (het = 194, version = 0x11, toi = 1) => [
  '10000', // preamble: expires present; baseURL1, baseURL2, fecInformation, nonCriticalExtension absent
  bits(het, 8), // headerExtensionType INTEGER (0..255)
  bits(version, 8), // version BIT STRING (SIZE(8)): FLUTE 1 | binary FDT 1
  bits(5, 20), // fdtInstanceID BIT STRING (SIZE(20))
  bits(1, 8), // contentType INTEGER (0..255): application/octet-stream
  bits(1000, 32), // expires INTEGER (0..4294967295)
  bits(0, 8), // SEQUENCE (SIZE(1..255)) OF: one file
  '000000000', // FileDescription preamble: 9 optional components absent
  bits(toi, 16), // transportObjectIdentifier INTEGER (0..65535)
  bits(0, 8), // contentLocation length − 1
  ascii('a'),
  '0', // FECInformation preamble: nonCriticalExtension absent
  bits(0, 8), // fecEncodingID
  bits(64, 32), // maximumSourceBLockLength
  bits(1024, 32), // encodingSymbolLength
  bits(0, 8), // schemeSpecificInfo length − 1
  bits(0, 8), // the 0x00 octet standing for "no scheme-specific info"
];

const tiny: FdtInstance = {
  expires: 1000,
  contentType: 'application/octet-stream',
  files: [
    {
      toi: 1,
      contentLocation: 'a',
      fecOti: {
        'FEC-OTI-FEC-Encoding-ID': '0',
        'FEC-OTI-Maximum-Source-Block-Length': '64',
        'FEC-OTI-Encoding-Symbol-Length': '1024',
      },
    },
  ],
};

test('the binary FDT is unaligned PER of the TR 26.850 7.9 module, bit for bit', (t) => {
  const expected = octetsOf(tinyLayout());
  const { bytes, dropped } = encodeBinaryFdt({ fdtInstanceId: 5, instance: tiny });
  t.deepEqual([...bytes], [...expected]);
  t.deepEqual(dropped, []);
  t.deepEqual(decodeBinaryFdt(expected), { fdtInstanceId: 5, fluteVersion: 1, instance: tiny });
});

test('a nonCriticalExtension from a newer sender is read past and ignored', (t) => {
  const layout = tinyLayout();
  layout[0] = '10001'; // nonCriticalExtension present (it is the last component, after fileDescription)
  const extension = ['1', '1', bits(3, 8), bits(0xabcdef, 24)]; // late extension: 3 octets; empty inner SEQUENCE
  const decoded = decodeBinaryFdt(octetsOf([...layout, ...extension]));
  t.deepEqual(decoded.instance, tiny);
});

test('binary FDTs that break the module or our rules are refused with the field named', (t) => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['header extension type', octetsOf(tinyLayout(193)), /headerExtensionType.*193/],
    ['binary FDT version', octetsOf(tinyLayout(194, 0x12)), /version.*0x12/],
    ['FLUTE version', octetsOf(tinyLayout(194, 0x31)), /version/],
    ['TOI 0', octetsOf(tinyLayout(194, 0x11, 0)), /transportObjectIdentifier.*"0"/],
    [
      'missing expires',
      octetsOf(['00000', ...tinyLayout().slice(1, 5), ...tinyLayout().slice(6)]),
      /expires/,
    ],
    ['trailing octet', Uint8Array.from([...octetsOf(tinyLayout()), 0]), /trailing/],
    ['empty', new Uint8Array(0), /ends at bit 0/],
  ];
  for (const [name, input, message] of cases) {
    const error = t.throws(() => decodeBinaryFdt(input), { instanceOf: FdtError }, name);
    t.regex(error.message, message, name);
  }
  const padded = octetsOf(tinyLayout());
  padded[padded.length - 1]! |= 1;
  t.throws(() => decodeBinaryFdt(padded), { instanceOf: FdtError, message: /padding/ });
  const unknownType = tinyLayout();
  unknownType[4] = bits(200, 8);
  t.throws(() => decodeBinaryFdt(octetsOf(unknownType)), {
    instanceOf: FdtError,
    message: /contentType.*200/,
  });
});

test('every truncation of a valid binary FDT is refused', (t) => {
  const { bytes } = encodeBinaryFdt({ fdtInstanceId: 9, instance: firmware });
  for (let n = 0; n < bytes.length; n++) {
    t.throws(() => decodeBinaryFdt(bytes.subarray(0, n)), { instanceOf: FdtError }, `prefix of ${n} bytes`);
  }
});

test('encoding refuses what the binary form cannot hold, naming it', (t) => {
  const file = tiny.files[0]!;
  const many = { ...tiny, files: Array.from({ length: 256 }, (_, i) => ({ ...file, toi: i + 1 })) };
  t.throws(() => encodeBinaryFdt({ fdtInstanceId: 1, instance: many }), {
    instanceOf: FdtError,
    message: /256 files/,
  });
  const longUri = { ...tiny, files: [{ ...file, contentLocation: 'x'.repeat(256) }] };
  t.throws(() => encodeBinaryFdt({ fdtInstanceId: 1, instance: longUri }), {
    instanceOf: FdtError,
    message: /contentLocation/,
  });
  const noFec = { ...tiny, files: [{ toi: 1, contentLocation: 'a' }] };
  t.throws(() => encodeBinaryFdt({ fdtInstanceId: 1, instance: noFec }), {
    instanceOf: FdtError,
    message: /FEC-OTI-FEC-Encoding-ID/,
  });
  const huge = { ...tiny, files: [{ ...file, contentLength: 2 ** 32 }] };
  t.throws(() => encodeBinaryFdt({ fdtInstanceId: 1, instance: huge }), {
    instanceOf: FdtError,
    message: /contentLength/,
  });
  t.throws(() => encodeBinaryFdt({ fdtInstanceId: 2 ** 20, instance: tiny }), {
    instanceOf: FdtError,
    message: /fdtInstanceID/,
  });
});

const MD5 = Buffer.alloc(16, 0xa5).toString('base64');

/** A firmware update as a low-end device would get it: image, manifest and signature. */
const firmware: FdtInstance = {
  expires: 3_976_300_800,
  contentType: 'application/octet-stream',
  fecOti: {
    'FEC-OTI-FEC-Encoding-ID': '0',
    'FEC-OTI-Maximum-Source-Block-Length': '64',
    'FEC-OTI-Encoding-Symbol-Length': '256',
  },
  baseUrls: [{ priority: 1, url: 'coap://mbmsrepair1.example.com:5683/repair/' }],
  files: [
    {
      toi: 1,
      contentLocation: 'fw/bg95-app-2.1.0.bin',
      contentLength: 6700,
      contentMd5: MD5,
      fileETag: 'df69d20220cb1ff4',
      alternateContentLocations: [
        { priority: 1, urls: ['coap://mbmsrepair1.example.com:5683/fw/bg95-app-2.1.0.bin'] },
      ],
    },
    {
      toi: 2,
      contentLocation: 'fw/manifest.json',
      contentLength: 412,
      contentType: 'application/json',
      contentMd5: MD5,
    },
    { toi: 3, contentLocation: 'fw/manifest.sig', contentLength: 64, contentMd5: MD5 },
  ],
  schemaVersion: 4,
};

test('the binary FDT is far smaller than the same FDT in XML (the point of TR 26.850 7.4)', (t) => {
  const xml = Buffer.byteLength(encodeFdtXml(firmware));
  const { bytes, dropped } = encodeBinaryFdt({ fdtInstanceId: 1, instance: firmware });
  t.deepEqual(dropped, []);
  t.log(`XML ${xml} bytes, binary ${bytes.length} bytes, ratio ${(bytes.length / xml).toFixed(2)}`);
  t.true(bytes.length < xml * 0.4, `binary ${bytes.length} vs XML ${xml}`);
});

test('XML model → binary → XML: the shared fields survive, the rest is reported as dropped', (t) => {
  const source = decodeFdtXml(
    encodeFdtXml({ ...firmware, complete: true, files: [...firmware.files, extraFile] }),
  );
  const { bytes, dropped } = encodeBinaryFdt({ fdtInstanceId: 77, instance: source });
  t.deepEqual(dropped, [
    'FDT-Instance Complete',
    'File[3] Content-Type "text/x-changelog" (no 8-bit code)',
    'File[3] Content-Encoding',
    'File[3] FEC-OTI-Max-Number-of-Encoding-Symbols',
    'File[3] Group',
  ]);
  const back = decodeBinaryFdt(bytes);
  t.is(back.fdtInstanceId, 77);
  const xml = encodeFdtXml(back.instance);
  const reread = decodeFdtXml(xml);
  for (const [i, file] of source.files.entries()) {
    const copy = reread.files[i]!;
    t.is(copy.toi, file.toi);
    t.is(copy.contentLocation, file.contentLocation);
    t.is(copy.contentLength, file.contentLength);
    t.is(copy.contentMd5, file.contentMd5);
    t.is(copy.fileETag, file.fileETag);
    const { 'FEC-OTI-Max-Number-of-Encoding-Symbols': _notCarried, ...carried } = effectiveFecAttributes(
      source,
      file,
    ).attributes;
    t.deepEqual(effectiveFecAttributes(reread, copy).attributes, carried, `TOI ${file.toi}`);
  }
  t.is(reread.expires, source.expires);
  t.deepEqual(reread.baseUrls, source.baseUrls);
});

const extraFile: FdtFile = {
  toi: 40,
  contentLocation: 'fw/CHANGES.txt.gz',
  contentLength: 900,
  transferLength: 400,
  contentType: 'text/x-changelog',
  contentEncoding: 'gzip',
  fecOti: {
    'FEC-OTI-FEC-Encoding-ID': '1',
    'FEC-OTI-Encoding-Symbol-Length': '64',
    'FEC-OTI-Max-Number-of-Encoding-Symbols': '99',
    'FEC-OTI-Scheme-Specific-Info': 'AAEBBA==',
  },
  cacheControl: { directive: 'max-stale' },
  groups: ['docs'],
};

const KNOWN_TYPES = CONTENT_TYPE_CODES.filter((type): type is string => type !== undefined);

function binaryInstanceArb(): fc.Arbitrary<FdtInstance> {
  const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
  const uint32 = fc.integer({ min: 0, max: 0xffff_ffff });
  // Element content is whitespace-collapsed on the XML side, so no surrounding spaces.
  const text = fc
    .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 30 })
    .filter((s) => !/[\u0000-\u001f\u007f]/.test(s) && s.trim() === s);
  const fec: fc.Arbitrary<FecOtiAttributes> = fc
    .record({
      id: fc.integer({ min: 0, max: 255 }),
      block: opt(fc.integer({ min: 1, max: 0xffff_ffff })),
      symbol: opt(fc.integer({ min: 1, max: 0xffff_ffff })),
      ssi: opt(fc.uint8Array({ minLength: 1, maxLength: 8 }).filter((b) => !(b.length === 1 && b[0] === 0))),
    })
    .map(({ id, block, symbol, ssi }) => {
      const out: FecOtiAttributes = { 'FEC-OTI-FEC-Encoding-ID': String(id) };
      if (block !== undefined) out['FEC-OTI-Maximum-Source-Block-Length'] = String(block);
      if (symbol !== undefined) out['FEC-OTI-Encoding-Symbol-Length'] = String(symbol);
      if (ssi !== undefined) out['FEC-OTI-Scheme-Specific-Info'] = Buffer.from(ssi).toString('base64');
      return out;
    });
  const file = (toi: number) =>
    fc.record({
      toi: fc.constant(toi),
      contentLocation: text,
      contentLength: opt(uint32),
      contentType: opt(fc.constantFrom(...KNOWN_TYPES)),
      contentMd5: opt(
        fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64')),
      ),
      fecOti: fec,
      transferLength: opt(uint32),
      acl1: opt(text),
      acl2: opt(text),
      fileETag: opt(text),
      cacheControl: opt(
        fc.oneof(
          fc.constant({ directive: 'no-cache' as const }),
          fc.constant({ directive: 'max-stale' as const }),
          uint32.map((expires) => ({ directive: 'expires' as const, expires })),
        ),
      ),
    });
  return fc
    .uniqueArray(fc.integer({ min: 1, max: 0xffff }), { minLength: 1, maxLength: 5 })
    .chain((tois) =>
      fc.record({
        expires: uint32,
        contentType: opt(fc.constantFrom(...KNOWN_TYPES)),
        base1: opt(text),
        base2: opt(text),
        fecOti: opt(fec),
        files: fc.tuple(...tois.map(file)),
      }),
    )
    .map(({ base1, base2, files, ...rest }) => {
      const baseUrls = [
        ...(base1 ? [{ priority: 1 as const, url: base1 }] : []),
        ...(base2 ? [{ priority: 2 as const, url: base2 }] : []),
      ];
      return JSON.parse(
        JSON.stringify({
          ...rest,
          baseUrls: baseUrls.length > 0 ? baseUrls : undefined,
          files: files.map(({ acl1, acl2, ...f }) => {
            const sets = [
              ...(acl1 ? [{ priority: 1 as const, urls: [acl1] }] : []),
              ...(acl2 ? [{ priority: 2 as const, urls: [acl2] }] : []),
            ];
            return { ...f, alternateContentLocations: sets.length > 0 ? sets : undefined };
          }),
        }),
      ) as FdtInstance;
    });
}

/** What the binary form gives back: each File holds its effective FEC-OTI (choice 6 in binary-format.ts). */
function asCarried(instance: FdtInstance): FdtInstance {
  return {
    ...instance,
    files: instance.files.map((file) => {
      const { 'Transfer-Length': _transfer, ...fecOti } = effectiveFecAttributes(instance, file).attributes;
      return { ...file, fecOti };
    }),
  };
}

test('property: decode(encode(fdt)) gives back every field the binary form carries', (t) => {
  fc.assert(
    fc.property(binaryInstanceArb(), fc.integer({ min: 0, max: 2 ** 20 - 1 }), (instance, id) => {
      const { bytes, dropped } = encodeBinaryFdt({ fdtInstanceId: id, instance });
      t.deepEqual(dropped, []);
      const back = decodeBinaryFdt(bytes);
      t.is(back.fdtInstanceId, id);
      t.deepEqual(back.instance, asCarried(instance));
      // And the result is a valid FDT for the XML side as well.
      t.deepEqual(decodeFdtXml(encodeFdtXml(back.instance)), { ...back.instance, schemaVersion: 4 });
    }),
    { numRuns: 300 },
  );
});
