/**
 * Value rules shared by the decoders and the encoders: the same TOI, MD5, base64 and integer checks run
 * on what we read and on what we are asked to write, so a model that encodes also decodes.
 */
import { FdtError, type FdtErrorCode } from './errors.ts';

/** Where a value sits, for error messages. */
export interface RuleContext {
  operation: string;
  source?: string;
  where: string;
}

export function fail(
  ctx: RuleContext,
  code: FdtErrorCode,
  details: { attribute?: string; value?: string; expected?: string; problem?: string },
): never {
  throw new FdtError({ code, operation: ctx.operation, source: ctx.source, where: ctx.where, ...details });
}

const UNSIGNED = /^\+?[0-9]+$/;
const MAX_UNSIGNED_LONG = 18_446_744_073_709_551_615n;

/** An xs:unsignedLong literal (whitespace collapsed) that also fits `max` (default: exact in a JS number). */
export function parseUnsigned(
  text: string,
  ctx: RuleContext,
  attribute: string,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  const trimmed = text.trim();
  if (!UNSIGNED.test(trimmed) || trimmed.length > 24 || Number(trimmed) > max) {
    fail(ctx, 'bad-value', { attribute, value: text, expected: `an unsigned integer ≤ ${max}` });
  }
  return Number(trimmed);
}

/** Syntax check of an xs:unsignedLong kept as text (FEC-OTI-* attributes: the FEC layer reads them). */
export function checkUnsignedLongText(text: string, ctx: RuleContext, attribute: string): string {
  const trimmed = text.trim();
  if (!UNSIGNED.test(trimmed) || trimmed.length > 24 || BigInt(trimmed) > MAX_UNSIGNED_LONG) {
    fail(ctx, 'bad-value', { attribute, value: text, expected: 'an xs:unsignedLong' });
  }
  return trimmed.replace(/^\+/, '');
}

export function parseBoolean(text: string, ctx: RuleContext, attribute: string): boolean {
  const trimmed = text.trim();
  if (trimmed === 'true' || trimmed === '1') return true;
  if (trimmed === 'false' || trimmed === '0') return false;
  return fail(ctx, 'bad-value', { attribute, value: text, expected: 'an xs:boolean (true, false, 1, 0)' });
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** An xs:base64Binary literal with its whitespace removed; throws unless it is canonical base64. */
export function checkBase64(text: string, ctx: RuleContext, attribute: string): string {
  const compact = text.replace(/[ \t\r\n]+/g, '');
  if (!BASE64.test(compact)) fail(ctx, 'bad-value', { attribute, value: text, expected: 'base64' });
  return compact;
}

export function base64ToBytes(base64: string): Uint8Array {
  return new Uint8Array(Buffer.from(base64, 'base64'));
}

export function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export const MD5_BYTES = 16;

/** Content-MD5: base64 of exactly 16 bytes (RFC 1864). Returns the compact form. */
export function checkContentMd5(text: string, ctx: RuleContext, attribute = 'Content-MD5'): string {
  const compact = checkBase64(text, ctx, attribute);
  if (base64ToBytes(compact).length !== MD5_BYTES) {
    fail(ctx, 'bad-value', { attribute, value: text, expected: 'base64 of a 16-byte MD5 digest' });
  }
  return compact;
}

export function checkToi(toi: number, maxToi: number, ctx: RuleContext, attribute = 'TOI'): number {
  if (!Number.isSafeInteger(toi) || toi < 1 || toi > maxToi) {
    fail(ctx, 'bad-value', {
      attribute,
      value: String(toi),
      expected: `a positive integer ≤ ${maxToi} (TOI 0 is reserved for FDT Instances)`,
    });
  }
  return toi;
}

/** NCName per Namespaces in XML (ASCII-strict subset plus non-ASCII letters, which is what FDTs use). */
const NCNAME = /^[A-Za-z_\u00C0-\uFFFD][A-Za-z0-9._\-\u00B7\u00C0-\uFFFD]*$/;

export function isNcName(name: string): boolean {
  return NCNAME.test(name);
}

/** Characters XML 1.0 cannot carry at all (not even as character references). */
export const XML_FORBIDDEN_CHAR =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
