/**
 * Serial LTE Modem modem delta FOTA: AT#XFOTA=2,"<http URL>" → OK, then #XFOTA: <stage>,<status>[,<info>]:
 * 2,0 / 3,0 while a dirty DFU scratch area is erased, 1,0,<pct> while downloading, 4,0 once the image waits
 * for activation; AT#XRESET restarts, the modem applies the delta while it starts, and after `Ready` the SLM
 * reports 5,0 (or 5,1,<modem DFU result>). Sources: sdk-nrf applications/serial_lte_modem/doc/FOTA_AT_commands.rst
 * and the SLM source (fota_dl_handler, slm_fota_post_process, on_modem_dfu_res), at-modules.md §3.4.
 *
 * The image is fetched over real HTTP (a loopback server in tests) while the virtual clock holds; its air
 * time at the network's downlink rate and its flash writes are modelled in fragments. The install itself is
 * the core's FirmwareUpdater (the A/B update agent), as the Quectel dialect uses it; every refusal reports
 * 5,1 with the modem's auth error [M: no per-cause mapping to nrf_modem DFU results].
 * A power cut while the delta is applied keeps it pending: the modem applies it at the next start.
 *
 * [M] the DFU area size of op 7, erase and fragment timings; application FOTA (op 1, 6, 8) is not emulated
 * and answers ERROR.
 */
import type { AtArguments } from '../module/arguments.ts';
import type { AtCommand, CommandContext } from '../module/command.ts';
import type { ModuleCore } from '../module/core.ts';
import { ERROR, type Outcome } from '../module/results.ts';

/** nrf_modem_delta_dfu: the area the delta goes to and the offset a dirty area reports. */
const DFU_AREA_BYTES = 368_640; // [M] from the FOTA page example
const DFU_OFFSET_DIRTY = 2_621_440;
/** NRF_MODEM_DFU_RESULT_AUTH_ERROR (0x4400003): the modem rejected the image. */
const DFU_RESULT_AUTH_ERROR = 0x4400003;
/** fota_download error cause 1: download failed. */
const CAUSE_DOWNLOAD_FAILED = 1;
/** download_client fragment size (CONFIG_DOWNLOAD_CLIENT_HTTP_FRAG_SIZE default) [M]. */
const FRAGMENT_BYTES = 2048;
/** Time to erase the DFU scratch area [M: engineering value]. */
const ERASE_MS = 4000;
/** Real-time bound on the HTTP fetch (the virtual clock is held meanwhile). */
const HTTP_BOUND_MS = 30_000;

export interface NordicFota {
  readonly commands: readonly AtCommand[];
  /** Called at each start: true when a downloaded delta is applied now (the caller prints no banner). */
  applyPendingAtBoot(): boolean;
  /** RAM state gone (reboot, power cut). */
  reset(): void;
}

