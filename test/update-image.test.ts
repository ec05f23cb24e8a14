import { createHash, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import {
  buildImage,
  generateSigningKeys,
  generateStubImages,
  IMAGE_ERROR_KINDS,
  ImageError,
  type ImageErrorKind,
  keyIdOf,
  type ManifestInput,
  parseImage,
  readImageHeader,
  readStubSet,
  signingKeysFromSeed,
  UPDATE_RESULT_FOR_IMAGE_ERROR,
  type VerifyPolicy,
  verifyImage,
} from '../src/update/index.ts';

const keys = signingKeysFromSeed(Buffer.alloc(32, 7));
const otherKeys = signingKeysFromSeed(Buffer.alloc(32, 9));
const input: ManifestInput = {
  vendor: 'acme',
  deviceClass: 'bg95-tracker',
  hardwareRevision: 'r2',
  version: '1.2.3-rc.1+b7',
  securityCounter: 10,
};
const payload = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 31) & 0xff));
const policy: VerifyPolicy = {
  publicKey: keys.publicKey,
  vendor: 'acme',
  deviceClass: 'bg95-tracker',
  hardwareRevision: 'r2',
  minSecurityCounter: 10,
  maxSize: 4096,
};

function refusal(bytes: Uint8Array, p: VerifyPolicy = policy): { kind: ImageErrorKind; result: number } {
  const r = verifyImage(bytes, p);
  if (r.ok) throw new Error('expected a refusal, the image was accepted');
  return { kind: r.kind, result: r.updateResult };
}

/** Preamble + raw manifest bytes, signed with `key`, then the payload: for manifests buildImage will not make. */
function rawImage(manifest: Buffer, body: Buffer, key: KeyObject = keys.privateKey): Buffer {
  const pre = Buffer.from([0x52, 0x49, 0x47, 0x55, 1, 1, 0, 0]);
  pre.writeUInt16LE(manifest.length, 6);
  const signed = Buffer.concat([pre, manifest]);
  return Buffer.concat([signed, keyIdOf(key), sign(null, signed, key), body]);
}

