import { PerWriter } from '../per/index.ts';
import { binaryWriteError } from './binary-faults.ts';
import {
  ABSENT_SCHEME_SPECIFIC_INFO,
  BINARY_FDT_HEADER_EXTENSION_TYPE,
  BINARY_FDT_VERSION,
  type BinaryFdtOptions,
  CONTENT_TYPE_CODES,
  FLUTE_VERSION_RFC3926,
  MAX_FILES,
  UINT32_MAX,
  URI_MAX_OCTETS,
} from './binary-format.ts';
import { effectiveFecAttributes } from './fec-attributes.ts';
import { checkFdtInstance } from './model-check.ts';
import { base64ToBytes, fail, type RuleContext } from './rules.ts';
import {
  type FdtFile,
  type FdtInstance,
  type FecOtiAttributes,
  MAX_FDT_INSTANCE_ID,
  MAX_TOI_3GPP,
} from './types.ts';

export interface BinaryFdtInput {
  fdtInstanceId: number;
  /** Default 1 (RFC 3926). */
  fluteVersion?: number;
  instance: FdtInstance;
}

export interface EncodedBinaryFdt {
  bytes: Uint8Array;
  /** What the binary form could not carry, e.g. `FDT-Instance Complete`, `File[0] Content-Encoding`. */
  dropped: string[];
}

const OPERATION = 'encode binary FDT';

export function encodeBinaryFdt(input: BinaryFdtInput, options: BinaryFdtOptions = {}): EncodedBinaryFdt {
  const { instance } = input;
  checkFdtInstance(instance, { operation: OPERATION, maxToi: MAX_TOI_3GPP });
  const ctx: RuleContext = { operation: OPERATION, source: options.source, where: 'FDT-Instance' };
  const fluteVersion = input.fluteVersion ?? FLUTE_VERSION_RFC3926;
  if (
    !Number.isInteger(input.fdtInstanceId) ||
    input.fdtInstanceId < 0 ||
    input.fdtInstanceId > MAX_FDT_INSTANCE_ID
  ) {
    fail(ctx, 'bad-value', {
      attribute: 'fdtInstanceID',
      value: String(input.fdtInstanceId),
      expected: '20 bits',
    });
  }
  if (!Number.isInteger(fluteVersion) || fluteVersion < 0 || fluteVersion > 15) {
    fail(ctx, 'bad-value', { attribute: 'version', value: String(fluteVersion), expected: '4 bits' });
  }
  if (instance.files.length > MAX_FILES) {
    fail(ctx, 'unrepresentable', {
      value: `${instance.files.length} files`,
      expected: `at most ${MAX_FILES}`,
    });
  }
  const dropped: string[] = [];
  const drop = (what: string) => dropped.push(what);
  const codes = options.contentTypes ?? CONTENT_TYPE_CODES;
  const w = new PerWriter({ error: binaryWriteError(OPERATION) });

  const base1 = instance.baseUrls?.filter((base) => base.priority === 1) ?? [];
  const base2 = instance.baseUrls?.filter((base) => base.priority === 2) ?? [];
  const instanceFec =
    instance.fecOti?.['FEC-OTI-FEC-Encoding-ID'] !== undefined ? instance.fecOti : undefined;
  // Preamble: expires, baseURL1, baseURL2, fecInformation, nonCriticalExtension.
  w.bit(true);
  w.bit(base1.length > 0);
  w.bit(base2.length > 0);
  w.bit(instanceFec !== undefined);
  w.bit(false);
  w.constrained(BINARY_FDT_HEADER_EXTENSION_TYPE, 0, 255, 'headerExtensionType');
  w.bits((fluteVersion << 4) | BINARY_FDT_VERSION, 8);
  w.bits(input.fdtInstanceId, 20);
  w.constrained(
    contentTypeCode(instance.contentType, codes, 'FDT-Instance', drop) ?? 0,
    0,
    255,
    'contentType',
  );
  w.constrained(instance.expires, 0, UINT32_MAX, 'expires');
  if (base1[0]) w.octetString(utf8(base1[0].url, ctx, 'baseURL1'), 1, URI_MAX_OCTETS, 'baseURL1');
  if (base2[0]) w.octetString(utf8(base2[0].url, ctx, 'baseURL2'), 1, URI_MAX_OCTETS, 'baseURL2');
  if (instanceFec) writeFecInformation(w, instanceFec, ctx);

  if (instance.complete !== undefined) drop('FDT-Instance Complete');
  if (instance.fullFdt !== undefined) drop('FDT-Instance FullFDT');
  if (instance.contentEncoding !== undefined) drop('FDT-Instance Content-Encoding');
  dropUncarriedFec(instance.fecOti, 'FDT-Instance', drop);
  if (base1.length > 1 || base2.length > 1) drop('FDT-Instance Base-URL beyond the first of each priority');
  if (instance.groups?.length) drop('FDT-Instance Group');
  if (instance.mbmsSessionIdentityExpiries?.length) drop('FDT-Instance MBMS-Session-Identity-Expiry');
  if (instance.extraAttributes?.length) drop('FDT-Instance extra attributes');

  w.constrained(instance.files.length, 1, MAX_FILES, 'fileDescription count');
  for (const [i, file] of instance.files.entries()) {
    writeFile(w, instance, file, { ...ctx, where: `File[${i}]` }, codes, drop);
  }
  return { bytes: w.finish(), dropped };
}

