import { createHash, type KeyObject, timingSafeEqual, verify } from 'node:crypto';
import { ImageError } from './errors.ts';
import {
  DIGEST_SIZE,
  FIELD_NAMES,
  FieldTag,
  FORMAT_VERSION,
  IMAGE_MAGIC,
  type Image,
  type ImageManifest,
  type ImageSignature,
  isPrintable,
  isSemver,
  KEY_ID_SIZE,
  MAX_MANIFEST_SIZE,
  PREAMBLE_SIZE,
  SIGNATURE_BLOCK_SIZE,
  SignatureAlgorithm,
  TEXT_LIMITS,
} from './format.ts';
import { keyIdOf } from './keys.ts';

export interface ParseOptions {
  /**
   * The provisioned public key. When given, the image must be signed by it, and the signature is checked
   * before any manifest field is read (authenticate before acting on anything).
   */
  publicKey?: KeyObject;
}

/** The header of an image, read without looking at the payload or checking the signature. */
export interface ImageHeader {
  manifest: ImageManifest;
  signature?: ImageSignature;
  headerSize: number;
}

/**
 * Parses and checks an image: structure, signature (when a key is given), payload size and digest.
 * Any bytes in: an Image, or an ImageError naming what is wrong; work is one pass over the input.
 */
export function parseImage(bytes: Uint8Array, options: ParseOptions = {}): Image {
  return parseImageChecking(bytes, options);
}

/**
 * parseImage with a check of the (authenticated) manifest before the payload is looked at: the order an
 * agent follows, so a refusal by policy never depends on payload bytes.
 */
export function parseImageChecking(
  bytes: Uint8Array,
  options: ParseOptions,
  checkManifest?: (manifest: ImageManifest, headerSize: number) => void,
): Image {
  const buf = asBuffer(bytes);
  const layout = readLayout(buf);
  if (options.publicKey) checkSignature(buf, layout, options.publicKey);
  const manifest = readManifest(buf, layout.manifestLength);
  checkManifest?.(manifest, layout.headerSize);
  const payload = checkPayload(buf, layout.headerSize, manifest);
  return {
    manifest,
    ...(layout.signature ? { signature: layout.signature } : {}),
    signatureVerified: options.publicKey !== undefined,
    headerSize: layout.headerSize,
    payload,
  };
}

/** Checks only the signature over preamble and manifest (throws the ImageError when it does not hold). */
export function checkImageSignature(bytes: Uint8Array, publicKey: KeyObject): void {
  const buf = asBuffer(bytes);
  checkSignature(buf, readLayout(buf), publicKey);
}

/** Reads preamble and manifest only (for display: a tampered payload still shows what it claims to be). */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  const buf = asBuffer(bytes);
  const layout = readLayout(buf);
  return {
    manifest: readManifest(buf, layout.manifestLength),
    ...(layout.signature ? { signature: layout.signature } : {}),
    headerSize: layout.headerSize,
  };
}

interface Layout {
  manifestLength: number;
  signedLength: number;
  signature?: ImageSignature;
  headerSize: number;
}

function readLayout(buf: Buffer): Layout {
  const magicSeen = buf.subarray(0, IMAGE_MAGIC.length);
  if (!magicSeen.equals(IMAGE_MAGIC.subarray(0, magicSeen.length)) || buf.length === 0)
    throw new ImageError('bad-magic', `expected ${IMAGE_MAGIC.toString('hex')}, saw ${hex(magicSeen)}`, 0);
  if (buf.length < PREAMBLE_SIZE)
    throw new ImageError('truncated', `${buf.length} bytes, shorter than the ${PREAMBLE_SIZE}-byte preamble`);
  const format = buf[4]!;
  if (format !== FORMAT_VERSION)
    throw new ImageError(
      'unsupported-format',
      `format version ${format}, this parser reads ${FORMAT_VERSION}`,
      4,
    );
  const algorithm = buf[5]!;
  if (algorithm !== SignatureAlgorithm.None && algorithm !== SignatureAlgorithm.Ed25519)
    throw new ImageError(
      'unsupported-format',
      `signature algorithm ${algorithm} (known: 0 none, 1 Ed25519)`,
      5,
    );
  const manifestLength = buf.readUInt16LE(6);
  if (manifestLength === 0 || manifestLength > MAX_MANIFEST_SIZE)
    throw new ImageError(
      'malformed-manifest',
      `manifest length ${manifestLength}, allowed 1-${MAX_MANIFEST_SIZE}`,
      6,
    );
  const signedLength = PREAMBLE_SIZE + manifestLength;
  const headerSize = signedLength + (algorithm === SignatureAlgorithm.Ed25519 ? SIGNATURE_BLOCK_SIZE : 0);
  if (buf.length < headerSize)
    throw new ImageError('truncated', `${buf.length} bytes, the header alone needs ${headerSize}`);
  if (algorithm === SignatureAlgorithm.None) return { manifestLength, signedLength, headerSize };
  return {
    manifestLength,
    signedLength,
    headerSize,
    signature: {
      algorithm: 'ed25519',
      keyId: Buffer.from(buf.subarray(signedLength, signedLength + KEY_ID_SIZE)),
      signature: Buffer.from(buf.subarray(signedLength + KEY_ID_SIZE, headerSize)),
    },
  };
}

