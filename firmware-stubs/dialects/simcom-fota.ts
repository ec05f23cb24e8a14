/**
 * SIMCom local FOTA: the delta package sits at /fota/update.zip (written with AT+CFSWFILE, or fetched with
 * AT+HTTPTOFS="<url>","/fota/update.zip" → +HTTPTOFS: <http status>,<length>), then AT+CFOTA=1 answers OK and
 * reports +CFOTA: "Start to update", +CFOTA: "Updating",<pct>…, +CFOTA: "Update successfully, please wait
 * for reset" and restarts into the new firmware (or "Update failed, please wait for reset" / "No update
 * package"). Source: at-modules.md §3.5 (SIM7000-series FOTA application note, D; exact parameters unverified).
 * The install itself is the core's FirmwareUpdater (the A/B update agent), as the Quectel dialect uses it;
 * SIMCom's failure text carries no cause, so every refusal reads "Update failed". HTTP needs the application network (AT+CNACT) up, as on the module.
 *
 * [M] the HTTP error status for a failed connection (601), the +HTTPTOFS? read form, the delay before the
 * restart, that a successful update deletes the package.
 */
import type { AtArguments } from '../module/arguments.ts';
import type { AtCommand, CommandContext } from '../module/command.ts';
import type { ModuleCore } from '../module/core.ts';
import { ERROR, type Outcome } from '../module/results.ts';
import { SimcomFiles } from './simcom-files.ts';

const PACKAGE = { dir: 1, name: 'update.zip' } as const;
/** SIMCom HTTP status for "network error" in +HTTPTOFS / +SHREQ [M]. */
const HTTP_NETWORK_ERROR = 601;
const HTTP_BOUND_MS = 30_000;
/** The module announces the reset, then restarts after this long [M]. */
const RESTART_AFTER_REPORT_MS = 1000;

export interface SimcomFota {
  readonly commands: readonly AtCommand[];
  reset(): void;
}

export function simcomFota(core: ModuleCore, files: SimcomFiles, appNetworkUp: () => boolean): SimcomFota {
  let updating = false;
  let transfer: { url: string; path: string } | undefined;

  const cfota = (text: string) => core.urc(`+CFOTA: ${text}`);

  async function update(signal: AbortSignal): Promise<void> {
    const pkg = files.read(PACKAGE.dir, PACKAGE.name);
    if (!pkg) {
      cfota('"No update package"');
      return;
    }
    cfota('"Start to update"');
    const result = await core.withFlashActivity(() =>
      core.firmware.install(pkg, (pct) => cfota(`"Updating",${Math.round(pct)}`), signal),
    );
    if (signal.aborted) return;
    if (result.ok) files.delete(PACKAGE.dir, PACKAGE.name);
    cfota(
      result.ok ? '"Update successfully, please wait for reset"' : '"Update failed, please wait for reset"',
    );
    await core.clock.sleep(RESTART_AFTER_REPORT_MS, signal);
    core.reboot();
  }

  async function httpToFs(
    url: string,
    dest: { dir: number; name: string },
    signal: AbortSignal,
  ): Promise<string> {
    const hold = core.clock.hold(`AT+HTTPTOFS ${url}`);
    let status = HTTP_NETWORK_ERROR;
    let body: Buffer | undefined;
    try {
      const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(HTTP_BOUND_MS)]) });
      status = res.status;
      if (res.ok) body = Buffer.from(await res.arrayBuffer());
    } catch {
      status = HTTP_NETWORK_ERROR;
    } finally {
      hold.release();
    }
    if (!body) return `+HTTPTOFS: ${status},0`;
    core.radio.activity('downlink', body.length);
    await core.clock.sleep((body.length * 8) / core.policy.downlinkKbps, signal);
    await core.flashWrite(body.length, signal);
    if (!files.write(dest.dir, dest.name, body)) return `+HTTPTOFS: ${status},0`;
    return `+HTTPTOFS: ${status},${body.length}`;
  }

  const httptofs = (_ctx: CommandContext, args: AtArguments): Outcome => {
    args.atMost(2);
    const url = args.quoted(0, { maxLength: 512 });
    const path = args.quoted(1, { maxLength: 256 });
    const dest = SimcomFiles.parsePath(path);
    if (!dest || !/^https?:\/\//i.test(url) || !appNetworkUp() || transfer) return ERROR;
    transfer = { url, path };
    const signal = core.bootSignal;
    void httpToFs(url, dest, signal)
      .then((line) => {
        if (!signal.aborted) core.urc(line);
      })
      .catch(() => {})
      .finally(() => {
        if (!signal.aborted) transfer = undefined;
      });
    return undefined;
  };

  return {
    commands: [
      {
        name: '+CFOTA',
        summary:
          'local FOTA from /fota/update.zip: 1 starts it → +CFOTA: "Start to update" … "Update successfully…"',
        set: (_ctx, args) => {
          args.atMost(1).int(0, { oneOf: [1] });
          if (updating) return ERROR;
          updating = true;
          const signal = core.bootSignal;
          void update(signal)
            .catch(() => {})
            .finally(() => {
              if (!signal.aborted) updating = false;
            });
          return undefined;
        },
      },
      {
        name: '+HTTPTOFS',
        summary: 'download "<url>" to "/<dir>/<name>" → +HTTPTOFS: <http status>,<length>',
        set: httptofs,
        read: (ctx) => {
          ctx.info(transfer ? `+HTTPTOFS: 1,"${transfer.url}","${transfer.path}"` : '+HTTPTOFS: 0');
          return undefined;
        },
      },
    ],
    reset: () => {
      updating = false;
      transfer = undefined;
    },
  };
}
