/**
 * Final result codes and their V.250 / 27.007 shaping: V1 text or V0 numbers (ATV), +CME ERROR
 * per AT+CMEE (0 plain ERROR, 1 number, 2 verbose text).
 */

export type FinalResult =
  | { readonly kind: 'ok' }
  /** Plain ERROR whatever AT+CMEE says (syntax errors, unknown commands on most modules). */
  | { readonly kind: 'error' }
  /** An ME error: ERROR, +CME ERROR: <n> or +CME ERROR: <text> depending on AT+CMEE. */
  | { readonly kind: 'cme'; readonly code: number }
  /** Another result code (NO CARRIER, SEND OK, SEND FAIL…). */
  | { readonly kind: 'code'; readonly text: string }
  /** No final result at all (the command was swallowed or the module went away). */
  | { readonly kind: 'none' };

/** What a command handler returns: a final result, or nothing for OK. */
export type Outcome = FinalResult | undefined;

export const OK: FinalResult = { kind: 'ok' };
export const ERROR: FinalResult = { kind: 'error' };
export const NO_RESULT: FinalResult = { kind: 'none' };

export function cme(code: number): FinalResult {
  return { kind: 'cme', code };
}

/** Common 27.007 §9.2 codes, named so handlers read as what they mean. */
export const CME = {
  phoneFailure: 0,
  notAllowed: 3,
  notSupported: 4,
  simNotInserted: 10,
  simFailure: 13,
  simBusy: 14,
  noNetworkService: 30,
  incorrectParameters: 50,
  unknown: 100,
} as const;

/** Verbose texts for AT+CMEE=2 (27.007 §9.2.1). Dialects add their vendor ranges. */
export const CME_TEXT: Readonly<Record<number, string>> = {
  0: 'phone failure',
  1: 'no connection to phone',
  3: 'operation not allowed',
  4: 'operation not supported',
  10: 'SIM not inserted',
  11: 'SIM PIN required',
  13: 'SIM failure',
  14: 'SIM busy',
  15: 'SIM wrong',
  20: 'memory full',
  23: 'text string too long',
  30: 'no network service',
  31: 'network timeout',
  50: 'incorrect parameters',
  100: 'unknown',
};

/** V.250 numeric result codes for ATV0. */
export const V250_NUMERIC: Readonly<Record<string, number>> = {
  OK: 0,
  CONNECT: 1,
  RING: 2,
  'NO CARRIER': 3,
  ERROR: 4,
  'NO DIALTONE': 6,
  BUSY: 7,
  'NO ANSWER': 8,
};

/** The settings that shape output, read at the moment a line is written. */
export interface ShapingSettings {
  /** ATV: true for text (V1), false for numbers (V0). */
  verbose: boolean;
  /** ATQ1 suppresses result codes. */
  quiet: boolean;
  /** AT+CMEE 0/1/2. */
  cmee: 0 | 1 | 2;
  /** S3 (command line terminator, CR) and S4 (response formatting, LF). */
  s3: number;
  s4: number;
}

/** The text of a final result, before framing: "OK", "+CME ERROR: 50"…; undefined for none. */
export function finalText(
  result: FinalResult,
  cmee: 0 | 1 | 2,
  errorTexts: Readonly<Record<number, string>>,
): string | undefined {
  switch (result.kind) {
    case 'ok':
      return 'OK';
    case 'error':
      return 'ERROR';
    case 'code':
      return result.text;
    case 'none':
      return undefined;
    case 'cme':
      if (cmee === 0) return 'ERROR';
      if (cmee === 1) return `+CME ERROR: ${result.code}`;
      return `+CME ERROR: ${errorTexts[result.code] ?? CME_TEXT[result.code] ?? String(result.code)}`;
  }
}

/**
 * Frame a result code: V1 `<CR><LF>text<CR><LF>`, V0 `<n><CR>` (27.007 +CME ERROR keeps its text
 * form in V0, framed like information text).
 */
export function frameResultCode(text: string, s: ShapingSettings): string {
  const cr = String.fromCharCode(s.s3);
  const lf = String.fromCharCode(s.s4);
  if (s.verbose) return `${cr}${lf}${text}${cr}${lf}`;
  const numeric = V250_NUMERIC[text] ?? V250_NUMERIC[text.split(' ')[0] ?? ''];
  if (numeric !== undefined) return `${numeric}${cr}`;
  return `${text}${cr}${lf}`;
}

/** Frame an information line: V1 `<CR><LF>text<CR><LF>` for the first line of a block, else `text<CR><LF>`. */
export function frameInfo(text: string, firstOfBlock: boolean, s: ShapingSettings): string {
  const cr = String.fromCharCode(s.s3);
  const lf = String.fromCharCode(s.s4);
  return s.verbose && firstOfBlock ? `${cr}${lf}${text}${cr}${lf}` : `${text}${cr}${lf}`;
}
