import { formatSetCommand, ParamReader } from './reader.ts';

/** Standard +CFUN levels; vendors add more (Nordic 2/3/20/21/30/31/40/41/44 switch subsystems). */
export const CFUN_MINIMUM = 0;
export const CFUN_FULL = 1;
export const CFUN_DISABLE_TX_RX = 4;

export interface Cfun {
  fun: number;
}

/** `+CFUN: <fun>` (the read response, and the boot URC some modules print). */
export function parseCfun(line: string): Cfun {
  const r = ParamReader.of('+CFUN', line);
  r.countBetween(1, 1, '<fun>');
  return { fun: r.int(0, '<fun>', { min: 0, max: 127 }) };
}

/** `AT+CFUN=<fun>[,1]`; `reset` asks the module to reset before changing level. */
export function formatCfunSet(fun: number, reset?: boolean): string {
  if (!Number.isInteger(fun) || fun < 0 || fun > 127)
    throw new RangeError(`AT+CFUN: <fun> must be 0..127, got ${fun}`);
  return formatSetCommand('+CFUN', [fun, reset === undefined ? undefined : reset ? 1 : 0]);
}
