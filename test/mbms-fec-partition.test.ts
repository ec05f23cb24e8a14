/**
 * Block partitioning and parameter derivation, against worked examples computed by hand from the RFC
 * formulas, TS 26.346 Table B.3.4.2-1, and (for RaptorQ) the npm raptorq package's own blocks.
 */
import test from 'ava';
import {
  blockPartition,
  layoutObject,
  partition,
  raptorObjectParameters,
  raptorqObjectParameters,
  raptorTransportParameters,
} from '../src/mbms/fec/index.ts';
import { readSourceSymbol } from '../src/mbms/fec/partition.ts';
import { extendedBlockSize } from '../src/mbms/fec/raptorq-params.ts';
import { callRaptorq, RaptorqWasmEncoder } from '../src/mbms/fec/raptorq-wasm.ts';

test('RFC 5052 §9.1: 1,000,000 bytes in 1424-byte symbols, B = 64', (t) => {
  // T = ceil(1e6/1424) = 703; N = ceil(703/64) = 11; A_large = 64, A_small = 63; I = 703 − 63·11 = 10.
  t.deepEqual(blockPartition(1_000_000, 1424, 64), {
    sourceSymbols: 703,
    blockCount: 11,
    largeBlockLength: 64,
    smallBlockLength: 63,
    largeBlockCount: 10,
  });
});

test('RFC 5052 §9.1: an exact fit has no larger blocks; tiny and empty objects', (t) => {
  // T = 100, N = ceil(100/30) = 4, A_large = A_small = 25, I = 0.
  t.deepEqual(blockPartition(10_000, 100, 30), {
    sourceSymbols: 100,
    blockCount: 4,
    largeBlockLength: 25,
    smallBlockLength: 25,
    largeBlockCount: 0,
  });
  t.deepEqual(blockPartition(1, 512, 64), {
    sourceSymbols: 1,
    blockCount: 1,
    largeBlockLength: 1,
    smallBlockLength: 1,
    largeBlockCount: 0,
  });
  t.is(blockPartition(0, 512, 64).blockCount, 0);
  // T = 130, N = 3, A_large = 44, A_small = 43, I = 130 − 129 = 1: blocks of 44, 43, 43.
  const p = blockPartition(130 * 8 - 5, 8, 50);
  t.like(p, {
    sourceSymbols: 130,
    blockCount: 3,
    largeBlockLength: 44,
    smallBlockLength: 43,
    largeBlockCount: 1,
  });
});

test('Partition[I, J] of RFC 5053/6330', (t) => {
  t.deepEqual(partition(20_000, 3), { large: 6667, small: 6666, largeCount: 2, smallCount: 1 });
  t.deepEqual(partition(128, 12), { large: 11, small: 10, largeCount: 8, smallCount: 4 });
  t.deepEqual(partition(128, 1), { large: 128, small: 128, largeCount: 0, smallCount: 1 });
});

test('layout: sub-block j of a K-symbol block starts K·(T_0+…+T_{j−1}) bytes in; symbol m interleaves them', (t) => {
  // F = 40, T = 8, Al = 2, Z = 1, N = 3: Partition[4, 3] = (2, 1, 1, 2) → T_j = 4, 2, 2 bytes; K = 5.
  const layout = layoutObject(40, 8, 1, 3, 2);
  t.deepEqual(layout.subSymbolLengths, [4, 2, 2]);
  t.deepEqual(layout.subSymbolStarts, [0, 4, 6]);
  const object = Uint8Array.from({ length: 40 }, (_, i) => i);
  // Sub-blocks: bytes 0..19 (5 × 4), 20..29 (5 × 2), 30..39 (5 × 2). Symbol 1 = 4..7 ‖ 22..23 ‖ 32..33.
  t.deepEqual([...readSourceSymbol(object, layout, layout.blocks[0]!, 1)], [4, 5, 6, 7, 22, 23, 32, 33]);
});

test('TS 26.346 Table B.3.4.2-1 (P = 512, W = 256 KB, Al = 4, K_MIN = 1024, G_MAX = 10)', (t) => {
  const KB = 1024;
  const row = (F: number, opts = {}) => raptorTransportParameters(F, 512, opts);
  t.like(row(100 * KB), { G: 6, T: 84, Kt: 1220, Z: 1, N: 1, KL: 1220, KS: 1220 });
  // The table's second 100 KB row takes B.3.4.1's advice that T divide P.
  t.like(row(100 * KB, { wholeSymbolsPerPacket: true }), { G: 8, T: 64, Kt: 1600, Z: 1, N: 1 });
  t.like(row(300 * KB), { G: 2, T: 256, Kt: 1200, Z: 1, N: 2, largeSubSymbol: 128, smallSubSymbol: 128 });
  // The table says N = 5 here; ceil(2000·512/262144) = 4 (sub-blocks of 256,000 ≤ W bytes). See raptor-params.ts.
  t.like(row(1000 * KB), { G: 1, T: 512, Kt: 2000, Z: 1, N: 4 });
  t.like(row(3000 * KB), { G: 1, T: 512, Kt: 6000, Z: 1, N: 12, largeSubSymbol: 44, smallSubSymbol: 40 });
  t.like(row(10_000 * KB), {
    G: 1,
    T: 512,
    Kt: 20_000,
    Z: 3,
    N: 14,
    KL: 6667,
    KS: 6666,
    largeSubSymbol: 40,
    smallSubSymbol: 36,
  });
});

