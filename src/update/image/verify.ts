import type { KeyObject } from 'node:crypto';
import { parseImageChecking } from './decode.ts';
import { ImageError, type ImageErrorKind, type UpdateResult } from './errors.ts';
import type { Image } from './format.ts';

/** What a device knows when it judges an image: its trust anchor, identity, stored counter and slot. */
export interface VerifyPolicy {
  /** The provisioned Ed25519 public key; unsigned images are refused. */
  publicKey: KeyObject;
  /** When given, the image's vendor must equal it. */
  vendor?: string;
  deviceClass: string;
  /** The device's hardware revision; an image naming another revision is refused. */
  hardwareRevision: string;
  /** The stored security counter: images below it are refused (equal is allowed, as MCUboot does). */
  minSecurityCounter: number;
  /** Bytes the update slot holds for a whole image file (header and payload; the slot minus its trailer). */
  maxSize: number;
}

export type VerifyResult =
  | { ok: true; image: Image }
  | { ok: false; kind: ImageErrorKind; updateResult: UpdateResult; error: ImageError };

/**
 * Judges an image as an update agent must (reference §4.4), in this order: structure; signature before any
 * manifest field is read; vendor, class and hardware revision; security counter; size against the slot;
 * then the payload's length and SHA-256. Never throws for bad image bytes.
 */
export function verifyImage(bytes: Uint8Array, policy: VerifyPolicy): VerifyResult {
  try {
    const image = parseImageChecking(bytes, { publicKey: policy.publicKey }, (m, headerSize) => {
      if (policy.vendor !== undefined && m.vendor !== policy.vendor)
        throw new ImageError('wrong-class', `vendor ${JSON.stringify(m.vendor)}, device is ${policy.vendor}`);
      if (m.deviceClass !== policy.deviceClass)
        throw new ImageError(
          'wrong-class',
          `device class ${JSON.stringify(m.deviceClass)}, device is ${JSON.stringify(policy.deviceClass)}`,
        );
      if (m.hardwareRevision !== undefined && m.hardwareRevision !== policy.hardwareRevision)
        throw new ImageError(
          'wrong-hardware',
          `hardware revision ${JSON.stringify(m.hardwareRevision)}, device is ${JSON.stringify(policy.hardwareRevision)}`,
        );
      if (m.securityCounter < policy.minSecurityCounter)
        throw new ImageError(
          'rollback',
          `security counter ${m.securityCounter} is below the device's ${policy.minSecurityCounter}`,
        );
      const total = headerSize + m.payloadSize;
      if (total > policy.maxSize)
        throw new ImageError('too-large', `image of ${total} bytes, the slot holds ${policy.maxSize}`);
    });
    return { ok: true, image };
  } catch (e) {
    if (!(e instanceof ImageError)) throw e;
    return { ok: false, kind: e.kind, updateResult: e.updateResult, error: e };
  }
}
