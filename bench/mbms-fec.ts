/**
 * FEC schemes, encode + decode of the same object through the same 10% loss, beside the bare `raptorq`
 * package on the same data in the same run:
 *
 * - bare raptorq (baseline): Encoder.with_defaults(data, T).encode(r), then Decoder.decode(packet) on the
 *   packets that survive the loss, in send order, until the object comes out.
 * - RaptorQ (ID 6): our FecEncoder.symbol() for the same ESIs and FecDecoder.add() for the same survivors —
 *   the ratio to the baseline is the wrapper's cost (target ≥ 0.80×).
 * - Raptor (ID 1): the TypeScript RFC 5053 codec under the same wrapper shape (TS 26.346 sub-blocking: 1 MiB
 *   at T = 1024 is 4 sub-blocks of 256 bytes).
 * - Compact No-Code (ID 0): no repair, so the lost symbols are sent again (a carousel's next pass, through
 *   the same loss) until every one has arrived.
 *
 * Each figure is the median of several runs after a warm-up; every run checks the decoded bytes.
 */
import { compactNoCode, type EncoderParams, type FecScheme, raptor, raptorq } from '../src/mbms/fec/index.ts';
import { callRaptorq, RaptorqWasmDecoder, RaptorqWasmEncoder } from '../src/mbms/fec/raptorq-wasm.ts';

const SIZE = 1 << 20;
const T = 1024;
const LOSS = 0.1;
const RUNS = 5;
/** Repair symbols per block on offer: enough for 10% loss with room to spare. */
const REPAIR = Math.ceil((SIZE / T) * 0.25);

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Run {
  encodeMs: number;
  decodeMs: number;
  /** Symbols sent (lost ones included) and delivered until the object was out. */
  sent: number;
  delivered: number;
  sourceSymbols: number;
}

function check(out: Uint8Array | undefined, data: Uint8Array, who: string): void {
  if (out === undefined || out.length !== data.length || Buffer.compare(out, data) !== 0) {
    throw new Error(`bench mbms-fec: ${who} did not give the object back`);
  }
}

/** The bare package: all packets in one encode call, decode until the object is out. */
function bareRaptorq(data: Uint8Array, seed: number): Run {
  const t0 = performance.now();
  const packets = callRaptorq('bench encode', () => {
    const encoder = RaptorqWasmEncoder.with_defaults(data, T);
    try {
      return encoder.encode(REPAIR);
    } finally {
      encoder.free();
    }
  });
  const t1 = performance.now();
  const lost = seeded(seed);
  const decoder = RaptorqWasmDecoder.with_defaults(BigInt(data.length), T);
  let out: Uint8Array | undefined;
  let sent = 0;
  let delivered = 0;
  for (const packet of packets) {
    sent++;
    if (lost() < LOSS) continue;
    delivered++;
    out = decoder.decode(packet);
    if (out !== undefined) break;
  }
  decoder.free();
  const t2 = performance.now();
  check(out, data, 'bare raptorq');
  return { encodeMs: t1 - t0, decodeMs: t2 - t1, sent, delivered, sourceSymbols: packets.length - REPAIR };
}

