/**
 * What can be wrong with an update image, and the LwM2M Firmware Update (Object 5) Update Result (/5/0/5)
 * a device reports for each. Object 5 has no dedicated "refused by policy" or "installation failed" code;
 * like Zephyr and Anjay we report 8 (Firmware update failed) for an authentic, intact image that policy
 * refuses (an older security counter).
 */

import { UpdateResult } from '../lwm2m.ts';

export { UpdateResult };

export type ImageErrorKind =
  /** The first four bytes are not the image magic: not one of our images at all. */
  | 'bad-magic'
  /** A format version or signature algorithm this parser does not know. */
  | 'unsupported-format'
  /** The bytes end before the header, the signature or the declared payload does. */
  | 'truncated'
  /** Bytes follow the declared payload (the digest must cover the complete image). */
  | 'size-mismatch'
  /** A manifest field tag this parser does not know (every field is critical). */
  | 'unknown-field'
  /** A manifest field has the wrong length or value, is duplicated, out of order or missing. */
  | 'malformed-manifest'
  /** No signature, where one is required. */
  | 'unsigned'
  /** Signed, but by a key other than the provisioned one. */
  | 'wrong-key'
  /** The signature does not verify with the provisioned key: header or manifest altered. */
  | 'bad-signature'
  /** The payload does not hash to the manifest's SHA-256 digest. */
  | 'digest-mismatch'
  /** The image is for another vendor or device class. */
  | 'wrong-class'
  /** The image is for another hardware revision of this class. */
  | 'wrong-hardware'
  /** The image's security counter is below the device's stored one (anti-rollback). */
  | 'rollback'
  /** The image does not fit in the update slot. */
  | 'too-large';

/** The Object 5 Update Result a device reports when it refuses an image for each kind. */
export const UPDATE_RESULT_FOR_IMAGE_ERROR: Readonly<Record<ImageErrorKind, UpdateResult>> = {
  'bad-magic': UpdateResult.UnsupportedPackageType,
  'unsupported-format': UpdateResult.UnsupportedPackageType,
  truncated: UpdateResult.IntegrityCheckFailure,
  'size-mismatch': UpdateResult.IntegrityCheckFailure,
  'unknown-field': UpdateResult.UnsupportedPackageType,
  'malformed-manifest': UpdateResult.UnsupportedPackageType,
  unsigned: UpdateResult.IntegrityCheckFailure,
  'wrong-key': UpdateResult.IntegrityCheckFailure,
  'bad-signature': UpdateResult.IntegrityCheckFailure,
  'digest-mismatch': UpdateResult.IntegrityCheckFailure,
  'wrong-class': UpdateResult.UnsupportedPackageType,
  'wrong-hardware': UpdateResult.UnsupportedPackageType,
  rollback: UpdateResult.UpdateFailed,
  'too-large': UpdateResult.NotEnoughFlash,
};

export const IMAGE_ERROR_KINDS = Object.keys(UPDATE_RESULT_FOR_IMAGE_ERROR) as ImageErrorKind[];

/** A refused image: the kind to branch on, the Update Result to report, and a message naming what was seen. */
export class ImageError extends Error {
  override name = 'ImageError';
  readonly kind: ImageErrorKind;
  /** Byte offset in the image where the problem was found, when there is one. */
  readonly offset: number | undefined;

  constructor(kind: ImageErrorKind, message: string, offset?: number) {
    super(`image: ${kind}: ${message}${offset === undefined ? '' : ` (at byte ${offset})`}`);
    this.kind = kind;
    this.offset = offset;
  }

  get updateResult(): UpdateResult {
    return UPDATE_RESULT_FOR_IMAGE_ERROR[this.kind];
  }
}
