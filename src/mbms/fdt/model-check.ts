/**
 * Checks a model before it is encoded: the encoders refuse what the decoders would refuse, so nothing we
 * write is something we (or a conformant receiver) would reject.
 */
import { NS } from './namespaces.ts';
import {
  checkBase64,
  checkContentMd5,
  checkToi,
  checkUnsignedLongText,
  fail,
  isNcName,
  type RuleContext,
  XML_FORBIDDEN_CHAR,
} from './rules.ts';
import { type FdtFile, type FdtInstance, FEC_OTI_ATTRIBUTE_NAMES, type FecOtiAttributes } from './types.ts';

export interface ModelCheckOptions {
  operation: string;
  maxToi: number;
}

const UINT32_MAX = 0xffff_ffff;

export function checkFdtInstance(instance: FdtInstance, options: ModelCheckOptions): void {
  const ctx: RuleContext = { operation: options.operation, where: 'FDT-Instance' };
  checkInteger(instance.expires, UINT32_MAX, ctx, 'Expires');
  if (instance.schemaVersion !== undefined) {
    checkInteger(
      instance.schemaVersion,
      UINT32_MAX,
      { ...ctx, where: 'FDT-Instance/sv:schemaVersion' },
      'value',
    );
  }
  checkText(instance.contentType, ctx, 'Content-Type');
  checkText(instance.contentEncoding, ctx, 'Content-Encoding');
  checkFecOti(instance.fecOti, ctx);
  if (instance.files.length === 0)
    fail(ctx, 'missing', { problem: 'no File (the schema needs at least one)' });
  for (const [i, base] of (instance.baseUrls ?? []).entries()) {
    checkUri(base.url, { ...ctx, where: `FDT-Instance/Base-URL-${base.priority}[${i}]` }, 'value');
  }
  for (const group of instance.groups ?? [])
    checkText(group, { ...ctx, where: 'FDT-Instance/Group' }, 'value');
  for (const expiry of instance.mbmsSessionIdentityExpiries ?? []) {
    const where = { ...ctx, where: 'FDT-Instance/MBMS-Session-Identity-Expiry' };
    checkInteger(expiry.identity, 255, where, 'identity');
    checkInteger(expiry.expires, UINT32_MAX, where, 'value');
  }
  checkExtras(instance.extraAttributes, ctx, INSTANCE_ATTRIBUTES);

  const seen = new Map<number, number>();
  for (const [i, file] of instance.files.entries()) {
    const fileCtx = { ...ctx, where: `FDT-Instance/File[${i}]` };
    checkFile(file, fileCtx, options.maxToi);
    const earlier = seen.get(file.toi);
    if (earlier !== undefined) {
      fail(fileCtx, 'duplicate-toi', {
        attribute: 'TOI',
        value: String(file.toi),
        problem: `same TOI as File[${earlier}]`,
      });
    }
    seen.set(file.toi, i);
  }
}

function checkFile(file: FdtFile, ctx: RuleContext, maxToi: number): void {
  checkToi(file.toi, maxToi, ctx);
  checkUri(file.contentLocation, ctx, 'Content-Location');
  if (file.contentLength !== undefined)
    checkInteger(file.contentLength, Number.MAX_SAFE_INTEGER, ctx, 'Content-Length');
  if (file.transferLength !== undefined) {
    checkInteger(file.transferLength, Number.MAX_SAFE_INTEGER, ctx, 'Transfer-Length');
  }
  checkText(file.contentType, ctx, 'Content-Type');
  checkText(file.contentEncoding, ctx, 'Content-Encoding');
  if (file.contentMd5 !== undefined) checkContentMd5(file.contentMd5, ctx);
  checkFecOti(file.fecOti, ctx);
  checkText(file.fileETag, ctx, 'File-ETag');
  if (file.decryptionKeyUri !== undefined) checkUri(file.decryptionKeyUri, ctx, 'Decryption-KEY-URI');
  if (file.fecRedundancyLevel !== undefined) {
    checkInteger(file.fecRedundancyLevel, UINT32_MAX, ctx, 'FEC-Redundancy-Level');
  }
  for (const position of file.independentUnitPositions ?? []) {
    checkInteger(position, Number.MAX_SAFE_INTEGER, ctx, 'IndependentUnitPositions');
  }
  if (file.cacheControl?.directive === 'expires') {
    checkInteger(
      file.cacheControl.expires,
      UINT32_MAX,
      { ...ctx, where: `${ctx.where}/Cache-Control` },
      'Expires',
    );
  }
  for (const [i, set] of (file.alternateContentLocations ?? []).entries()) {
    const setCtx = { ...ctx, where: `${ctx.where}/Alternate-Content-Location-${set.priority}[${i}]` };
    for (const url of set.urls) checkUri(url, setCtx, 'Alternate-Content-Location');
    checkText(set.availabilityTime, setCtx, 'Availability-Time');
  }
  for (const group of file.groups ?? []) checkText(group, { ...ctx, where: `${ctx.where}/Group` }, 'value');
  for (const identity of file.mbmsSessionIdentities ?? []) {
    checkInteger(identity, 255, { ...ctx, where: `${ctx.where}/MBMS-Session-Identity` }, 'value');
  }
  checkExtras(file.extraAttributes, ctx, FILE_ATTRIBUTES);
}

