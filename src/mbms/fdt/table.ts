/**
 * The receiver's File Delivery Table: what the FDT Instances received so far say about each TOI.
 *
 * Rules:
 * - An instance whose Expires has passed (Expires < now, in whole NTP seconds) is ignored: TS 26.346
 *   7.2.9 says the UE shall not use it.
 * - Per TOI, the description from the newest FDT Instance ID wins (TS 26.346 9.3.2: "the FDT with the
 *   highest FDT Instance ID defines the TOI of a file URI"). An older instance still adds TOIs that no
 *   newer one describes; instances are cumulative (RFC 3926 3.4.1).
 * - Instance IDs are 20 bits and wrap (RFC 3926 3.4.1), so "newer" is serial-number arithmetic
 *   (RFC 1982 style, SERIAL_BITS = 20): a is newer than b when (a − b) mod 2^20 lies in 1..2^19 − 1.
 *   At a distance of exactly 2^19 neither is newer and the stored description stays. This holds because a
 *   sender may not reuse an ID before the instance that had it expired, and expired instances are dropped,
 *   so live IDs never span half the space.
 * - The same ID again is a repetition: its descriptions replace those it gave before (a later Expires
 *   extends them).
 * - An instance with FullFDT=true that is the newest describes the whole table (TS 26.346 7.2.14): TOIs
 *   it does not list, described by older instances, are dropped.
 * - A description lives as long as the instance it came from; an older instance's description of the
 *   same TOI is not kept as a fallback.
 */
import type { Clock } from '../../clock/index.ts';
import { FdtError } from './errors.ts';
import { epochMsFromNtpSeconds, isExpired } from './ntp.ts';
import { type FdtFile, type FdtInstance, MAX_FDT_INSTANCE_ID } from './types.ts';

const ID_SPACE = MAX_FDT_INSTANCE_ID + 1;
const HALF_ID_SPACE = ID_SPACE / 2;

/** Serial-number comparison of 20-bit FDT Instance IDs: true when `a` was issued after `b`. */
export function isNewerFdtInstanceId(a: number, b: number): boolean {
  const distance = (a - b + ID_SPACE) % ID_SPACE;
  return distance > 0 && distance < HALF_ID_SPACE;
}

export interface FdtTableEntry {
  toi: number;
  file: FdtFile;
  /** The instance the description came from (for instance-level defaults: FEC-OTI, Content-Type…). */
  instance: FdtInstance;
  fdtInstanceId: number;
  /** Expires of that instance (NTP seconds). */
  expires: number;
}

export type FdtAcceptResult =
  | {
      accepted: true;
      /** Same ID as a live instance: a repetition. */
      repeated: boolean;
      /** TOIs newly described. */
      added: number[];
      /** TOIs whose description this instance replaced. */
      replaced: number[];
      /** TOIs dropped by a FullFDT instance. */
      removed: number[];
      /** TOIs this instance describes but a newer instance already did. */
      superseded: number[];
    }
  | { accepted: false; reason: 'expired' };

export class FdtTable {
  private readonly byToiMap = new Map<number, FdtTableEntry>();
  /** Live instance IDs and their Expires, for repetition detection and pruning. */
  private readonly instances = new Map<number, number>();

  constructor(private readonly clock: Pick<Clock, 'now'>) {}

