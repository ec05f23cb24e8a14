import {
  type AgentOptions,
  BrickedError,
  buildDeviceImage,
  stubPayload,
  UpdateAgent,
  UpdateResult,
  UpdateState,
} from '../agent/index.ts';
import {
  type CutKind,
  EmulatedFlash,
  type FlashGeometry,
  type FlashOperation,
  PowerCutError,
} from '../flash/index.ts';
import { BENCH_UPDATE_KEYS, BENCH_VENDOR } from './bench-update-key.ts';
import type { ModuleCore } from './core.ts';
import type { BootCause, FirmwareInstallResult, FirmwareUpdater } from './firmware-updater.ts';

/** 4 KiB NOR sectors, 8-byte writes; 32-sector slots hold images up to 128 KiB. [M: engineering values] */
export const MODULE_FLASH_GEOMETRY: Readonly<FlashGeometry> = {
  sectorSize: 4096,
  sectorCount: 70,
  writeAlign: 8,
  erasedValue: 0xff,
};
export const MODULE_SLOT_SECTORS = 32;
/** Payload of the factory image (its bytes are a stub; only its manifest matters). */
const FACTORY_PAYLOAD_BYTES = 8192;

/** What install() hands back from the flash run. */
type InstallRun = { ok: true; next: UpdateAgent } | { ok: false; result: number; reason: string };

/**
 * The module's firmware store over the real A/B update agent (firmware-stubs/agent) on an emulated flash
 * that the module owns: the flash survives reboots and power cuts, the agent instance (RAM) does not.
 *
 * - Factory: the profile's revision is provisioned as a signed image (bench key, class = profile id,
 *   security counter 0) when the module is created.
 * - install(pkg) = agent.download(pkg) + agent.install(): the download checks and writes the secondary slot,
 *   install marks it for a test swap and resets into the bootloader, which swaps. That reset is the
 *   module's own restart into its updater (Quectel's UPDATING, u-blox's installer), so progress covers the
 *   swap; the module reboot that the dialect does after reporting success is the same reset, and boots into
 *   what the bootloader left (the agent of that boot is handed over).
 * - Time: each flash operation takes the module's flash timing (a write of n bytes n / flashWriteBytesPerS,
 *   an erase as writing its sector). The run is planned on a copy of the flash, the module sleeps through the
 *   ops, and the real flash is written when the last op's time is over; when power goes (the boot signal
 *   aborts) during op k, the real run replays up to op k and cuts there: `before` at its start, `tear` inside
 *   it, `after` at its end. The next boot resumes or reverts from flash alone.
 * - Confirm rule: a test image is confirmed once the module has been up for profile.timing.bootMs after the
 *   boot that runs it (AT answers by then); a reset or cut before that reverts to the old image. Confirm and
 *   the bootloader's own work at power-on take no module time (a cut cannot land in them here; the agent's
 *   power-cut sweep covers them op by op).
 */
export class AgentFirmwareUpdater implements FirmwareUpdater {
  readonly flash: EmulatedFlash;
  readonly options: AgentOptions;
  readonly #core: ModuleCore;
  #agent: UpdateAgent | undefined;
  /** The agent of the reset that ended a successful install, until the module's reboot takes it over. */
  #handover: UpdateAgent | undefined;
  #revision: string;
  #bootError: Error | undefined;

  constructor(core: ModuleCore, factoryRevision: string) {
    this.#core = core;
    this.options = {
      publicKey: BENCH_UPDATE_KEYS.publicKey,
      deviceClass: core.profile.id,
      vendor: BENCH_VENDOR,
      mode: 'swap-scratch',
      slotSectors: MODULE_SLOT_SECTORS,
    };
    this.flash = new EmulatedFlash(MODULE_FLASH_GEOMETRY, { seed: 1 });
    const factory = buildDeviceImage(
      {
        vendor: BENCH_VENDOR,
        deviceClass: core.profile.id,
        version: factoryRevision,
        securityCounter: 0,
        payload: stubPayload(`factory ${core.profile.id} ${factoryRevision}`, FACTORY_PAYLOAD_BYTES),
      },
      BENCH_UPDATE_KEYS.privateKey,
    );
    UpdateAgent.provision(this.flash, this.options, factory);
    this.#revision = factoryRevision;
    this.#bootFromFlash();
  }

  get revision(): string {
    return this.#revision;
  }

  /** The agent of the running boot (undefined when the last boot found nothing bootable). */
  get agent(): UpdateAgent | undefined {
    return this.#agent;
  }

  /** Why the last boot failed (a BrickedError), if it did. */
  get bootError(): Error | undefined {
    return this.#bootError;
  }

  boot(cause: BootCause): void {
    const handover = this.#handover;
    this.#handover = undefined;
    if (handover && cause === 'reset' && this.flash.powered) this.#run(handover);
    else this.#bootFromFlash();
    this.#confirmWhenHealthy();
  }

  activate(): void {
    const handover = this.#handover;
    if (!handover || !this.flash.powered) return;
    this.#handover = undefined;
    this.#run(handover);
    this.#confirmWhenHealthy();
  }

