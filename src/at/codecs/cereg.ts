import { decodeGprsTimer2, decodeGprsTimer3, type GprsTimer } from '../timers.ts';
import { ACT_MAX } from './act.ts';
import { formatSetCommand, type IntSpec, ParamReader } from './reader.ts';

/** EPS registration status <stat> (27.007 +CEREG); 90 is Nordic's "not registered, UICC failure". */
export const REGISTRATION_STATUS: Readonly<Record<number, string>> = {
  0: 'not registered, not searching',
  1: 'registered, home network',
  2: 'not registered, searching',
  3: 'registration denied',
  4: 'unknown',
  5: 'registered, roaming',
  6: 'registered for SMS only, home network',
  7: 'registered for SMS only, roaming',
  8: 'attached for emergency bearer services only',
  9: 'registered for CSFB not preferred, home network',
  10: 'registered for CSFB not preferred, roaming',
  90: 'not registered, UICC failure (Nordic)',
};

const STAT: IntSpec = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 90];

/** Registration state as both the URC and the read response carry it. */
export interface Cereg {
  stat: number;
  /** Tracking area code, 4 upper-case hex digits. */
  tac?: string;
  /** E-UTRAN cell id, 8 upper-case hex digits. */
  ci?: string;
  act?: number;
  /** 0: <rejectCause> is an EMM cause (24.301 Annex A); 1: manufacturer specific. */
  causeType?: number;
  rejectCause?: number;
  /** Network-granted T3324 (GPRS Timer 2), n = 4/5. */
  activeTime?: GprsTimer;
  /** Network-granted T3412-extended (GPRS Timer 3), n = 4/5. */
  periodicTau?: GprsTimer;
}

/** The read response adds the configured URC level <n> 0..5. */
export interface CeregRead extends Cereg {
  n: number;
}

export type CeregLine = ({ form: 'urc' } & Cereg) | ({ form: 'read' } & CeregRead);

export function isRegistered(stat: number): boolean {
  return stat === 1 || stat === 5;
}

/**
 * Tells a read response (`+CEREG: <n>,<stat>…`) from a URC (`+CEREG: <stat>[,"<tac>"…]`): only the read
 * form has a number in the second place, since a URC's second parameter is the quoted <tac> or empty.
 */
export function ceregForm(line: string): 'urc' | 'read' {
  const r = ParamReader.of('+CEREG', line);
  return r.params[1]?.kind === 'number' ? 'read' : 'urc';
}

export function parseCereg(line: string): CeregLine {
  return ceregForm(line) === 'read'
    ? { form: 'read', ...parseCeregRead(line) }
    : { form: 'urc', ...parseCeregUrc(line) };
}

/** `+CEREG: <stat>[,[<tac>],[<ci>],[<AcT>][,[<cause_type>],[<reject_cause>][,[<Active-Time>],[<Periodic-TAU>]]]]` */
export function parseCeregUrc(line: string): Cereg {
  return readRegistration(ParamReader.of('+CEREG', line), 0);
}

/** `+CEREG: <n>,<stat>[,…as the URC…]` */
export function parseCeregRead(line: string): CeregRead {
  const r = ParamReader.of('+CEREG', line);
  const n = r.int(0, '<n>', { min: 0, max: 5 });
  return { n, ...readRegistration(r, 1) };
}

/** `AT+CEREG=<n>`: 2 adds location, 3 reject causes, 4 PSM timers, 5 all. */
export function formatCeregSet(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 5) throw new RangeError(`AT+CEREG: <n> must be 0..5, got ${n}`);
  return formatSetCommand('+CEREG', [n]);
}

function readRegistration(r: ParamReader, base: number): Cereg {
  r.countBetween(base + 1, base + 8, '<stat> through <Periodic-TAU>');
  const cereg: Cereg = { stat: r.int(base, '<stat>', STAT) };
  const tac = r.optHex(base + 1, '<tac>', 1, 4);
  const ci = r.optHex(base + 2, '<ci>', 1, 8);
  const act = r.optInt(base + 3, '<AcT>', { min: 0, max: ACT_MAX });
  const causeType = r.optInt(base + 4, '<cause_type>', { min: 0, max: 1 });
  const rejectCause = r.optInt(base + 5, '<reject_cause>', { min: 0, max: 65535 });
  const activeTime = r.optBits(base + 6, '<Active-Time>', 8);
  const periodicTau = r.optBits(base + 7, '<Periodic-TAU>', 8);
  if (tac !== undefined) cereg.tac = tac;
  if (ci !== undefined) cereg.ci = ci;
  if (act !== undefined) cereg.act = act;
  if (causeType !== undefined) cereg.causeType = causeType;
  if (rejectCause !== undefined) cereg.rejectCause = rejectCause;
  if (activeTime !== undefined) cereg.activeTime = decodeGprsTimer2(activeTime);
  if (periodicTau !== undefined) cereg.periodicTau = decodeGprsTimer3(periodicTau);
  return cereg;
}
