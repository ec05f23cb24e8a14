/** What the air did for one device during one session. */
export interface DeviceAirStats {
  /** Packets on air while the device was tuned to the session. */
  tunedPackets: number;
  received: number;
  receivedBytes: number;
  lost: number;
  /** Packets on air while the device was not tuned (asleep, not joined, off). */
  missedNotTuned: number;
}

export function emptyDeviceStats(): DeviceAirStats {
  return { tunedPackets: 0, received: 0, receivedBytes: 0, lost: 0, missedNotTuned: 0 };
}

/** A 32-bit hash of a string (FNV-1a): per-device random streams that do not depend on attach order. */
export function hashId(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
