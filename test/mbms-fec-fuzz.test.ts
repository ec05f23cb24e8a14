/**
 * Whatever arrives off the wire or out of an FDT, the scheme codecs answer with a value or a FecError —
 * never another exception — and what they return is valid enough to encode again identically.
 */
import test from 'ava';
import fc from 'fast-check';
import { FEC_SCHEMES, FecError, type FecOti, type FecScheme } from '../src/mbms/fec/index.ts';

const schemes = Object.values(FEC_SCHEMES);

/** Run `f`; a FecError counts as a clean refusal, anything else fails the property. */
function valueOrFecError<R>(f: () => R): R | FecError {
  try {
    return f();
  } catch (err) {
    if (err instanceof FecError) return err;
    throw err;
  }
}

const ATTRIBUTES = [
  'FEC-OTI-FEC-Encoding-ID',
  'FEC-OTI-Encoding-Symbol-Length',
  'FEC-OTI-Maximum-Source-Block-Length',
  'FEC-OTI-Max-Number-of-Encoding-Symbols',
  'FEC-OTI-Scheme-Specific-Info',
  'Transfer-Length',
];

const attributeValue = fc.oneof(
  fc.string(),
  fc.nat().map(String),
  fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String),
  fc.constantFrom('', ' 512 ', '-1', '1e3', '0x10', 'AAEBBA==', 'AQABCA==', 'AAEB', '====', '1.5'),
  fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b).toString('base64')),
);

/** A few valid OTIs of each scheme, from its encoder, to mutate. */
function validOtis(scheme: FecScheme): FecOti[] {
  // The raptorq package picks its own block length; the others get small blocks for several SBNs.
  const params = scheme.id === 6 ? { symbolLength: 512 } : { symbolLength: 512, maxSourceBlockLength: 64 };
  return [0, 1, 511, 512, 513, 100_000].map((size) => scheme.encoder(new Uint8Array(size), params).oti);
}

for (const scheme of schemes) {
  test(`${scheme.name}: decodePayloadId of random bytes is a payload ID or a FecError`, (t) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), (bytes) => {
        const r = valueOrFecError(() => scheme.decodePayloadId(bytes));
        if (r instanceof FecError) return bytes.length < 4;
        // Decoded IDs encode back to the same four bytes.
        return Buffer.compare(scheme.encodePayloadId(r), bytes.subarray(0, 4)) === 0;
      }),
      { numRuns: 2000 },
    );
    t.pass();
  });

  const valid = validOtis(scheme);

  test(`${scheme.name}: decodeFti of random or mutated bytes is an OTI that encodes again, or a FecError`, (t) => {
    const seen = { accepted: 0, refused: 0 };
    const mutated = fc
      .tuple(fc.constantFrom(...valid), fc.nat(13), fc.integer({ min: 0, max: 255 }))
      .map(([oti, at, byte]) => {
        const bytes = scheme.encodeFti(oti);
        bytes[at] = byte;
        return bytes;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 18 }), mutated), (bytes) => {
        const r = valueOrFecError(() => scheme.decodeFti(bytes));
        if (r instanceof FecError) {
          seen.refused++;
          return true;
        }
        seen.accepted++;
        t.deepEqual(scheme.decodeFti(scheme.encodeFti(r)), r);
        return r.encodingId === scheme.id;
      }),
      { numRuns: 3000 },
    );
    t.true(seen.accepted > 100 && seen.refused > 100, JSON.stringify(seen));
  });

  test(`${scheme.name}: fromFdtAttributes of random or mutated attributes is an OTI or a FecError`, (t) => {
    const seen = { accepted: 0, refused: 0 };
    const mutated = fc
      .tuple(fc.constantFrom(...valid), fc.constantFrom(...ATTRIBUTES), fc.option(attributeValue))
      .map(([oti, name, value]) => {
        const attrs: Record<string, string | undefined> = scheme.fdtAttributes(oti);
        attrs[name] = value ?? undefined;
        return attrs;
      });
    fc.assert(
      fc.property(
        fc.oneof(fc.dictionary(fc.constantFrom(...ATTRIBUTES), attributeValue), mutated),
        fc.oneof(fc.nat(), fc.integer(), fc.double()),
        (attrs, length) => {
          const r = valueOrFecError(() => scheme.fromFdtAttributes(attrs, length));
          if (r instanceof FecError) {
            seen.refused++;
            return true;
          }
          seen.accepted++;
          t.deepEqual(scheme.fromFdtAttributes(scheme.fdtAttributes(r), 0), r);
          return r.encodingId === scheme.id;
        },
      ),
      { numRuns: 3000 },
    );
    t.true(seen.accepted > 100 && seen.refused > 100, JSON.stringify(seen));
  });
}

/** Valid OTIs for each scheme, from its own encoder over random sizes and symbol lengths. */
function encoderOti(
  scheme: FecScheme,
  size: number,
  symbolLength: number,
  blockLength: number,
): FecOti | undefined {
  const r = valueOrFecError(
    () => scheme.encoder(new Uint8Array(size), { symbolLength, maxSourceBlockLength: blockLength }).oti,
  );
  return r instanceof FecError ? undefined : r;
}

for (const scheme of schemes) {
  test(`${scheme.name}: encoder OTIs survive EXT_FTI and the FDT unchanged`, (t) => {
    let tried = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300_000 }),
        fc.integer({ min: 1, max: 2048 }),
        fc.integer({ min: 4, max: 9000 }),
        (size, symbolLength, blockLength) => {
          const oti = encoderOti(scheme, size, symbolLength, blockLength);
          if (oti === undefined) return true;
          tried++;
          t.deepEqual(scheme.decodeFti(scheme.encodeFti(oti)), oti);
          t.deepEqual(scheme.fromFdtAttributes(scheme.fdtAttributes(oti), size), oti);
          return oti.transferLength === size;
        },
      ),
      // Seeded: the share of random parameters a scheme accepts varies, and the floor below must hold every run.
      { numRuns: 300, seed: 5053 },
    );
    t.true(tried > 50, `${tried} valid OTIs`);
  });
}
