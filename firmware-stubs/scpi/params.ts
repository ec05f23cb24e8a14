/** Device-side parameter parsing; each failure carries the SCPI error a real instrument would queue. */
import { ScpiFailure } from './scpi-errors.ts';

/** Checks the parameter count: -109 Missing parameter, -108 Parameter not allowed. */
export function expectParams(params: readonly string[], min: number, max = min): void {
  if (params.length < min) throw new ScpiFailure(-109);
  if (params.length > max) throw new ScpiFailure(-108);
}

export interface NumericRange {
  min: number;
  max: number;
  /** Value of DEFault (MIN when absent). */
  def?: number;
}

const NRF = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** <NRf> or MIN/MAX/DEF; -104 when it is not numeric, -222 when outside the range. */
export function numberParam(text: string | undefined, range: NumericRange): number {
  if (text === undefined) throw new ScpiFailure(-109);
  const t = text.trim().toUpperCase();
  if (t === 'MIN' || t === 'MINIMUM') return range.min;
  if (t === 'MAX' || t === 'MAXIMUM') return range.max;
  if (t === 'DEF' || t === 'DEFAULT') return range.def ?? range.min;
  if (!NRF.test(t)) throw new ScpiFailure(/^[+-]?[\d.]/.test(t) ? -131 : -104, text);
  const x = Number(t);
  if (x < range.min || x > range.max) throw new ScpiFailure(-222, text);
  return x;
}

export function integerParam(text: string | undefined, range: NumericRange): number {
  return Math.round(numberParam(text, range));
}

/** ON/OFF/1/0 (<Bool>). */
export function boolParam(text: string | undefined): boolean {
  if (text === undefined) throw new ScpiFailure(-109);
  const t = text.trim().toUpperCase();
  if (t === 'ON' || t === '1') return true;
  if (t === 'OFF' || t === '0') return false;
  throw new ScpiFailure(-224, text);
}

/** Character data from a list of mnemonics given in SCPI case form (`ASCii`, `REAL`): returns the long form. */
export function choiceParam(text: string | undefined, choices: readonly string[]): string {
  if (text === undefined) throw new ScpiFailure(-109);
  const t = text.trim().toUpperCase();
  for (const c of choices) {
    if (t === c.toUpperCase() || t === c.replace(/[a-z]/g, '')) return c.toUpperCase();
  }
  throw new ScpiFailure(-224, text);
}

/** A quoted string: "..." or '...'. */
export function stringParam(text: string | undefined): string {
  if (text === undefined) throw new ScpiFailure(-109);
  const m = /^"(.*)"$|^'(.*)'$/s.exec(text.trim());
  if (!m) throw new ScpiFailure(-151, text);
  return (m[1] ?? m[2])!;
}

/** `(@1)`, `(@1,2)`, `(@1:3)`: the channels named. */
export function channelListParam(text: string | undefined): number[] {
  if (text === undefined) throw new ScpiFailure(-109);
  const m = /^\(@([\d,:\s]+)\)$/.exec(text.trim());
  if (!m) throw new ScpiFailure(-104, text);
  const out: number[] = [];
  for (const part of m[1]!.split(',')) {
    const [a, b] = part.split(':').map((x) => Number(x.trim()));
    if (a === undefined || !Number.isInteger(a)) throw new ScpiFailure(-104, text);
    const end = b === undefined ? a : b;
    if (!Number.isInteger(end) || end < a) throw new ScpiFailure(-104, text);
    for (let c = a; c <= end; c++) out.push(c);
  }
  return out;
}
