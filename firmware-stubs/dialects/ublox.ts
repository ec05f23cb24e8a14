/**
 * u-blox SARA-R5 dialect (SARA-R510M8S / R500S, UBX-R5 chipset, LTE-M / NB-IoT). Sources: at-modules.md §3.3,
 * §3.6; SARA-R4 AT manual UBX-17003787 (+UPSMR, +UCPSMS, file commands) where the R5 page was not at hand;
 * ubxlib (u_cell_pwr.c: no CFUN=15 on R5, CFUN=16 resets). [M] marks what is unverified.
 *
 * Differences from 27.007 handled here:
 * - Silent boot: nothing is printed after power-on or a reset (hardware/modules/ublox-sara-r5.yaml); the host
 *   waits the boot time (ubxlib: 6 s) before talking.
 * - ATI9 prints "<modem version>,<application version>"; AT+CFUN=16 resets the module, 15 is refused.
 * - PSM: AT+UPSMR=1 (kept in NVM, as the manual's attributes say) enables +UUPSMR: 1 when the module enters
 *   PSM and +UUPSMR: 0 when it leaves it; AT+UCPSMS? reads the network-assigned timers in the +CPSMS format
 *   plus the TAU format type (1: T3412-extended). AT+UPSV is stored only (the first-character loss of a
 *   sleeping UART is not modelled).
 * - Files (ublox-files.ts), FOAT install (ublox-fota.ts), MQTT (ublox-mqtt.ts).
 */
import type { AtArguments } from '../module/arguments.ts';
import type { AtCommand, CommandContext } from '../module/command.ts';
import { NETWORK_COMMANDS } from '../module/commands-network.ts';
import type { ModuleCore } from '../module/core.ts';
import type { Dialect, DialectBehaviour, DialectBinding } from '../module/dialect.ts';
import { stateUrcs } from '../module/network-format.ts';
import { CME, cme, ERROR, type Outcome } from '../module/results.ts';
import { FoatStore, UBLOX_FILE_ERROR_TEXTS, ubloxFileCommands } from './ublox-files.ts';
import { ubloxFota } from './ublox-fota.ts';
import { ubloxMqtt } from './ublox-mqtt.ts';

/** Application version printed by ATI9 after the modem version (UBX-19047455 preface: A00.01). */
const APPLICATION_VERSION = 'A00.01';

const coreCfun = NETWORK_COMMANDS.find((c) => c.name === '+CFUN');

/** Settings the module keeps in NVM across reboots. */
interface UbloxNv {
  psmUrc: boolean;
}

function info(ctx: CommandContext, text: string): Outcome {
  ctx.info(text);
  return undefined;
}

function systemCommands(core: ModuleCore, nv: UbloxNv, volatile: { upsv: number }): AtCommand[] {
  const cfunSet = coreCfun?.set;
  return [
    {
      name: 'I',
      summary: 'identification: ATI / ATI0 model, ATI9 modem and application versions',
      basic: (ctx, p) => {
        if (p === '9') return info(ctx, `${core.firmware.revision},${APPLICATION_VERSION}`);
        if (p !== '' && p !== '0') return ERROR;
        for (const line of core.identificationLines()) ctx.info(line);
        return undefined;
      },
    },
    {
      name: '+CFUN',
      summary: 'functionality: 0 minimum, 1 full, 4 flight; 16 resets the module',
      set: (ctx: CommandContext, args: AtArguments) => {
        const fun = args.int(0, { min: 0, max: 127 });
        if (fun === 16) {
          args.atMost(2);
          ctx.afterResponse(() => core.reboot());
          return undefined;
        }
        if (fun === 15 || !cfunSet) return cme(CME.incorrectParameters); // SARA-R5 has no CFUN=15
        return cfunSet(ctx, args);
      },
      read: (ctx) => info(ctx, `+CFUN: ${core.cfun}`),
      test: (ctx) => info(ctx, '+CFUN: (0,1,4,16),(0-1)'),
    },
    {
      name: '+UPSMR',
      summary: 'PSM URC +UUPSMR: 0 off, 1 on (kept in NVM)',
      set: (_ctx, args) => {
        nv.psmUrc = args.atMost(1).int(0, { oneOf: [0, 1] }) === 1;
        return undefined;
      },
      read: (ctx) => info(ctx, `+UPSMR: ${nv.psmUrc ? 1 : 0}`),
      test: (ctx) => info(ctx, '+UPSMR: (0-1)'),
    },
    {
      name: '+UCPSMS',
      summary: 'PSM timers assigned by the network: +UCPSMS: <mode>,,,"<TAU>","<Active-Time>",<TAU format>',
      read: (ctx) => {
        const grant = core.registration.psmGrant;
        return info(ctx, grant ? `+UCPSMS: 1,,,"${grant.tauBits}","${grant.activeBits}",1` : '+UCPSMS: 0');
      },
    },
    {
      name: '+UPSV',
      summary: 'UART power saving: 0 off, 1 timeout, 2 RTS, 3 DTR, 4 DTR with data (stored only)',
      set: (_ctx, args) => {
        args.atMost(2);
        volatile.upsv = args.int(0, { min: 0, max: 4 });
        args.int(1, { min: 40, max: 65000, def: 2000 });
        return undefined;
      },
      read: (ctx) => info(ctx, volatile.upsv === 1 ? '+UPSV: 1,2000' : `+UPSV: ${volatile.upsv}`),
      test: (ctx) => info(ctx, '+UPSV: (0-4),(40-65000)'),
    },
  ];
}

export const ublox: Dialect = {
  id: 'ublox',
  description: 'u-blox SARA-R5 (LTE-M/NB-IoT)',

  bind(core: ModuleCore): DialectBinding {
    const nv: UbloxNv = { psmUrc: false };
    const volatile = { upsv: 0 };
    const foat = new FoatStore();
    const mqtt = ubloxMqtt(core);
    const fota = ubloxFota(core, foat);
    const behaviour: DialectBehaviour = {
      cmeeDefault: 0, // [M]
      unknownCommand: ERROR,
      unsupportedForm: ERROR, // [M]
      errorTexts: UBLOX_FILE_ERROR_TEXTS,
      actForRat: (rat) => (rat === 'lte-m' ? 7 : 9),
      psmWakeMs: 1000, // [M] PWR_ON pulse to AT ready, engineering value
      fileSystemBytes: 2 * 1024 * 1024, // [M]
    };
    return {
      behaviour,
      commands: [
        ...systemCommands(core, nv, volatile),
        ...ubloxFileCommands(core, foat),
        ...fota.commands,
        ...mqtt.commands,
      ],
      bootOutput() {
        fota.startInstallerIfArmed();
        return { banner: [...core.profile.identification.bootBanner] };
      },
      psmEntered: () => (nv.psmUrc ? ['+UUPSMR: 1'] : []),
      psmLeft: () => (nv.psmUrc ? ['+UUPSMR: 0'] : []),
      stormUrcs: () => stateUrcs(core),
      powerLost() {
        volatile.upsv = 0;
        mqtt.reset();
      },
    };
  },
};
