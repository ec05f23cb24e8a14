import test from 'ava';
import fc from 'fast-check';
import {
  buildSymbolRepairUrls,
  decodeSymbolContainer,
  encodeSymbolContainer,
  parseRepairQuery,
  type RepairSymbol,
  SymbolContainerError,
  SymbolLayout,
} from '../src/mbms/repair/index.ts';

// TR 26.850 §7.3.2.1: a 6.7 kB image, 256-byte symbols, Compact No-Code in one source block.
const TR_OTI = { encodingId: 0 as const, transferLength: 6700, symbolLength: 256 };

test('the ABNF examples of TS 26.346 §9.3.6.1 parse to what they mean', (t) => {
  const q = (s: string) => {
    const r = parseRepairQuery(s);
    if (!r.ok) throw r.error;
    return r.value;
  };
  t.deepEqual(
    q(
      'fileURI=www.example.com/news/latest.3gp&Content-MD5=ODZiYTU1OTFkZGY2NWY5ODh==&SBN=5;ESI=12&SBN=20;ESI=27',
    ),
    {
      kind: 'file',
      fileURI: 'www.example.com/news/latest.3gp',
      contentMd5: 'ODZiYTU1OTFkZGY2NWY5ODh==',
      selections: [
        { kind: 'esis', sbn: 5, ranges: [{ from: 12, to: 12 }] },
        { kind: 'esis', sbn: 20, ranges: [{ from: 27, to: 27 }] },
      ],
    },
  );
  const sel = (s: string) => {
    const v = q(`fileURI=a&${s}`);
    return v.kind === 'file' ? v.selections : [];
  };
  t.deepEqual(sel('SBN=12;ESI=23-28'), [{ kind: 'esis', sbn: 12, ranges: [{ from: 23, to: 28 }] }]);
  t.deepEqual(sel('SBN=12;ESI=120+10'), [{ kind: 'count', sbn: 12, from: 120, count: 10 }]);
  t.deepEqual(sel('SBN=12;ESI=23,26,28'), [
    {
      kind: 'esis',
      sbn: 12,
      ranges: [
        { from: 23, to: 23 },
        { from: 26, to: 26 },
        { from: 28, to: 28 },
      ],
    },
  ]);
  t.deepEqual(sel('SBN=12'), [{ kind: 'blocks', from: 12, to: 12 }]);
  t.deepEqual(sel('SBN=12-19'), [{ kind: 'blocks', from: 12, to: 19 }]);
  t.deepEqual(sel('SBN=12-19&SBN=28;ESI=23-59&SBN=30;ESI=101'), [
    { kind: 'blocks', from: 12, to: 19 },
    { kind: 'esis', sbn: 28, ranges: [{ from: 23, to: 59 }] },
    { kind: 'esis', sbn: 30, ranges: [{ from: 101, to: 101 }] },
  ]);
  t.deepEqual(q('serviceId=urn:3gpp:0010120123hotdog&fdtInstanceId=12'), {
    kind: 'fdt-instance',
    serviceId: 'urn:3gpp:0010120123hotdog',
    fdtInstanceId: 12,
  });
  t.deepEqual(q('serviceId=s1&fdtGroupId=g%201'), { kind: 'fdt-group', serviceId: 's1', fdtGroupId: 'g 1' });
  // '+' in base64 stays '+' (form decoding would turn it into a space); %2B decodes to '+'.
  const md5 = q('fileURI=a&Content-MD5=ab+/%2B==');
  t.is(md5.kind === 'file' ? md5.contentMd5 : '', 'ab+/+==');
});

test('queries outside the ABNF are malformed (400) and unknown arguments are 501 material', (t) => {
  for (const bad of [
    '',
    'fileURI=',
    'SBN=1',
    'fileURI=a&SBN=x',
    'fileURI=a&SBN=3-1',
    'fileURI=a&SBN=1;ESI=9-2',
    'fileURI=a&SBN=1;ESI=',
    'fileURI=a&SBN=1;ESI=4+0',
    'fileURI=a&SBN=1;ESI=1,2+3',
    'fileURI=a&SBN=1;FOO=2',
    'fileURI=a&SBN=1&Content-MD5=abc=',
    'fileURI=a&Content-MD5=not*b64',
    'fileURI=%zz',
    'serviceId=s',
    'serviceId=s&fdtInstanceId=x',
    'fileURI=a&',
  ]) {
    const r = parseRepairQuery(bad);
    t.false(r.ok, bad);
    if (!r.ok) t.is(r.error.kind, 'malformed', bad);
  }
  const unknown = parseRepairQuery('fileURI=a&SBN=1&foo=2');
  t.false(unknown.ok);
  if (!unknown.ok) t.is(unknown.error.kind, 'unknown-argument');
});

