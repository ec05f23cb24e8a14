import { createHash } from 'node:crypto';
import type { EmulatedFlash } from '../flash/index.ts';
import { type FlashLayout, field, sectorOffset } from './layout.ts';
import { UpdateResult, UpdateState } from './lwm2m.ts';

/**
 * The update log: Object 5 state and result, the image being installed, and the stored security counter,
 * as append-only records in two sectors used in turn. The newest valid record wins; the counter is the
 * highest in any valid record (it never goes down). A record starts with a marker byte that is never the
 * erased value, so a slot that reads erased at byte 0 was never written; a torn record fails its check and
 * is skipped, and the next record goes after it.
 */
export interface UpdateRecord {
  state: UpdateState;
  result: UpdateResult;
  securityCounter: number;
  targetVersion: string;
  /** First 16 bytes of the target image's payload digest (zeros: none). */
  targetDigest: Uint8Array;
}

export interface UpdateLog {
  latest: UpdateRecord;
  securityCounter: number;
}

const RECORD_SIZE = 64;
const MARKER = 0xa5;

export const NO_TARGET = new Uint8Array(16);

export function initialRecord(): UpdateRecord {
  return {
    state: UpdateState.Idle,
    result: UpdateResult.Initial,
    securityCounter: 0,
    targetVersion: '',
    targetDigest: NO_TARGET,
  };
}

interface Scan {
  latest: { record: UpdateRecord; seq: number; sectorIndex: 0 | 1 } | undefined;
  securityCounter: number;
  /** Per sector, the index of the last slot whose first byte was written, or -1. */
  lastUsed: [number, number];
}

function slotSize(layout: FlashLayout): number {
  return field(RECORD_SIZE, layout.unit);
}

function slotsPerSector(layout: FlashLayout): number {
  return Math.floor(layout.geometry.sectorSize / slotSize(layout));
}

// Scans depend only on the two log sectors' bytes: unchanged sectors are not decoded and hashed again.
const SCAN_CACHE_SIZE = 4096;
const scanCache = new Map<string, Scan>();

function scan(flash: EmulatedFlash, layout: FlashLayout): Scan {
  const size = layout.geometry.sectorSize;
  const key = `${layout.unit}|${flash.contentKey(sectorOffset(layout, layout.logSectors[0]), size)}|${flash.contentKey(sectorOffset(layout, layout.logSectors[1]), size)}`;
  const cached = scanCache.get(key);
  if (cached) return cached;
  const fresh = scanSectors(flash, layout);
  if (scanCache.size >= SCAN_CACHE_SIZE) scanCache.clear();
  scanCache.set(key, fresh);
  return fresh;
}

function scanSectors(flash: EmulatedFlash, layout: FlashLayout): Scan {
  const result: Scan = { latest: undefined, securityCounter: 0, lastUsed: [-1, -1] };
  const erased = layout.geometry.erasedValue;
  for (const sectorIndex of [0, 1] as const) {
    const base = sectorOffset(layout, layout.logSectors[sectorIndex]);
    for (let slot = 0; slot < slotsPerSector(layout); slot++) {
      const bytes = flash.read(base + slot * slotSize(layout), RECORD_SIZE);
      if (bytes[0] === erased) continue;
      result.lastUsed[sectorIndex] = slot;
      const decoded = decode(bytes);
      if (!decoded) continue;
      result.securityCounter = Math.max(result.securityCounter, decoded.record.securityCounter);
      if (!result.latest || decoded.seq > result.latest.seq)
        result.latest = { record: decoded.record, seq: decoded.seq, sectorIndex };
    }
  }
  return result;
}

export function readUpdateLog(flash: EmulatedFlash, layout: FlashLayout): UpdateLog {
  const s = scan(flash, layout);
  return { latest: s.latest?.record ?? initialRecord(), securityCounter: s.securityCounter };
}

export function appendUpdateRecord(flash: EmulatedFlash, layout: FlashLayout, record: UpdateRecord): void {
  const s = scan(flash, layout);
  const seq = (s.latest?.seq ?? 0) + 1;
  const counter = Math.max(record.securityCounter, s.securityCounter);
  const bytes = new Uint8Array(slotSize(layout)).fill(0);
  bytes.set(encode({ ...record, securityCounter: counter }, seq));
  const active = s.latest?.sectorIndex ?? 0;
  const next = s.lastUsed[active] + 1;
  if (next < slotsPerSector(layout)) {
    flash.write(sectorOffset(layout, layout.logSectors[active]) + next * bytes.length, bytes);
    return;
  }
  // Active sector full: start the other one. Its erase is redone after a cut, as the full one still wins.
  const other = layout.logSectors[active === 0 ? 1 : 0];
  flash.eraseSector(other);
  flash.write(sectorOffset(layout, other), bytes);
}

function encode(r: UpdateRecord, seq: number): Uint8Array {
  const b = Buffer.alloc(RECORD_SIZE);
  b[0] = MARKER;
  b[1] = r.state;
  b[2] = r.result;
  b.writeUInt32LE(seq, 4);
  b.writeUInt32LE(r.securityCounter, 8);
  Buffer.from(r.targetVersion, 'utf8').subarray(0, 16).copy(b, 12);
  b.set(r.targetDigest.subarray(0, 16), 28);
  check(b).copy(b, 60);
  return b;
}

function decode(bytes: Uint8Array): { record: UpdateRecord; seq: number } | undefined {
  const b = Buffer.from(bytes);
  if (b[0] !== MARKER || !check(b).equals(b.subarray(60, 64))) return undefined;
  const end = b.indexOf(0, 12);
  return {
    seq: b.readUInt32LE(4),
    record: {
      state: b[1]! as UpdateState,
      result: b[2]! as UpdateResult,
      securityCounter: b.readUInt32LE(8),
      targetVersion: b.subarray(12, end < 0 || end > 28 ? 28 : end).toString('utf8'),
      targetDigest: Uint8Array.from(b.subarray(28, 44)),
    },
  };
}

function check(b: Buffer): Buffer {
  return createHash('sha256').update(b.subarray(0, 60)).digest().subarray(0, 4);
}