function tlv(tag: number, value: Buffer): Buffer {
  const h = Buffer.from([tag, 0, 0]);
  h.writeUInt16LE(value.length, 1);
  return Buffer.concat([h, value]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest();

function fields(body: Buffer): Buffer[] {
  return [
    tlv(1, Buffer.from('acme')),
    tlv(2, Buffer.from('bg95-tracker')),
    tlv(4, Buffer.from('1.0.0')),
    tlv(5, u32(10)),
    tlv(6, u32(body.length)),
    tlv(7, sha(body)),
  ];
}

test('build then parse and verify: every manifest field and the payload come back', (t) => {
  const bytes = buildImage(input, payload, keys.privateKey);
  const image = parseImage(bytes, { publicKey: keys.publicKey });
  t.like(image.manifest, { ...input, payloadSize: payload.length });
  t.deepEqual(image.manifest.payloadDigest, sha(payload));
  t.deepEqual(Buffer.from(image.payload), payload);
  t.true(image.signatureVerified);
  t.deepEqual(image.signature?.keyId, keyIdOf(keys.publicKey));
  t.is(image.headerSize + payload.length, bytes.length);
  const v = verifyImage(bytes, policy);
  t.true(v.ok);
});

test('without a key the parser checks structure and digest but says the signature was not verified', (t) => {
  const image = parseImage(buildImage(input, payload, keys.privateKey));
  t.false(image.signatureVerified);
  const unsigned = parseImage(buildImage(input, payload));
  t.is(unsigned.signature, undefined);
});

test('an image without hardware revision suits every revision; one naming another revision is refused', (t) => {
  const { hardwareRevision: _, ...anyRev } = input;
  t.true(verifyImage(buildImage(anyRev, payload, keys.privateKey), { ...policy, hardwareRevision: 'r9' }).ok);
  t.deepEqual(refusal(buildImage(input, payload, keys.privateKey), { ...policy, hardwareRevision: 'r9' }), {
    kind: 'wrong-hardware',
    result: 6,
  });
});

test('the signature covers every header byte: any bit flipped before the signature block is refused', (t) => {
  const bytes = buildImage(input, payload, keys.privateKey);
  const signedLength = bytes.length - payload.length - 96;
  for (let i = 0; i < signedLength; i++) {
    const bad = Buffer.from(bytes);
    bad[i] = bad[i]! ^ 0x10;
    const r = verifyImage(bad, policy);
    t.false(r.ok, `byte ${i} flipped was accepted`);
  }
  // Flipping a manifest byte (past the preamble) is caught by the signature, before the manifest is read.
  const bad = Buffer.from(bytes);
  bad[20] = bad[20]! ^ 1;
  t.is(refusal(bad).kind, 'bad-signature');
  // Stripping the signature by setting the algorithm to none is refused as unsigned.
  const stripped = Buffer.from(bytes);
  stripped[5] = 0;
  t.is(refusal(stripped).kind, 'unsigned');
});

test('each refusal carries its kind and the LwM2M Object 5 Update Result', (t) => {
  const good = buildImage(input, payload, keys.privateKey);
  const sigFlipped = Buffer.from(good);
  const sigAt = good.length - payload.length - 1;
  sigFlipped[sigAt] = sigFlipped[sigAt]! ^ 1;
  const cases: [string, Buffer, ImageErrorKind, number, VerifyPolicy?][] = [
    ['signature byte flipped', sigFlipped, 'bad-signature', 5],
    ['other hardware', good, 'wrong-hardware', 6, { ...policy, hardwareRevision: 'r3' }],
    ['not an image', Buffer.from('hello world, not an image'), 'bad-magic', 6],
    ['empty', Buffer.alloc(0), 'bad-magic', 6],
    [
      'format 2',
      Buffer.concat([good.subarray(0, 4), Buffer.from([2]), good.subarray(5)]),
      'unsupported-format',
      6,
    ],
    ['cut in the preamble', good.subarray(0, 6), 'truncated', 5],
    ['cut in the manifest', good.subarray(0, 30), 'truncated', 5],
    ['cut in the payload', good.subarray(0, good.length - 1), 'truncated', 5],
    ['a byte after the payload', Buffer.concat([good, Buffer.from([0])]), 'size-mismatch', 5],
    [
      'payload flipped',
      Buffer.concat([good.subarray(0, -1), Buffer.from([good.at(-1)! ^ 0x80])]),
      'digest-mismatch',
      5,
    ],
    ['unsigned', buildImage(input, payload), 'unsigned', 5],
    ['other key', buildImage(input, payload, otherKeys.privateKey), 'wrong-key', 5],
    ['other class', buildImage({ ...input, deviceClass: 'x' }, payload, keys.privateKey), 'wrong-class', 6],
    ['other vendor', buildImage({ ...input, vendor: 'evil' }, payload, keys.privateKey), 'wrong-class', 6],
    ['older counter', buildImage({ ...input, securityCounter: 9 }, payload, keys.privateKey), 'rollback', 8],
    ['too large', good, 'too-large', 2, { ...policy, maxSize: good.length - 1 }],
    [
      'unknown field',
      rawImage(Buffer.concat([...fields(payload), tlv(0x08, Buffer.from([1]))]), payload),
      'unknown-field',
      6,
    ],
    [
      'duplicate field',
      rawImage(Buffer.concat([tlv(1, Buffer.from('a')), ...fields(payload)]), payload),
      'malformed-manifest',
      6,
    ],
    [
      'missing digest',
      rawImage(Buffer.concat(fields(payload).slice(0, 5)), payload),
      'malformed-manifest',
      6,
    ],
    [
      'bad version',
      rawImage(
        Buffer.concat([
          ...fields(payload).slice(0, 2),
          tlv(4, Buffer.from('1.02.0')),
          ...fields(payload).slice(3),
        ]),
        payload,
      ),
      'malformed-manifest',
      6,
    ],
    [
      'control character',
      rawImage(Buffer.concat([tlv(1, Buffer.from('ac\nme')), ...fields(payload).slice(1)]), payload),
      'malformed-manifest',
      6,
    ],
    [
      'invalid UTF-8',
      rawImage(Buffer.concat([tlv(1, Buffer.from([0xc3, 0x28])), ...fields(payload).slice(1)]), payload),
      'malformed-manifest',
      6,
    ],
    [
      'counter of 3 bytes',
      rawImage(
        Buffer.concat([
          ...fields(payload).slice(0, 3),
          tlv(5, Buffer.from([1, 2, 3])),
          ...fields(payload).slice(4),
        ]),
        payload,
      ),
      'malformed-manifest',
      6,
    ],
  ];
  const seen = new Set<ImageErrorKind>();
  for (const [what, bytes, kind, result, p] of cases) {
    t.deepEqual(refusal(bytes, p), { kind, result }, what);
    t.is<number, number>(UPDATE_RESULT_FOR_IMAGE_ERROR[kind], result);
    seen.add(kind);
  }
  t.deepEqual([...seen].sort(), [...IMAGE_ERROR_KINDS].sort(), 'every kind is exercised');
});

test('a well-formed raw manifest is accepted, so the malformed cases above fail for their own reason', (t) => {
  t.true(
    verifyImage(rawImage(Buffer.concat(fields(payload)), payload), { ...policy, hardwareRevision: 'any' }).ok,
  );
});

test('policy refusals do not depend on payload bytes: a too-large image is refused before its digest', (t) => {
  const bytes = buildImage(input, payload, keys.privateKey);
  bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
  t.is(refusal(bytes, { ...policy, maxSize: 100 }).kind, 'too-large');
  t.is(refusal(bytes).kind, 'digest-mismatch');
});

test('messages name what was seen', (t) => {
  const err = t.throws(() => parseImage(Buffer.from('XXXXXXXXXXXX')), { instanceOf: ImageError });
  t.regex(err.message, /bad-magic: expected 52494755, saw 58585858/);
  const r = verifyImage(buildImage({ ...input, securityCounter: 3 }, payload, keys.privateKey), policy);
  t.false(r.ok);
  if (!r.ok) t.regex(r.error.message, /security counter 3 is below the device's 10/);
});

test('readImageHeader shows what a tampered image claims to be', (t) => {
  const bytes = buildImage(input, payload, keys.privateKey);
  bytes[bytes.length - 5] = 0;
  t.is(readImageHeader(bytes).manifest.version, input.version);
});

test('buildImage refuses what it cannot represent', (t) => {
  for (const bad of [
    { ...input, version: 'v1.2' },
    { ...input, securityCounter: -1 },
    { ...input, securityCounter: 2 ** 32 },
    { ...input, vendor: '' },
    { ...input, deviceClass: 'x'.repeat(65) },
    { ...input, hardwareRevision: 'a\tb' },
  ])
    t.is(
      t.throws(() => buildImage(bad, payload, keys.privateKey), { instanceOf: ImageError }).kind,
      'malformed-manifest',
    );
  t.throws(() => buildImage(input, payload, generateSigningKeys().publicKey), { instanceOf: TypeError });
});

test('stub images: each one gives its expected verdict and result, and one seed gives identical files', async (t) => {
  const a = mkdtempSync(join(tmpdir(), 'rig-stubs-a-'));
  const b = mkdtempSync(join(tmpdir(), 'rig-stubs-b-'));
  const c = mkdtempSync(join(tmpdir(), 'rig-stubs-c-'));
  t.teardown(() => {
    for (const d of [a, b, c]) rmSync(d, { recursive: true, force: true });
  });
  const set = await generateStubImages(a, { seed: 42 });
  await generateStubImages(b, { seed: 42 });
  await generateStubImages(c, { seed: 43 });
  t.deepEqual(
    set.images.map((i) => i.name),
    [
      'valid',
      'tampered',
      'truncated',
      'unsigned',
      'wrong-key',
      'wrong-class',
      'older-security-counter',
      'too-large-for-slot',
    ],
  );
  const { policy: stubPolicy } = await readStubSet(a);
  for (const img of set.images) {
    const r = verifyImage(readFileSync(join(a, img.file)), stubPolicy);
    t.is(r.ok ? 'ok' : r.kind, img.expect, img.name);
    t.is<number, number>(r.ok ? 1 : r.updateResult, img.updateResult, img.name);
  }
  const files = readdirSync(a).sort();
  t.true(files.includes('signing-key.pem') && files.includes('other-key.pub.pem'));
  for (const f of files)
    t.deepEqual(readFileSync(join(a, f)), readFileSync(join(b, f)), `${f} differs for one seed`);
  t.notDeepEqual(readFileSync(join(a, 'valid.img')), readFileSync(join(c, 'valid.img')));
  t.notDeepEqual(readFileSync(join(a, 'signing-key.pem')), readFileSync(join(c, 'signing-key.pem')));
});