function checkFecOti(attributes: FecOtiAttributes | undefined, ctx: RuleContext): void {
  if (!attributes) return;
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    if (!(FEC_OTI_ATTRIBUTE_NAMES as readonly string[]).includes(name)) {
      fail(ctx, 'unrepresentable', {
        attribute: name,
        problem: 'not an FEC-OTI attribute of the FDT schema',
      });
    }
    if (name === 'FEC-OTI-Scheme-Specific-Info') checkBase64(value, ctx, name);
    else checkUnsignedLongText(value, ctx, name);
  }
}

function checkInteger(value: number, max: number, ctx: RuleContext, attribute: string): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    fail(ctx, 'bad-value', { attribute, value: String(value), expected: `an integer in 0..${max}` });
  }
}

function checkText(value: string | undefined, ctx: RuleContext, attribute: string): void {
  if (value !== undefined && XML_FORBIDDEN_CHAR.test(value)) {
    fail(ctx, 'unrepresentable', { attribute, value, problem: 'holds characters XML 1.0 cannot carry' });
  }
}

function checkUri(value: string, ctx: RuleContext, attribute: string): void {
  if (value.length === 0) fail(ctx, 'missing', { attribute, problem: 'empty URI' });
  checkText(value, ctx, attribute);
}

const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';

/** Attribute names the model writes itself (`{namespace}name` when qualified); extras may not shadow them. */
const INSTANCE_ATTRIBUTES = new Set([
  'Expires',
  'Complete',
  'Content-Type',
  'Content-Encoding',
  `{${NS.mbms2008}}FullFDT`,
  ...FEC_OTI_ATTRIBUTE_NAMES,
]);
const FILE_ATTRIBUTES = new Set([
  'TOI',
  'Content-Location',
  'Content-Length',
  'Transfer-Length',
  'Content-Type',
  'Content-Encoding',
  'Content-MD5',
  `{${NS.mbms2009}}Decryption-KEY-URI`,
  `{${NS.mbms2012}}FEC-Redundancy-Level`,
  `{${NS.mbms2012}}File-ETag`,
  `{${NS.mbms2015}}IndependentUnitPositions`,
  ...FEC_OTI_ATTRIBUTE_NAMES,
]);

function checkExtras(
  extras: FdtInstance['extraAttributes'],
  ctx: RuleContext,
  modelled: ReadonlySet<string>,
): void {
  const seen = new Set<string>();
  for (const extra of extras ?? []) {
    const key = `{${extra.namespace ?? ''}}${extra.name}`;
    const reserved =
      (extra.namespace === undefined && extra.name === 'xmlns') || extra.namespace === XMLNS_NAMESPACE;
    if (!isNcName(extra.name) || reserved) {
      fail(ctx, 'unrepresentable', { attribute: extra.name, problem: 'not a usable attribute name' });
    }
    if (modelled.has(extra.namespace === undefined ? extra.name : key)) {
      fail(ctx, 'unrepresentable', {
        attribute: extra.name,
        problem: 'an extra attribute shadows a modelled one',
      });
    }
    if (extra.namespace === '')
      fail(ctx, 'unrepresentable', { attribute: extra.name, problem: 'empty namespace' });
    if (seen.has(key))
      fail(ctx, 'unrepresentable', { attribute: extra.name, problem: 'extra attribute repeated' });
    seen.add(key);
    checkText(extra.value, ctx, extra.name);
    if (extra.namespace !== undefined) checkText(extra.namespace, ctx, `${extra.name} namespace`);
  }
}
