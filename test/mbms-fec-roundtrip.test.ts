/**
 * Every scheme carries random objects through a lossy channel: Compact No-Code needs every source symbol
 * (missing() says which), Raptor and RaptorQ recover from source + repair with a small overhead. The OTI
 * travels through EXT_FTI bytes as it would on the wire.
 */
import test from 'ava';
import {
  compactNoCode,
  type EncoderParams,
  type FecDecoder,
  type FecEncoder,
  FecError,
  type FecScheme,
  raptor,
  raptorq,
} from '../src/mbms/fec/index.ts';
import { RaptorEncoder } from '../src/mbms/fec/raptor/index.ts';
import { extendedBlockSize } from '../src/mbms/fec/raptorq-params.ts';
import { callRaptorq, RaptorqWasmEncoder } from '../src/mbms/fec/raptorq-wasm.ts';

/** A seeded uniform source in [0, 1) (mulberry32): the same losses on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomObject(size: number, seed: number): Uint8Array {
  const rnd = seeded(seed);
  return Uint8Array.from({ length: size }, () => Math.floor(rnd() * 256));
}

interface Transfer {
  encoder: FecEncoder;
  decoder: FecDecoder;
  /** Source ESIs lost in the first pass, per block. */
  lost: Map<number, number[]>;
  /** Symbols the decoder took in all. */
  delivered: number;
}

/** Send every source symbol once through `loss`, the decoder built from the EXT_FTI bytes. */
function sendSource(
  scheme: FecScheme,
  data: Uint8Array,
  params: EncoderParams,
  loss: number,
  seed: number,
): Transfer {
  const encoder = scheme.encoder(data, params);
  const decoder = scheme.decoder(scheme.decodeFti(scheme.encodeFti(encoder.oti)));
  const rnd = seeded(seed);
  const lost = new Map<number, number[]>();
  let delivered = 0;
  for (const block of encoder.blocks) {
    for (let esi = 0; esi < block.sourceSymbols; esi++) {
      if (rnd() < loss) {
        lost.set(block.sbn, [...(lost.get(block.sbn) ?? []), esi]);
        continue;
      }
      decoder.add(block.sbn, esi, encoder.symbol(block.sbn, esi));
      delivered++;
    }
  }
  return { encoder, decoder, lost, delivered };
}

/** Then repair symbols, round robin over the blocks that still need some, through the same loss, until complete. */
function sendRepair(tr: Transfer, loss: number, seed: number, limit: number): void {
  const rnd = seeded(seed);
  for (let r = 0; r < limit && !tr.decoder.complete; r++) {
    for (const { sbn, needed } of tr.decoder.missing()) {
      if (needed === 0 || rnd() < loss) continue;
      const k = tr.encoder.blocks[sbn]!.sourceSymbols;
      tr.decoder.add(sbn, k + r, tr.encoder.symbol(sbn, k + r));
      tr.delivered++;
    }
  }
}

const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;

const noCodeSizes = [0, 1, 99, 100, 101, 100 * 130 + 7];
for (const size of noCodeSizes) {
  test(`Compact No-Code: ${size} bytes (T=100, B=50) need every source symbol; missing() names the lost ones`, (t) => {
    const data = randomObject(size, size + 1);
    const tr = sendSource(compactNoCode, data, { symbolLength: 100, maxSourceBlockLength: 50 }, 0.2, 7);
    const expectMissing = [...tr.lost].map(([sbn, esis]) => ({ sbn, esis, needed: esis.length }));
    t.deepEqual(tr.decoder.missing(), expectMissing);
    t.is(tr.decoder.complete, expectMissing.length === 0);
    for (const { sbn, esis } of tr.decoder.missing()) {
      for (const esi of esis) tr.decoder.add(sbn, esi, tr.encoder.symbol(sbn, esi));
    }
    t.true(tr.decoder.complete);
    t.deepEqual(tr.decoder.missing(), []);
    t.true(equalBytes(tr.decoder.result(), data));
    t.is(tr.decoder.rejected.count, 0);
  });
}

