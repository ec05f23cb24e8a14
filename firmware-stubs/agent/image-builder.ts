import { createHash, type KeyObject, sign } from 'node:crypto';
import { keyIdOf, MAGIC, Tag } from './image.ts';

export interface ImageSpec {
  vendor?: string;
  deviceClass: string;
  version: string;
  securityCounter: number;
  payload: Uint8Array;
}

/**
 * Builds a signed image in the layout the agent reads (README.md). For device-side tests and sweeps only;
 * the rig's image tools live in src/update and are written separately.
 */
export function buildDeviceImage(spec: ImageSpec, privateKey: KeyObject): Buffer {
  const tlv = (tag: number, value: Buffer) => {
    const head = Buffer.alloc(3);
    head[0] = tag;
    head.writeUInt16LE(value.length, 1);
    return Buffer.concat([head, value]);
  };
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const manifest = Buffer.concat([
    tlv(Tag.Vendor, Buffer.from(spec.vendor ?? 'mbms-iot-rig')),
    tlv(Tag.DeviceClass, Buffer.from(spec.deviceClass)),
    tlv(Tag.Version, Buffer.from(spec.version)),
    tlv(Tag.SecurityCounter, u32(spec.securityCounter)),
    tlv(Tag.PayloadSize, u32(spec.payload.length)),
    tlv(Tag.PayloadDigest, createHash('sha256').update(spec.payload).digest()),
  ]);
  const preamble = Buffer.from([...MAGIC, 1, 1, 0, 0]);
  preamble.writeUInt16LE(manifest.length, 6);
  const signed = Buffer.concat([preamble, manifest]);
  return Buffer.concat([signed, keyIdOf(privateKey), sign(null, signed, privateKey), spec.payload]);
}

/** A deterministic payload of `size` bytes that differs per label. */
export function stubPayload(label: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(label).digest();
  for (let at = 0; at < size; at += block.length) {
    block.copy(out, at, 0, Math.min(block.length, size - at));
    block = createHash('sha256').update(block).digest();
  }
  return out;
}
