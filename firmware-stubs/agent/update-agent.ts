import type { KeyObject } from 'node:crypto';
import type { EmulatedFlash } from '../flash/index.ts';
import {
  type AgentBug,
  type BootOutcome,
  checkSlot,
  runBootloader,
  type TrustPolicy,
  type UpdateMode,
} from './bootloader.ts';
import { checkImage, type ImageCheck } from './image.ts';
import { type FlashLayout, planLayout, sectorOffset } from './layout.ts';
import { UpdateResult, UpdateState } from './lwm2m.ts';
import {
  isRevertible,
  readTrailer,
  SwapType,
  writeSwapInfo,
  writeTrailerFlag,
  writeTrailerMagic,
} from './trailer.ts';
import { appendUpdateRecord, readUpdateLog, type UpdateRecord } from './update-log.ts';

export interface AgentOptions {
  publicKey: KeyObject;
  deviceClass: string;
  vendor?: string;
  hardwareRevision?: string;
  mode: UpdateMode;
  /** Image sectors per slot (default: as many as the flash allows). */
  slotSectors?: number;
  bug?: AgentBug;
}

export interface AgentReport {
  runningVersion: string;
  runningSecurityCounter: number;
  /** LwM2M /5/0/3. */
  state: UpdateState;
  /** LwM2M /5/0/5. */
  result: UpdateResult;
  /** False while a test image runs that the next reset would revert. */
  confirmed: boolean;
  boot: BootOutcome;
}

/**
 * The device's update agent: what runs after the bootloader, with nothing but flash to go on. A reset
 * (install(), reset(), a power cut) ends this instance: every method of an old instance throws, as RAM
 * state does not survive; UpdateAgent.boot() builds the next one from flash.
 */
export class UpdateAgent {
  readonly flash: EmulatedFlash;
  readonly layout: FlashLayout;
  readonly options: AgentOptions;
  #report: AgentReport;
  #live = true;

  private constructor(flash: EmulatedFlash, options: AgentOptions, layout: FlashLayout, report: AgentReport) {
    this.flash = flash;
    this.options = options;
    this.layout = layout;
    this.#report = report;
  }

  static layoutFor(flash: EmulatedFlash, options: Pick<AgentOptions, 'slotSectors'>): FlashLayout {
    const g = flash.geometry;
    // Two slots of n+1 sectors, scratch, two log sectors and at least one status sector.
    const slotSectors = options.slotSectors ?? Math.floor((g.sectorCount - 4) / 2) - 1;
    return planLayout(g, slotSectors);
  }

  /** Factory programming: the image into the primary slot, nothing else (as a programmer would). */
  static provision(
    flash: EmulatedFlash,
    options: Pick<AgentOptions, 'slotSectors'>,
    image: Uint8Array,
  ): void {
    const layout = UpdateAgent.layoutFor(flash, options);
    writeImage(flash, layout, layout.primary.firstSector, image);
  }

  /** Power on: the bootloader runs, then the agent reconciles the update log with what booted. */
  static boot(flash: EmulatedFlash, options: AgentOptions): UpdateAgent {
    const layout = UpdateAgent.layoutFor(flash, options);
    const boot = runBootloader(flash, {
      layout,
      mode: options.mode,
      trust: trustOf(options),
      ...(options.bug ? { bug: options.bug } : {}),
    });
    const log = readUpdateLog(flash, layout);
    let { state, result } = log.latest;
    // A torn image-ok write (BAD) is no confirmation: the image keeps running (no row of the table
    // reverts it), the report stays Updating, and the next confirm() rewrites the trailer whole.
    const primaryTrailer = readTrailer(flash, layout, layout.primary);
    const tornConfirm = primaryTrailer.magic === 'good' && primaryTrailer.imageOk === 'bad';
    const confirmed = options.mode === 'overwrite-only' || !(isRevertible(primaryTrailer) || tornConfirm);
    const settle = (s: UpdateState, r: UpdateResult) => {
      appendUpdateRecord(flash, layout, { ...log.latest, state: s, result: r });
      state = s;
      result = r;
    };
    const runningTarget = sameDigest(boot.primary.payloadDigest, log.latest.targetDigest);
    if (state === UpdateState.Downloading) settle(UpdateState.Idle, UpdateResult.UpdateFailed);
    else if (state === UpdateState.Downloaded) {
      const check = checkSlot(flash, bootConfig(layout, options), layout.secondary, log.securityCounter);
      if (!check.ok || !sameDigest(check.header.payloadDigest, log.latest.targetDigest))
        settle(UpdateState.Idle, UpdateResult.IntegrityCheckFailure);
    } else if (state === UpdateState.Updating) {
      if (!runningTarget) settle(UpdateState.Idle, UpdateResult.UpdateFailed);
      else if (confirmed) settle(UpdateState.Idle, UpdateResult.Success);
    }
    return new UpdateAgent(flash, options, layout, {
      runningVersion: boot.primary.version,
      runningSecurityCounter: boot.primary.securityCounter,
      state,
      result,
      confirmed,
      boot,
    });
  }

