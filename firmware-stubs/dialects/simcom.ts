/**
 * SIMCom SIM7080G dialect (Qualcomm MDM9205, LTE-M / NB-IoT). Sources: at-modules.md §3.5, §3.6, the profile's
 * field log (boot lines, ATI, +CGMR), field logs of AT+CPSMRDP. [M] marks what is unverified.
 *
 * Differences from 27.007 handled here:
 * - Boot: RDY, +CFUN: 1, +CPIN: READY, SMS Ready (profile); +CPIN: NOT INSERTED and no SMS Ready without SIM.
 * - PSM: AT+CPSMSTATUS=1 enables +CPSMSTATUS: "ENTER PSM" / "EXIT PSM"; AT+CPSMRDP reads the PSM values in
 *   seconds as field logs show them: <mode>,<requested Active-Time>,<requested Periodic-TAU>,<network
 *   Active-Time>,<network T3412-extended>,<network T3412> (0 where there is none).
 * - Application network: AT+CNACT=<pdp>,1 → OK, +APP PDP: <pdp>,ACTIVE; MQTT and HTTP need it.
 * - AT+CPOWD=1 → NORMAL POWER DOWN; AT+SIMCOMATI; AT+CMNB / AT+CNMP are stored only (the network policy
 *   decides the RAT).
 * - Files (simcom-files.ts), FOTA (simcom-fota.ts), MQTT (simcom-mqtt.ts).
 */
import type { AtArguments } from '../module/arguments.ts';
import type { AtCommand, CommandContext } from '../module/command.ts';
import type { ModuleCore } from '../module/core.ts';
import type { BootOutput, Dialect, DialectBehaviour, DialectBinding } from '../module/dialect.ts';
import { decodeTimer2, decodeTimer3 } from '../module/gprs-timers.ts';
import { stateUrcs } from '../module/network-format.ts';
import { ERROR, type Outcome } from '../module/results.ts';
import { SimcomFiles, simcomFileCommands } from './simcom-files.ts';
import { simcomFota } from './simcom-fota.ts';
import { simcomMqtt } from './simcom-mqtt.ts';

const PDP_CONTEXTS = 4;

function info(ctx: CommandContext, text: string): Outcome {
  ctx.info(text);
  return undefined;
}

/** RAM settings of the dialect. */
interface SimcomVolatile {
  psmStatusUrc: boolean;
  /** AT+CNACT application contexts that are up. */
  appPdp: Set<number>;
}

/** Kept in NV memory [M]. */
interface SimcomNv {
  cmnb: number;
  cnmp: number;
}

function bootOutput(core: ModuleCore): BootOutput {
  const banner = core.profile.identification.bootBanner;
  if (core.policy.sim === 'ready') return { banner: [...banner] };
  return {
    banner: banner
      .filter((l) => l !== 'SMS Ready')
      .map((l) => (l === '+CPIN: READY' ? '+CPIN: NOT INSERTED' : l)),
  };
}

/** AT+CPSMRDP fields in seconds (0 where a value is absent or deactivated). */
function cpsmrdp(core: ModuleCore): string {
  const req = core.nv.psm;
  const grant = core.registration.psmGrant;
  const legacy = core.registration.registered ? core.policy.t3412S : 0;
  const reqActive = decodeTimer2(req.activeBits) ?? 0;
  const reqTau = decodeTimer3(req.tauBits) ?? 0;
  return `+CPSMRDP: ${req.mode},${reqActive},${reqTau},${grant?.activeTimeS ?? 0},${grant?.tauS ?? 0},${legacy}`;
}

