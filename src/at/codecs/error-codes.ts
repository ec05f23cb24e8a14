import { AtParseError } from './errors.ts';

/**
 * +CME ERROR codes, 27.007 §9.2.1 (general) and §9.2.2 (packet domain), the ones a power-saving and
 * connectivity rig can meet. Texts are the specification's verbose forms (what `AT+CMEE=2` prints on
 * faithful firmware); vendors reword them, so look-ups by text compare letters and digits only.
 */
export const CME_ERRORS: ReadonlyMap<number, string> = new Map([
  [0, 'phone failure'],
  [1, 'no connection to phone'],
  [2, 'phone-adaptor link reserved'],
  [3, 'operation not allowed'],
  [4, 'operation not supported'],
  [5, 'PH-SIM PIN required'],
  [6, 'PH-FSIM PIN required'],
  [7, 'PH-FSIM PUK required'],
  [10, 'SIM not inserted'],
  [11, 'SIM PIN required'],
  [12, 'SIM PUK required'],
  [13, 'SIM failure'],
  [14, 'SIM busy'],
  [15, 'SIM wrong'],
  [16, 'incorrect password'],
  [17, 'SIM PIN2 required'],
  [18, 'SIM PUK2 required'],
  [20, 'memory full'],
  [21, 'invalid index'],
  [22, 'not found'],
  [23, 'memory failure'],
  [24, 'text string too long'],
  [25, 'invalid characters in text string'],
  [26, 'dial string too long'],
  [27, 'invalid characters in dial string'],
  [30, 'no network service'],
  [31, 'network timeout'],
  [32, 'network not allowed - emergency calls only'],
  [40, 'network personalization PIN required'],
  [41, 'network personalization PUK required'],
  [42, 'network subset personalization PIN required'],
  [43, 'network subset personalization PUK required'],
  [44, 'service provider personalization PIN required'],
  [45, 'service provider personalization PUK required'],
  [46, 'corporate personalization PIN required'],
  [47, 'corporate personalization PUK required'],
  [48, 'hidden key required'],
  [49, 'EAP method not supported'],
  [50, 'incorrect parameters'],
  [51, 'command implemented but currently disabled'],
  [52, 'command aborted by user'],
  [53, 'not attached to network due to MT functionality restrictions'],
  [54, 'modem not allowed - MT restricted to emergency calls only'],
  [55, 'operation not allowed because of MT functionality restrictions'],
  [56, 'fixed dial number only allowed - called number is not a fixed dial number'],
  [57, 'temporarily out of service due to other MT usage'],
  [58, 'language/alphabet not supported'],
  [59, 'unexpected data value'],
  [60, 'system failure'],
  [61, 'data missing'],
  [62, 'call barred'],
  [63, 'message waiting indication subscription failure'],
  [100, 'unknown'],
  [103, 'illegal MS'],
  [106, 'illegal ME'],
  [107, 'GPRS services not allowed'],
  [108, 'GPRS services and non-GPRS services not allowed'],
  [111, 'PLMN not allowed'],
  [112, 'location area not allowed'],
  [113, 'roaming not allowed in this location area'],
  [114, 'GPRS services not allowed in this PLMN'],
  [115, 'no suitable cells in tracking area'],
  [122, 'congestion'],
  [126, 'insufficient resources'],
  [127, 'missing or unknown APN'],
  [128, 'unknown PDP address or PDP type'],
  [129, 'user authentication failed'],
  [130, 'activation rejected by GGSN, Serving GW or PDN GW'],
  [131, 'activation rejected, unspecified'],
  [132, 'service option not supported'],
  [133, 'requested service option not subscribed'],
  [134, 'service option temporarily out of order'],
  [148, 'unspecified GPRS error'],
  [149, 'PDP authentication failure'],
  [150, 'invalid mobile class'],
  [171, 'last PDN disconnection not allowed'],
  [172, 'semantically incorrect message'],
  [173, 'mandatory information element error'],
  [174, 'information element non-existent or not implemented'],
  [175, 'conditional IE error'],
  [176, 'protocol error, unspecified'],
  [177, 'operator determined barring'],
  [178, 'maximum number of PDP contexts reached'],
  [179, 'requested APN not supported in current RAT and PLMN combination'],
  [180, 'request rejected, bearer control mode violation'],
  [181, 'unsupported QCI value'],
]);

