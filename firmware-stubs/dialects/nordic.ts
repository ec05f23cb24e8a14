/**
 * Nordic nRF9160 running the Serial LTE Modem (SLM) application. Sources: at-modules.md §3.4, §3.6; nRF91 AT
 * command reference (%XMONITOR, %XMODEMSLEEP, %HWVERSION, +CMEE); sdk-nrf serial_lte_modem docs
 * (Generic, FOTA, MQTT AT commands) and source (slm_at_host.c: the command grammar check, no echo; main.c:
 * the modem delta update applied while the modem library starts). [M] marks what is unverified.
 *
 * Differences from 27.007 handled here:
 * - The SLM takes only `AT`, `AT+…`, `AT%…` and `AT#…`: V.250 basic commands (ATE, ATI, ATV, ATZ, AT&F, ATS…)
 *   fail its grammar check and answer ERROR; it never echoes. The modem takes AT+CMEE=0/1 only (field log:
 *   AT+CMEE=2 → ERROR) and starts with AT+CMEE=0.
 * - After a start the modem is in minimum functionality (CFUN=0) until the host sends AT+CFUN=1 (the SLM's
 *   auto-connect is off by default). Boot banner: `Ready`.
 * - PSM: AT%XMODEMSLEEP=1,<warning>,<threshold> gives %XMODEMSLEEP: 1,<ms> when the modem enters PSM for at
 *   least <threshold> ms and %XMODEMSLEEP: 1,0 when it wakes; %XMONITOR reports the granted timers.
 * - #XSLMVER, #XRESET (OK then `Ready`), #XMODEMRESET, #XCLAC, %HWVERSION, %SHORTSWVER, %XSYSTEMMODE.
 * - No file system over AT; FOTA (nordic-fota.ts) and MQTT (nordic-mqtt.ts) are SLM commands.
 */
import type { AtCommand, CommandContext } from '../module/command.ts';
import type { ModuleCore } from '../module/core.ts';
import type { Dialect, DialectBehaviour, DialectBinding, PsmEntry } from '../module/dialect.ts';
import { stateUrcs } from '../module/network-format.ts';
import { ERROR, type Outcome } from '../module/results.ts';
import { nordicFota } from './nordic-fota.ts';
import { nordicMonitor } from './nordic-monitor.ts';
import { nordicMqtt } from './nordic-mqtt.ts';

/** nRF Connect SDK and modem library versions the emulated SLM reports [M: an SLM with #XMQTTCFG]. */
const SLM_VERSION = { ncs: '2.5.0', libmodem: '2.5.0' } as const;

function info(ctx: CommandContext, text: string): Outcome {
  ctx.info(text);
  return undefined;
}

/** V.250 basic commands: the SLM's grammar check refuses them before the modem sees them. */
const REFUSED_BASIC: readonly AtCommand[] = ['E', 'V', 'Q', 'I', 'Z', '&F', '&W', '&C', '&D', 'S'].map(
  (name) => ({
    name,
    summary: 'not taken by the Serial LTE Modem (ERROR)',
    hidden: true,
    basic: () => ERROR,
  }),
);

/** %HWVERSION text from the model: "nRF9160-SICA" → "nRF9160 SICA B0A" (nRF91 AT reference example). */
function hardwareVersion(core: ModuleCore): string {
  return `${core.profile.identification.model.replace('-', ' ')} B0A`;
}