test('request URLs pack ESI ranges and split over several GETs beyond the URL limit', (t) => {
  const [only, ...rest] = buildSymbolRepairUrls('http://r.example/repair', {
    fileURI: 'http://www.example.com/fw/image.bin',
    missing: [{ sbn: 0, esis: [4, 5, 6, 7, 20, 21, 22, 23, 24, 25, 26] }],
  });
  t.deepEqual(rest, []);
  t.is(only, 'http://r.example/repair?fileURI=http://www.example.com/fw/image.bin&SBN=0;ESI=4-7,20-26');

  // Every other symbol of 3 blocks missing: far more than 256 bytes of (SBN, ESI) text.
  const missing = [0, 1, 2].map((sbn) => ({ sbn, esis: Array.from({ length: 60 }, (_, i) => i * 2) }));
  const urls = buildSymbolRepairUrls(
    'http://r.example/repair',
    { fileURI: 'f&g', contentMd5: 'AAAA', missing },
    256,
  );
  t.true(urls.length >= 3, `${urls.length} URLs`);
  const asked = new Set<string>();
  for (const url of urls) {
    t.true(url.length <= 256, url);
    const parsed = parseRepairQuery(url.slice(url.indexOf('?') + 1));
    if (!parsed.ok || parsed.value.kind !== 'file') return t.fail(url);
    t.is(parsed.value.fileURI, 'f&g');
    t.is(parsed.value.contentMd5, 'AAAA');
    for (const s of parsed.value.selections) {
      if (s.kind !== 'esis') return t.fail(url);
      for (const r of s.ranges) for (let e = r.from; e <= r.to; e++) asked.add(`${s.sbn}:${e}`);
    }
  }
  t.is(asked.size, 180);
  for (const m of missing) for (const e of m.esis) t.true(asked.has(`${m.sbn}:${e}`));
});

test('source blocks follow RFC 5052 §9.1 (no-code) and RFC 5053 partitioning (Raptor)', (t) => {
  // 100 symbols, B = 30 → N = 4 blocks of 25.
  const noCode = new SymbolLayout({
    encodingId: 0,
    transferLength: 100 * 8 - 3,
    symbolLength: 8,
    maxSourceBlockLength: 30,
  });
  t.deepEqual(
    noCode.blocks.map((b) => b.sourceSymbols),
    [25, 25, 25, 25],
  );
  t.is(noCode.symbolBytes(3, 24), 5); // the last symbol of the object is short
  t.is(noCode.symbolBytes(3, 25), undefined);
  t.is(noCode.maxEsi(0), 24);
  // 10 symbols, B = 4 → N = 3: ceil(10/3) = 4 for the first 1 block, 3 for the rest.
  const uneven = new SymbolLayout({
    encodingId: 0,
    transferLength: 10 * 16,
    symbolLength: 16,
    maxSourceBlockLength: 4,
  });
  t.deepEqual(
    uneven.blocks.map((b) => [b.sourceSymbols, b.byteOffset]),
    [
      [4, 0],
      [3, 64],
      [3, 112],
    ],
  );
  // Raptor: Kt = 11, Z = 2 → KL = 6, KS = 5, ZL = 1; symbols stay T long (padded).
  const raptor = new SymbolLayout({
    encodingId: 1,
    transferLength: 11 * 64 - 10,
    symbolLength: 64,
    sourceBlocks: 2,
  });
  t.deepEqual(
    raptor.blocks.map((b) => b.sourceSymbols),
    [6, 5],
  );
  t.is(raptor.symbolBytes(1, 4), 64);
  t.is(raptor.symbolBytes(1, 900), 64); // a repair symbol
  t.deepEqual([...raptor.encodePayloadId({ sbn: 1, esi: 900 })], [0, 1, 3, 132]);
  const rq = new SymbolLayout({ encodingId: 6, transferLength: 1000, symbolLength: 100 });
  t.deepEqual([...rq.encodePayloadId({ sbn: 2, esi: 0x010203 })], [2, 1, 2, 3]);
  t.deepEqual(rq.decodePayloadId(Uint8Array.of(2, 1, 2, 3)), { sbn: 2, esi: 0x010203 });
  t.throws(() => new SymbolLayout({ encodingId: 1, transferLength: 100, symbolLength: 10, subBlocks: 2 }));
});

