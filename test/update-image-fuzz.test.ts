import test from 'ava';
import fc from 'fast-check';
import {
  buildImage,
  ImageError,
  type ManifestInput,
  parseImage,
  readImageHeader,
  signingKeysFromSeed,
  type VerifyPolicy,
  verifyImage,
} from '../src/update/index.ts';

const keys = signingKeysFromSeed(Buffer.alloc(32, 3));
const input: ManifestInput = {
  vendor: 'acme',
  deviceClass: 'tracker',
  hardwareRevision: 'B',
  version: '3.1.4',
  securityCounter: 2,
};
const payload = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7 + 3) & 0xff));
const valid = buildImage(input, payload, keys.privateKey);
const policy: VerifyPolicy = {
  publicKey: keys.publicKey,
  deviceClass: 'tracker',
  hardwareRevision: 'B',
  minSecurityCounter: 0,
  maxSize: 1 << 16,
};

/** Runs every entry point; any exception other than an ImageError fails the property. */
function judge(bytes: Uint8Array): boolean {
  for (const f of [
    () => parseImage(bytes),
    () => parseImage(bytes, { publicKey: keys.publicKey }),
    () => readImageHeader(bytes),
  ]) {
    try {
      f();
    } catch (e) {
      if (!(e instanceof ImageError)) throw e;
    }
  }
  return verifyImage(bytes, policy).ok;
}

const preamble = fc
  .tuple(fc.constantFrom(0, 1, 2), fc.integer({ min: 0, max: 1100 }))
  .map(([alg, len]) => Buffer.from([0x52, 0x49, 0x47, 0x55, 1, alg, len & 0xff, len >> 8]));
const tlvs = fc
  .array(
    fc.tuple(fc.integer({ min: 0, max: 9 }), fc.uint8Array({ maxLength: 40 })).map(([tag, v]) => {
      const h = Buffer.from([tag, v.length & 0xff, v.length >> 8]);
      return Buffer.concat([h, v]);
    }),
    { maxLength: 10 },
  )
  .map((parts) => Buffer.concat(parts));

test('any bytes: an image or an ImageError, never another exception', (t) => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 600 }),
        fc.tuple(preamble, tlvs, fc.uint8Array({ maxLength: 200 })).map((parts) => Buffer.concat(parts)),
      ),
      (bytes) => {
        judge(bytes);
      },
    ),
    { numRuns: 3000 },
  );
  t.pass();
});

test('any change to a valid image (flips, cuts, insertions) is refused, never thrown', (t) => {
  const mutation = fc.oneof(
    fc
      .array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 })), {
        minLength: 1,
        maxLength: 4,
      })
      .map((flips) => {
        const b = Buffer.from(valid);
        for (const [at, x] of flips) b[at] = b[at]! ^ x;
        return b;
      }),
    fc.nat(valid.length - 1).map((n) => valid.subarray(0, n)),
    fc
      .tuple(fc.nat(valid.length), fc.uint8Array({ minLength: 1, maxLength: 8 }))
      .map(([at, extra]) => Buffer.concat([valid.subarray(0, at), extra, valid.subarray(at)])),
  );
  fc.assert(
    fc.property(mutation, (bytes) => {
      if (Buffer.compare(bytes, valid) === 0) return;
      if (judge(bytes))
        throw new Error(`a changed image was accepted: ${Buffer.from(bytes).toString('hex')}`);
    }),
    { numRuns: 3000 },
  );
  t.true(judge(valid));
});

test('build and parse round-trip any representable manifest and payload', (t) => {
  const text = (max: number) =>
    fc
      .string({ unit: fc.constantFrom(...'abcXYZ019-_. /é✓'), minLength: 1, maxLength: max })
      .filter((s) => Buffer.byteLength(s) <= max);
  const semver = fc
    .tuple(fc.nat(999), fc.nat(999), fc.nat(999), fc.option(fc.constantFrom('rc.1', 'alpha', 'beta.2')))
    .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre ? `-${pre}` : ''}`);
  fc.assert(
    fc.property(
      text(64),
      text(64),
      fc.option(text(32), { nil: undefined }),
      semver,
      fc.nat(0xffff_ffff),
      fc.uint8Array({ maxLength: 500 }),
      (vendor, deviceClass, hardwareRevision, version, securityCounter, body) => {
        const m: ManifestInput = {
          vendor,
          deviceClass,
          ...(hardwareRevision === undefined ? {} : { hardwareRevision }),
          version,
          securityCounter,
        };
        const image = parseImage(buildImage(m, body, keys.privateKey), { publicKey: keys.publicKey });
        const { payloadDigest: _, payloadSize, ...back } = image.manifest;
        return (
          JSON.stringify(back) === JSON.stringify(m) &&
          payloadSize === body.length &&
          Buffer.from(image.payload).equals(Buffer.from(body))
        );
      },
    ),
    { numRuns: 300 },
  );
  t.pass();
});
