import { createHash, type KeyObject, sign } from 'node:crypto';
import { ImageError } from './errors.ts';
import {
  FIELD_NAMES,
  FieldTag,
  FORMAT_VERSION,
  IMAGE_MAGIC,
  isPrintable,
  isSemver,
  MAX_MANIFEST_SIZE,
  type ManifestInput,
  PREAMBLE_SIZE,
  SignatureAlgorithm,
  TEXT_LIMITS,
} from './format.ts';
import { keyIdOf } from './keys.ts';

const UINT32_MAX = 0xffff_ffff;

/**
 * Builds an image file: preamble, manifest (size and digest computed from `payload`), signature block when
 * `privateKey` is given (an unsigned image otherwise), payload. Throws an ImageError (`malformed-manifest`)
 * naming the field when the input cannot be represented.
 */
export function buildImage(input: ManifestInput, payload: Uint8Array, privateKey?: KeyObject): Buffer {
  if (payload.length > UINT32_MAX)
    throw new ImageError(
      'malformed-manifest',
      `payload of ${payload.length} bytes exceeds the u32 size field`,
    );
  if (privateKey && privateKey.asymmetricKeyType !== 'ed25519')
    throw new TypeError(
      `image signing: expected an Ed25519 private key, got ${privateKey.asymmetricKeyType}`,
    );
  const fields: Buffer[] = [
    textField(FieldTag.Vendor, input.vendor),
    textField(FieldTag.DeviceClass, input.deviceClass),
  ];
  if (input.hardwareRevision !== undefined)
    fields.push(textField(FieldTag.HardwareRevision, input.hardwareRevision));
  if (!isSemver(input.version))
    throw new ImageError('malformed-manifest', `version ${JSON.stringify(input.version)} is not SemVer 2.0`);
  fields.push(textField(FieldTag.Version, input.version));
  fields.push(u32Field(FieldTag.SecurityCounter, input.securityCounter));
  fields.push(u32Field(FieldTag.PayloadSize, payload.length));
  fields.push(tlv(FieldTag.PayloadDigest, createHash('sha256').update(payload).digest()));
  const manifest = Buffer.concat(fields);
  if (manifest.length > MAX_MANIFEST_SIZE)
    throw new ImageError(
      'malformed-manifest',
      `manifest of ${manifest.length} bytes exceeds ${MAX_MANIFEST_SIZE}`,
    );

  const preamble = Buffer.alloc(PREAMBLE_SIZE);
  IMAGE_MAGIC.copy(preamble, 0);
  preamble[4] = FORMAT_VERSION;
  preamble[5] = privateKey ? SignatureAlgorithm.Ed25519 : SignatureAlgorithm.None;
  preamble.writeUInt16LE(manifest.length, 6);
  const signed = Buffer.concat([preamble, manifest]);
  const signatureBlock = privateKey
    ? Buffer.concat([keyIdOf(privateKey), sign(null, signed, privateKey)])
    : Buffer.alloc(0);
  return Buffer.concat([signed, signatureBlock, payload]);
}

function tlv(tag: FieldTag, value: Buffer): Buffer {
  const head = Buffer.alloc(3);
  head[0] = tag;
  head.writeUInt16LE(value.length, 1);
  return Buffer.concat([head, value]);
}

function textField(tag: 1 | 2 | 3 | 4, text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const { min, max } = TEXT_LIMITS[tag];
  if (bytes.length < min || bytes.length > max || !isPrintable(text) || bytes.toString('utf8') !== text)
    throw new ImageError(
      'malformed-manifest',
      `${FIELD_NAMES[tag]} ${JSON.stringify(text)}: expected ${min}-${max} bytes of printable UTF-8`,
    );
  return tlv(tag, bytes);
}

function u32Field(tag: FieldTag, value: number): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > UINT32_MAX)
    throw new ImageError('malformed-manifest', `${FIELD_NAMES[tag]} ${value} is not a uint32`);
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value);
  return tlv(tag, b);
}
