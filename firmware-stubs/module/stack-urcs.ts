/** The 27.007 URCs the protocol stack raises (+CSCON, +CEREG, +CEDRXP), at the host's URC levels. */
import type { ModuleCore } from './core.ts';
import { edrxActType } from './gprs-timers.ts';
import { ceregUrc, csconFields, edrxFields } from './network-format.ts';

/** +CSCON on an RRC change, if enabled. */
export function rrcUrc(core: ModuleCore, connected: boolean): string | undefined {
  const n = core.settings.csconN;
  return n > 0 ? `+CSCON: ${csconFields(connected, n)}` : undefined;
}

/** +CEREG on a status change (level ≥ 1) or a change of granted timers (level ≥ 4). */
export function registrationUrc(core: ModuleCore, what: 'stat' | 'timers'): string | undefined {
  if (what === 'timers' && core.settings.ceregN < 4) return undefined;
  return ceregUrc(core, core.act());
}

/** +CEDRXP when the network-provided eDRX changes, if requested with mode 2. */
export function edrxUrc(core: ModuleCore): string | undefined {
  const act = edrxActType(core.policy.rat);
  const req = core.nv.edrx[act];
  if (req.mode !== 2) return undefined;
  return `+CEDRXP: ${edrxFields(core) ?? `${act},"${req.valueBits}"`}`;
}
