/** LwM2M Object 5 Update Result (/5/0/5) of a refused or failed install, 0-9. */
export type Lwm2mUpdateResult = number;

export type FirmwareInstallResult =
  | { ok: true; revision: string }
  | {
      ok: false;
      reason: 'bad-package' | 'aborted';
      detail: string;
      /** Why, as LwM2M reports it (5 integrity, 6 unsupported package, 2 too large, 8 failed…). */
      lwm2mResult: Lwm2mUpdateResult;
    };

/** Why the module starts: power applied (after a cut or at first), or a reset/reboot with power kept. */
export type BootCause = 'power-on' | 'reset';

/**
 * The module's firmware store as FOTA commands see it. A dialect's FOTA command hands it a package and
 * reports progress as URCs; the core reboots when install() succeeds. The running revision survives reboots
 * and power cuts. The default is AgentFirmwareUpdater (the A/B update agent on emulated flash).
 */
export interface FirmwareUpdater {
  /** The running firmware revision (+CGMR, ATI). */
  readonly revision: string;
  /**
   * Install pkg. progress(pct) is called as the install advances (1..100); the promise settles when
   * the new image is in place (the caller then reboots) or the install failed. Aborting the signal
   * (power cut, reset) interrupts the install where it is; the next boot sorts it out from flash.
   */
  install(
    pkg: Uint8Array,
    progress: (percent: number) => void,
    signal: AbortSignal,
  ): Promise<FirmwareInstallResult>;
  /** The module starts: RAM state is gone and what runs comes from flash. Called before the boot timers. */
  boot?(cause: BootCause): void;
  /**
   * Run the image just installed now, without another reset: for modules that apply an update during
   * their own start-up (the nRF91 applies a modem delta while it boots, then runs the new firmware).
   */
  activate?(): void;
}
