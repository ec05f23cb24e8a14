/**
 * The symbol-based repair error bodies of TS 26.346 §9.3.7.1: "400 Bad Request" with a text/plain body
 *   http-error-body = error-code (SP / HTAB) error-description CRLF ; error-code = 4DIGIT
 */

export const REPAIR_ERROR_TEXT = {
  '0001': 'File not found',
  '0002': 'Content-MD5 not valid',
  '0003': 'SBN or ESI out of range',
  '0004': 'ServiceId not found',
  '0005': 'fdtInstanceId not found',
  '0006': 'fdtGroupId not found',
} as const;

export type RepairErrorCode = keyof typeof REPAIR_ERROR_TEXT;

export function repairErrorBody(code: RepairErrorCode): string {
  return `${code} ${REPAIR_ERROR_TEXT[code]}\r\n`;
}

/** The 4-digit code of an error body, if it has the §9.3.7.1 shape (any 4 digits, known or not). */
export function parseRepairErrorBody(body: string): { code: string; description: string } | undefined {
  const m = /^([0-9]{4})[ \t]([ -~]+?)\r?\n?$/.exec(body);
  return m ? { code: m[1]!, description: m[2]! } : undefined;
}

/** Server header the spec asks for on 501 (unknown query argument). */
export const MBMS_SERVER_HEADER = 'MBMS/6';
