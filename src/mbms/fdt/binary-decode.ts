import { PerReader } from '../per/index.ts';
import { binaryReadError } from './binary-faults.ts';
import {
  ABSENT_SCHEME_SPECIFIC_INFO,
  BINARY_FDT_HEADER_EXTENSION_TYPE,
  BINARY_FDT_VERSION,
  type BinaryFdt,
  type BinaryFdtOptions,
  CONTENT_TYPE_CODES,
  MAX_FILES,
  UINT32_MAX,
  URI_MAX_OCTETS,
} from './binary-format.ts';
import { FdtError } from './errors.ts';
import { bytesToBase64, checkToi, fail, MD5_BYTES, type RuleContext, XML_FORBIDDEN_CHAR } from './rules.ts';
import {
  type CacheControl,
  type FdtFile,
  type FdtInstance,
  type FecOtiAttributes,
  MAX_TOI_3GPP,
} from './types.ts';

export interface DecodeBinaryFdtOptions extends BinaryFdtOptions {
  /** Largest input accepted, in bytes (default 256 KiB; 255 files of maximal fields fit in ~500 KiB). */
  maxBytes?: number;
}

const OPERATION = 'decode binary FDT';
const DEFAULT_MAX_BYTES = 256 * 1024;

export function decodeBinaryFdt(bytes: Uint8Array, options: DecodeBinaryFdtOptions = {}): BinaryFdt {
  const ctx: RuleContext = {
    operation: OPERATION,
    source: options.source,
    where: 'MBMSIoT-BinaryFDT-Instance',
  };
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.byteLength > maxBytes) {
    fail(ctx, 'too-large', { value: `${bytes.byteLength} bytes`, expected: `at most ${maxBytes} bytes` });
  }
  const codes = options.contentTypes ?? CONTENT_TYPE_CODES;
  const r = new PerReader(bytes, {
    error: binaryReadError(options.source ? `${options.source}: ${OPERATION}` : OPERATION),
  });

  const hasExpires = r.bit('expires present');
  const hasBase1 = r.bit('baseURL1 present');
  const hasBase2 = r.bit('baseURL2 present');
  const hasFec = r.bit('fecInformation present');
  const hasExtension = r.bit('nonCriticalExtension present');
  const het = r.constrained(0, 255, 'headerExtensionType');
  if (het !== BINARY_FDT_HEADER_EXTENSION_TYPE) {
    fail(ctx, 'bad-binary', {
      attribute: 'headerExtensionType',
      value: String(het),
      expected: String(BINARY_FDT_HEADER_EXTENSION_TYPE),
    });
  }
  const version = r.bits(8, 'version');
  const fluteVersion = version >> 4;
  if ((version & 0x0f) !== BINARY_FDT_VERSION || (fluteVersion !== 1 && fluteVersion !== 2)) {
    fail(ctx, 'bad-binary', {
      attribute: 'version',
      value: `0x${version.toString(16).padStart(2, '0')}`,
      expected: `FLUTE version 1 or 2 (high nibble), binary FDT version ${BINARY_FDT_VERSION} (low nibble)`,
    });
  }
  const fdtInstanceId = r.bits(20, 'fdtInstanceID');
  const typeCode = r.constrained(0, 255, 'contentType');
  if (!hasExpires) fail(ctx, 'missing', { attribute: 'expires', problem: 'an FDT Instance needs Expires' });
  const instance: FdtInstance = { expires: r.constrained(0, UINT32_MAX, 'expires'), files: [] };
  const contentType = lookupContentType(typeCode, codes, ctx, 'contentType');
  if (contentType !== undefined) instance.contentType = contentType;
  const baseUrls: NonNullable<FdtInstance['baseUrls']> = [];
  if (hasBase1) baseUrls.push({ priority: 1, url: readString(r, ctx, 'baseURL1') });
  if (hasBase2) baseUrls.push({ priority: 2, url: readString(r, ctx, 'baseURL2') });
  if (baseUrls.length > 0) instance.baseUrls = baseUrls;
  if (hasFec) instance.fecOti = readFecInformation(r, 'fecInformation');

  const count = r.constrained(1, MAX_FILES, 'fileDescription count');
  const seen = new Set<number>();
  for (let i = 0; i < count; i++) {
    const file = readFile(r, { ...ctx, where: `fileDescription[${i}]` }, codes);
    if (seen.has(file.toi)) {
      fail({ ...ctx, where: `fileDescription[${i}]` }, 'duplicate-toi', {
        attribute: 'transportObjectIdentifier',
        value: String(file.toi),
      });
    }
    seen.add(file.toi);
    instance.files.push(file);
  }
  if (hasExtension) skipExtension(r, 'nonCriticalExtension');
  r.end();
  return { fdtInstanceId, fluteVersion, instance };
}

