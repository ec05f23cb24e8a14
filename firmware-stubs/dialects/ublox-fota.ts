/**
 * u-blox FOAT (firmware update over AT): the host stores the package with AT+UDWNFILE=…,"FOAT", then
 * AT+UFWINSTALL answers OK and the module restarts into its installer, which reports +UUFWINSTALL: <1..100>
 * and ends with +UUFWINSTALL: 128 (success) or an error code above 128, then restarts into the firmware.
 * Source: at-modules.md §3.3 (SARA-R5 FOAT, D). A power cut during the install leaves the installer armed:
 * it starts again at the next boot, as the manual says. The install itself is the core's FirmwareUpdater
 * (the A/B update agent), used as the Quectel dialect uses it; a refused image ends with the code
 * UFWINSTALL_RESULT gives its LwM2M result.
 *
 * [M] the error codes for a package the installer rejects (129-132 here, by LwM2M result), the +CME ERROR for AT+UFWINSTALL without
 * a package (FILE NOT FOUND here); the pre-validation URC +UFWPREVAL is not emulated.
 */
import type { AtArguments } from '../module/arguments.ts';
import type { AtCommand, CommandContext } from '../module/command.ts';
import type { ModuleCore } from '../module/core.ts';
import { cme, type Outcome } from '../module/results.ts';
import { type FoatStore, UBLOX_FILE_ERROR } from './ublox-files.ts';

export const UFWINSTALL_RESULT = {
  success: 128,
  badPackage: 129,
  unsupportedPackage: 130,
  packageTooLarge: 131,
  failed: 132,
} as const;

/** +UUFWINSTALL: <code> for the agent's LwM2M Update Result [M]. */
export function ufwinstallCodeForResult(lwm2mResult: number): number {
  if (lwm2mResult === 5) return UFWINSTALL_RESULT.badPackage;
  if (lwm2mResult === 6) return UFWINSTALL_RESULT.unsupportedPackage;
  if (lwm2mResult === 2) return UFWINSTALL_RESULT.packageTooLarge;
  return UFWINSTALL_RESULT.failed;
}

/** How long the installer waits after its last URC before restarting the module [M]. */
const RESTART_AFTER_REPORT_MS = 500;

export interface UbloxFota {
  readonly commands: readonly AtCommand[];
  /** Called at each boot: true when this boot runs the installer (and prints its URCs). */
  startInstallerIfArmed(): boolean;
}

export function ubloxFota(core: ModuleCore, foat: FoatStore): UbloxFota {
  // Armed installer: kept in flash, so a power cut during the install does not disarm it.
  let armed: { name: string; pkg: Buffer } | undefined;

  // The installer prints once AT is up: the boot time after the restart.
  async function atReady(signal: AbortSignal): Promise<void> {
    await core.clock.sleep(core.profile.timing.bootMs, signal);
    while (core.power !== 'on') await core.clock.sleep(10, signal);
  }

  async function install(job: { name: string; pkg: Buffer }, signal: AbortSignal): Promise<void> {
    await atReady(signal);
    const result = await core.withFlashActivity(() =>
      core.firmware.install(job.pkg, (pct) => core.urc(`+UUFWINSTALL: ${Math.round(pct)}`), signal),
    );
    if (signal.aborted) return;
    armed = undefined;
    foat.delete(job.name);
    core.urc(
      `+UUFWINSTALL: ${result.ok ? UFWINSTALL_RESULT.success : ufwinstallCodeForResult(result.lwm2mResult)}`,
    );
    await core.clock.sleep(RESTART_AFTER_REPORT_MS, signal);
    core.reboot();
  }

  const ufwinstall = (ctx: CommandContext, args?: AtArguments): Outcome => {
    // [<port>,<baud rate>[,…]]: the installer reports on this UART whatever is given.
    if (args) {
      args.atMost(5);
      for (let i = 0; i < args.count; i++) if (!args.isEmpty(i)) args.int(i, { min: 0 });
    }
    const pkg = foat.latest();
    if (!pkg) return cme(UBLOX_FILE_ERROR.fileNotFound);
    ctx.afterResponse(() => {
      armed = { name: pkg.name, pkg: pkg.data };
      core.reboot();
    });
    return undefined;
  };

  return {
    commands: [
      {
        name: '+UFWINSTALL',
        summary: 'install the FOAT package: restart into the installer, +UUFWINSTALL: <pct> … 128',
        exec: (ctx) => ufwinstall(ctx),
        set: ufwinstall,
      },
    ],
    startInstallerIfArmed(): boolean {
      if (!armed) return false;
      const job = armed;
      const signal = core.bootSignal;
      void install(job, signal).catch(() => {});
      return true;
    },
  };
}