function writeFile(
  w: PerWriter,
  instance: FdtInstance,
  file: FdtFile,
  ctx: RuleContext,
  codes: readonly (string | undefined)[],
  drop: (what: string) => void,
): void {
  const where = ctx.where;
  const field = (name: string) => `${where}.${name}`;
  const typeCode = contentTypeCode(file.contentType, codes, where, drop);
  const acl1 =
    file.alternateContentLocations?.filter((set) => set.priority === 1).flatMap((set) => set.urls) ?? [];
  const acl2 =
    file.alternateContentLocations?.filter((set) => set.priority === 2).flatMap((set) => set.urls) ?? [];
  const fec = effectiveFecAttributes(instance, file);
  if (fec.encodingId === undefined) {
    fail(ctx, 'unrepresentable', {
      attribute: 'FEC-OTI-FEC-Encoding-ID',
      problem:
        'absent on File and FDT-Instance; the binary FileDescription needs it (fecInformation is mandatory)',
    });
  }
  // Preamble: contentLength, contentType, contentMD5, transferLength, ACL1, ACL2, fileEtag, cacheControl,
  // nonCriticalExtension.
  w.bit(file.contentLength !== undefined);
  w.bit(typeCode !== undefined);
  w.bit(file.contentMd5 !== undefined);
  w.bit(file.transferLength !== undefined);
  w.bit(acl1.length > 0);
  w.bit(acl2.length > 0);
  w.bit(file.fileETag !== undefined);
  w.bit(file.cacheControl !== undefined);
  w.bit(false);
  w.constrained(file.toi, 0, 0xffff, field('transportObjectIdentifier'));
  w.octetString(
    utf8(file.contentLocation, ctx, 'contentLocation'),
    1,
    URI_MAX_OCTETS,
    field('contentLocation'),
  );
  if (file.contentLength !== undefined)
    w.constrained(uint32(file.contentLength, ctx, 'contentLength'), 0, UINT32_MAX, field('contentLength'));
  if (typeCode !== undefined) w.constrained(typeCode, 0, 255, field('contentType'));
  if (file.contentMd5 !== undefined)
    w.octetString(base64ToBytes(file.contentMd5), 1, 255, field('contentMD5'));
  writeFecInformation(w, fec.attributes, ctx);
  if (file.transferLength !== undefined) {
    w.constrained(uint32(file.transferLength, ctx, 'transferLength'), 0, UINT32_MAX, field('transferLength'));
  }
  if (acl1[0] !== undefined)
    w.octetString(
      utf8(acl1[0], ctx, 'mbms2012AlternateContentLocation1'),
      1,
      URI_MAX_OCTETS,
      field('mbms2012AlternateContentLocation1'),
    );
  if (acl2[0] !== undefined)
    w.octetString(
      utf8(acl2[0], ctx, 'mbms2012AlternateContentLocation2'),
      1,
      URI_MAX_OCTETS,
      field('mbms2012AlternateContentLocation2'),
    );
  if (file.fileETag !== undefined)
    w.octetString(utf8(file.fileETag, ctx, 'mbms2012FileEtag'), 1, URI_MAX_OCTETS, field('mbms2012FileEtag'));
  const cache = file.cacheControl;
  if (cache) {
    w.bits(cache.directive === 'expires' ? 1 : 0, 1);
    if (cache.directive === 'expires')
      w.constrained(cache.expires, 0, UINT32_MAX, field('mbms-IoT-mbms007CacheControl.expires'));
    else w.bits(cache.directive === 'no-cache' ? 0b11 : 0b01, 2);
  }

  if (file.contentEncoding !== undefined) drop(`${where} Content-Encoding`);
  dropUncarriedFec(file.fecOti, where, drop);
  if (acl1.length > 1 || acl2.length > 1)
    drop(`${where} Alternate-Content-Location beyond the first of each priority`);
  if (file.alternateContentLocations?.some((set) => set.availabilityTime !== undefined)) {
    drop(`${where} Availability-Time`);
  }
  if (file.decryptionKeyUri !== undefined) drop(`${where} Decryption-KEY-URI`);
  if (file.fecRedundancyLevel !== undefined) drop(`${where} FEC-Redundancy-Level`);
  if (file.independentUnitPositions !== undefined) drop(`${where} IndependentUnitPositions`);
  if (file.groups?.length) drop(`${where} Group`);
  if (file.mbmsSessionIdentities?.length) drop(`${where} MBMS-Session-Identity`);
  if (file.extraAttributes?.length) drop(`${where} extra attributes`);
}

