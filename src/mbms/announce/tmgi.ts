/**
 * TMGI (TS 24.008 10.5.6.13, TS 26.346 7.3.2.7): MBMS Service ID (3 octets) then MCC/MNC in 24.008
 * nibble order. Three notations meet here: 12 hex digits (the model), a decimal number (SDP
 * `a=mbms-mode`), and service ID + PLMN digits (the TR 26.850 `TMGI-IE`).
 */

export interface TmgiParts {
  /** MBMS Service ID, 6 hex digits, upper case. */
  mbmsServiceId: string;
  /** Mobile country code, 3 decimal digits. */
  mcc: string;
  /** Mobile network code, 2 or 3 decimal digits. */
  mnc: string;
}

const HEX12 = /^[0-9A-Fa-f]{12}$/;
const MAX_TMGI = 2n ** 48n - 1n;

/** True when the text is a TMGI in the model's notation (12 hex digits). */
export function isTmgiHex(text: string): boolean {
  return HEX12.test(text);
}

/** Splits a 12-hex-digit TMGI; undefined when the PLMN nibbles are not BCD digits (F filler allowed once). */
export function tmgiParts(hex: string): TmgiParts | undefined {
  if (!HEX12.test(hex)) return undefined;
  const h = hex.toUpperCase();
  // Octet 4: MCC2|MCC1, octet 5: MNC3|MCC3, octet 6: MNC2|MNC1 (high nibble first in each pair).
  const mcc = `${h[7]}${h[6]}${h[9]}`;
  const mnc3 = h[8];
  const mnc = `${h[11]}${h[10]}${mnc3 === 'F' ? '' : mnc3}`;
  if (!/^\d{3}$/.test(mcc) || !/^\d{2,3}$/.test(mnc)) return undefined;
  return { mbmsServiceId: h.slice(0, 6), mcc, mnc };
}

/** Joins service ID and PLMN into the 12-hex-digit TMGI; undefined when a part is malformed. */
export function tmgiFromParts(parts: TmgiParts): string | undefined {
  const { mbmsServiceId, mcc, mnc } = parts;
  if (!/^[0-9A-Fa-f]{6}$/.test(mbmsServiceId) || !/^\d{3}$/.test(mcc) || !/^\d{2,3}$/.test(mnc)) {
    return undefined;
  }
  const mnc3 = mnc.length === 3 ? mnc[2] : 'F';
  return `${mbmsServiceId.toUpperCase()}${mcc[1]}${mcc[0]}${mnc3}${mcc[2]}${mnc[1]}${mnc[0]}`;
}

/** The decimal form of SDP `a=mbms-mode` (octet 3 most significant). */
export function tmgiToDecimal(hex: string): string {
  return BigInt(`0x${hex}`).toString(10);
}

/** Back from the decimal form (1*15DIGIT); undefined when it does not fit 48 bits. */
export function tmgiFromDecimal(decimal: string): string | undefined {
  if (!/^\d{1,15}$/.test(decimal)) return undefined;
  const value = BigInt(decimal);
  if (value > MAX_TMGI) return undefined;
  return value.toString(16).toUpperCase().padStart(12, '0');
}