  /** A test image is confirmed once the module has been up for its boot time (see the class comment). */
  #confirmWhenHealthy(): void {
    const agent = this.#agent;
    if (!agent || agent.report.confirmed) return;
    const signal = this.#core.bootSignal;
    this.#core.clock
      .sleep(this.#core.profile.timing.bootMs, signal)
      .then(() => {
        if (this.#agent === agent && this.flash.powered) agent.confirm();
      })
      .catch(() => {});
  }

  async install(
    pkg: Uint8Array,
    progress: (percent: number) => void,
    signal: AbortSignal,
  ): Promise<FirmwareInstallResult> {
    const agent = this.#agent;
    if (!agent) return failed('aborted', UpdateResult.UpdateFailed, 'no running firmware (bricked)');
    // Installing from a running test image: it is up and doing work, so it is healthy.
    if (agent.state === UpdateState.Updating) agent.confirm();
    const run = await this.#timed(agent, (a) => installOn(a, pkg), progress, signal);
    if (run === 'cut')
      return failed('aborted', UpdateResult.UpdateFailed, 'install interrupted (power lost)');
    if (!run.ok) return failed('bad-package', run.result, run.reason);
    this.#agent = undefined; // the agent reset itself: the old firmware's RAM is gone
    this.#handover = run.next;
    return { ok: true, revision: run.next.runningVersion };
  }

  #bootFromFlash(): void {
    if (!this.flash.powered) this.flash.powerCycle();
    try {
      this.#run(UpdateAgent.boot(this.flash, this.options));
    } catch (e) {
      if (!(e instanceof BrickedError)) throw e;
      this.#agent = undefined;
      this.#bootError = e;
      this.#revision = 'BRICKED';
    }
  }

  #run(agent: UpdateAgent): void {
    this.#agent = agent;
    this.#bootError = undefined;
    this.#revision = agent.runningVersion;
  }

  /**
   * Runs work(agent) on the flash, taking the module's time per flash operation (see the class comment).
   * Returns 'cut' when the boot signal aborted first: the flash is then as a cut at that moment left it.
   */
  async #timed<T>(
    agent: UpdateAgent,
    work: (agent: UpdateAgent) => T,
    progress: (percent: number) => void,
    signal: AbortSignal,
  ): Promise<T | 'cut'> {
    const plan = this.#plan(work);
    const clock = this.#core.clock;
    let index = 0;
    let opStart = clock.now();
    let cut = false;
    const onAbort = () => {
      cut = true;
      const op = plan.ops[index];
      if (!op) return; // every op's time is over but the run had not started: nothing was written
      const elapsed = clock.now() - opStart;
      const kind: CutKind = elapsed <= 0 ? 'before' : elapsed >= op.ms ? 'after' : 'tear';
      this.#cutDuring(agent, work, op.index, kind);
    };
    if (signal.aborted) return 'cut';
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      let done = 0;
      let reported = 0;
      for (; index < plan.ops.length; index++) {
        const op = plan.ops[index]!;
        opStart = clock.now();
        await clock.sleep(op.ms, signal);
        done += op.ms;
        const tenth = plan.totalMs > 0 ? Math.floor((done / plan.totalMs) * 10 + 1e-9) : 10;
        for (; reported < tenth; ) progress(++reported * 10);
      }
      for (let r = reported; r < 10; ) progress(++r * 10);
    } catch {
      return 'cut';
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (cut) return 'cut';
    return work(agent);
  }

  /** The flash operations work would do, from a dry run on a copy of the flash. */
  #plan(work: (agent: UpdateAgent) => unknown): {
    ops: { index: number; ms: number }[];
    totalMs: number;
  } {
    const copy = this.flash.clone();
    const seen: FlashOperation[] = [];
    const twin = UpdateAgent.boot(copy, this.options);
    copy.setFaultPoint((op) => {
      seen.push(op);
      return 'proceed';
    });
    work(twin);
    const bytesPerS = this.#core.profile.timing.flashWriteBytesPerS;
    const ops = seen.map((op) => ({ index: op.index, ms: (op.length / bytesPerS) * 1000 }));
    return { ops, totalMs: ops.reduce((sum, op) => sum + op.ms, 0) };
  }

  /** Replays work on the real flash up to the operation with this index and cuts power there. */
  #cutDuring(
    agent: UpdateAgent,
    work: (agent: UpdateAgent) => unknown,
    opIndex: number,
    kind: CutKind,
  ): void {
    this.flash.setFaultPoint((op) => (op.index === opIndex ? kind : 'proceed'));
    try {
      work(agent);
    } catch (e) {
      if (!(e instanceof PowerCutError)) throw e;
    } finally {
      this.flash.setFaultPoint(undefined);
    }
    this.#agent = undefined;
  }
}

function installOn(agent: UpdateAgent, pkg: Uint8Array): InstallRun {
  const check = agent.download(pkg);
  if (!check.ok) return { ok: false, result: check.result, reason: check.reason };
  const next = agent.install();
  if (next === agent)
    return { ok: false, result: agent.result, reason: 'the downloaded image no longer checks' };
  return { ok: true, next };
}

function failed(
  reason: 'bad-package' | 'aborted',
  lwm2mResult: number,
  detail: string,
): FirmwareInstallResult {
  return { ok: false, reason, detail, lwm2mResult };
}
