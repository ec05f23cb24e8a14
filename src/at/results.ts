/**
 * Final result codes (ITU-T V.250 and TS 27.007 §9.2) and the device errors they carry.
 */

export type FinalKind =
  | 'OK'
  | 'CONNECT'
  | 'SEND OK'
  | 'ERROR'
  | 'CME ERROR'
  | 'CMS ERROR'
  | 'NO CARRIER'
  | 'BUSY'
  | 'NO ANSWER'
  | 'NO DIALTONE'
  | 'SEND FAIL'
  | 'ABORTED';

export interface FinalResult {
  kind: FinalKind;
  /** True for OK, CONNECT and SEND OK. */
  ok: boolean;
  /** Numeric error code of +CME/+CMS ERROR when the module gave a number. */
  code?: number;
  /** Verbose text: the +CME/+CMS ERROR text, or the CONNECT suffix (e.g. a baud rate). */
  text?: string;
  line: string;
}

const SUCCESS = new Set<FinalKind>(['OK', 'CONNECT', 'SEND OK']);

const PLAIN: ReadonlyMap<string, FinalKind> = new Map<string, FinalKind>([
  ['OK', 'OK'],
  ['ERROR', 'ERROR'],
  ['NO CARRIER', 'NO CARRIER'],
  ['BUSY', 'BUSY'],
  ['NO ANSWER', 'NO ANSWER'],
  ['NO DIALTONE', 'NO DIALTONE'],
  ['NO DIAL TONE', 'NO DIALTONE'],
  ['SEND OK', 'SEND OK'],
  ['SEND FAIL', 'SEND FAIL'],
  ['ABORTED', 'ABORTED'],
  ['CONNECT', 'CONNECT'],
]);

/** V.250 numeric result codes (ATV0). 2 is RING, which is unsolicited, not final. */
const NUMERIC: ReadonlyMap<string, FinalKind> = new Map<string, FinalKind>([
  ['0', 'OK'],
  ['1', 'CONNECT'],
  ['3', 'NO CARRIER'],
  ['4', 'ERROR'],
  ['6', 'NO DIALTONE'],
  ['7', 'BUSY'],
  ['8', 'NO ANSWER'],
]);

export interface ClassifyOptions {
  /** ATV0 in force: bare digits are result codes. */
  numeric?: boolean;
}

/** The final result a line stands for, or undefined when it is not one. */
export function classifyFinal(line: string, options: ClassifyOptions = {}): FinalResult | undefined {
  const text = line.trim();
  const plain = PLAIN.get(text);
  if (plain) return { kind: plain, ok: SUCCESS.has(plain), line };
  if (text.startsWith('CONNECT ')) return { kind: 'CONNECT', ok: true, text: text.slice(8).trim(), line };
  const m = /^\+(CME|CMS) ERROR:\s*(.*)$/.exec(text);
  if (m) {
    const kind: FinalKind = m[1] === 'CME' ? 'CME ERROR' : 'CMS ERROR';
    const arg = m[2]!.trim().replace(/^"(.*)"$/, '$1');
    if (/^\d+$/.test(arg)) return { kind, ok: false, code: Number(arg), line };
    return { kind, ok: false, text: arg, line };
  }
  if (options.numeric) {
    const n = NUMERIC.get(text);
    if (n) return { kind: n, ok: SUCCESS.has(n), line };
    // +CME ERROR in numeric mode keeps its text form, handled above.
  }
  return undefined;
}

/** One-line description of an error result: `+CME ERROR: 10 (SIM not inserted)`. */
export function describeFinal(
  final: FinalResult,
  lookup?: (kind: 'CME' | 'CMS', code: number) => string | undefined,
): string {
  if (final.kind === 'CME ERROR' || final.kind === 'CMS ERROR') {
    const family = final.kind === 'CME ERROR' ? 'CME' : 'CMS';
    if (final.code !== undefined) {
      const name = lookup?.(family, final.code);
      return `+${final.kind}: ${final.code}${name ? ` (${name})` : ''}`;
    }
    return `+${final.kind}: ${final.text ?? ''}`;
  }
  return final.line.trim() || final.kind;
}
