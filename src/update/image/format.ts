/**
 * The update image layout (our own; SUIT-like in what it says, MCUboot-like in how simply it is laid out).
 * All integers little-endian.
 *
 * ```
 * offset   size  field
 * 0        4     magic "RIGU" (52 49 47 55)
 * 4        1     format version = 1
 * 5        1     signature algorithm: 0 = none (unsigned), 1 = Ed25519
 * 6        2     manifest length M (1 … 1024)
 * 8        M     manifest: fields as TLVs, tag u8 | length u16 | value, tags strictly ascending
 * 8+M      0|96  signature block (algorithm 1): key id (32, SHA-256 of the raw 32-byte public key),
 *                Ed25519 signature (64) over bytes [0, 8+M)
 * H        P     payload, P = the manifest's payload size; nothing may follow it
 * ```
 *
 * The signature covers the whole preamble (magic, format, algorithm — so a signature cannot be stripped by
 * flipping the algorithm to "none" — and manifest length) and every manifest byte; the manifest binds the
 * payload by size and SHA-256 digest. The only unsigned bytes are the signature block itself: the key id
 * merely says which provisioned key to try, so altering it can only turn the verdict into "wrong key".
 *
 * Manifest fields (every one critical: an unknown tag refuses the image):
 * 0x01 vendor (UTF-8, 1-64 B) · 0x02 device class (UTF-8, 1-64 B) · 0x03 hardware revision (UTF-8, 1-32 B;
 * optional, absent = any revision of the class) · 0x04 version (SemVer 2.0 text, ≤ 64 B) · 0x05 security
 * counter (u32) · 0x06 payload size (u32) · 0x07 payload SHA-256 (32 B).
 */

export const IMAGE_MAGIC = Buffer.from('RIGU', 'latin1');
export const FORMAT_VERSION = 1;
export const PREAMBLE_SIZE = 8;
export const MAX_MANIFEST_SIZE = 1024;

export const SignatureAlgorithm = { None: 0, Ed25519: 1 } as const;
export const KEY_ID_SIZE = 32;
export const ED25519_SIGNATURE_SIZE = 64;
export const SIGNATURE_BLOCK_SIZE = KEY_ID_SIZE + ED25519_SIGNATURE_SIZE;
export const DIGEST_SIZE = 32;

export const FieldTag = {
  Vendor: 0x01,
  DeviceClass: 0x02,
  HardwareRevision: 0x03,
  Version: 0x04,
  SecurityCounter: 0x05,
  PayloadSize: 0x06,
  PayloadDigest: 0x07,
} as const;
export type FieldTag = (typeof FieldTag)[keyof typeof FieldTag];

export const FIELD_NAMES: Readonly<Record<FieldTag, string>> = {
  1: 'vendor',
  2: 'device class',
  3: 'hardware revision',
  4: 'version',
  5: 'security counter',
  6: 'payload size',
  7: 'payload digest',
};

/** Byte bounds of the text fields. */
export const TEXT_LIMITS: Readonly<Record<1 | 2 | 3 | 4, { min: number; max: number }>> = {
  1: { min: 1, max: 64 },
  2: { min: 1, max: 64 },
  3: { min: 1, max: 32 },
  4: { min: 5, max: 64 },
};

/** What the author states about an image; size and digest are computed from the payload. */
export interface ManifestInput {
  vendor: string;
  deviceClass: string;
  /** Absent: the image suits every hardware revision of the class. */
  hardwareRevision?: string;
  /** SemVer 2.0, e.g. `1.2.3` or `2.0.0-rc.1+build.5`. */
  version: string;
  /** Anti-rollback counter (uint32): a device refuses an image whose counter is below its stored one. */
  securityCounter: number;
}

export interface ImageManifest extends ManifestInput {
  payloadSize: number;
  /** SHA-256 of the payload. */
  payloadDigest: Buffer;
}

export interface ImageSignature {
  algorithm: 'ed25519';
  /** SHA-256 of the signer's raw public key. */
  keyId: Buffer;
  signature: Buffer;
}

/** A parsed image. `payload` is a view into the input bytes. */
export interface Image {
  manifest: ImageManifest;
  /** Absent for an unsigned image. */
  signature?: ImageSignature;
  /** True only when a key was given and the signature verified with it. */
  signatureVerified: boolean;
  /** Bytes before the payload: preamble, manifest, signature block. */
  headerSize: number;
  payload: Buffer;
}

// SemVer 2.0.0 (semver.org), numeric identifiers without leading zeros.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export function isSemver(text: string): boolean {
  return text.length <= TEXT_LIMITS[4].max && SEMVER.test(text);
}

/** Text fields are printable: no control characters that could forge lines in a log or terminal. */
export function isPrintable(text: string): boolean {
  return !/[\u0000-\u001f\u007f-\u009f]/.test(text);
}