/** A scheme: every source symbol, then repair ESIs in order, through the loss; no-code resends instead. */
function throughScheme(scheme: FecScheme, params: EncoderParams, data: Uint8Array, seed: number): Run {
  const t0 = performance.now();
  const encoder = scheme.encoder(data, params);
  const offered: [number, number, Uint8Array][] = [];
  for (const block of encoder.blocks) {
    const last = Math.min(encoder.maxEsi(block.sbn), block.sourceSymbols - 1 + REPAIR);
    for (let esi = 0; esi <= last; esi++) offered.push([block.sbn, esi, encoder.symbol(block.sbn, esi)]);
  }
  const t1 = performance.now();
  const lost = seeded(seed);
  const decoder = scheme.decoder(encoder.oti);
  let sent = 0;
  let delivered = 0;
  for (const [sbn, esi, symbol] of offered) {
    sent++;
    if (lost() < LOSS) continue;
    delivered++;
    if (decoder.add(sbn, esi, symbol)) break;
  }
  // No repair symbols in no-code: the carousel sends what is missing again, through the same loss.
  while (!decoder.complete) {
    for (const { sbn, esis } of decoder.missing()) {
      for (const esi of esis) {
        sent++;
        if (lost() < LOSS) continue;
        delivered++;
        decoder.add(sbn, esi, encoder.symbol(sbn, esi));
      }
    }
  }
  const out = decoder.result();
  const t2 = performance.now();
  check(out, data, scheme.name);
  decoder[Symbol.dispose]();
  const sourceSymbols = encoder.blocks.reduce((n, b) => n + b.sourceSymbols, 0);
  return { encodeMs: t1 - t0, decodeMs: t2 - t1, sent, delivered, sourceSymbols };
}

function median(runs: Run[]): Run {
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
  return {
    encodeMs: mid(runs.map((r) => r.encodeMs)),
    decodeMs: mid(runs.map((r) => r.decodeMs)),
    sent: mid(runs.map((r) => r.sent)),
    delivered: mid(runs.map((r) => r.delivered)),
    sourceSymbols: runs[0]!.sourceSymbols,
  };
}

function measure(run: (seed: number) => Run): Run {
  run(1); // warm-up (JIT, wasm instantiation, Raptor's cached structures)
  return median(Array.from({ length: RUNS }, (_, i) => run(100 + i)));
}

const mbits = (ms: number) => ((SIZE * 8) / (ms / 1000) / 1e6).toFixed(0);

function line(name: string, r: Run, baseline: Run): string {
  const ratio = (baseline.encodeMs + baseline.decodeMs) / (r.encodeMs + r.decodeMs);
  return (
    `${name.padEnd(22)} encode ${r.encodeMs.toFixed(1).padStart(7)} ms (${mbits(r.encodeMs).padStart(5)} Mbit/s)` +
    `  decode ${r.decodeMs.toFixed(1).padStart(7)} ms (${mbits(r.decodeMs).padStart(5)} Mbit/s)` +
    `  sent ${(r.sent / r.sourceSymbols).toFixed(3)}×K, used ${(r.delivered / r.sourceSymbols).toFixed(3)}×K` +
    `  throughput ${ratio.toFixed(2)}× bare raptorq`
  );
}

export async function benchMbmsFec(): Promise<string[]> {
  const data = new Uint8Array(SIZE);
  const rnd = seeded(42);
  for (let i = 0; i < SIZE; i++) data[i] = Math.floor(rnd() * 256);

  const bare = measure((seed) => bareRaptorq(data, seed));
  const q = measure((seed) => throughScheme(raptorq, { symbolLength: T, repairSymbols: REPAIR }, data, seed));
  const r = measure((seed) => throughScheme(raptor, { symbolLength: T }, data, seed));
  const n = measure((seed) =>
    throughScheme(compactNoCode, { symbolLength: T, maxSourceBlockLength: 1024 }, data, seed),
  );

  const ratio = (bare.encodeMs + bare.decodeMs) / (q.encodeMs + q.decodeMs);
  return [
    `1 MiB object, T = ${T}, ${LOSS * 100}% loss (seeded), ${REPAIR} repair symbols on offer per block, median of ${RUNS} runs`,
    line('bare raptorq (base)', bare, bare),
    line('RaptorQ (ID 6)', q, bare),
    line('Raptor (ID 1)', r, bare),
    line('Compact No-Code (ID 0)', n, bare),
    `RaptorQ path: ${ratio.toFixed(2)}× bare raptorq (target ≥ 0.80×) — ${ratio >= 0.8 ? 'met' : 'NOT met'}`,
  ];
}

// `npx tsx bench/mbms-fec.ts` runs it alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const l of await benchMbmsFec()) process.stdout.write(`  ${l}\n`);
}