function systemCommands(core: ModuleCore, ram: SimcomVolatile, nv: SimcomNv): AtCommand[] {
  const appPdpUp = (cid: number) => ram.appPdp.has(cid) && core.registration.registered;
  const powerDown = (ctx: CommandContext, urgent: boolean): Outcome => {
    ctx.afterResponse(() => core.powerDown(urgent ? [] : ['NORMAL POWER DOWN']));
    return undefined;
  };
  const stored = (key: 'cmnb' | 'cnmp', allowed: readonly number[], name: string): AtCommand => ({
    name,
    summary:
      key === 'cmnb'
        ? 'preferred mode: 1 CAT-M, 2 NB-IoT, 3 both (stored only)'
        : 'network mode: 2 auto, 13 GSM, 38 LTE, 51 GSM+LTE (stored only)',
    set: (_ctx, args) => {
      nv[key] = args.atMost(1).int(0, { oneOf: allowed });
      return undefined;
    },
    read: (ctx) => info(ctx, `${name}: ${nv[key]}`),
  });
  return [
    {
      name: '+CPSMSTATUS',
      summary: 'PSM URCs +CPSMSTATUS: "ENTER PSM" / "EXIT PSM": 0 off, 1 on',
      set: (_ctx, args) => {
        ram.psmStatusUrc = args.atMost(1).int(0, { oneOf: [0, 1] }) === 1;
        return undefined;
      },
      read: (ctx) => info(ctx, `+CPSMSTATUS: ${ram.psmStatusUrc ? 1 : 0}`),
      test: (ctx) => info(ctx, '+CPSMSTATUS: (0-1)'),
    },
    {
      name: '+CPSMRDP',
      summary: 'PSM dynamic parameters in seconds: mode, requested and network-given Active-Time and TAU',
      exec: (ctx) => info(ctx, cpsmrdp(core)),
    },
    {
      name: '+CNACT',
      summary: 'application network: <pdp 0-3>,<0 down|1 up> → +APP PDP: <pdp>,ACTIVE|DEACTIVE',
      set: (_ctx, args: AtArguments) => {
        args.atMost(2);
        const cid = args.int(0, { min: 0, max: PDP_CONTEXTS - 1 });
        const up = args.int(1, { oneOf: [0, 1, 2] }) !== 0;
        if (up && !core.registration.registered) return ERROR;
        if (up) ram.appPdp.add(cid);
        else ram.appPdp.delete(cid);
        core.urc(`+APP PDP: ${cid},${up ? 'ACTIVE' : 'DEACTIVE'}`);
        return undefined;
      },
      read: (ctx) => {
        for (let cid = 0; cid < PDP_CONTEXTS; cid++) {
          const ip = appPdpUp(cid) ? (core.registration.pdpAddress ?? '0.0.0.0') : '0.0.0.0';
          ctx.info(`+CNACT: ${cid},${appPdpUp(cid) ? 1 : 0},"${ip}"`);
        }
        return undefined;
      },
      test: (ctx) => info(ctx, '+CNACT: (0-3),(0-2)'),
    },
    {
      name: '+CPOWD',
      summary: 'power down: 1 normal (NORMAL POWER DOWN), 0 urgent',
      set: (ctx, args) => powerDown(ctx, args.atMost(1).int(0, { oneOf: [0, 1] }) === 0),
    },
    {
      name: '+SIMCOMATI',
      summary: 'firmware details: Revision, CSUB, APRev, QCN',
      exec: (ctx) => {
        const rev = core.firmware.revision;
        for (const line of [`Revision:${rev}`, 'CSUB:V01', `APRev:${rev}`, 'QCN:SIM7080G_P1.03_20210823'])
          ctx.info(line);
        return undefined;
      },
    },
    stored('cmnb', [1, 2, 3], '+CMNB'),
    stored('cnmp', [2, 13, 38, 51], '+CNMP'),
  ];
}

export const simcom: Dialect = {
  id: 'simcom',
  description: 'SIMCom SIM7080G (LTE-M/NB-IoT)',

  bind(core: ModuleCore): DialectBinding {
    const ram: SimcomVolatile = { psmStatusUrc: false, appPdp: new Set() };
    const nv: SimcomNv = { cmnb: 3, cnmp: 38 };
    const appNetworkUp = () => ram.appPdp.has(0) && core.registration.registered;
    const files = new SimcomFiles(core);
    const fileCommands = simcomFileCommands(core, files);
    const fota = simcomFota(core, files, appNetworkUp);
    const mqtt = simcomMqtt(core, appNetworkUp);
    const behaviour: DialectBehaviour = {
      cmeeDefault: 0, // [M]
      unknownCommand: ERROR,
      unsupportedForm: ERROR,
      errorTexts: {},
      actForRat: (rat) => (rat === 'lte-m' ? 7 : 9),
      psmWakeMs: 1000, // [M] PWRKEY wake to AT ready, engineering value
      fileSystemBytes: 1024 * 1024, // [M]
    };
    return {
      behaviour,
      commands: [
        ...systemCommands(core, ram, nv),
        ...fileCommands.commands,
        ...fota.commands,
        ...mqtt.commands,
      ],
      bootOutput: () => bootOutput(core),
      psmEntered: () => (ram.psmStatusUrc ? ['+CPSMSTATUS: "ENTER PSM"'] : []),
      psmLeft: () => (ram.psmStatusUrc ? ['+CPSMSTATUS: "EXIT PSM"'] : []),
      stormUrcs: () => stateUrcs(core),
      powerLost() {
        ram.psmStatusUrc = false;
        ram.appPdp.clear();
        fileCommands.reset();
        fota.reset();
        mqtt.reset();
      },
    };
  },
};
