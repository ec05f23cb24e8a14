import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/**
 * The emulated bench's update key: every emulated module trusts images signed with it. Derived from a fixed
 * seed (SHA-256 of BENCH_UPDATE_KEY_LABEL), so tests, the bench and `rig image build` can sign images for
 * the emulated modules without a key file; src/update's signingKeysFromSeed(BENCH_UPDATE_KEY_SEED) gives the
 * same pair. A bench key, public by design: never a key for real devices.
 */
export const BENCH_UPDATE_KEY_LABEL = 'mbms-iot-rig emulated bench update key v1';
export const BENCH_UPDATE_KEY_SEED: Uint8Array = createHash('sha256').update(BENCH_UPDATE_KEY_LABEL).digest();
/** The vendor every emulated module expects in an image manifest; the device class is the profile id. */
export const BENCH_VENDOR = 'mbms-iot-rig';

// PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410).
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const privateKey: KeyObject = createPrivateKey({
  key: Buffer.concat([PKCS8_ED25519_PREFIX, BENCH_UPDATE_KEY_SEED]),
  format: 'der',
  type: 'pkcs8',
});
const publicKey: KeyObject = createPublicKey(privateKey);

export const BENCH_UPDATE_KEYS: Readonly<{ privateKey: KeyObject; publicKey: KeyObject }> = Object.freeze({
  privateKey,
  publicKey,
});
export const BENCH_UPDATE_PRIVATE_KEY_PEM: string = privateKey
  .export({ format: 'pem', type: 'pkcs8' })
  .toString();
export const BENCH_UPDATE_PUBLIC_KEY_PEM: string = publicKey
  .export({ format: 'pem', type: 'spki' })
  .toString();