  get report(): AgentReport {
    return this.#report;
  }
  get runningVersion(): string {
    return this.#report.runningVersion;
  }
  get state(): UpdateState {
    return this.#report.state;
  }
  get result(): UpdateResult {
    return this.#report.result;
  }

  /**
   * Object 5 Package write: checks the whole image (signature, class, counter, size, digest) before the
   * secondary slot is touched, writes it, reads it back and checks again. The primary slot is never written.
   */
  download(image: Uint8Array): ImageCheck {
    this.#assertLive('download');
    if (this.state === UpdateState.Updating)
      throw new Error('agent: download refused in state Updating (confirm or reset first)');
    const log = readUpdateLog(this.flash, this.layout);
    this.#record({ ...log.latest, state: UpdateState.Downloading, result: UpdateResult.Initial });
    const check = checkImage(image, {
      ...trustOf(this.options),
      minSecurityCounter: log.securityCounter,
      maxSize: this.layout.imageBytes,
    });
    if (!check.ok) {
      this.#record({ ...log.latest, state: UpdateState.Idle, result: check.result });
      return check;
    }
    const { secondary } = this.layout;
    try {
      this.flash.eraseSector(secondary.trailerSector);
      writeImage(this.flash, this.layout, secondary.firstSector, image);
    } catch (e) {
      if (!(e instanceof Error) || e.name !== 'FlashError') throw e;
      this.#record({ ...log.latest, state: UpdateState.Idle, result: UpdateResult.UpdateFailed });
      return { ok: false, result: UpdateResult.UpdateFailed, reason: e.message };
    }
    const stored = this.#checkSecondary(log.securityCounter);
    if (!stored.ok) {
      this.#record({ ...log.latest, state: UpdateState.Idle, result: stored.result });
      return stored;
    }
    this.#record({
      ...log.latest,
      state: UpdateState.Downloaded,
      result: UpdateResult.Initial,
      targetVersion: check.header.version,
      targetDigest: check.header.payloadDigest.subarray(0, 16),
    });
    return check;
  }

  /**
   * Object 5 Update: checks the downloaded image again, marks it for a test swap (permanent in
   * overwrite-only mode or when asked) and resets. Returns the agent of the next boot; a refusal returns
   * this agent with state Idle and the result set.
   */
  install(options: { permanent?: boolean } = {}): UpdateAgent {
    this.#assertLive('install');
    if (this.state !== UpdateState.Downloaded)
      throw new Error(`agent: install refused in state ${this.state} (needs Downloaded = 2)`);
    const log = readUpdateLog(this.flash, this.layout);
    const check = this.#checkSecondary(log.securityCounter);
    if (!check.ok) {
      this.#record({ ...log.latest, state: UpdateState.Idle, result: check.result });
      return this;
    }
    this.#record({ ...log.latest, state: UpdateState.Updating, result: UpdateResult.Initial });
    const permanent = options.permanent === true || this.options.mode === 'overwrite-only';
    const { secondary } = this.layout;
    writeSwapInfo(this.flash, this.layout, secondary, permanent ? SwapType.Perm : SwapType.Test);
    if (permanent) writeTrailerFlag(this.flash, this.layout, secondary, 'imageOk');
    writeTrailerMagic(this.flash, this.layout, secondary);
    return this.reset();
  }

  /**
   * The running image says it is healthy: image ok set (a torn or missing trailer is rewritten whole),
   * the stored security counter raised, and an update in progress reported as successful.
   */
  confirm(): void {
    this.#assertLive('confirm');
    const { flash, layout } = this;
    const t = readTrailer(flash, layout, layout.primary);
    const canonical = t.magic === 'good' && t.imageOk === 'set' && t.copyDone === 'set';
    if (!canonical && this.options.mode === 'swap-scratch') {
      if (t.magic === 'good' && t.imageOk === 'unset' && t.copyDone === 'set')
        writeTrailerFlag(flash, layout, layout.primary, 'imageOk');
      else {
        flash.eraseSector(layout.primary.trailerSector);
        writeSwapInfo(flash, layout, layout.primary, SwapType.Perm);
        writeTrailerFlag(flash, layout, layout.primary, 'imageOk');
        writeTrailerFlag(flash, layout, layout.primary, 'copyDone');
        writeTrailerMagic(flash, layout, layout.primary);
      }
    }
    const log = readUpdateLog(flash, layout);
    const counter = this.#report.runningSecurityCounter;
    const finishing = log.latest.state === UpdateState.Updating;
    if (counter > log.securityCounter || finishing)
      this.#record({
        ...log.latest,
        securityCounter: counter,
        ...(finishing ? { state: UpdateState.Idle, result: UpdateResult.Success } : {}),
      });
    this.#report = { ...this.#report, confirmed: true };
  }

  /** A reset: this instance dies, the next boot runs from flash. */
  reset(): UpdateAgent {
    this.#assertLive('reset');
    this.#live = false;
    return UpdateAgent.boot(this.flash, this.options);
  }

  /** Flash writes and erases done while fn runs. */
  opsOf(fn: () => void): number {
    const before = this.flash.opCount;
    fn();
    return this.flash.opCount - before;
  }

  #checkSecondary(minSecurityCounter: number): ImageCheck {
    return checkSlot(
      this.flash,
      bootConfig(this.layout, this.options),
      this.layout.secondary,
      minSecurityCounter,
    );
  }

  #record(record: UpdateRecord): void {
    appendUpdateRecord(this.flash, this.layout, record);
    this.#report = { ...this.#report, state: record.state, result: record.result };
  }

  #assertLive(what: string): void {
    if (!this.#live) throw new Error(`agent: ${what} on an agent from before a reset (RAM state is gone)`);
    if (!this.flash.powered) {
      this.#live = false;
      throw new Error(`agent: ${what} after a power cut; boot a new agent from flash`);
    }
  }
}