export function nordicFota(core: ModuleCore): NordicFota {
  // In flash: the downloaded delta waiting for activation, and whether the scratch area needs erasing.
  let pending: Buffer | undefined;
  let scratchDirty = false;
  // In RAM: the download in progress.
  let download: AbortController | undefined;

  const fota = (fields: string) => core.urc(`#XFOTA: ${fields}`);

  async function fetchImage(url: string, signal: AbortSignal): Promise<Buffer | undefined> {
    const hold = core.clock.hold(`#XFOTA download ${url}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(HTTP_BOUND_MS)]) });
      return res.ok ? Buffer.from(await res.arrayBuffer()) : undefined;
    } catch {
      return undefined;
    } finally {
      hold.release();
    }
  }

  async function run(url: string, signal: AbortSignal): Promise<void> {
    if (scratchDirty) {
      fota('2,0');
      await core.withFlashActivity(() => core.clock.sleep(ERASE_MS, signal));
      scratchDirty = false;
      fota('3,0');
    }
    const image = core.registration.registered ? await fetchImage(url, signal) : undefined;
    if (signal.aborted) return;
    if (!image || image.length === 0) {
      fota(`0,1,${CAUSE_DOWNLOAD_FAILED}`);
      return;
    }
    fota('1,0,0');
    let reported = 0;
    for (let at = 0; at < image.length; at += FRAGMENT_BYTES) {
      const n = Math.min(FRAGMENT_BYTES, image.length - at);
      core.radio.activity('downlink', n);
      await core.clock.sleep((n * 8) / core.policy.downlinkKbps, signal);
      await core.flashWrite(n, signal);
      scratchDirty = true;
      const pct = Math.floor(((at + n) * 100) / image.length);
      if (pct !== reported) fota(`1,0,${pct}`);
      reported = pct;
    }
    pending = image;
    fota('4,0');
  }

  async function apply(image: Buffer, signal: AbortSignal): Promise<void> {
    const result = await core.withFlashActivity(() => core.firmware.install(image, () => {}, signal));
    if (signal.aborted) return;
    pending = undefined;
    // The delta is applied during this start-up: the modem comes up running it, with no further reset.
    if (result.ok) core.firmware.activate?.();
    // Ready comes once the application is up: the boot time, or the end of the update if that is later.
    while (core.power !== 'on') await core.clock.sleep(10, signal);
    core.urc('Ready');
    fota(result.ok ? '5,0' : `5,1,${DFU_RESULT_AUTH_ERROR}`);
  }

  const start = (_ctx: CommandContext, args: AtArguments): Outcome => {
    args.atMost(4);
    const url = args.quoted(1, { maxLength: 255 });
    const secTag = args.isEmpty(2) ? undefined : args.int(2, { min: 0 });
    if (!args.isEmpty(3)) args.int(3, { min: 0, max: 10 });
    if (!/^https?:\/\/[^/]+\/./i.test(url)) return ERROR;
    if (/^https:/i.test(url) && secTag === undefined) return ERROR; // HTTPS needs a security tag
    if (download) return ERROR;
    const controller = new AbortController();
    download = controller;
    const signal = AbortSignal.any([controller.signal, core.bootSignal]);
    void run(url, signal)
      .catch(() => {})
      .finally(() => {
        if (download === controller) download = undefined;
      });
    return undefined;
  };

  const xfota = (ctx: CommandContext, args: AtArguments): Outcome | Promise<Outcome> => {
    const op = args.int(0, { oneOf: [0, 1, 2, 6, 7, 8, 9] });
    switch (op) {
      case 0:
        if (!download) return ERROR;
        download.abort();
        download = undefined;
        fota('1,2,0');
        return undefined;
      case 2:
        return start(ctx, args);
      case 7:
        args.atMost(1);
        ctx.info(`#XFOTA: ${DFU_AREA_BYTES},${scratchDirty ? DFU_OFFSET_DIRTY : 0}`);
        return undefined;
      case 9:
        args.atMost(1);
        if (!scratchDirty) return undefined;
        return core
          .withFlashActivity(() => ctx.sleep(ERASE_MS))
          .then(() => {
            scratchDirty = false;
            return undefined;
          });
      default:
        return ERROR; // application FOTA is not emulated
    }
  };

  return {
    commands: [
      {
        name: '#XFOTA',
        summary:
          'FOTA: 0 cancel, 2 modem delta from "<http URL>", 7 DFU area, 9 erase it; #XFOTA: <stage>,<status>[,<info>]',
        set: xfota,
        test: (ctx) => {
          ctx.info('#XFOTA: (0,1,2,7,9)[,<file_url>[,<sec_tag>[,<pdn_id>]]]');
          return undefined;
        },
      },
    ],
    applyPendingAtBoot(): boolean {
      if (!pending) return false;
      void apply(pending, core.bootSignal).catch(() => {});
      return true;
    },
    reset() {
      download = undefined;
    },
  };
}
