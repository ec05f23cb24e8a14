/** 27.007 power saving: +CPSMS (PSM request), +CEDRXS / +CEDRXRDP (eDRX). Requests live in NV memory. */
import type { AtArguments } from './arguments.ts';
import type { AtCommand, CommandContext } from './command.ts';
import type { EdrxRequest, PsmRequest } from './core.ts';
import { edrxActType, isNibbleBits, isTimerBits } from './gprs-timers.ts';
import { edrxFields } from './network-format.ts';
import { CME, cme, type Outcome } from './results.ts';

/** Requested values a module starts with (and returns to on AT+CPSMS=2 / AT+CPSMS=): TAU 1 h, active time 1 min. */
export const DEFAULT_PSM_REQUEST: Readonly<PsmRequest> = {
  mode: 0,
  tauBits: '00000110',
  activeBits: '00100001',
};
/** eDRX off, 20.48 s requested when enabled without a value. */
export const DEFAULT_EDRX_REQUEST: Readonly<EdrxRequest> = { mode: 0, valueBits: '0010' };

function cpsmsSet(ctx: CommandContext, args: AtArguments): Outcome {
  const nv = ctx.module.nv;
  args.atMost(5);
  const mode = args.int(0, { min: 0, max: 2, def: 0 });
  if (mode === 2 || args.count === 0) {
    nv.psm = { ...DEFAULT_PSM_REQUEST };
  } else {
    const tauBits = args.quoted(3, { def: nv.psm.tauBits });
    const activeBits = args.quoted(4, { def: nv.psm.activeBits });
    if (!isTimerBits(tauBits) || !isTimerBits(activeBits)) return cme(CME.incorrectParameters);
    nv.psm = { mode: mode as 0 | 1, tauBits, activeBits };
  }
  ctx.module.registration.renegotiate();
  return undefined;
}

function cpsmsRead(ctx: CommandContext): Outcome {
  const p = ctx.module.nv.psm;
  ctx.info(`+CPSMS: ${p.mode},,,"${p.tauBits}","${p.activeBits}"`);
  return undefined;
}

function cedrxsSet(ctx: CommandContext, args: AtArguments): Outcome {
  const m = ctx.module;
  args.atMost(3);
  const mode = args.int(0, { min: 0, max: 3, def: 3 });
  const acts: (4 | 5)[] = args.isEmpty(1) ? [4, 5] : [args.int(1, { oneOf: [4, 5] }) as 4 | 5];
  for (const act of acts) {
    const current = m.nv.edrx[act];
    if (mode === 3) {
      m.nv.edrx[act] = { ...DEFAULT_EDRX_REQUEST };
      continue;
    }
    const valueBits = args.quoted(2, { def: current.valueBits });
    if (!isNibbleBits(valueBits)) return cme(CME.incorrectParameters);
    m.nv.edrx[act] = { mode: mode as 0 | 1 | 2, valueBits };
  }
  if (acts.includes(edrxActType(m.policy.rat))) m.registration.renegotiate();
  return undefined;
}

function cedrxsRead(ctx: CommandContext): Outcome {
  for (const act of [4, 5] as const) {
    const r = ctx.module.nv.edrx[act];
    if (r.mode !== 0) ctx.info(`+CEDRXS: ${act},"${r.valueBits}"`);
  }
  return undefined;
}

export const POWER_SAVING_COMMANDS: readonly AtCommand[] = [
  {
    name: '+CPSMS',
    summary: 'PSM request: mode, (RAU), (GPRS-READY), Periodic-TAU, Active-Time',
    set: cpsmsSet,
    read: cpsmsRead,
    test: (ctx) => {
      ctx.info('+CPSMS: (0-2),,,("00000000"-"11111111"),("00000000"-"11111111")');
      return undefined;
    },
  },
  {
    name: '+CEDRXS',
    summary: 'eDRX request: mode (2 = with +CEDRXP URCs), AcT-type 4/5, value',
    set: cedrxsSet,
    read: cedrxsRead,
    test: (ctx) => {
      ctx.info('+CEDRXS: (0-3),(4,5),("0000"-"1111")');
      return undefined;
    },
  },
  {
    name: '+CEDRXRDP',
    summary: 'eDRX dynamic parameters (network-provided)',
    exec: (ctx) => {
      ctx.info(`+CEDRXRDP: ${edrxFields(ctx.module) ?? '0'}`);
      return undefined;
    },
  },
];
