/**
 * Quectel DFOTA: AT+QFOTADL="<http(s) URL | UFS:file>" → OK, then
 *   +QIND: "FOTA","HTTPSTART" / "HTTPEND",<err>   (URL only)
 *   +QIND: "FOTA","START" / "UPDATING",<pct>… / "END",<err>
 * and, on success, a reboot into the new firmware. Source: at-modules.md §3.1 (BG96 DFOTA guide, D).
 * The install itself is the core's FirmwareUpdater (the A/B update agent, module/agent-firmware-updater.ts);
 * a refused image ends with "END",<err> from the agent's LwM2M result (FOTA_ERROR_FOR_RESULT).
 */
import type { AtArguments } from '../module/arguments.ts';
import type { AtCommand, CommandContext } from '../module/command.ts';
import type { ModuleCore } from '../module/core.ts';
import { CME, cme, ERROR, type Outcome } from '../module/results.ts';

/** Error codes in "END",<err> / "HTTPEND",<err>. [M] The guide shows 5xx/7xx ranges; these picks are unverified. */
export const FOTA_ERROR = {
  noPackage: 502,
  badPackage: 511,
  unsupportedPackage: 512,
  packageTooLarge: 513,
  interrupted: 510,
  httpFailed: 701,
} as const;

/** "END",<err> for the agent's LwM2M Update Result [M: the guide names no per-cause codes]. */
export function fotaErrorForResult(lwm2mResult: number): number {
  switch (lwm2mResult) {
    case 2: // not enough flash
      return FOTA_ERROR.packageTooLarge;
    case 5: // integrity: signature, digest, truncated
      return FOTA_ERROR.badPackage;
    case 6: // unsupported package: format, vendor, device class
      return FOTA_ERROR.unsupportedPackage;
    default: // 8: update failed (older security counter, flash failure)
      return FOTA_ERROR.interrupted;
  }
}

/** Real-time bound on an HTTP download (holds a VirtualClock meanwhile). */
const HTTP_BOUND_MS = 30_000;

export interface QuectelFota {
  readonly commands: readonly AtCommand[];
  reset(): void;
}

export function quectelFota(core: ModuleCore): QuectelFota {
  let running = false;

  const fota = (line: string) => core.urc(`+QIND: "FOTA",${line}`);

  async function download(url: string, signal: AbortSignal): Promise<Uint8Array | undefined> {
    fota('"HTTPSTART"');
    const hold = core.clock.hold(`FOTA download ${url}`);
    let bytes: Uint8Array | undefined;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(HTTP_BOUND_MS) });
      if (res.ok) bytes = new Uint8Array(await res.arrayBuffer());
    } catch {
      bytes = undefined;
    } finally {
      hold.release();
    }
    if (signal.aborted) return undefined;
    if (!bytes) {
      fota(`"HTTPEND",${FOTA_ERROR.httpFailed}`);
      return undefined;
    }
    // Air time of the download at the network's downlink rate, RRC connected meanwhile.
    core.radio.activity('downlink', bytes.length);
    await core.clock.sleep((bytes.length * 8) / core.policy.downlinkKbps, signal);
    fota('"HTTPEND",0');
    return bytes;
  }

  async function run(source: string, signal: AbortSignal): Promise<void> {
    let pkg: Uint8Array | undefined;
    if (/^https?:\/\//i.test(source)) {
      if (!core.registration.registered) {
        fota(`"HTTPEND",${FOTA_ERROR.httpFailed}`);
        return;
      }
      pkg = await download(source, signal);
      if (!pkg) return;
    } else {
      pkg = core.files.read(source.replace(/^UFS:/i, ''));
      if (!pkg) {
        fota(`"END",${FOTA_ERROR.noPackage}`);
        return;
      }
    }
    fota('"START"');
    const result = await core.withFlashActivity(() =>
      core.firmware.install(pkg, (pct) => fota(`"UPDATING",${Math.round(pct)}`), signal),
    );
    if (signal.aborted) return;
    if (!result.ok) {
      fota(`"END",${fotaErrorForResult(result.lwm2mResult)}`);
      return;
    }
    fota('"END",0');
    core.reboot();
  }

  const qfotadl = (_ctx: CommandContext, args: AtArguments): Outcome => {
    const source = args.atMost(1).quoted(0, { maxLength: 700 });
    if (running) return cme(CME.notAllowed);
    running = true;
    const signal = core.bootSignal;
    void run(source, signal)
      .catch(() => {})
      .finally(() => {
        if (!signal.aborted) running = false;
      });
    return undefined;
  };

  return {
    commands: [
      {
        name: '+QFOTADL',
        summary: 'firmware update from "<http(s) URL>" or "UFS:<file>"; progress in +QIND: "FOTA",…',
        set: qfotadl,
        exec: () => ERROR,
      },
    ],
    reset: () => {
      running = false;
    },
  };
}