test('Compact No-Code: the last symbol is short; a padded last symbol is accepted and trimmed', (t) => {
  const data = randomObject(250, 3);
  const enc = compactNoCode.encoder(data, { symbolLength: 100 });
  t.is(enc.symbol(0, 2).length, 50);
  t.is(enc.maxEsi(0), 2);
  const dec = compactNoCode.decoder(enc.oti);
  dec.add(0, 0, enc.symbol(0, 0));
  dec.add(0, 1, enc.symbol(0, 1));
  const padded = new Uint8Array(100);
  padded.set(enc.symbol(0, 2));
  padded.fill(0xee, 50);
  t.true(dec.add(0, 2, padded));
  t.true(equalBytes(dec.result(), data));
});

const raptorqSizes = [0, 1, 63, 64, 65, 20_000, 4 << 20];
for (const size of raptorqSizes) {
  test(`RaptorQ: ${size} bytes (T=64) recover through 10% loss with repair`, (t) => {
    const data = randomObject(size, size + 2);
    const tr = sendSource(raptorq, data, { symbolLength: 64 }, 0.1, 11);
    sendRepair(tr, 0.1, 12, 20_000);
    t.true(tr.decoder.complete);
    t.true(equalBytes(tr.decoder.result(), data));
    const k = tr.encoder.blocks.reduce((n, b) => n + b.sourceSymbols, 0);
    // P(decode from K + h) = 1 − 256^−(h+1): a few extra symbols per block at most.
    t.true(tr.delivered <= k + 3 * tr.encoder.blocks.length, `${tr.delivered} symbols for K = ${k}`);
    t.is(tr.decoder.rejected.count, 0);
    if (size === 4 << 20) t.is(tr.encoder.blocks.length, 2);
  });
}

const raptorCases: [number, EncoderParams][] = [
  [0, { symbolLength: 64 }],
  [1, { symbolLength: 64 }],
  [63, { symbolLength: 64 }],
  [64, { symbolLength: 64 }],
  [65, { symbolLength: 64 }],
  [64 * 40 + 7, { symbolLength: 64, maxSourceBlockLength: 16 }],
  // Four 16-byte sub-blocks per block: W = 256 bytes.
  [64 * 40 + 7, { symbolLength: 64, maxSourceBlockLength: 16, subBlockBytes: 256 }],
  [20_000, { symbolLength: 96 }],
];
for (const [size, params] of raptorCases) {
  test(`Raptor: ${size} bytes (${JSON.stringify(params)}) recover through 10% loss with repair`, (t) => {
    const data = randomObject(size, size + 3);
    const tr = sendSource(raptor, data, params, 0.1, 21);
    sendRepair(tr, 0.1, 22, 2000);
    t.true(tr.decoder.complete);
    t.true(equalBytes(tr.decoder.result(), data));
    const k = tr.encoder.blocks.reduce((n, b) => n + b.sourceSymbols, 0);
    t.true(tr.delivered <= k + 8 * tr.encoder.blocks.length, `${tr.delivered} symbols for K = ${k}`);
    t.is(tr.decoder.rejected.count, 0);
    if (params.subBlockBytes) t.is(tr.encoder.oti.subBlocks, 4);
  });
}

test('Raptor: with K ≥ 4 and one sub-block, repair symbols are the codec’s own (no ESI shift)', (t) => {
  const data = randomObject(64 * 10, 5);
  const enc = raptor.encoder(data, { symbolLength: 64 });
  const codec = new RaptorEncoder(data, 10, 64);
  for (const esi of [0, 9, 10, 11, 500]) t.deepEqual(enc.symbol(0, esi), codec.symbol(esi), `ESI ${esi}`);
});

test('Raptor: a 1-symbol object is coded as a 4-symbol block; repair ESIs still start at K', (t) => {
  const data = randomObject(10, 6);
  const enc = raptor.encoder(data, { symbolLength: 64 });
  t.deepEqual(enc.blocks, [{ sbn: 0, sourceSymbols: 1 }]);
  t.is(enc.maxEsi(0), 65535 - 3);
  const dec = raptor.decoder(enc.oti);
  // Only repair symbols arrive: ESI 1 is codec ESI 4.
  t.false(dec.add(0, 1, enc.symbol(0, 1)));
  t.deepEqual(dec.missing(), [{ sbn: 0, esis: [0], needed: 1 }]);
  dec.add(0, 2, enc.symbol(0, 2));
  t.true(dec.complete);
  t.true(equalBytes(dec.result(), data));
});