test('the container for the TR 26.850 example has the figure-18 layout, byte for byte', (t) => {
  const layout = new SymbolLayout(TR_OTI);
  const image = Uint8Array.from({ length: 6700 }, (_, i) => (i * 7 + 3) & 0xff);
  const esis = [4, 5, 6, 7, 20, 21, 22, 23, 24, 25, 26];
  const symbols: RepairSymbol[] = esis.map((esi) => ({
    sbn: 0,
    esi,
    data: layout.sourceSymbol(image, 0, esi),
  }));
  const bytes = encodeSymbolContainer(symbols, layout);
  // Group 1: 4 symbols from ESI 4; group 2: 7 symbols from ESI 20, the last one 6700 − 26·256 = 44 bytes.
  t.is(bytes.length, 6 + 4 * 256 + 6 + 6 * 256 + 44);
  t.deepEqual([...bytes.subarray(0, 6)], [0, 4, 0, 0, 0, 4]);
  t.deepEqual([...bytes.subarray(1030, 1036)], [0, 7, 0, 0, 0, 20]);
  t.deepEqual(bytes.subarray(6, 1030), image.subarray(1024, 2048));
  t.deepEqual(bytes.subarray(1036), image.subarray(5120, 6700));

  const back = decodeSymbolContainer(bytes, layout);
  if (!back.ok) return t.fail(back.error.message);
  t.deepEqual(
    back.value.map((s) => s.esi),
    esis,
  );
  t.deepEqual(back.value[10]!.data, image.subarray(6656, 6700));
});

test('the container parser refuses what the layout rules out, with the kind of fault', (t) => {
  const layout = new SymbolLayout(TR_OTI);
  const sym = (esi: number) => ({ sbn: 0, esi, data: new Uint8Array(layout.symbolBytes(0, esi)!) });
  const good = encodeSymbolContainer([sym(1), sym(2)], layout);
  const kind = (bytes: Uint8Array, requested?: Set<string>) => {
    const r = decodeSymbolContainer(bytes, layout, requested ? { requested } : {});
    return r.ok ? 'ok' : r.error.kind;
  };
  t.is(kind(good), 'ok');
  t.is(kind(good.subarray(0, good.length - 1)), 'truncated');
  t.is(kind(good.subarray(0, 4)), 'truncated');
  t.is(kind(Uint8Array.of(0, 0, 0, 0, 0, 1)), 'empty-group');
  t.is(kind(Uint8Array.of(0, 1, 0, 1, 0, 0)), 'out-of-range'); // SBN 1 of a one-block file
  t.is(kind(Uint8Array.of(0, 1, 0, 0, 0, 27)), 'out-of-range'); // ESI 27: no-code has 0..26
  const twice = new Uint8Array([...good, ...good]);
  t.is(kind(twice), 'duplicate');
  t.is(kind(good, new Set(['0:1'])), 'unrequested');
  t.is(kind(new Uint8Array(0)), 'ok');
  t.throws(() => encodeSymbolContainer([{ sbn: 0, esi: 26, data: new Uint8Array(256) }], layout), {
    instanceOf: SymbolContainerError,
  });
});

test('fuzz: any bytes give symbols or a typed container error, never another exception', (t) => {
  const layouts = [
    new SymbolLayout(TR_OTI),
    new SymbolLayout({ encodingId: 1, transferLength: 3000, symbolLength: 16, sourceBlocks: 3 }),
    new SymbolLayout({ encodingId: 6, transferLength: 500, symbolLength: 8 }),
  ];
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 0, max: 2 }), (bytes, which) => {
      const layout = layouts[which]!;
      const r = decodeSymbolContainer(bytes, layout);
      if (r.ok) {
        // What parses re-encodes to the same bytes.
        t.deepEqual(encodeSymbolContainer(r.value, layout).length <= bytes.length, true);
        return r.value.every((s) => s.data.length === layout.symbolBytes(s.sbn, s.esi));
      }
      return r.error instanceof SymbolContainerError;
    }),
    { numRuns: 3000 },
  );
  // Valid containers with random symbols survive the round trip.
  const layout = layouts[1]!;
  fc.assert(
    fc.property(
      fc.uniqueArray(
        fc.record({ sbn: fc.integer({ min: 0, max: 2 }), esi: fc.integer({ min: 0, max: 300 }) }),
        {
          selector: (s) => `${s.sbn}:${s.esi}`,
          maxLength: 40,
        },
      ),
      (ids) => {
        const symbols = ids.map((id) => ({
          ...id,
          data: Uint8Array.from({ length: 16 }, (_, i) => id.esi + i),
        }));
        const r = decodeSymbolContainer(encodeSymbolContainer(symbols, layout), layout);
        return r.ok && JSON.stringify(r.value) === JSON.stringify(symbols);
      },
    ),
  );
});

test('fuzz: any query string parses or gives a typed query error', (t) => {
  const piece = fc.constantFrom(
    'fileURI=',
    'SBN=',
    'ESI=',
    'Content-MD5=',
    'serviceId=',
    '&',
    ';',
    ',',
    '-',
    '+',
    '=',
    '%',
    '1',
    '23',
    'a',
  );
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 80 }),
        fc.array(piece, { maxLength: 30 }).map((a) => a.join('')),
      ),
      (s) => {
        const r = parseRepairQuery(s);
        return r.ok || r.error.kind === 'malformed' || r.error.kind === 'unknown-argument';
      },
    ),
    { numRuns: 3000 },
  );
  t.pass();
});
