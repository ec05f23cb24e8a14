import { createHash, type KeyObject, timingSafeEqual, verify } from 'node:crypto';
import { UpdateResult } from './lwm2m.ts';

/**
 * The device's own reader of the update image (layout in README.md; same bytes as the controller's
 * src/update/image, written separately so a wrong codec cannot agree with itself).
 */
export const MAGIC = [0x52, 0x49, 0x47, 0x55]; // "RIGU"
export const PREAMBLE_SIZE = 8;
export const MAX_MANIFEST_SIZE = 1024;
export const SIGNATURE_BLOCK_SIZE = 32 + 64;
/** Enough bytes to hold any header: preamble, largest manifest, signature block. */
export const MAX_HEADER_SIZE = PREAMBLE_SIZE + MAX_MANIFEST_SIZE + SIGNATURE_BLOCK_SIZE;

export const Tag = {
  Vendor: 1,
  DeviceClass: 2,
  HardwareRevision: 3,
  Version: 4,
  SecurityCounter: 5,
  PayloadSize: 6,
  PayloadDigest: 7,
} as const;

export interface ImageHeader {
  vendor: string;
  deviceClass: string;
  hardwareRevision: string | undefined;
  version: string;
  securityCounter: number;
  payloadSize: number;
  payloadDigest: Uint8Array;
  headerSize: number;
  /** headerSize + payloadSize: the bytes the image occupies in a slot. */
  totalSize: number;
}

export interface ImagePolicy {
  publicKey: KeyObject;
  deviceClass: string;
  vendor?: string;
  hardwareRevision?: string;
  /** Images with a lower security counter are refused; undefined skips the check (a revert to the old image). */
  minSecurityCounter: number | undefined;
  /** Bytes a slot holds for an image. */
  maxSize: number;
}

export type ImageCheck =
  | { ok: true; header: ImageHeader }
  | { ok: false; result: UpdateResult; reason: string };

class Refusal extends Error {
  constructor(
    readonly result: UpdateResult,
    reason: string,
  ) {
    super(reason);
  }
}

/**
 * Checks an image in the order of reference §4.4: structure; signature before any manifest field is
 * believed; vendor, class, hardware revision; security counter; size against the slot; payload length and
 * SHA-256 (no trailing bytes). Never throws for bad bytes.
 */
export function checkImage(bytes: Uint8Array, policy: ImagePolicy): ImageCheck {
  try {
    const headerSize = headerSizeOf(bytes);
    const manifestEnd = PREAMBLE_SIZE + readU16(bytes, 6);
    const keyId = bytes.subarray(manifestEnd, manifestEnd + 32);
    if (!timingSafeEqual(keyId, keyIdOf(policy.publicKey)))
      throw new Refusal(UpdateResult.IntegrityCheckFailure, 'signed by another key than the provisioned one');
    const judged = judge(bytes, headerSize, manifestEnd, policy.publicKey);
    if (!judged.signature)
      throw new Refusal(UpdateResult.IntegrityCheckFailure, 'Ed25519 signature does not verify');
    const header = readManifest(bytes, manifestEnd, headerSize);
    if (policy.vendor !== undefined && header.vendor !== policy.vendor)
      throw new Refusal(
        UpdateResult.UnsupportedPackageType,
        `vendor ${header.vendor}, device ${policy.vendor}`,
      );
    if (header.deviceClass !== policy.deviceClass)
      throw new Refusal(
        UpdateResult.UnsupportedPackageType,
        `device class ${JSON.stringify(header.deviceClass)}, device is ${JSON.stringify(policy.deviceClass)}`,
      );
    if (header.hardwareRevision !== undefined && header.hardwareRevision !== policy.hardwareRevision)
      throw new Refusal(UpdateResult.UnsupportedPackageType, `hardware revision ${header.hardwareRevision}`);
    if (policy.minSecurityCounter !== undefined && header.securityCounter < policy.minSecurityCounter)
      throw new Refusal(
        UpdateResult.UpdateFailed,
        `security counter ${header.securityCounter} below the stored ${policy.minSecurityCounter}`,
      );
    if (header.totalSize > policy.maxSize)
      throw new Refusal(
        UpdateResult.NotEnoughFlash,
        `image of ${header.totalSize} bytes, the slot holds ${policy.maxSize}`,
      );
    if (bytes.length !== header.totalSize)
      throw new Refusal(
        UpdateResult.IntegrityCheckFailure,
        `${bytes.length} bytes, the header declares ${header.totalSize}`,
      );
    if (!judged.digest(header.payloadDigest))
      throw new Refusal(UpdateResult.IntegrityCheckFailure, 'payload SHA-256 differs from the manifest');
    return { ok: true, header };
  } catch (e) {
    if (e instanceof Refusal) return { ok: false, result: e.result, reason: e.message };
    throw e;
  }
}

// Signature and digest verdicts depend only on the bytes and the key. Sweeps judge the same image bytes
// thousands of times (from the server, in either slot, after every cut): an exact byte comparison with
// bytes already judged (memcmp) stands in for SHA-256 and Ed25519 again.
const MEMO_PER_KEY = 64;
const memos = new WeakMap<KeyObject, Map<string, Judged[]>>();

interface Judged {
  bytes: Uint8Array;
  signature: boolean;
  digests: Map<string, boolean>;
}

