import type { KeyObject } from 'node:crypto';
import type { EmulatedFlash } from '../flash/index.ts';
import {
  checkImage,
  claimedTotalSize,
  type ImageCheck,
  type ImageHeader,
  type ImagePolicy,
  MAX_HEADER_SIZE,
} from './image.ts';
import { type FlashLayout, readSlot, type Slot, sectorOffset } from './layout.ts';
import { UpdateState } from './lwm2m.ts';
import {
  beginSwapStatus,
  eraseSwapStatus,
  markStepDone,
  markSwapDone,
  readSwapStatus,
} from './swap-status.ts';
import {
  decideSwap,
  isRevertible,
  readTrailer,
  SwapType,
  writeSwapInfo,
  writeTrailerFlag,
  writeTrailerMagic,
} from './trailer.ts';
import { appendUpdateRecord, readUpdateLog } from './update-log.ts';

export type UpdateMode = 'swap-scratch' | 'overwrite-only';

/** Deliberate defects, so a sweep can show it catches them. */
export type AgentBug =
  /** Writes the final trailers (image ok, copy done) and drops the request before copying: a cut mid-copy bricks. */
  'image-ok-before-copy';

export interface TrustPolicy {
  publicKey: KeyObject;
  deviceClass: string;
  vendor?: string;
  hardwareRevision?: string;
}

export interface BootConfig {
  layout: FlashLayout;
  mode: UpdateMode;
  trust: TrustPolicy;
  bug?: AgentBug;
}

export type BootAction = 'none' | 'test' | 'perm' | 'revert';

export interface BootOutcome {
  action: BootAction;
  /** True when the swap was found in progress and finished from the status area. */
  resumed: boolean;
  /** A requested image the bootloader refused (and cancelled). */
  rejected?: { result: number; reason: string };
  primary: ImageHeader;
}

/** The primary slot holds no valid image and there is nothing to fall back to: the device is bricked. */
export class BrickedError extends Error {
  override name = 'BrickedError';
}

const ACTION: Record<SwapType, BootAction> = { 1: 'none', 2: 'test', 3: 'perm', 4: 'revert' };

/**
 * One boot: finish a swap in progress, else act on the decision table (checking the requested image
 * first), raise the stored security counter once the running image can no longer revert, check the
 * primary image. Everything it knows comes from flash.
 */
export function runBootloader(flash: EmulatedFlash, config: BootConfig): BootOutcome {
  const { layout } = config;
  let action: BootAction = 'none';
  let resumed = false;
  let rejected: BootOutcome['rejected'];
  const status = readSwapStatus(flash, layout);
  if (status.state === 'in-progress') {
    runSwap(flash, config, status.type, status.sectors, status.stepDone);
    action = ACTION[status.type];
    resumed = true;
  } else {
    if (status.state !== 'erased') eraseSwapStatus(flash, layout);
    const primaryTrailer = readTrailer(flash, layout, layout.primary);
    const type = decideSwap(primaryTrailer, readTrailer(flash, layout, layout.secondary), config.mode);
    if (type === SwapType.Test || type === SwapType.Perm) {
      const stored = readUpdateLog(flash, layout).securityCounter;
      const check = checkSlot(flash, config, layout.secondary, stored);
      if (check.ok) {
        startSwap(flash, config, type);
        action = ACTION[type];
      } else {
        // Report first, then cancel the request: a cut in between repeats both.
        const latest = readUpdateLog(flash, layout).latest;
        appendUpdateRecord(flash, layout, { ...latest, state: UpdateState.Idle, result: check.result });
        flash.eraseSector(layout.secondary.trailerSector);
        rejected = { result: check.result, reason: check.reason };
      }
    } else if (type === SwapType.Revert) {
      if (checkSlot(flash, config, layout.secondary, undefined).ok) {
        startSwap(flash, config, type);
        action = 'revert';
      } else {
        // Nothing valid to go back to: keep the running image (MCUboot marks it OK).
        writeTrailerFlag(flash, layout, layout.primary, 'imageOk');
      }
    }
  }
  const primary = checkSlot(flash, config, layout.primary, undefined);
  if (!primary.ok)
    throw new BrickedError(`bootloader: primary slot holds no bootable image: ${primary.reason}`);
  raiseSecurityCounter(flash, config, primary.header);
  return { action, resumed, ...(rejected ? { rejected } : {}), primary: primary.header };
}