function trustOf(o: AgentOptions): TrustPolicy {
  return {
    publicKey: o.publicKey,
    deviceClass: o.deviceClass,
    ...(o.vendor !== undefined ? { vendor: o.vendor } : {}),
    ...(o.hardwareRevision !== undefined ? { hardwareRevision: o.hardwareRevision } : {}),
  };
}

function bootConfig(layout: FlashLayout, o: AgentOptions) {
  return { layout, mode: o.mode, trust: trustOf(o) };
}

function sameDigest(digest: Uint8Array, prefix: Uint8Array): boolean {
  if (prefix.every((b) => b === 0)) return false; // no target recorded
  return prefix.every((b, i) => digest[i] === b);
}

/** Sector by sector, one write each; the tail padded with the erased value to the write unit. */
function writeImage(flash: EmulatedFlash, layout: FlashLayout, firstSector: number, image: Uint8Array): void {
  const { sectorSize, erasedValue } = layout.geometry;
  for (let at = 0; at < image.length; at += sectorSize) {
    const sector = firstSector + at / sectorSize;
    const chunk = image.subarray(at, Math.min(image.length, at + sectorSize));
    let padded = chunk;
    if (chunk.length % layout.unit !== 0) {
      padded = new Uint8Array(Math.ceil(chunk.length / layout.unit) * layout.unit).fill(erasedValue);
      padded.set(chunk);
    }
    flash.eraseSector(sector);
    flash.write(sectorOffset(layout, sector), padded);
  }
}