function judge(
  bytes: Uint8Array,
  headerSize: number,
  manifestEnd: number,
  key: KeyObject,
): { signature: boolean; digest: (expected: Uint8Array) => boolean } {
  let byKey = memos.get(key);
  if (!byKey) {
    byKey = new Map();
    memos.set(key, byKey);
  }
  const id = `${bytes.length}:${Buffer.from(bytes.subarray(manifestEnd + 32, headerSize)).toString('base64')}`;
  const known = byKey.get(id) ?? [];
  let entry = known.find((k) => Buffer.compare(k.bytes, bytes) === 0);
  if (!entry) {
    const signature = verify(
      null,
      bytes.subarray(0, manifestEnd),
      key,
      bytes.subarray(manifestEnd + 32, headerSize),
    );
    entry = { bytes: Uint8Array.from(bytes), signature, digests: new Map() };
    if (known.length >= 4) known.shift();
    known.push(entry);
    if (byKey.size >= MEMO_PER_KEY && !byKey.has(id)) byKey.clear();
    byKey.set(id, known);
  }
  const found = entry;
  return {
    signature: found.signature,
    digest: (expected) => {
      const hex = Buffer.from(expected).toString('hex');
      let ok = found.digests.get(hex);
      if (ok === undefined) {
        ok = createHash('sha256').update(bytes.subarray(headerSize)).digest().equals(expected);
        found.digests.set(hex, ok);
      }
      return ok;
    },
  };
}

/**
 * The size an image claims from its first bytes (preamble + manifest), unauthenticated: only used to
 * decide how many bytes of a slot to read before checkImage judges them. undefined: no image there.
 */
export function claimedTotalSize(prefix: Uint8Array): number | undefined {
  try {
    const headerSize = headerSizeOf(prefix);
    return readManifest(prefix, PREAMBLE_SIZE + readU16(prefix, 6), headerSize).totalSize;
  } catch (e) {
    if (e instanceof Refusal) return undefined;
    throw e;
  }
}

function headerSizeOf(bytes: Uint8Array): number {
  const unsupported = UpdateResult.UnsupportedPackageType;
  if (bytes.length < PREAMBLE_SIZE || MAGIC.some((b, i) => bytes[i] !== b))
    throw new Refusal(unsupported, 'not an image: magic "RIGU" missing');
  if (bytes[4] !== 1) throw new Refusal(unsupported, `format version ${bytes[4]}, this device reads 1`);
  if (bytes[5] === 0) throw new Refusal(UpdateResult.IntegrityCheckFailure, 'unsigned image');
  if (bytes[5] !== 1) throw new Refusal(unsupported, `signature algorithm ${bytes[5]}`);
  const manifestLength = readU16(bytes, 6);
  if (manifestLength === 0 || manifestLength > MAX_MANIFEST_SIZE)
    throw new Refusal(unsupported, `manifest length ${manifestLength}`);
  const headerSize = PREAMBLE_SIZE + manifestLength + SIGNATURE_BLOCK_SIZE;
  if (bytes.length < headerSize)
    throw new Refusal(
      UpdateResult.IntegrityCheckFailure,
      `${bytes.length} bytes, header needs ${headerSize}`,
    );
  return headerSize;
}

function readManifest(bytes: Uint8Array, end: number, headerSize: number): ImageHeader {
  const fields = new Map<number, Uint8Array>();
  let at = PREAMBLE_SIZE;
  let previous = 0;
  while (at < end) {
    if (end - at < 3) throw new Refusal(UpdateResult.UnsupportedPackageType, 'manifest field cut short');
    const tag = bytes[at]!;
    const size = readU16(bytes, at + 1);
    if (tag <= previous || tag > Tag.PayloadDigest || at + 3 + size > end)
      throw new Refusal(UpdateResult.UnsupportedPackageType, `manifest field 0x${tag.toString(16)} at ${at}`);
    fields.set(tag, bytes.subarray(at + 3, at + 3 + size));
    previous = tag;
    at += 3 + size;
  }
  const need = (tag: number, size?: number): Uint8Array => {
    const value = fields.get(tag);
    if (!value || (size !== undefined && value.length !== size))
      throw new Refusal(UpdateResult.UnsupportedPackageType, `manifest field ${tag} missing or mis-sized`);
    return value;
  };
  const text = (tag: number): string => Buffer.from(need(tag)).toString('utf8');
  const payloadSize = readU32(need(Tag.PayloadSize, 4), 0);
  return {
    vendor: text(Tag.Vendor),
    deviceClass: text(Tag.DeviceClass),
    hardwareRevision: fields.has(Tag.HardwareRevision) ? text(Tag.HardwareRevision) : undefined,
    version: text(Tag.Version),
    securityCounter: readU32(need(Tag.SecurityCounter, 4), 0),
    payloadSize,
    payloadDigest: Buffer.from(need(Tag.PayloadDigest, 32)),
    headerSize,
    totalSize: headerSize + payloadSize,
  };
}

/** SHA-256 of the raw 32-byte Ed25519 public key: the key id written beside each signature. */
export function keyIdOf(key: KeyObject): Buffer {
  const raw = Buffer.from(key.export({ format: 'jwk' }).x ?? '', 'base64url');
  return createHash('sha256').update(raw).digest();
}

function readU16(b: Uint8Array, at: number): number {
  return (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>> 0;
}