/** Reads the image a slot claims to hold and checks it; minSecurityCounter undefined skips anti-rollback. */
export function checkSlot(
  flash: EmulatedFlash,
  config: BootConfig,
  slot: Slot,
  minSecurityCounter: number | undefined,
): ImageCheck {
  const { layout } = config;
  const claimed = claimedTotalSize(readSlot(flash, layout, slot, MAX_HEADER_SIZE));
  const start = sectorOffset(layout, slot.firstSector);
  const length = Math.min(claimed ?? MAX_HEADER_SIZE, layout.imageBytes);
  const policy = { ...config.trust, minSecurityCounter, maxSize: layout.imageBytes };
  // The verdict depends only on the bytes and the policy: an unchanged slot is not hashed and verified again.
  const content = flash.contentKey(start, length);
  const key = `${content}|${policyKey(policy)}`;
  let byKey = checkCache.get(policy.publicKey);
  const cached = byKey?.get(key);
  if (cached) return cached;
  const check = checkImage(flash.read(start, length), policy);
  if (!byKey) {
    byKey = new Map();
    checkCache.set(policy.publicKey, byKey);
  }
  if (byKey.size >= CHECK_CACHE_SIZE) byKey.clear();
  byKey.set(key, check);
  return check;
}

const CHECK_CACHE_SIZE = 4096;
const checkCache = new WeakMap<KeyObject, Map<string, ImageCheck>>();

function policyKey(p: ImagePolicy): string {
  return JSON.stringify([p.deviceClass, p.vendor, p.hardwareRevision, p.minSecurityCounter, p.maxSize]);
}

/** MCUboot TEST semantics: the counter rises only when the image can no longer be reverted. */
function raiseSecurityCounter(flash: EmulatedFlash, config: BootConfig, primary: ImageHeader): void {
  const { layout } = config;
  if (config.mode === 'swap-scratch' && isRevertible(readTrailer(flash, layout, layout.primary))) return;
  const log = readUpdateLog(flash, layout);
  if (primary.securityCounter > log.securityCounter)
    appendUpdateRecord(flash, layout, { ...log.latest, securityCounter: primary.securityCounter });
}

function sectorsToMove(flash: EmulatedFlash, config: BootConfig): number {
  const { layout } = config;
  const size = (slot: Slot) =>
    claimedTotalSize(readSlot(flash, layout, slot, MAX_HEADER_SIZE)) ?? layout.imageBytes;
  const bytes = Math.min(layout.imageBytes, Math.max(size(layout.primary), size(layout.secondary)));
  return Math.ceil(bytes / layout.geometry.sectorSize);
}

function startSwap(flash: EmulatedFlash, config: BootConfig, type: SwapType): void {
  const { layout } = config;
  const sectors = sectorsToMove(flash, config);
  if (config.bug === 'image-ok-before-copy') {
    finishTrailers(flash, config, type);
    runSteps(
      flash,
      config,
      sectors,
      () => false,
      () => {},
    );
    return;
  }
  beginSwapStatus(flash, layout, type, sectors);
  runSwap(flash, config, type, sectors, () => false);
}

function runSwap(
  flash: EmulatedFlash,
  config: BootConfig,
  type: SwapType,
  sectors: number,
  stepDone: (step: number) => boolean,
): void {
  const { layout } = config;
  runSteps(flash, config, sectors, stepDone, (step) => markStepDone(flash, layout, step));
  finishTrailers(flash, config, type);
  markSwapDone(flash, layout);
  eraseSwapStatus(flash, layout);
}

/**
 * Swap-scratch moves each sector in three steps, each redone whole after a cut (its source is intact
 * until the next step's record is written): secondary → scratch, primary → secondary, scratch → primary.
 * Overwrite-only copies secondary → primary in one step per sector.
 */
function runSteps(
  flash: EmulatedFlash,
  config: BootConfig,
  sectors: number,
  stepDone: (step: number) => boolean,
  markDone: (step: number) => void,
): void {
  const { layout } = config;
  const p = layout.primary.firstSector;
  const s = layout.secondary.firstSector;
  const scratch = layout.scratchSector;
  const moves: Array<(i: number) => [from: number, to: number]> =
    config.mode === 'overwrite-only'
      ? [(i) => [s + i, p + i]]
      : [(i) => [s + i, scratch], (i) => [p + i, s + i], (i) => [scratch, p + i]];
  for (let i = 0; i < sectors; i++)
    moves.forEach((move, k) => {
      const step = i * moves.length + k;
      if (stepDone(step)) return;
      const [from, to] = move(i);
      copySector(flash, layout, from, to);
      markDone(step);
    });
}

/** Erase `to`, write `from`'s bytes into it (the flash shares the storage rather than copying it). */
function copySector(flash: EmulatedFlash, _layout: FlashLayout, from: number, to: number): void {
  flash.copySector(from, to);
}

/** Both trailers erased, the primary's rewritten for its new image; magic last. Redone whole after a cut. */
function finishTrailers(flash: EmulatedFlash, config: BootConfig, type: SwapType): void {
  const { layout } = config;
  flash.eraseSector(layout.primary.trailerSector);
  flash.eraseSector(layout.secondary.trailerSector);
  writeSwapInfo(flash, layout, layout.primary, type);
  if (type !== SwapType.Test || config.mode === 'overwrite-only')
    writeTrailerFlag(flash, layout, layout.primary, 'imageOk');
  writeTrailerFlag(flash, layout, layout.primary, 'copyDone');
  writeTrailerMagic(flash, layout, layout.primary);
}
