import test from 'ava';
import fc from 'fast-check';
import { VirtualClock } from '../src/clock/index.ts';
import type { SampleBlock, SampleGap } from '../src/power/index.ts';
import {
  defaultCalibration,
  encodeSampleWord,
  Ppk2Converter,
  Ppk2StreamDecoder,
} from '../src/power/ppk2/index.ts';

interface Outcome {
  blocks: SampleBlock[];
  gaps: SampleGap[];
  decoder: Ppk2StreamDecoder;
}

/** Feeds chunks, advancing a virtual clock between them, so the wall-time check runs too. */
async function run(chunks: Uint8Array[], advances: number[], finish: boolean): Promise<Outcome> {
  const clock = new VirtualClock({ autoAdvance: false });
  const blocks: SampleBlock[] = [];
  const gaps: SampleGap[] = [];
  const decoder = new Ppk2StreamDecoder({
    converter: new Ppk2Converter({ calibration: defaultCalibration(), vddMv: 3300 }),
    clock,
    onBlock: (b) => blocks.push(b),
    onGap: (g) => gaps.push(g),
  });
  for (let k = 0; k < chunks.length; k++) {
    await clock.advance(advances[k % Math.max(1, advances.length)] ?? 1);
    decoder.push(chunks[k]!);
  }
  if (finish) decoder.finish();
  return { blocks, gaps, decoder };
}

/** What must hold for any input: indices run on without overlap, gaps fill the holes exactly. */
function checkInvariants(outcome: Outcome): string | undefined {
  const events = [
    ...outcome.blocks.map((b) => ({ at: b.start, length: b.uA.length, kind: 'block' as const, block: b })),
    ...outcome.gaps.map((g) => ({ at: g.at, length: g.count, kind: 'gap' as const, block: undefined })),
  ];
  let next = 0;
  let delivered = 0;
  // Blocks and gaps in the order they were handed out are in index order; rebuild that order.
  events.sort((a, b) => a.at - b.at || (a.kind === 'gap' ? -1 : 1));
  for (const event of events) {
    if (!Number.isInteger(event.length) || event.length < 0) return `bad length ${event.length}`;
    if (event.at !== next) return `${event.kind} at ${event.at}, expected ${next}`;
    if (event.block) {
      const b = event.block;
      if (b.raw?.length !== b.uA.length || b.logic?.length !== b.uA.length)
        return 'block arrays differ in length';
      if (b.uA.length === 0) return 'empty block';
      delivered += b.uA.length;
    }
    next += event.length;
  }
  const stats = outcome.decoder.stats;
  if (stats.delivered !== delivered) return `stats.delivered ${stats.delivered} vs ${delivered}`;
  if (outcome.decoder.nextIndex !== next) return `nextIndex ${outcome.decoder.nextIndex} vs ${next}`;
  return undefined;
}

const chunked = (bytes: Uint8Array, cuts: number[]): Uint8Array[] => {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  return chunks;
};

test('random bytes in random chunks: never throws, indices and gaps stay consistent', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 3000 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      fc.array(fc.double({ min: 0, max: 200, noNaN: true }), { maxLength: 10 }),
      fc.boolean(),
      async (bytes, cuts, advances, finish) => {
        const outcome = await run(chunked(bytes, cuts), advances, finish);
        const problem = checkInvariants(outcome);
        if (problem) throw new Error(problem);
      },
    ),
    { numRuns: 300 },
  );
  t.pass();
});

