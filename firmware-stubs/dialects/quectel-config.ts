/**
 * Quectel system commands: AT+QCFG (psm/urc, iotopmode, nwscanseq, band), AT+QPOWD, AT+QRST,
 * AT+QGMR, AT+QCCID, AT+QSCLK. Source: at-modules.md §3.1-3.2 (D/M).
 */
import type { AtArguments } from '../module/arguments.ts';
import type { AtCommand, CommandContext } from '../module/command.ts';
import type { ModuleCore } from '../module/core.ts';
import { ERROR, type Outcome } from '../module/results.ts';

/** QCFG settings; Quectel keeps them in NV memory [M], so they survive reboots here too. */
export interface QuectelNv {
  psmUrc: boolean;
  iotOpMode: number;
  nwScanSeq: string;
  band: [string, string, string];
  sleepEnabled: boolean;
}

export function defaultQuectelNv(): QuectelNv {
  return {
    psmUrc: false,
    iotOpMode: 2,
    nwScanSeq: '020301',
    band: ['0xf', '0x100002000000000f0e189f', '0x10004200000000090e189f'],
    sleepEnabled: false,
  };
}

function qcfg(nv: QuectelNv) {
  return (ctx: CommandContext, args: AtArguments): Outcome => {
    const key = args.quoted(0).toLowerCase();
    const query = args.count === 1;
    switch (key) {
      case 'psm/urc':
        if (query) ctx.info(`+QCFG: "psm/urc",${nv.psmUrc ? 1 : 0}`);
        else nv.psmUrc = args.atMost(2).int(1, { oneOf: [0, 1] }) === 1;
        return undefined;
      case 'iotopmode':
        if (query) ctx.info(`+QCFG: "iotopmode",${nv.iotOpMode}`);
        else {
          nv.iotOpMode = args.atMost(3).int(1, { min: 0, max: 2 });
          args.int(2, { oneOf: [0, 1], def: 1 });
        }
        return undefined;
      case 'nwscanseq':
        if (query) ctx.info(`+QCFG: "nwscanseq",${nv.nwScanSeq}`);
        else {
          nv.nwScanSeq = args.atMost(3).str(1, { pattern: /^(0[0-3]){1,3}$|^00$/ });
          args.int(2, { oneOf: [0, 1], def: 1 });
        }
        return undefined;
      case 'band':
        if (query) ctx.info(`+QCFG: "band",${nv.band.join(',')}`);
        else {
          args.atMost(5);
          nv.band = [
            args.str(1, { pattern: /^0x[0-9a-f]+$/i }),
            args.str(2, { pattern: /^0x[0-9a-f]+$/i }),
            args.str(3, { pattern: /^0x[0-9a-f]+$/i }),
          ];
        }
        return undefined;
      default:
        return ERROR;
    }
  };
}

export function quectelConfigCommands(core: ModuleCore, nv: QuectelNv): AtCommand[] {
  const powerDown = (ctx: CommandContext): Outcome => {
    ctx.afterResponse(() => core.powerDown(['POWERED DOWN']));
    return undefined;
  };
  return [
    {
      name: '+QCFG',
      summary: 'extended configuration ("psm/urc","iotopmode","nwscanseq","band")',
      set: qcfg(nv),
    },
    {
      name: '+QPOWD',
      summary: 'power down (0 immediately, 1 normal) → POWERED DOWN',
      exec: powerDown,
      set: (ctx, args) => {
        args.atMost(1).int(0, { oneOf: [0, 1] });
        return powerDown(ctx);
      },
    },
    {
      name: '+QRST',
      summary: 'reset the module (AT+QRST=1)',
      set: (ctx, args) => {
        args.atMost(2).int(0, { oneOf: [1] });
        ctx.afterResponse(() => core.reboot());
        return undefined;
      },
    },
    {
      name: '+QGMR',
      summary: 'firmware revision',
      exec: (ctx) => {
        ctx.info(core.revisionText());
        return undefined;
      },
    },
    {
      name: '+QCCID',
      summary: 'SIM ICCID',
      exec: (ctx) => {
        if (core.policy.sim !== 'ready') return ERROR;
        ctx.info(`+QCCID: ${core.identity.iccid}`);
        return undefined;
      },
    },
    {
      name: '+QSCLK',
      summary: 'enable sleep (0/1)',
      set: (_ctx, args) => {
        nv.sleepEnabled = args.atMost(1).int(0, { oneOf: [0, 1] }) === 1;
        return undefined;
      },
      read: (ctx) => {
        ctx.info(`+QSCLK: ${nv.sleepEnabled ? 1 : 0}`);
        return undefined;
      },
    },
  ];
}
