import { formatSetCommand, ParamReader } from './reader.ts';

/** Signalling connection status. <mode> 0 idle, 1 connected (2 inactive, NR only). */
export interface Cscon {
  mode: number;
  connected: boolean;
  /** <state> (n ≥ 2): 7 is E-UTRAN connected; 0..6 are UTRAN/GERAN states. */
  state?: number;
  /** <access> (n = 3): radio access type, vendor support varies. */
  access?: number;
}

export interface CsconRead extends Cscon {
  n: number;
}

/**
 * `+CSCON: <mode>[,<state>[,<access>]]`. The URC and the read response cannot be told apart by shape
 * (`+CSCON: 1,0` is either), so the caller says which it expects: a +CSCON line inside a pending
 * `AT+CSCON?` is the read response.
 */
export function parseCsconUrc(line: string): Cscon {
  return readConnection(ParamReader.of('+CSCON', line), 0);
}

/** `+CSCON: <n>,<mode>[,<state>[,<access>]]` */
export function parseCsconRead(line: string): CsconRead {
  const r = ParamReader.of('+CSCON', line);
  const n = r.int(0, '<n>', { min: 0, max: 3 });
  return { n, ...readConnection(r, 1) };
}

export function formatCsconSet(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 3) throw new RangeError(`AT+CSCON: <n> must be 0..3, got ${n}`);
  return formatSetCommand('+CSCON', [n]);
}

function readConnection(r: ParamReader, base: number): Cscon {
  r.countBetween(base + 1, base + 3, '<mode>,<state>,<access>');
  const mode = r.int(base, '<mode>', { min: 0, max: 2 });
  const cscon: Cscon = { mode, connected: mode === 1 };
  const state = r.optInt(base + 1, '<state>', { min: 0, max: 255 });
  const access = r.optInt(base + 2, '<access>', { min: 0, max: 255 });
  if (state !== undefined) cscon.state = state;
  if (access !== undefined) cscon.access = access;
  return cscon;
}
