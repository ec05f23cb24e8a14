import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seededRandom } from '../../random/index.ts';
import { buildImage } from './encode.ts';
import { type ImageErrorKind, UPDATE_RESULT_FOR_IMAGE_ERROR, UpdateResult } from './errors.ts';
import type { ManifestInput } from './format.ts';
import { parsePublicKey, privateKeyPem, publicKeyPem, signingKeysFromSeed } from './keys.ts';
import type { VerifyPolicy } from './verify.ts';

export interface StubOptions {
  seed: number;
  /** Payload bytes of the valid image (default 4096). */
  payloadSize?: number;
  /** Bytes the device's slot holds for an image file (default 8192); the too-large stub exceeds it. */
  slotSize?: number;
}

export type StubName =
  | 'valid'
  | 'tampered'
  | 'truncated'
  | 'unsigned'
  | 'wrong-key'
  | 'wrong-class'
  | 'older-security-counter'
  | 'too-large-for-slot';

export interface StubImage {
  name: StubName;
  file: string;
  /** `ok`, or the ImageErrorKind verifyImage must give with the set's policy. */
  expect: 'ok' | ImageErrorKind;
  /** The LwM2M Object 5 Update Result a device reports after trying it. */
  updateResult: number;
  version: string;
  securityCounter: number;
}

/** The stubs.json written beside the images: the device policy they are judged by and what each must give. */
export interface StubSet {
  seed: number;
  policy: {
    publicKeyFile: string;
    vendor: string;
    deviceClass: string;
    hardwareRevision: string;
    minSecurityCounter: number;
    maxSize: number;
  };
  keys: { signing: string; signingPublic: string; other: string; otherPublic: string };
  images: StubImage[];
}

export const STUB_VENDOR = 'mbms-iot-rig';
export const STUB_DEVICE_CLASS = 'rig-stub-module';
export const STUB_HARDWARE_REVISION = 'A';
const STORED_COUNTER = 5;

/**
 * Writes the stub images, their keys (PEM) and stubs.json into `dir`. Everything follows from the seed:
 * keys are derived from it, the payload is seeded pseudo-random and Ed25519 signatures are deterministic,
 * so one seed gives byte-identical files on every machine.
 */
export async function generateStubImages(dir: string, options: StubOptions): Promise<StubSet> {
  const { seed, payloadSize = 4096, slotSize = 8192 } = options;
  const signing = signingKeysFromSeed(keySeed('signing', seed));
  const other = signingKeysFromSeed(keySeed('other', seed));
  const random = seededRandom(seed);
  const payload = randomBytes(random, payloadSize);
  const base: ManifestInput = {
    vendor: STUB_VENDOR,
    deviceClass: STUB_DEVICE_CLASS,
    hardwareRevision: STUB_HARDWARE_REVISION,
    version: '1.1.0',
    securityCounter: STORED_COUNTER + 2,
  };
  const valid = buildImage(base, payload, signing.privateKey);
  const header = valid.length - payload.length;

  const tampered = Buffer.from(valid);
  const flipAt = header + Math.floor(random() * payloadSize);
  tampered[flipAt] = tampered[flipAt]! ^ (1 << Math.floor(random() * 8));

  const images: [StubName, Buffer, ManifestInput, 'ok' | ImageErrorKind][] = [
    ['valid', valid, base, 'ok'],
    ['tampered', tampered, base, 'digest-mismatch'],
    ['truncated', valid.subarray(0, header + Math.floor(payloadSize / 2)), base, 'truncated'],
    ['unsigned', buildImage(base, payload), base, 'unsigned'],
    ['wrong-key', buildImage(base, payload, other.privateKey), base, 'wrong-key'],
  ];
  const wrongClass = { ...base, deviceClass: 'other-module' };
  images.push([
    'wrong-class',
    buildImage(wrongClass, payload, signing.privateKey),
    wrongClass,
    'wrong-class',
  ]);
  const older = { ...base, version: '1.0.9', securityCounter: STORED_COUNTER - 1 };
  images.push(['older-security-counter', buildImage(older, payload, signing.privateKey), older, 'rollback']);
  const large = { ...base, version: '1.2.0' };
  const largePayload = randomBytes(random, slotSize);
  images.push([
    'too-large-for-slot',
    buildImage(large, largePayload, signing.privateKey),
    large,
    'too-large',
  ]);

  const set: StubSet = {
    seed,
    policy: {
      publicKeyFile: 'signing-key.pub.pem',
      vendor: STUB_VENDOR,
      deviceClass: STUB_DEVICE_CLASS,
      hardwareRevision: STUB_HARDWARE_REVISION,
      minSecurityCounter: STORED_COUNTER,
      maxSize: slotSize,
    },
    keys: {
      signing: 'signing-key.pem',
      signingPublic: 'signing-key.pub.pem',
      other: 'other-key.pem',
      otherPublic: 'other-key.pub.pem',
    },
    images: images.map(([name, , input, expect]) => ({
      name,
      file: `${name}.img`,
      expect,
      updateResult: expect === 'ok' ? UpdateResult.Success : UPDATE_RESULT_FOR_IMAGE_ERROR[expect],
      version: input.version,
      securityCounter: input.securityCounter,
    })),
  };
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, set.keys.signing), privateKeyPem(signing), { mode: 0o600 });
  await writeFile(join(dir, set.keys.signingPublic), publicKeyPem(signing));
  await writeFile(join(dir, set.keys.other), privateKeyPem(other), { mode: 0o600 });
  await writeFile(join(dir, set.keys.otherPublic), publicKeyPem(other));
  for (const [name, bytes] of images) await writeFile(join(dir, `${name}.img`), bytes);
  await writeFile(join(dir, 'stubs.json'), `${JSON.stringify(set, null, 2)}\n`);
  return set;
}

/** Reads a stub directory back: its listing and the device policy (with the key loaded) to judge it by. */
export async function readStubSet(dir: string): Promise<{ set: StubSet; policy: VerifyPolicy }> {
  const listing = join(dir, 'stubs.json');
  const set = JSON.parse(await readFile(listing, 'utf8')) as StubSet;
  const keyFile = join(dir, set.policy.publicKeyFile);
  const { publicKeyFile: _, ...rest } = set.policy;
  return { set, policy: { ...rest, publicKey: parsePublicKey(await readFile(keyFile), keyFile) } };
}

function keySeed(name: string, seed: number): Buffer {
  return createHash('sha256').update(`mbms-iot-rig stub ${name} key, seed ${seed}`).digest();
}

function randomBytes(random: () => number, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = Math.floor(random() * 256);
  return out;
}