  accept(fdtInstanceId: number, instance: FdtInstance): FdtAcceptResult {
    if (!Number.isInteger(fdtInstanceId) || fdtInstanceId < 0 || fdtInstanceId > MAX_FDT_INSTANCE_ID) {
      throw new FdtError({
        code: 'bad-value',
        operation: 'accept FDT Instance',
        attribute: 'FDT Instance ID',
        value: String(fdtInstanceId),
        expected: `an integer in 0..${MAX_FDT_INSTANCE_ID} (20 bits)`,
      });
    }
    if (!Number.isInteger(instance.expires) || instance.expires < 0 || instance.expires > 0xffff_ffff) {
      throw new FdtError({
        code: 'bad-value',
        operation: 'accept FDT Instance',
        attribute: 'Expires',
        value: String(instance.expires),
        expected: 'NTP seconds (32-bit unsigned)',
      });
    }
    if (isExpired(instance.expires, this.clock.now())) return { accepted: false, reason: 'expired' };
    this.prune();

    const repeated = this.instances.has(fdtInstanceId);
    const known = this.instances.get(fdtInstanceId);
    const laterExpiry =
      known === undefined || epochMsFromNtpSeconds(instance.expires) > epochMsFromNtpSeconds(known)
        ? instance.expires
        : known;
    this.instances.set(fdtInstanceId, laterExpiry);
    const result = { accepted: true as const, repeated, added: [] as number[], replaced: [] as number[] };
    const superseded: number[] = [];
    for (const file of instance.files) {
      const entry: FdtTableEntry = {
        toi: file.toi,
        file,
        instance,
        fdtInstanceId,
        expires: instance.expires,
      };
      const current = this.byToiMap.get(file.toi);
      if (current === undefined) {
        this.byToiMap.set(file.toi, entry);
        result.added.push(file.toi);
      } else if (
        current.fdtInstanceId === fdtInstanceId ||
        isNewerFdtInstanceId(fdtInstanceId, current.fdtInstanceId)
      ) {
        this.byToiMap.set(file.toi, entry);
        result.replaced.push(file.toi);
      } else {
        superseded.push(file.toi);
      }
    }

    const removed: number[] = [];
    if (instance.fullFdt && this.isNewestLive(fdtInstanceId)) {
      const listed = new Set(instance.files.map((file) => file.toi));
      for (const [toi, entry] of this.byToiMap) {
        if (!listed.has(toi) && isNewerFdtInstanceId(fdtInstanceId, entry.fdtInstanceId)) {
          this.byToiMap.delete(toi);
          removed.push(toi);
        }
      }
    }
    return { ...result, removed, superseded };
  }

  /** The live description of a TOI, if any. */
  byToi(toi: number): FdtTableEntry | undefined {
    const entry = this.byToiMap.get(toi);
    if (entry === undefined || isExpired(entry.expires, this.clock.now())) return undefined;
    return entry;
  }

  /**
   * The live description whose Content-Location matches; when a file was re-sent under a new TOI, the one
   * from the newest instance ID.
   */
  byContentLocation(contentLocation: string): FdtTableEntry | undefined {
    const now = this.clock.now();
    let best: FdtTableEntry | undefined;
    for (const entry of this.byToiMap.values()) {
      if (entry.file.contentLocation !== contentLocation || isExpired(entry.expires, now)) continue;
      if (best === undefined || isNewerFdtInstanceId(entry.fdtInstanceId, best.fdtInstanceId)) best = entry;
    }
    return best;
  }

  /** Drops expired descriptions and instance records; returns the TOIs dropped. */
  prune(): number[] {
    const now = this.clock.now();
    const dropped: number[] = [];
    for (const [toi, entry] of this.byToiMap) {
      if (isExpired(entry.expires, now)) {
        this.byToiMap.delete(toi);
        dropped.push(toi);
      }
    }
    for (const [id, expires] of this.instances) {
      if (isExpired(expires, now)) this.instances.delete(id);
    }
    return dropped;
  }

  /** Live entries, in TOI order. */
  entries(): FdtTableEntry[] {
    const now = this.clock.now();
    return [...this.byToiMap.values()]
      .filter((entry) => !isExpired(entry.expires, now))
      .sort((a, b) => a.toi - b.toi);
  }

  get size(): number {
    return this.entries().length;
  }

  private isNewestLive(fdtInstanceId: number): boolean {
    for (const id of this.instances.keys()) {
      if (isNewerFdtInstanceId(id, fdtInstanceId)) return false;
    }
    return true;
  }
}
