import { ACT_MAX } from './act.ts';
import { formatSetCommand, ParamReader } from './reader.ts';

/** <mode>: 0 automatic, 1 manual, 2 deregister, 3 set format only, 4 manual then automatic. */
export type CopsMode = 0 | 1 | 2 | 3 | 4;
/** <format>: 0 long alphanumeric, 1 short alphanumeric, 2 numeric (MCC+MNC). */
export type CopsFormat = 0 | 1 | 2;

export interface Cops {
  mode: CopsMode;
  format?: CopsFormat;
  /** Operator in `format`; absent when not registered (`+COPS: 0`). */
  operator?: string;
  act?: number;
}

const PLMN = /^\d{5,6}$/;

/** `+COPS: <mode>[,<format>[,<oper>[,<AcT>]]]`. */
export function parseCopsRead(line: string): Cops {
  const r = ParamReader.of('+COPS', line);
  r.countBetween(1, 4, '<mode>,<format>,<oper>,<AcT>');
  const cops: Cops = { mode: r.int(0, '<mode>', { min: 0, max: 4 }) as CopsMode };
  const format = r.optInt(1, '<format>', { min: 0, max: 2 }) as CopsFormat | undefined;
  if (format !== undefined) cops.format = format;
  const operator = r.optStr(2, '<oper>', format === 2 ? PLMN : undefined);
  if (operator !== undefined) {
    if (format === undefined) r.fail('<format> before <oper>', 1);
    cops.operator = operator;
  }
  const act = r.optInt(3, '<AcT>', { min: 0, max: ACT_MAX });
  if (act !== undefined) cops.act = act;
  return cops;
}

/** `AT+COPS=<mode>[,<format>[,<oper>[,<AcT>]]]`; `AT+COPS=0` is automatic selection. */
export function formatCopsSet(cops: Cops): string {
  if (!Number.isInteger(cops.mode) || cops.mode < 0 || cops.mode > 4) {
    throw new RangeError(`AT+COPS: <mode> must be 0..4, got ${cops.mode}`);
  }
  if (cops.operator !== undefined && cops.format === undefined) {
    throw new RangeError('AT+COPS: <oper> needs <format>');
  }
  if (cops.format === 2 && cops.operator !== undefined && !PLMN.test(cops.operator)) {
    throw new RangeError(
      `AT+COPS: numeric <oper> must be 5 or 6 digits, got ${JSON.stringify(cops.operator)}`,
    );
  }
  if (cops.act !== undefined && cops.operator === undefined)
    throw new RangeError('AT+COPS: <AcT> needs <oper>');
  return formatSetCommand('+COPS', [cops.mode, cops.format, cops.operator, cops.act]);
}