function checkSignature(buf: Buffer, layout: Layout, publicKey: KeyObject): void {
  const sig = layout.signature;
  if (!sig) throw new ImageError('unsigned', 'no signature, and this device accepts signed images only', 5);
  const expected = keyIdOf(publicKey);
  if (!timingSafeEqual(sig.keyId, expected))
    throw new ImageError(
      'wrong-key',
      `signed by key ${hex(sig.keyId.subarray(0, 8))}…, provisioned key is ${hex(expected.subarray(0, 8))}…`,
      layout.signedLength,
    );
  if (!verify(null, buf.subarray(0, layout.signedLength), publicKey, sig.signature))
    throw new ImageError('bad-signature', 'Ed25519 signature over preamble and manifest does not verify');
}

function readManifest(buf: Buffer, length: number): ImageManifest {
  const end = PREAMBLE_SIZE + length;
  const values = new Map<FieldTag, Buffer>();
  let previous = 0;
  let at = PREAMBLE_SIZE;
  while (at < end) {
    if (end - at < 3)
      throw new ImageError('malformed-manifest', `field header cut by the manifest's end`, at);
    const tag = buf[at]!;
    const size = buf.readUInt16LE(at + 1);
    if (!(tag in FIELD_NAMES))
      throw new ImageError('unknown-field', `tag 0x${tag.toString(16).padStart(2, '0')}`, at);
    const name = FIELD_NAMES[tag as FieldTag];
    if (tag <= previous)
      throw new ImageError('malformed-manifest', `${name} is duplicated or out of order (tags ascend)`, at);
    if (at + 3 + size > end)
      throw new ImageError('malformed-manifest', `${name} of ${size} bytes runs past the manifest's end`, at);
    values.set(tag as FieldTag, buf.subarray(at + 3, at + 3 + size));
    previous = tag;
    at += 3 + size;
  }
  const hardwareRevision = values.has(FieldTag.HardwareRevision)
    ? text(values, FieldTag.HardwareRevision)
    : undefined;
  const version = text(values, FieldTag.Version);
  if (!isSemver(version))
    throw new ImageError('malformed-manifest', `version ${JSON.stringify(version)} is not SemVer 2.0`);
  return {
    vendor: text(values, FieldTag.Vendor),
    deviceClass: text(values, FieldTag.DeviceClass),
    ...(hardwareRevision === undefined ? {} : { hardwareRevision }),
    version,
    securityCounter: fixed(values, FieldTag.SecurityCounter, 4).readUInt32LE(0),
    payloadSize: fixed(values, FieldTag.PayloadSize, 4).readUInt32LE(0),
    payloadDigest: Buffer.from(fixed(values, FieldTag.PayloadDigest, DIGEST_SIZE)),
  };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function text(values: Map<FieldTag, Buffer>, tag: 1 | 2 | 3 | 4): string {
  const bytes = required(values, tag);
  const { min, max } = TEXT_LIMITS[tag];
  if (bytes.length < min || bytes.length > max)
    throw new ImageError(
      'malformed-manifest',
      `${FIELD_NAMES[tag]} of ${bytes.length} bytes, allowed ${min}-${max}`,
    );
  let decoded: string;
  try {
    decoded = UTF8.decode(bytes);
  } catch {
    throw new ImageError('malformed-manifest', `${FIELD_NAMES[tag]} is not UTF-8: ${hex(bytes)}`);
  }
  if (!isPrintable(decoded))
    throw new ImageError(
      'malformed-manifest',
      `${FIELD_NAMES[tag]} ${JSON.stringify(decoded)} has control characters`,
    );
  return decoded;
}

function fixed(values: Map<FieldTag, Buffer>, tag: FieldTag, size: number): Buffer {
  const bytes = required(values, tag);
  if (bytes.length !== size)
    throw new ImageError(
      'malformed-manifest',
      `${FIELD_NAMES[tag]} of ${bytes.length} bytes, expected ${size}`,
    );
  return bytes;
}

function required(values: Map<FieldTag, Buffer>, tag: FieldTag): Buffer {
  const bytes = values.get(tag);
  if (!bytes) throw new ImageError('malformed-manifest', `required field ${FIELD_NAMES[tag]} is missing`);
  return bytes;
}

function checkPayload(buf: Buffer, headerSize: number, manifest: ImageManifest): Buffer {
  const present = buf.length - headerSize;
  if (present < manifest.payloadSize)
    throw new ImageError(
      'truncated',
      `payload has ${present} of the ${manifest.payloadSize} bytes declared`,
      buf.length,
    );
  if (present > manifest.payloadSize)
    throw new ImageError(
      'size-mismatch',
      `${present - manifest.payloadSize} bytes follow the ${manifest.payloadSize}-byte payload`,
      headerSize + manifest.payloadSize,
    );
  const payload = buf.subarray(headerSize);
  const digest = createHash('sha256').update(payload).digest();
  if (!digest.equals(manifest.payloadDigest))
    throw new ImageError(
      'digest-mismatch',
      `payload SHA-256 ${hex(digest.subarray(0, 8))}…, manifest says ${hex(manifest.payloadDigest.subarray(0, 8))}…`,
    );
  return payload;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function hex(bytes: Uint8Array): string {
  return bytes.length === 0 ? '(nothing)' : Buffer.from(bytes).toString('hex');
}