/** A valid stream with faults: words lost, bytes lost, stray bytes, corrupted words. */
const faultyStream = fc
  .record({
    length: fc.integer({ min: 0, max: 1500 }),
    counter: fc.nat(63),
    faults: fc.array(
      fc.record({
        at: fc.nat(),
        kind: fc.constantFrom('drop-words', 'drop-bytes', 'insert-bytes', 'flip'),
        size: fc.integer({ min: 1, max: 70 }),
        value: fc.nat(255),
      }),
      { maxLength: 6 },
    ),
  })
  .map(({ length, counter, faults }) => {
    const words = Array.from({ length }, (_, k) =>
      encodeSampleWord({ adc: (k * 97) % 16384, range: (k >> 6) % 5, counter: counter + k, logic: k & 3 }),
    );
    const bytes = Buffer.alloc(length * 4);
    for (const [k, w] of words.entries()) bytes.writeUInt32LE(w, k * 4);
    let damaged: Buffer = bytes;
    for (const fault of faults) {
      const at = damaged.length === 0 ? 0 : fault.at % damaged.length;
      if (fault.kind === 'drop-words') {
        const from = at - (at % 4);
        damaged = Buffer.concat([damaged.subarray(0, from), damaged.subarray(from + fault.size * 4)]);
      } else if (fault.kind === 'drop-bytes') {
        damaged = Buffer.concat([damaged.subarray(0, at), damaged.subarray(at + (fault.size % 4) + 1)]);
      } else if (fault.kind === 'insert-bytes') {
        const stray = Buffer.alloc((fault.size % 4) + 1, fault.value);
        damaged = Buffer.concat([damaged.subarray(0, at), stray, damaged.subarray(at)]);
      } else if (damaged.length > 0) {
        damaged = Buffer.from(damaged);
        damaged[at] = damaged[at]! ^ (fault.value | 1);
      }
    }
    return { sent: length, bytes: new Uint8Array(damaged), faults: faults.length };
  });

test('a stream with lost words and bytes, stray bytes and flipped bits: never throws, never invents samples', async (t) => {
  await fc.assert(
    fc.asyncProperty(faultyStream, fc.array(fc.nat(), { maxLength: 30 }), async (stream, cuts) => {
      const outcome = await run(chunked(stream.bytes, cuts), [0.5, 3, 0.1], true);
      const problem = checkInvariants(outcome);
      if (problem) throw new Error(problem);
      const { delivered } = outcome.decoder.stats;
      // Stray bytes can at most form one extra word each; nothing else adds samples.
      if (delivered > stream.sent + stream.faults)
        throw new Error(`${delivered} delivered of ${stream.sent} sent`);
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('a clean stream with lost runs of 1..63 words: exactly the kept words, at their true indices', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 20, max: 2000 }),
      fc.nat(63),
      fc.array(fc.record({ at: fc.nat(), size: fc.integer({ min: 1, max: 63 }) }), { maxLength: 5 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      async (length, counter, drops, cuts) => {
        const lost = new Set<number>();
        // Runs at least 10 words apart, so each is judged on its own, and not at the very start.
        let last = 0;
        for (const drop of [...drops].sort((a, b) => a.at - b.at)) {
          const from = Math.max(last + 10, 1 + (drop.at % length));
          for (let k = from; k < Math.min(length - 10, from + drop.size); k++) lost.add(k);
          last = from + drop.size;
        }
        const kept = Array.from({ length }, (_, k) => k).filter((k) => !lost.has(k));
        const bytes = Buffer.alloc(kept.length * 4);
        for (const [j, k] of kept.entries()) {
          const word = encodeSampleWord({ adc: k % 16384, range: 1, counter: counter + k, logic: 0 });
          bytes.writeUInt32LE(word, j * 4);
        }
        const outcome = await run(chunked(bytes, cuts), [0], true);
        const indices = outcome.blocks.flatMap((b) => Array.from(b.raw!, (_, j) => b.start + j));
        const adcs = outcome.blocks.flatMap((b) => Array.from(b.raw!, (w) => w & 0x3fff));
        if (JSON.stringify(indices) !== JSON.stringify(kept)) throw new Error('indices differ');
        if (JSON.stringify(adcs) !== JSON.stringify(kept.map((k) => k % 16384)))
          throw new Error('values differ');
        if (outcome.gaps.some((g) => g.cause !== 'counter')) throw new Error('unexpected gap cause');
      },
    ),
    { numRuns: 200 },
  );
  t.pass();
});

test('a megabyte of noise is searched through in linear time', async (t) => {
  const bytes = new Uint8Array(1 << 20);
  let x = 12345;
  for (let k = 0; k < bytes.length; k++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[k] = x >>> 24;
  }
  const started = performance.now();
  const outcome = await run(chunked(bytes, [1000, 50_000, 400_000, 777_777]), [10], true);
  const elapsed = performance.now() - started;
  t.is(checkInvariants(outcome), undefined);
  t.true(elapsed < 10_000, `${Math.round(elapsed)} ms`);
});