test('RaptorQ: repair symbols are the same whichever batch made them', (t) => {
  const data = randomObject(10_000, 8);
  const a = raptorq.encoder(data, { symbolLength: 64, repairSymbols: 4 });
  const k = a.blocks[0]!.sourceSymbols;
  const early = a.symbol(0, k + 2);
  const far = a.symbol(0, k + 500); // a second, larger batch
  const b = raptorq.encoder(data, { symbolLength: 64, repairSymbols: 600 });
  t.deepEqual(a.symbol(0, k + 2), early);
  t.deepEqual(b.symbol(0, k + 2), early);
  t.deepEqual(b.symbol(0, k + 500), far);
  // Package ESIs stay within 24 bits after the K′ − K shift (K = 157, K′ = 160).
  t.is(a.maxEsi(0), 2 ** 24 - 1 - (extendedBlockSize(k) - k));
});

for (const [scheme, params, badEsi] of [
  [compactNoCode, { symbolLength: 64 }, 3],
  [raptor, { symbolLength: 64 }, 65536],
  [raptorq, { symbolLength: 64 }, 2 ** 24],
] as const) {
  test(`${scheme.name} decoder counts bad symbols instead of throwing`, (t) => {
    const data = randomObject(64 * 3, 9);
    const enc = scheme.encoder(data, params);
    const dec = scheme.decoder(enc.oti);
    const good = enc.symbol(0, 0);
    t.notThrows(() => {
      t.false(dec.add(0, 0, new Uint8Array(65)));
      t.regex(dec.rejected.lastReason ?? '', /65 bytes, expected 64/);
      t.false(dec.add(7, 0, good));
      t.regex(dec.rejected.lastReason ?? '', /SBN 7 out of range/);
      t.false(dec.add(0, badEsi, good));
      t.regex(dec.rejected.lastReason ?? '', new RegExp(`ESI ${badEsi} out of range`));
      t.false(dec.add(0.5, 0, good));
      t.false(dec.add(0, -1, good));
    });
    t.is(dec.rejected.count, 5);
    // Good symbols still work afterwards.
    for (let esi = 0; esi < 3; esi++) dec.add(0, esi, enc.symbol(0, esi));
    t.true(dec.complete);
    t.true(equalBytes(dec.result(), data));
    t.is(dec.rejected.count, 5);
  });

  test(`${scheme.name} decoder: result() before completion and add() after dispose`, (t) => {
    const enc = scheme.encoder(randomObject(200, 10), params);
    const dec = scheme.decoder(enc.oti);
    t.throws(() => dec.result(), { message: /incomplete/ });
    dec.add(0, 0, enc.symbol(0, 0));
    dec[Symbol.dispose]();
    t.false(dec.add(0, 1, enc.symbol(0, 1)));
    t.is(dec.rejected.lastReason, 'decoder disposed');
  });
}

test('memory accounting: no-code holds the object; Raptor adds decoders only for blocks that need repair', (t) => {
  const data = randomObject(64 * 20, 11);
  const nc = compactNoCode.decoder(compactNoCode.encoder(data, { symbolLength: 64 }).oti);
  t.is(nc.memoryBytes, 4); // a 20-bit received map, nothing else until a symbol arrives
  nc.add(0, 0, data.subarray(0, 64));
  t.is(nc.memoryBytes, 64 * 20 + 4);
  const enc = raptor.encoder(data, { symbolLength: 64 });
  const dec = raptor.decoder(enc.oti);
  t.is(dec.memoryBytes, 4); // 20-bit received map
  for (let esi = 1; esi < 20; esi++) dec.add(0, esi, enc.symbol(0, esi));
  const sourceOnly = dec.memoryBytes;
  t.is(sourceOnly, 64 * 20 + 4);
  // The first repair symbol builds the block's decoder (holding its symbols) and tries to decode.
  for (let esi = 20; !dec.complete; esi++) {
    dec.add(0, esi, enc.symbol(0, esi));
    if (!dec.complete) t.true(dec.memoryBytes > sourceOnly);
  }
  t.true(equalBytes(dec.result(), data));
  t.is(dec.memoryBytes, sourceOnly, 'the decoder is dropped once the block is out');

  const q = raptorq.encoder(data, { symbolLength: 64 });
  const qd = raptorq.decoder(q.oti);
  for (let esi = 1; esi < 10; esi++) qd.add(0, esi, q.symbol(0, esi));
  t.is(qd.memoryBytes, 9 * 64);
});