function readFile(r: PerReader, ctx: RuleContext, codes: readonly (string | undefined)[]): FdtFile {
  const field = (name: string) => `${ctx.where}.${name}`;
  const present = [
    'contentLength',
    'contentType',
    'contentMD5',
    'transferLength',
    'mbms2012AlternateContentLocation1',
    'mbms2012AlternateContentLocation2',
    'mbms2012FileEtag',
    'mbms-IoT-mbms007CacheControl',
    'nonCriticalExtension',
  ].map((name) => r.bit(field(`${name} present`)));
  const [hasLength, hasType, hasMd5, hasTransfer, hasAcl1, hasAcl2, hasEtag, hasCache, hasExtension] =
    present;
  const toi = checkToi(
    r.constrained(0, 0xffff, field('transportObjectIdentifier')),
    MAX_TOI_3GPP,
    ctx,
    'transportObjectIdentifier',
  );
  const file: FdtFile = { toi, contentLocation: readString(r, ctx, 'contentLocation') };
  if (hasLength) file.contentLength = r.constrained(0, UINT32_MAX, field('contentLength'));
  if (hasType) {
    const contentType = lookupContentType(
      r.constrained(0, 255, field('contentType')),
      codes,
      ctx,
      'contentType',
    );
    if (contentType !== undefined) file.contentType = contentType;
  }
  if (hasMd5) {
    const digest = r.octetString(1, 255, field('contentMD5'));
    if (digest.length !== MD5_BYTES) {
      fail(ctx, 'bad-value', {
        attribute: 'contentMD5',
        value: `${digest.length} octets`,
        expected: `${MD5_BYTES} octets`,
      });
    }
    file.contentMd5 = bytesToBase64(digest);
  }
  file.fecOti = readFecInformation(r, field('fecInformation'));
  if (hasTransfer) file.transferLength = r.constrained(0, UINT32_MAX, field('transferLength'));
  const acl: NonNullable<FdtFile['alternateContentLocations']> = [];
  if (hasAcl1) acl.push({ priority: 1, urls: [readString(r, ctx, 'mbms2012AlternateContentLocation1')] });
  if (hasAcl2) acl.push({ priority: 2, urls: [readString(r, ctx, 'mbms2012AlternateContentLocation2')] });
  if (acl.length > 0) file.alternateContentLocations = acl;
  if (hasEtag) file.fileETag = readString(r, ctx, 'mbms2012FileEtag');
  if (hasCache) {
    const cacheControl = readCacheControl(r, field('mbms-IoT-mbms007CacheControl'));
    if (cacheControl) file.cacheControl = cacheControl;
  }
  if (hasExtension) skipExtension(r, field('nonCriticalExtension'));
  return file;
}

function readFecInformation(r: PerReader, field: string): FecOtiAttributes {
  const hasExtension = r.bit(`${field}.nonCriticalExtension present`);
  const fec: FecOtiAttributes = {
    'FEC-OTI-FEC-Encoding-ID': String(r.constrained(0, 255, `${field}.fecEncodingID`)),
  };
  const maxBlock = r.constrained(0, UINT32_MAX, `${field}.maximumSourceBLockLength`);
  const symbolLength = r.constrained(0, UINT32_MAX, `${field}.encodingSymbolLength`);
  const ssi = r.octetString(1, 255, `${field}.schemeSpecificInfo`);
  // Zero and the single 0x00 octet stand for "absent" (binary-format.ts, choice 5).
  if (maxBlock !== 0) fec['FEC-OTI-Maximum-Source-Block-Length'] = String(maxBlock);
  if (symbolLength !== 0) fec['FEC-OTI-Encoding-Symbol-Length'] = String(symbolLength);
  const absent =
    ssi.length === ABSENT_SCHEME_SPECIFIC_INFO.length && ssi[0] === ABSENT_SCHEME_SPECIFIC_INFO[0];
  if (!absent) fec['FEC-OTI-Scheme-Specific-Info'] = bytesToBase64(ssi);
  if (hasExtension) skipExtension(r, `${field}.nonCriticalExtension`);
  return fec;
}

function readCacheControl(r: PerReader, field: string): CacheControl | undefined {
  if (r.bits(1, `${field} choice`) === 1)
    return { directive: 'expires', expires: r.constrained(0, UINT32_MAX, `${field}.expires`) };
  const bits = r.bits(2, `${field}.cachingDirective`);
  if ((bits & 1) === 0) return undefined; // the directive's value is FALSE: no directive
  return { directive: bits & 2 ? 'no-cache' : 'max-stale' };
}

/** `...-Extension-IEs ::= SEQUENCE { lateNonCriticalExtension OCTET STRING OPTIONAL, nonCriticalExtension SEQUENCE {} OPTIONAL }` */
function skipExtension(r: PerReader, field: string): void {
  const hasLate = r.bit(`${field}.lateNonCriticalExtension present`);
  r.bit(`${field}.nonCriticalExtension present`); // an empty SEQUENCE encodes to no bits
  if (hasLate) r.unconstrainedOctets(`${field}.lateNonCriticalExtension`);
}

function readString(r: PerReader, ctx: RuleContext, field: string): string {
  const bytes = r.octetString(1, URI_MAX_OCTETS, `${ctx.where}.${field}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail(ctx, 'bad-value', { attribute: field, problem: 'not valid UTF-8' });
  }
  // Keep every decoded FDT expressible as XML too.
  if (XML_FORBIDDEN_CHAR.test(text))
    fail(ctx, 'bad-value', { attribute: field, value: text, problem: 'control characters' });
  return text;
}

function lookupContentType(
  code: number,
  codes: readonly (string | undefined)[],
  ctx: RuleContext,
  field: string,
): string | undefined {
  if (code === 0) return undefined;
  const type = codes[code];
  if (type === undefined) {
    throw new FdtError({
      code: 'bad-value',
      operation: ctx.operation,
      source: ctx.source,
      where: ctx.where,
      attribute: field,
      value: String(code),
      expected: 'a content type code in the table',
    });
  }
  return type;
}
