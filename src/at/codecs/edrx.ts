import {
  decodeEdrxCycle,
  decodePtw,
  type EdrxCycle,
  type EdrxMode,
  type PagingTimeWindow,
} from '../timers.ts';
import { formatSetCommand, ParamReader } from './reader.ts';

/**
 * eDRX <AcT-type>: 0 eDRX not used (+CEDRXRDP only), 1 EC-GSM-IoT, 2 GSM, 3 UTRAN, 4 E-UTRAN WB-S1
 * (LTE-M), 5 E-UTRAN NB-S1 (NB-IoT); Nordic adds 6 for NTN NB-S1.
 */
export const EDRX_ACT_WB_S1 = 4;
export const EDRX_ACT_NB_S1 = 5;
const ACT_TYPE = { min: 0, max: 6 };

/** The 24.008 table an <AcT-type>'s codes are read with; undefined where the rig has no table. */
export function edrxModeOfActType(actType: number): EdrxMode | undefined {
  if (actType === EDRX_ACT_WB_S1) return 'wb-s1';
  if (actType === EDRX_ACT_NB_S1) return 'nb-s1';
  return undefined;
}

/** `AT+CEDRXS` parameters. <mode>: 0 disable, 1 enable, 2 enable with +CEDRXP URC, 3 disable and reset. */
export interface EdrxSettings {
  mode: 0 | 1 | 2 | 3;
  actType?: number;
  /** 4-bit string, e.g. "1001". */
  requestedEdrx?: string;
}

/** One line of the `AT+CEDRXS?` response. */
export interface EdrxRequested {
  actType: number;
  requestedEdrx?: string;
  /** Decoded when the <AcT-type> is WB-S1 or NB-S1. */
  requestedCycle?: EdrxCycle;
}

/** +CEDRXP URC and +CEDRXRDP response: what was asked, what the network gave, the paging window. */
export interface EdrxDynamicParams {
  actType: number;
  requestedEdrx?: string;
  nwProvidedEdrx?: string;
  pagingTimeWindow?: string;
  /** Present when the <AcT-type> is WB-S1 or NB-S1. */
  decoded?: {
    mode: EdrxMode;
    requestedCycle?: EdrxCycle;
    nwProvidedCycle?: EdrxCycle;
    ptw?: PagingTimeWindow;
  };
}

export function formatCedrxsSet(settings: EdrxSettings): string {
  if (![0, 1, 2, 3].includes(settings.mode)) {
    throw new RangeError(`AT+CEDRXS: <mode> must be 0..3, got ${settings.mode}`);
  }
  const { actType, requestedEdrx } = settings;
  if (actType !== undefined && (!Number.isInteger(actType) || actType < 1 || actType > ACT_TYPE.max)) {
    throw new RangeError(`AT+CEDRXS: <AcT-type> must be 1..${ACT_TYPE.max}, got ${actType}`);
  }
  if (requestedEdrx !== undefined) {
    if (actType === undefined) throw new RangeError('AT+CEDRXS: <Requested_eDRX_value> needs <AcT-type>');
    if (!/^[01]{4}$/.test(requestedEdrx)) {
      throw new RangeError(
        `AT+CEDRXS: <Requested_eDRX_value> must be 4 bits, got ${JSON.stringify(requestedEdrx)}`,
      );
    }
  }
  return formatSetCommand('+CEDRXS', [settings.mode, actType, requestedEdrx]);
}

/** `+CEDRXS: <AcT-type>[,<Requested_eDRX_value>]` (one line per AcT-type in the read response). */
export function parseCedrxsRead(line: string): EdrxRequested {
  const r = ParamReader.of('+CEDRXS', line);
  r.countBetween(1, 2, '<AcT-type>,<Requested_eDRX_value>');
  const actType = r.int(0, '<AcT-type>', ACT_TYPE);
  const out: EdrxRequested = { actType };
  const bits = r.optBits(1, '<Requested_eDRX_value>', 4);
  const mode = edrxModeOfActType(actType);
  if (bits !== undefined) {
    out.requestedEdrx = bits;
    if (mode) out.requestedCycle = decodeEdrxCycle(bits, mode);
  }
  return out;
}

/** `+CEDRXP: <AcT-type>[,<Requested_eDRX_value>[,<NW-provided_eDRX_value>[,<Paging_time_window>]]]` */
export function parseCedrxp(line: string): EdrxDynamicParams {
  return readDynamic(ParamReader.of('+CEDRXP', line));
}

/** `+CEDRXRDP: <AcT-type>[,…as +CEDRXP…]`; <AcT-type> 0 means eDRX is not in use. */
export function parseCedrxrdp(line: string): EdrxDynamicParams {
  return readDynamic(ParamReader.of('+CEDRXRDP', line));
}

function readDynamic(r: ParamReader): EdrxDynamicParams {
  r.countBetween(1, 4, '<AcT-type>,<Requested_eDRX_value>,<NW-provided_eDRX_value>,<Paging_time_window>');
  const actType = r.int(0, '<AcT-type>', ACT_TYPE);
  const out: EdrxDynamicParams = { actType };
  const requested = r.optBits(1, '<Requested_eDRX_value>', 4);
  const provided = r.optBits(2, '<NW-provided_eDRX_value>', 4);
  const ptw = r.optBits(3, '<Paging_time_window>', 4);
  if (requested !== undefined) out.requestedEdrx = requested;
  if (provided !== undefined) out.nwProvidedEdrx = provided;
  if (ptw !== undefined) out.pagingTimeWindow = ptw;
  const mode = edrxModeOfActType(actType);
  if (mode) {
    const decoded: NonNullable<EdrxDynamicParams['decoded']> = { mode };
    if (requested !== undefined) decoded.requestedCycle = decodeEdrxCycle(requested, mode);
    if (provided !== undefined) decoded.nwProvidedCycle = decodeEdrxCycle(provided, mode);
    if (ptw !== undefined) decoded.ptw = decodePtw(ptw, mode);
    out.decoded = decoded;
  }
  return out;
}
