/**
 * Raptor (RFC 5053) codec throughput and reception overhead, side by side with a baseline measured in the same run:
 * - baseline: one plain word-wise XOR pass of the block's K·T bytes into a single T-byte accumulator (the
 *   cheapest full pass over the same bytes);
 * - encode: the intermediate symbols (solving A·C = D, §5.4.2.4) plus 20% repair symbols, in Mbit/s of source;
 * - decode: 20% of the source symbols lost, the rest plus repair symbols (K + 5 in all) received, decode() alone;
 * - decode success with exactly K, K+1, K+2 symbols received over many seeds, next to the published model
 *   p_fail(K + A) = 0.85 · 0.567^A (RFC 5053 itself gives no figure).
 * Target: ≥ 100 Mbit/s decode at K = 1024, T = 1024.
 */
import { RaptorDecoder, RaptorEncoder } from '../src/mbms/fec/raptor/index.ts';
import { seededRandom } from '../src/random/index.ts';

const REPS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function block(K: number, T: number, seed: number): Uint8Array {
  const random = seededRandom(seed);
  return Uint8Array.from({ length: K * T }, () => Math.floor(random() * 256));
}

const mbits = (bytes: number, ms: number) => (bytes * 8) / 1e6 / (ms / 1000);

function baselineMs(K: number, T: number, data: Uint8Array): number {
  const words = new Uint32Array(data.buffer.slice(data.byteOffset, data.byteOffset + K * T));
  const n = T / 4;
  const acc = new Uint32Array(n);
  const t0 = performance.now();
  for (let i = 0; i < K; i++) {
    for (let k = 0; k < n; k++) acc[k] = (acc[k] as number) ^ (words[i * n + k] as number);
  }
  return performance.now() - t0;
}

function encodeMs(
  K: number,
  T: number,
  data: Uint8Array,
): { totalMs: number; solveMs: number; repairUs: number } {
  const t0 = performance.now();
  const encoder = new RaptorEncoder(data, K, T);
  void encoder.intermediate;
  const t1 = performance.now();
  const repair = Math.ceil(K / 5);
  for (let esi = K; esi < K + repair; esi++) encoder.symbol(esi);
  const t2 = performance.now();
  return { totalMs: t2 - t0, solveMs: t1 - t0, repairUs: ((t2 - t1) * 1000) / repair };
}

function decodeMs(K: number, T: number, data: Uint8Array, seed: number): number {
  const random = seededRandom(seed);
  const encoder = new RaptorEncoder(data, K, T);
  const decoder = new RaptorDecoder(K, T);
  for (let i = 0; i < K; i++) if (random() >= 0.2) decoder.add(i, encoder.symbol(i));
  let esi = K;
  while (decoder.received < K + 5) decoder.add(esi, encoder.symbol(esi++));
  for (;;) {
    const t0 = performance.now();
    const out = decoder.decode();
    const ms = performance.now() - t0;
    if (out) return ms;
    decoder.add(esi, encoder.symbol(esi++));
  }
}

function throughput(K: number, T: number): string[] {
  const data = block(K, T, K + T);
  const bytes = K * T;
  baselineMs(K, T, data);
  encodeMs(K, T, data);
  decodeMs(K, T, data, 0);
  const base = median(Array.from({ length: REPS }, () => baselineMs(K, T, data)));
  const enc = Array.from({ length: REPS }, () => encodeMs(K, T, data));
  const encTotal = median(enc.map((e) => e.totalMs));
  const encSolve = median(enc.map((e) => e.solveMs));
  const repairUs = median(enc.map((e) => e.repairUs));
  const dec = median(Array.from({ length: REPS }, (_, i) => decodeMs(K, T, data, i + 1)));
  const ratio = (ms: number) => `${(ms / base).toFixed(0)}× baseline time`;
  return [
    `K=${K} T=${T} (${(bytes / 1024).toFixed(0)} KiB block), median of ${REPS}:`,
    `  baseline XOR pass   ${base.toFixed(2)} ms = ${mbits(bytes, base).toFixed(0)} Mbit/s`,
    `  encode (C + 20%)    ${encTotal.toFixed(2)} ms = ${mbits(bytes, encTotal).toFixed(0)} Mbit/s (${ratio(encTotal)}); solving C ${encSolve.toFixed(2)} ms, ${repairUs.toFixed(1)} µs per repair symbol`,
    `  decode (20% lost)   ${dec.toFixed(2)} ms = ${mbits(bytes, dec).toFixed(0)} Mbit/s (${ratio(dec)})`,
  ];
}

function overhead(K: number, trials: number): string {
  const T = 4;
  const random = seededRandom(K * 7 + 1);
  const fails = [0, 0, 0];
  for (let trial = 0; trial < trials; trial++) {
    const encoder = new RaptorEncoder(block(K, T, trial), K, T);
    const esis: number[] = [];
    for (let i = 0; i < K; i++) if (random() >= 0.2) esis.push(i);
    for (let esi = K; esis.length < K + 2; esi++) esis.push(esi);
    for (let A = 0; A < 3; A++) {
      const decoder = new RaptorDecoder(K, T);
      for (const esi of esis.slice(0, K + A)) decoder.add(esi, encoder.symbol(esi));
      if (decoder.decode() === undefined) fails[A] = (fails[A] as number) + 1;
    }
  }
  const cell = (A: number) => {
    const rate = (fails[A] as number) / trials;
    return `K+${A}: ${((1 - rate) * 100).toFixed(1)}% decoded (fail ${rate.toFixed(3)}, model ${(0.85 * 0.567 ** A).toFixed(3)})`;
  };
  return `K=${K}, ${trials} seeds, 20% source loss: ${[0, 1, 2].map(cell).join('; ')}`;
}

export async function benchRaptor(): Promise<string[]> {
  return [
    ...throughput(1024, 1024),
    ...throughput(32, 1024),
    ...throughput(8192, 128),
    'decode success vs symbols received:',
    `  ${overhead(100, 400)}`,
    `  ${overhead(1024, 150)}`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await benchRaptor()) process.stdout.write(`${line}\n`);
}