test('Raptor Z and N from T: K_MAX bounds the blocks, W the sub-blocks, T/Al and 255 cap N', (t) => {
  t.deepEqual(raptorObjectParameters(0, 64), { T: 64, Al: 4, Kt: 0, Z: 0, N: 1 });
  t.like(raptorObjectParameters(8192 * 64 + 1, 64), { Kt: 8193, Z: 2 });
  t.like(raptorObjectParameters(1000, 64, { maxSourceBlockLength: 4 }), { Kt: 16, Z: 4 });
  // ceil(16·64/256) = 4 sub-blocks of 16 bytes.
  t.like(raptorObjectParameters(1024, 64, { subBlockBytes: 256 }), { Z: 1, N: 4 });
  t.like(raptorObjectParameters(1024, 64, { subBlockBytes: 1 }), { N: 16 });
  t.throws(() => raptorObjectParameters(1000, 66), { message: /multiple of the alignment/ });
});

test('RaptorQ derivation: T = mtu − mtu mod 8; Z and N per RFC 6330 §4.3 with WS = 10 MiB', (t) => {
  t.deepEqual(raptorqObjectParameters(1 << 20, 1024), { T: 1024, Al: 8, Kt: 1024, Z: 1, N: 1 });
  t.like(raptorqObjectParameters(1000, 1283), { T: 1280 });
  // T = 64: N_max = 1, KL(1) = the largest K′ ≤ 10 MiB/(8·8) = 163840 → 56403; Kt = 65536 → Z = 2.
  t.like(raptorqObjectParameters(4 << 20, 64), { Kt: 65536, Z: 2, N: 1 });
  // T = 1024: KL(1) = largest K′ ≤ 10240 = 10120 < Kt = 10743, KL(2) = largest K′ ≤ 20480 = 20355 → N = 2.
  t.like(raptorqObjectParameters(11_000_000, 1024), { Kt: 10743, Z: 1, N: 2 });
  t.throws(() => raptorqObjectParameters(1000, 32), { message: /\[64, 65535\]/ });
});

/** Blocks and symbols the package makes for (F, mtu): per SBN, the source packets' payloads. */
function packageSourceSymbols(data: Uint8Array, mtu: number): Map<number, Uint8Array[]> {
  const packets = callRaptorq('test encode', () => {
    const e = RaptorqWasmEncoder.with_defaults(data, mtu);
    try {
      return e.encode(0);
    } finally {
      e.free();
    }
  });
  const blocks = new Map<number, Uint8Array[]>();
  for (const p of packets) {
    const list = blocks.get(p[0]!) ?? [];
    list[(p[1]! << 16) | (p[2]! << 8) | p[3]!] = p.subarray(4);
    blocks.set(p[0]!, list);
  }
  return blocks;
}

for (const [F, mtu] of [
  [1, 64],
  [1000, 1024],
  [100_000, 1000],
  [4 << 20, 64],
  [11_000_000, 1024],
] as const) {
  test(`RaptorQ derivation matches the raptorq package's own blocks and sub-blocks: F=${F}, mtu=${mtu}`, (t) => {
    const data = Uint8Array.from({ length: F }, (_, i) => (i * 131 + (i >>> 11)) & 255);
    const p = raptorqObjectParameters(F, mtu);
    const layout = layoutObject(F, p.T, p.Z, p.N, p.Al);
    const made = packageSourceSymbols(data, mtu);
    t.is(made.size, p.Z);
    for (const block of layout.blocks) {
      const symbols = made.get(block.sbn)!;
      t.is(symbols.length, block.sourceSymbols, `K of block ${block.sbn}`);
      // Spot-check symbols, including the first, the last and the padded one: the sub-block interleaving agrees.
      for (const esi of [0, 1, block.sourceSymbols >> 1, block.sourceSymbols - 1]) {
        if (esi < 0 || esi >= block.sourceSymbols) continue;
        t.deepEqual(
          symbols[esi],
          readSourceSymbol(data, layout, block, esi),
          `block ${block.sbn} ESI ${esi}`,
        );
      }
    }
  });
}

test('K′ (RFC 6330 Table 2): the raptorq package starts its repair ESIs at K′ for every K we try', (t) => {
  // The package numbers repair symbols by internal symbol ID, so its first repair ESI is K′(K): this checks
  // our K′ table entry by entry (each K′ and the K just above the previous K′) for blocks up to 2500 symbols,
  // and a few larger ones (a K′ = 56403 block alone takes the package 2 s).
  const T = 64;
  const ks = new Set<number>([1, 2, 9, 10, 11]);
  let previous = 10;
  for (let k = 11; k <= 2500; k++) {
    const kp = extendedBlockSize(k);
    if (kp !== previous) {
      ks.add(k);
      ks.add(kp);
      previous = kp;
    }
  }
  for (const k of [5000, 10_120, 10_121]) ks.add(k);
  let checked = 0;
  for (const k of ks) {
    const packets = callRaptorq('test encode', () => {
      const e = RaptorqWasmEncoder.with_defaults(new Uint8Array(k * T), T);
      try {
        return e.encode(1);
      } finally {
        e.free();
      }
    });
    const repair = packets.at(-1)!;
    t.is(packets.length, k + 1);
    t.is((repair[1]! << 16) | (repair[2]! << 8) | repair[3]!, extendedBlockSize(k), `K = ${k}`);
    checked++;
  }
  t.true(checked > 350);
});
