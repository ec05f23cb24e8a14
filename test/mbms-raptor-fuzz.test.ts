/**
 * RFC 5053 Raptor codec under random input: K, T, loss patterns, garbage symbols (random bytes, out-of-range ESIs,
 * wrong lengths, non-arrays). Nothing throws except the documented FecError for bad K, T, block length or ESI; the
 * decoder either returns a K·T block or undefined, and the true block whenever only genuine symbols were fed.
 */
import test from 'ava';
import fc from 'fast-check';
import { RaptorDecoder, RaptorEncoder } from '../src/mbms/fec/raptor/index.ts';
import { FecError } from '../src/mbms/fec/types.ts';

const blockArb = fc
  .record({ K: fc.integer({ min: 4, max: 160 }), T: fc.integer({ min: 1, max: 24 }) })
  .chain(({ K, T }) =>
    fc.record({
      K: fc.constant(K),
      T: fc.constant(T),
      block: fc.uint8Array({ minLength: K * T, maxLength: K * T }),
      keep: fc.array(fc.boolean(), { minLength: K, maxLength: K }),
      repair: fc.uniqueArray(fc.integer({ min: K, max: 65535 }), { minLength: 0, maxLength: K + 30 }),
    }),
  );

test('genuine symbols: decode() gives the block or undefined, and the block once enough are in', (t) => {
  fc.assert(
    fc.property(blockArb, ({ K, T, block, keep, repair }) => {
      const encoder = new RaptorEncoder(block, K, T);
      const decoder = new RaptorDecoder(K, T);
      keep.forEach((k, i) => {
        if (k) decoder.add(i, encoder.symbol(i));
      });
      for (const esi of repair) decoder.add(esi, encoder.symbol(esi));
      const out = decoder.decode();
      if (out !== undefined) t.deepEqual(out, block);
      // Topping up with fresh repair symbols always gets there (failure odds fall ~×0.6 per symbol past K).
      let esi = 0;
      let result = out;
      while (result === undefined && decoder.received < K + 60) {
        while (esi < K || repair.includes(esi)) esi++;
        decoder.add(esi, encoder.symbol(esi));
        esi++;
        result = decoder.decode();
      }
      t.deepEqual(result, block);
    }),
    { numRuns: 60 },
  );
});

const garbageArb = fc.oneof(
  fc.tuple(fc.integer({ min: -5, max: 70000 }), fc.uint8Array({ maxLength: 40 })),
  fc.tuple(fc.double(), fc.uint8Array({ maxLength: 8 })),
  fc.tuple(
    fc.integer({ min: 0, max: 65535 }),
    fc.constantFrom<unknown>(undefined, null, 'x', [1, 2], new Uint16Array(4)),
  ),
);

test('garbage never throws: add() answers a boolean, decode() a K·T block or undefined', (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 4, max: 200 }),
      fc.integer({ min: 1, max: 16 }),
      fc.array(garbageArb, { maxLength: 300 }),
      (K, T, garbage) => {
        const decoder = new RaptorDecoder(K, T);
        for (const [esi, symbol] of garbage) {
          const accepted = decoder.add(esi as number, symbol as Uint8Array);
          t.is(typeof accepted, 'boolean');
          const valid =
            Number.isInteger(esi) &&
            (esi as number) >= 0 &&
            (esi as number) <= 65535 &&
            symbol instanceof Uint8Array;
          if (!valid || (symbol as Uint8Array).length !== T) t.false(accepted);
        }
        const out = decoder.decode();
        t.true(out === undefined || (out instanceof Uint8Array && out.length === K * T));
      },
    ),
    { numRuns: 200 },
  );
});

test('garbage of the right shape decodes to some block without throwing', (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 4, max: 120 }).chain((K) =>
        fc.record({
          K: fc.constant(K),
          symbols: fc.uniqueArray(
            fc.tuple(fc.integer({ min: 0, max: 65535 }), fc.uint8Array({ minLength: 4, maxLength: 4 })),
            {
              minLength: K,
              maxLength: K + 40,
              selector: ([esi]) => esi,
            },
          ),
        }),
      ),
      ({ K, symbols }) => {
        const decoder = new RaptorDecoder(K, 4);
        for (const [esi, s] of symbols) t.true(decoder.add(esi, s));
        const out = decoder.decode();
        t.true(out === undefined || out.length === K * 4);
      },
    ),
    { numRuns: 100 },
  );
});

test('the only errors are FecErrors for bad K, T, block length or ESI', (t) => {
  fc.assert(
    fc.property(
      fc.oneof(fc.integer({ min: -10, max: 9000 }), fc.double()),
      fc.oneof(fc.integer({ min: -2, max: 70000 }), fc.double()),
      fc.integer({ min: 0, max: 64 }),
      fc.oneof(fc.integer({ min: -3, max: 70000 }), fc.double()),
      (K, T, length, esi) => {
        const validK = Number.isInteger(K) && K >= 4 && K <= 8192;
        const validT = Number.isInteger(T) && T >= 1 && T <= 65535;
        const make = () => new RaptorEncoder(new Uint8Array(length), K, T);
        if (!validK || !validT || length !== K * T) {
          t.throws(make, { instanceOf: FecError });
          if (!validK || !validT) t.throws(() => new RaptorDecoder(K, T), { instanceOf: FecError });
          return;
        }
        const encoder = make();
        if (Number.isInteger(esi) && esi >= 0 && esi <= 65535) t.is(encoder.symbol(esi).length, T);
        else t.throws(() => encoder.symbol(esi), { instanceOf: FecError });
      },
    ),
    { numRuns: 300 },
  );
});