/** +CMS ERROR basics, 27.005 §3.2.5 (the ME/SIM/network part; 0..255 are network causes, not listed). */
export const CMS_ERRORS: ReadonlyMap<number, string> = new Map([
  [300, 'ME failure'],
  [301, 'SMS service of ME reserved'],
  [302, 'operation not allowed'],
  [303, 'operation not supported'],
  [304, 'invalid PDU mode parameter'],
  [305, 'invalid text mode parameter'],
  [310, 'SIM not inserted'],
  [311, 'SIM PIN required'],
  [312, 'PH-SIM PIN required'],
  [313, 'SIM failure'],
  [314, 'SIM busy'],
  [315, 'SIM wrong'],
  [316, 'SIM PUK required'],
  [317, 'SIM PIN2 required'],
  [318, 'SIM PUK2 required'],
  [320, 'memory failure'],
  [321, 'invalid memory index'],
  [322, 'memory full'],
  [330, 'SMSC address unknown'],
  [331, 'no network service'],
  [332, 'network timeout'],
  [340, 'no +CNMA acknowledgement expected'],
  [500, 'unknown error'],
]);

export type ErrorFamily = 'CME' | 'CMS';

/** A `+CME ERROR:` / `+CMS ERROR:` final result, numeric or verbose, resolved through the tables. */
export interface ErrorResult {
  family: ErrorFamily;
  /** Null for a verbose text the table does not know. */
  code: number | null;
  /** The specification's text, else the module's own text; null for an unknown number. */
  text: string | null;
}

const TABLES: Record<ErrorFamily, ReadonlyMap<number, string>> = { CME: CME_ERRORS, CMS: CMS_ERRORS };

function textKey(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

const BY_TEXT: Record<ErrorFamily, ReadonlyMap<string, number>> = {
  CME: reverse(CME_ERRORS),
  CMS: reverse(CMS_ERRORS),
};

function reverse(table: ReadonlyMap<number, string>): ReadonlyMap<string, number> {
  const out = new Map<string, number>();
  for (const [code, text] of table) if (!out.has(textKey(text))) out.set(textKey(text), code);
  return out;
}

/** Either family by number; the shape the engine's describeFinal takes as its look-up. */
export function errorText(family: ErrorFamily, code: number): string | undefined {
  return TABLES[family].get(code);
}

/** Either family by verbose text. */
export function errorCode(family: ErrorFamily, text: string): number | undefined {
  return BY_TEXT[family].get(textKey(text));
}

export function cmeErrorText(code: number): string | undefined {
  return CME_ERRORS.get(code);
}

/** Case, spacing and punctuation are ignored: "Network not allowed, emergency calls only" finds 32. */
export function cmeErrorCode(text: string): number | undefined {
  return BY_TEXT.CME.get(textKey(text));
}

export function cmsErrorText(code: number): string | undefined {
  return CMS_ERRORS.get(code);
}

export function cmsErrorCode(text: string): number | undefined {
  return BY_TEXT.CMS.get(textKey(text));
}

/** `+CME ERROR: 10`, `+CME ERROR: SIM not inserted`, `+CMS ERROR: 500`. */
export function parseErrorResult(line: string): ErrorResult {
  const m = /^\s*\+(CME|CMS) ERROR:\s*(.*?)\s*$/i.exec(line);
  if (!m) {
    throw new AtParseError({
      command: '+CME ERROR',
      expected: '"+CME ERROR: <err>" or "+CMS ERROR: <err>"',
      line,
    });
  }
  const family = m[1]!.toUpperCase() as ErrorFamily;
  const detail = m[2]!.replace(/^"(.*)"$/, '$1');
  if (detail === '') {
    throw new AtParseError({
      command: `+${family} ERROR`,
      expected: 'an error number or text',
      line,
      got: null,
    });
  }
  if (/^\d+$/.test(detail)) {
    const code = Number(detail);
    return { family, code, text: TABLES[family].get(code) ?? null };
  }
  const code = BY_TEXT[family].get(textKey(detail));
  return { family, code: code ?? null, text: code === undefined ? detail : TABLES[family].get(code)! };
}