/** FECInformation-IEs; absent maximumSourceBLockLength, encodingSymbolLength and SSI per choice 5. */
function writeFecInformation(w: PerWriter, fec: FecOtiAttributes, ctx: RuleContext): void {
  const id = Number(fec['FEC-OTI-FEC-Encoding-ID']);
  if (id > 255)
    fail(ctx, 'unrepresentable', {
      attribute: 'FEC-OTI-FEC-Encoding-ID',
      value: String(id),
      expected: '0..255',
    });
  const ssiText = fec['FEC-OTI-Scheme-Specific-Info'];
  const ssi = ssiText ? base64ToBytes(ssiText) : ABSENT_SCHEME_SPECIFIC_INFO;
  if (ssi.length > 255)
    fail(ctx, 'unrepresentable', {
      attribute: 'FEC-OTI-Scheme-Specific-Info',
      value: `${ssi.length} octets`,
      expected: '1..255 octets',
    });
  w.bit(false);
  w.constrained(id, 0, 255, `${ctx.where}.fecInformation.fecEncodingID`);
  w.constrained(
    optionalUint32(fec['FEC-OTI-Maximum-Source-Block-Length'], ctx, 'maximumSourceBLockLength'),
    0,
    UINT32_MAX,
    `${ctx.where}.fecInformation.maximumSourceBLockLength`,
  );
  w.constrained(
    optionalUint32(fec['FEC-OTI-Encoding-Symbol-Length'], ctx, 'encodingSymbolLength'),
    0,
    UINT32_MAX,
    `${ctx.where}.fecInformation.encodingSymbolLength`,
  );
  w.octetString(ssi, 1, 255, `${ctx.where}.fecInformation.schemeSpecificInfo`);
}

function dropUncarriedFec(
  fecOti: FecOtiAttributes | undefined,
  where: string,
  drop: (what: string) => void,
): void {
  if (fecOti?.['FEC-OTI-FEC-Instance-ID'] !== undefined) drop(`${where} FEC-OTI-FEC-Instance-ID`);
  if (fecOti?.['FEC-OTI-Max-Number-of-Encoding-Symbols'] !== undefined) {
    drop(`${where} FEC-OTI-Max-Number-of-Encoding-Symbols`);
  }
}

function contentTypeCode(
  contentType: string | undefined,
  codes: readonly (string | undefined)[],
  where: string,
  drop: (what: string) => void,
): number | undefined {
  if (contentType === undefined) return undefined;
  const wanted = contentType.trim().toLowerCase();
  const code = codes.findIndex(
    (entry, index) => index > 0 && index <= 255 && entry?.toLowerCase() === wanted,
  );
  if (code < 0) {
    drop(`${where} Content-Type "${contentType}" (no 8-bit code)`);
    return undefined;
  }
  return code;
}

function utf8(text: string, ctx: RuleContext, field: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length < 1 || bytes.length > URI_MAX_OCTETS) {
    fail(ctx, 'unrepresentable', {
      attribute: field,
      value: text,
      expected: `1..${URI_MAX_OCTETS} UTF-8 octets`,
    });
  }
  return bytes;
}

function uint32(value: number, ctx: RuleContext, field: string): number {
  if (value > UINT32_MAX)
    fail(ctx, 'unrepresentable', { attribute: field, value: String(value), expected: '≤ 2^32 − 1' });
  return value;
}

function optionalUint32(text: string | undefined, ctx: RuleContext, field: string): number {
  return text === undefined ? 0 : uint32(Number(text), ctx, field);
}
