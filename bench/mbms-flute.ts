/**
 * A whole FLUTE session per FEC (sender → in-process sink with 10 % seeded loss → receiver, FDT, packets,
 * MD5) beside bare `raptorq` encode + decode of the same object and loss, in the same run. The session
 * throughput is the file size over the wall time of the session (no pacing).
 */
import { randomBytes } from 'node:crypto';
import { VirtualClock } from '../src/clock/index.ts';
import type { FecEncodingId } from '../src/mbms/fec/index.ts';
import {
  RaptorqWasmDecoder as Decoder,
  RaptorqWasmEncoder as Encoder,
  raptorqGeneration,
} from '../src/mbms/fec/raptorq-wasm.ts';
import { FluteReceiver, FluteSender } from '../src/mbms/flute/index.ts';
import { lossModel, MemorySink } from '../src/mbms/transport/index.ts';
import { seededRandom } from '../src/random/index.ts';

const SIZE = 1 << 20;
const T = 1024;
const LOSS = 0.1;

async function session(fec: FecEncodingId, data: Uint8Array): Promise<number> {
  const clock = new VirtualClock();
  const receiver = new FluteReceiver({ clock });
  let done = false;
  receiver.on('file', () => {
    done = true;
  });
  const loss = lossModel({ kind: 'uniform', rate: LOSS }, seededRandom(7));
  const sink = new MemorySink((p) => {
    if (!loss.lost()) receiver.push(p);
  });
  const sender = new FluteSender({
    clock,
    sink,
    tsi: 1,
    fec,
    overhead: fec === 0 ? 0 : 0.2,
    symbolLength: T,
    repetitions: fec === 0 ? 3 : 1,
  });
  const t0 = performance.now();
  await sender.send([{ contentLocation: 'f.bin', bytes: data }]);
  const ms = performance.now() - t0;
  if (!done) throw new Error(`FEC ${fec}: the file was not received`);
  return ms;
}

function bareRaptorq(data: Uint8Array): number {
  raptorqGeneration(); // load the wasm outside the timing
  const t0 = performance.now();
  const enc = Encoder.with_defaults(data, T);
  const packets = enc.encode(Math.ceil((SIZE / T) * 0.2));
  const dec = Decoder.with_defaults(BigInt(SIZE), T);
  const loss = lossModel({ kind: 'uniform', rate: LOSS }, seededRandom(7));
  let out: Uint8Array | undefined;
  for (const p of packets) {
    if (loss.lost()) continue;
    out = dec.decode(p);
    if (out) break;
  }
  enc.free();
  dec.free();
  if (!out) throw new Error('bare raptorq did not decode');
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mbit = (ms: number) => ((SIZE * 8) / (ms / 1000) / 1e6).toFixed(0);

export async function benchMbmsFlute(): Promise<string[]> {
  const data = new Uint8Array(randomBytes(SIZE));
  const runs = 5;
  const bare: number[] = [];
  const s: Record<number, number[]> = { 0: [], 1: [], 6: [] };
  for (let i = 0; i < runs; i++) {
    bare.push(bareRaptorq(data));
    for (const fec of [0, 1, 6] as const) s[fec]!.push(await session(fec, data));
  }
  const b = median(bare);
  const lines = [
    `FLUTE session of 1 MiB, T=${T}, ${LOSS * 100} % loss, median of ${runs}; bare raptorq encode+decode: ${b.toFixed(0)} ms (${mbit(b)} Mbit/s)`,
  ];
  for (const [fec, name] of [
    [6, 'RaptorQ (ID 6), 20 % repair'],
    [1, 'Raptor (ID 1), 20 % repair'],
    [0, 'Compact No-Code (ID 0), 3 passes'],
  ] as const) {
    const m = median(s[fec]!);
    lines.push(`  ${name}: ${m.toFixed(0)} ms = ${mbit(m)} Mbit/s, ${(b / m).toFixed(2)} × bare raptorq`);
  }
  return lines;
}