function slmCommands(core: ModuleCore, nv: { systemMode: number[] }): AtCommand[] {
  return [
    ...REFUSED_BASIC,
    {
      name: '+CMEE',
      summary: 'error reporting: 0 ERROR, 1 numeric (2 is not supported)',
      set: (ctx, args) => {
        const n = args.atMost(1).int(0, { min: 0, max: 2, def: 0 });
        if (n === 2) return ERROR;
        ctx.module.settings.cmee = n as 0 | 1;
        return undefined;
      },
      read: (ctx) => info(ctx, `+CMEE: ${ctx.module.settings.cmee}`),
      test: (ctx) => info(ctx, '+CMEE: (0,1)'),
    },
    {
      name: '%HWVERSION',
      summary: 'hardware version',
      exec: (ctx) => info(ctx, `%HWVERSION: ${hardwareVersion(core)}`),
    },
    {
      name: '%SHORTSWVER',
      summary: 'short modem firmware version',
      exec: (ctx) => info(ctx, `%SHORTSWVER: ${core.firmware.revision.replace(/^mfw_/, '')}`),
    },
    {
      name: '%XSYSTEMMODE',
      summary: 'system mode: <LTE-M>,<NB-IoT>,<GNSS>,<preference> (only in CFUN 0 or 4)',
      set: (_ctx, args) => {
        args.atMost(4);
        const mode = [0, 1, 2].map((i) => args.int(i, { oneOf: [0, 1] }));
        mode.push(args.int(3, { min: 0, max: 4, def: 0 }));
        if (core.cfun === 1) return ERROR; // the modem changes system mode only while offline
        nv.systemMode = mode;
        return undefined;
      },
      read: (ctx) => info(ctx, `%XSYSTEMMODE: ${nv.systemMode.join(',')}`),
    },
    {
      name: '#XSLMVER',
      summary: 'SLM version: "<nRF Connect SDK>","<modem library>"',
      exec: (ctx) => info(ctx, `#XSLMVER: "${SLM_VERSION.ncs}","${SLM_VERSION.libmodem}"`),
    },
    {
      name: '#XRESET',
      summary: 'soft reset of the nRF9160: OK, then Ready',
      exec: (ctx) => {
        ctx.afterResponse(() => core.reboot());
        return undefined;
      },
    },
    {
      name: '#XMODEMRESET',
      summary: 'reset the modem only; it comes back in minimum functionality',
      exec: (ctx) => {
        core.setCfun(0);
        return info(ctx, '#XMODEMRESET: 0');
      },
    },
    {
      name: '#XCLAC',
      summary: 'list the SLM (#X) commands',
      exec: (ctx) => {
        for (const c of core.commandList()) {
          if (!c.name.startsWith('#X') || c.hidden) continue;
          ctx.info(
            c.nonStandard
              ? `AT${c.name} (NON-STANDARD: emulator-only synthetic command, no shipping module has it)`
              : `AT${c.name}`,
          );
        }
        return undefined;
      },
    },
  ];
}

export const nordic: Dialect = {
  id: 'nordic',
  description: 'Nordic nRF9160 with the Serial LTE Modem application (LTE-M/NB-IoT)',

  bind(core: ModuleCore): DialectBinding {
    const both = core.profile.rats.includes('lte-m') && core.profile.rats.includes('nb-iot');
    const nv = { systemMode: [1, both ? 1 : 0, 0, 0] };
    const monitor = nordicMonitor(core);
    const fota = nordicFota(core);
    const mqtt = nordicMqtt(core);
    const behaviour: DialectBehaviour = {
      cmeeDefault: 0,
      unknownCommand: ERROR,
      unsupportedForm: ERROR,
      errorTexts: {},
      actForRat: (rat) => (rat === 'lte-m' ? 7 : 9),
      psmWakeMs: 10, // [M] the application core and its UART stay up while the modem sleeps
      uartAwakeInPsm: true,
      fileSystemBytes: 1024 * 1024, // not reachable over AT: the store the multicast receiver delivers into
    };
    return {
      behaviour,
      commands: [...slmCommands(core, nv), ...monitor.commands, ...fota.commands, ...mqtt.commands],
      bootOutput() {
        // The modem starts offline: WORKAROUND for a missing core hook (functionality after boot), done here
        // because bootOutput runs at the start of every boot, before the core starts registration.
        core.setCfun(0);
        if (fota.applyPendingAtBoot()) return { banner: [] }; // Ready follows the modem update
        return { banner: [...core.profile.identification.bootBanner] };
      },
      psmEntered: (entry: PsmEntry) => monitor.psmEntered(entry),
      psmLeft: () => monitor.psmLeft(),
      stormUrcs: () => stateUrcs(core),
      powerLost() {
        monitor.reset();
        fota.reset();
        mqtt.reset();
      },
    };
  },
};
