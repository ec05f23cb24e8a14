import { createHash, type KeyObject } from 'node:crypto';
import {
  buildImage,
  type ImageManifest,
  parseImage,
  type SigningKeys,
  signingKeysFromSeed,
} from '../image/index.ts';

/** What the emulated device is given: the running (old) image, the update, and what it trusts. */
export interface SweepImages {
  old: Uint8Array;
  new: Uint8Array;
  publicKey: KeyObject;
  deviceClass: string;
  vendor?: string;
  hardwareRevision?: string;
}

const BENCH_VENDOR = 'mbms-iot-rig';

/**
 * The emulated bench's update key (the pair every emulated module trusts, derived from the same label as
 * firmware-stubs/module/bench-update-key.ts): public by design, never a key for real devices.
 */
export function benchKeys(): SigningKeys {
  return signingKeysFromSeed(
    createHash('sha256').update('mbms-iot-rig emulated bench update key v1').digest(),
  );
}

/** A deterministic payload of `size` bytes that differs per label (SHA-256 in counter mode). */
export function stubPayload(label: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let at = 0, block = 0; at < size; at += 32, block++)
    createHash('sha256')
      .update(`${label}:${block}`)
      .digest()
      .copy(out, at, 0, Math.min(32, size - at));
  return out;
}

/**
 * Old (1.0.0, counter 1) and new (2.0.0, counter 2) images with payloads of `payloadBytes`, signed with
 * the given keys (default: the bench key), for the given device class.
 */
export function stubImagePair(
  deviceClass: string,
  payloadBytes: number,
  seed: number,
  keys: SigningKeys = benchKeys(),
): SweepImages {
  const image = (version: string, securityCounter: number) =>
    buildImage(
      { vendor: BENCH_VENDOR, deviceClass, version, securityCounter },
      stubPayload(`atomicity ${seed} ${version}`, payloadBytes),
      keys.privateKey,
    );
  return {
    old: image('1.0.0', 1),
    new: image('2.0.0', 2),
    publicKey: keys.publicKey,
    deviceClass,
    vendor: BENCH_VENDOR,
  };
}

/**
 * The images for a sweep of a given update image: the device trusts `publicKey` and takes its identity
 * (vendor, class, hardware revision) from the image's manifest. The old image comes from `oldImage`, or is
 * built and signed with `privateKey` (same identity, security counter no higher, a payload of the same size).
 * Throws an Error naming `source` when the image does not check with the key.
 */
export function imagesForUpdate(
  source: string,
  bytes: Uint8Array,
  publicKey: KeyObject,
  old: { bytes: Uint8Array; source: string } | { privateKey: KeyObject },
): SweepImages {
  const manifest = checked(source, bytes, publicKey);
  let oldBytes: Uint8Array;
  if ('bytes' in old) {
    const m = checked(old.source, old.bytes, publicKey);
    if (m.deviceClass !== manifest.deviceClass || m.vendor !== manifest.vendor)
      throw new Error(
        `${old.source}: old image is for ${m.vendor}/${m.deviceClass}, the update for ${manifest.vendor}/${manifest.deviceClass}`,
      );
    oldBytes = old.bytes;
  } else {
    const { payloadSize, payloadDigest: _, ...identity } = manifest;
    oldBytes = buildImage(
      { ...identity, version: '0.0.0-before-update', securityCounter: Math.min(1, manifest.securityCounter) },
      stubPayload(`old image for ${source}`, payloadSize),
      old.privateKey,
    );
  }
  return {
    old: oldBytes,
    new: bytes,
    publicKey,
    deviceClass: manifest.deviceClass,
    vendor: manifest.vendor,
    ...(manifest.hardwareRevision !== undefined ? { hardwareRevision: manifest.hardwareRevision } : {}),
  };
}

function checked(source: string, bytes: Uint8Array, publicKey: KeyObject): ImageManifest {
  try {
    return parseImage(bytes, { publicKey }).manifest;
  } catch (e) {
    throw new Error(`${source}: not usable for a sweep with this key: ${(e as Error).message}`);
  }
}
