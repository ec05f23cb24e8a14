import { AtParseError } from './errors.ts';

/** An IMEI split into its parts, with the Luhn check digit recomputed. */
export interface ImeiCheck {
  /** Type Allocation Code, 8 digits. */
  tac: string;
  /** Serial number, 6 digits. */
  serial: string;
  checkDigit: number;
  expectedCheckDigit: number;
  luhnValid: boolean;
}

/** `AT+CGSN[=<snt>]` result. <snt> 0 serial number (the IMEI on these modules), 1 IMEI, 2 IMEISV, 3 SVN. */
export interface Cgsn {
  snt: 0 | 1 | 2 | 3;
  value: string;
  /** Present when the value is a 15-digit IMEI (snt 0 or 1). */
  imei?: ImeiCheck;
}

/** Luhn check digit over the first 14 digits of an IMEI. */
export function imeiCheckDigit(first14: string): number {
  if (!/^\d{14}$/.test(first14))
    throw new RangeError(`IMEI: expected 14 digits, got ${JSON.stringify(first14)}`);
  let sum = 0;
  // From the right, every other digit starting with the last payload digit is doubled.
  for (let i = 0; i < 14; i++) {
    let d = first14.charCodeAt(13 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function checkImei(imei: string): ImeiCheck {
  if (!/^\d{15}$/.test(imei)) throw new RangeError(`IMEI: expected 15 digits, got ${JSON.stringify(imei)}`);
  const expectedCheckDigit = imeiCheckDigit(imei.slice(0, 14));
  const checkDigit = imei.charCodeAt(14) - 48;
  return {
    tac: imei.slice(0, 8),
    serial: imei.slice(8, 14),
    checkDigit,
    expectedCheckDigit,
    luhnValid: checkDigit === expectedCheckDigit,
  };
}

const SNT_VALUE: Record<Cgsn['snt'], { pattern: RegExp; what: string }> = {
  0: { pattern: /^[\x21-\x7e]{1,64}$/, what: 'a serial number' },
  1: { pattern: /^\d{15}$/, what: 'a 15-digit IMEI' },
  2: { pattern: /^\d{16}$/, what: 'a 16-digit IMEISV' },
  3: { pattern: /^\d{2}$/, what: 'a 2-digit SVN' },
};

/** Bare `352656100367872`, or `+CGSN: "352656100367872"` / `+CGSN: 352656100367872`. */
export function parseCgsn(line: string, snt: Cgsn['snt'] = 0): Cgsn {
  const value = unwrap('+CGSN', line);
  const spec = SNT_VALUE[snt];
  if (!spec.pattern.test(value)) {
    throw new AtParseError({ command: '+CGSN', expected: spec.what, line, got: value });
  }
  const cgsn: Cgsn = { snt, value };
  if ((snt === 0 || snt === 1) && /^\d{15}$/.test(value)) cgsn.imei = checkImei(value);
  return cgsn;
}

/** Firmware revision: `mfw_nrf9160_1.3.5`, `+CGMR: …`, SIM7080's `Revision:1951B16SIM7080`. */
export function parseCgmr(line: string): string {
  return identification('+CGMR', line, /^Revision:\s*/i);
}

/** Manufacturer: `Quectel`, `u-blox`, `Nordic Semiconductor ASA`, `+CGMI: …`. */
export function parseCgmi(line: string): string {
  return identification('+CGMI', line);
}

/** Model: `BG95-M3`, `SIMCOM_SIM7080G`, `+CGMM: …`. */
export function parseCgmm(line: string): string {
  return identification('+CGMM', line);
}

function identification(command: string, line: string, label?: RegExp): string {
  let value = unwrap(command, line);
  if (label) value = value.replace(label, '');
  if (value === '' || /[\u0000-\u001f\u007f"]/.test(value)) {
    throw new AtParseError({ command, expected: 'printable identification text', line, got: value });
  }
  return value;
}

/** The text of a line that may or may not carry the command's prefix, without surrounding quotes. */
function unwrap(command: string, line: string): string {
  let text = line.trim();
  const prefix = /^([+%#$][A-Za-z0-9]+)\s*:/.exec(text);
  if (prefix) {
    if (prefix[1]!.toUpperCase() !== command) {
      throw new AtParseError({ command, expected: `prefix "${command}:" or none`, line, got: prefix[1]! });
    }
    text = text.slice(prefix[0].length).trim();
  }
  if (text.startsWith('"')) {
    if (text.length < 2 || !text.endsWith('"')) {
      throw new AtParseError({ command, expected: 'a closing quote', line, got: text });
    }
    text = text.slice(1, -1).trim();
  }
  return text;
}
