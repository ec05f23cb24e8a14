/** 27.007 formatting of registration and connection state, shared by read commands and URCs. */
import type { ModuleCore } from './core.ts';
import { edrxActType, nibble } from './gprs-timers.ts';

/** `<stat>[,…]` of +CEREG for the module's current state at level n (0..5). */
export function ceregFields(core: ModuleCore, n: number, act: number): string {
  const reg = core.registration;
  const stat = reg.stat;
  let out = String(stat);
  if (n < 2) return out;
  const located = stat === 1 || stat === 5 || stat === 3;
  if (!located) return out;
  const cell = core.policy.cell;
  out += `,"${cell.tac}","${cell.cellId}",${act}`;
  const cause = reg.rejectCause;
  const psm = reg.psmGrant;
  if (n === 3 && cause !== undefined) return `${out},0,${cause}`;
  if (n === 4 && psm) return `${out},,,"${psm.activeBits}","${psm.tauBits}"`;
  if (n === 5) {
    if (cause !== undefined) out += `,0,${cause}`;
    else if (psm) out += ',,';
    if (psm) out += `,"${psm.activeBits}","${psm.tauBits}"`;
  }
  return out;
}

/** The +CEREG URC at the host's level, or undefined at level 0. */
export function ceregUrc(core: ModuleCore, act: number): string | undefined {
  const n = core.settings.ceregN;
  return n === 0 ? undefined : `+CEREG: ${ceregFields(core, n, act)}`;
}

/** <mode>[,<state>[,<access>]] of +CSCON at level n: state 7 = E-UTRAN connected, access 4 = E-UTRA FDD. */
export function csconFields(connected: boolean, n: number): string {
  if (!connected || n < 2) return connected ? '1' : '0';
  return n >= 3 ? '1,7,4' : '1,7';
}

/** `<AcT-type>,"<req>","<nw>","<ptw>"` of +CEDRXP / +CEDRXRDP, or undefined when eDRX is not in use. */
export function edrxFields(core: ModuleCore): string | undefined {
  const grant = core.registration.edrxGrant;
  if (!grant) return undefined;
  const act = edrxActType(core.policy.rat);
  return `${act},"${core.nv.edrx[act].valueBits}","${nibble(grant.cycle)}","${nibble(grant.ptw)}"`;
}

/** +CESQ fields from the cell: rsrq 0..34 (−20 + v/2 dB), rsrp 0..97 (v − 141 dBm); 255 unknown. */
export function cesqFields(core: ModuleCore): string {
  const reg = core.registration;
  if (
    core.cfun !== 1 ||
    core.policy.registration === 'no-service' ||
    (reg.stat !== 1 && reg.stat !== 5 && reg.stat !== 3)
  ) {
    return '99,99,255,255,255,255';
  }
  const { rsrpDbm, rsrqDb } = core.policy.cell;
  const rsrp = Math.min(97, Math.max(0, Math.floor(rsrpDbm) + 141));
  const rsrq = Math.min(34, Math.max(0, Math.floor((rsrqDb + 20) * 2)));
  return `99,99,255,255,${rsrq},${rsrp}`;
}

/** +CSQ <rssi>,<ber>: RSSI from RSRP and RSRQ over 6 RBs (LTE-M 1.4 MHz): RSSI = RSRP − RSRQ + 10·log10(6). */
export function csqFields(core: ModuleCore): string {
  if (cesqFields(core).endsWith('255,255')) return '99,99';
  const { rsrpDbm, rsrqDb } = core.policy.cell;
  const rssi = rsrpDbm - rsrqDb + 10 * Math.log10(6);
  return `${Math.min(31, Math.max(0, Math.floor((rssi + 113) / 2)))},99`;
}

/** URCs consistent with the module's state, for the URC-storm fault: registration and RRC state. */
export function stateUrcs(core: ModuleCore): string[] {
  const reg = core.registration;
  const n = Math.max(1, core.settings.ceregN);
  return [
    n >= 2 && reg.registered
      ? `+CEREG: ${reg.stat},"${core.policy.cell.tac}","${core.policy.cell.cellId}",${core.act()}`
      : `+CEREG: ${reg.stat}`,
    `+CSCON: ${csconFields(core.radio.connected, 1)}`,
  ];
}