test('RaptorQ decoder refuses an OTI the raptorq package would not have chosen', (t) => {
  t.throws(
    () =>
      raptorq.decoder({
        encodingId: 6,
        transferLength: 10_000,
        symbolLength: 64,
        sourceBlocks: 2,
        subBlocks: 1,
        alignment: 8,
      }),
    { message: /can only decode its own OTI .* \(Z=1, N=1, Al=8\); got Z=2, N=1, Al=8/ },
  );
  t.throws(() => raptorq.encoder(new Uint8Array(10), { symbolLength: 64, alignment: 4 }), {
    message: /aligns symbols to 8/,
  });
  t.throws(() => raptorq.encoder(new Uint8Array(10), { symbolLength: 32 }), { message: /\[64, 65535\]/ });
});

// Repair symbols of an independent RFC 6330 implementation (librecast liblcrq 0.0.1, Debian bookworm) for
// F = 20032, T = 64 (K = 313, K′ = 324), byte i = (131·i + 7) mod 256, at RFC ESIs 313, 314 and 400.
const LCRQ_REPAIR: [number, string][] = [
  [
    313,
    '952c7025428da7680f9fc37a1dd214dbbc0559c1a669438cebbee25b3cf3f03f58e1bde88f406aa5c269358ceb24e22d4af3af3f5897bd7215401ca5c20d06c9',
  ],
  [
    314,
    'ded7e28ba69f9aa38e27121b360f6a537e774248655c59604d241118350ca990bdb481e8c5fcf9c0edc0f5fcd1e88db49990a50c21181d240960555c71484e77',
  ],
  [
    400,
    '2850f4088db7516bee07a3db5e64063cb9c16553d6ec0a30b549ed95102a5d67e29a3ec2477d9ba12446e29a1f25477df88024cd487294ae2bd7730b8eb41c26',
  ],
];

test('RaptorQ repair ESIs on the wire follow RFC 6330 (from K), as another implementation numbers them', (t) => {
  const data = Uint8Array.from({ length: 20032 }, (_, i) => (i * 131 + 7) & 255);
  const enc = raptorq.encoder(data, { symbolLength: 64 });
  t.deepEqual(enc.blocks, [{ sbn: 0, sourceSymbols: 313 }]);
  for (const [esi, symbol] of LCRQ_REPAIR)
    t.is(Buffer.from(enc.symbol(0, esi)).toString('hex'), symbol, `ESI ${esi}`);
  // The decoder takes them by those ESIs too: 300 source symbols, lcrq's three, then ours until it decodes.
  const dec = raptorq.decoder(enc.oti);
  for (let esi = 0; esi < 300; esi++) dec.add(0, esi, enc.symbol(0, esi));
  for (const [esi, symbol] of LCRQ_REPAIR) dec.add(0, esi, new Uint8Array(Buffer.from(symbol, 'hex')));
  for (let esi = 315; !dec.complete && esi < 340; esi++) dec.add(0, esi, enc.symbol(0, esi));
  t.true(dec.complete);
  t.true(equalBytes(dec.result(), data));
});

test.serial(
  'a trap inside the wasm is contained: the instance is reloaded, decoders made before it refuse',
  (t) => {
    const data = randomObject(5000, 12);
    const enc = raptorq.encoder(data, { symbolLength: 64 });
    const before = raptorq.decoder(enc.oti);
    before.add(0, 0, enc.symbol(0, 0));
    const consoleError = console.error; // the package prints the Rust panic
    console.error = () => {};
    try {
      // An mtu under 64 makes the package panic (we never pass one; this calls the wasm directly).
      t.throws(
        () =>
          callRaptorq('a deliberate trap', () => RaptorqWasmEncoder.with_defaults(new Uint8Array(100), 32)),
        {
          instanceOf: FecError,
          message: /a deliberate trap trapped/,
        },
      );
    } finally {
      console.error = consoleError;
    }
    t.notThrows(() => t.false(before.add(0, 1, enc.symbol(0, 1))));
    t.regex(before.rejected.lastReason ?? '', /replaced after a trap/);
    const after = raptorq.decoder(raptorq.encoder(data, { symbolLength: 64 }).oti);
    for (let esi = 0; esi < enc.blocks[0]!.sourceSymbols; esi++) after.add(0, esi, enc.symbol(0, esi));
    t.true(after.complete);
    t.true(equalBytes(after.result(), data));
  },
);
