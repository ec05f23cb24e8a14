import { base64ToBytes } from './rules.ts';
import {
  type FdtFile,
  type FdtInstance,
  FEC_OTI_ATTRIBUTE_NAMES,
  type FecOtiAttributeName,
  type FecOtiAttributes,
} from './types.ts';

/** What a receiver needs from the FDT to build an FecOti for one file. */
export interface EffectiveFecAttributes {
  /**
   * The FEC-OTI-* attributes that apply to the file, plus `Transfer-Length` when known: the string map
   * the FEC layer's `fromFdtAttributes` reads.
   */
  attributes: Partial<Record<FecOtiAttributeName | 'Transfer-Length', string>>;
  /** Typed copies of the common fields (undefined when absent or beyond 2^53). */
  encodingId?: number;
  instanceId?: number;
  maxSourceBlockLength?: number;
  encodingSymbolLength?: number;
  maxEncodingSymbols?: number;
  schemeSpecificInfo?: Uint8Array;
  /** Transfer-Length, else Content-Length when the file is not content-encoded (RFC 3926 3.4.2). */
  transferLength?: number;
  /** File Content-Encoding, else the instance's. */
  contentEncoding?: string;
}

/**
 * FEC-OTI-* attributes for a file: the File's own attributes win over the FDT-Instance's, attribute by
 * attribute (RFC 3926 3.4.2, TS 26.346 L.4: file-level OTI "overrides" the instance level). One rule of
 * ours on top: when the File names a different FEC-OTI-FEC-Encoding-ID than the instance, none of the
 * instance's OTI applies, because scheme-specific values of one scheme mean nothing to another.
 */
export function effectiveFecAttributes(instance: FdtInstance, file: FdtFile): EffectiveFecAttributes {
  const own = file.fecOti ?? {};
  const inherited = instance.fecOti ?? {};
  const fileId = own['FEC-OTI-FEC-Encoding-ID'];
  const instanceId = inherited['FEC-OTI-FEC-Encoding-ID'];
  const schemeChanges =
    fileId !== undefined && instanceId !== undefined && Number(fileId) !== Number(instanceId);
  const merged: FecOtiAttributes = schemeChanges ? { ...own } : { ...inherited, ...own };

  const attributes: EffectiveFecAttributes['attributes'] = {};
  for (const name of FEC_OTI_ATTRIBUTE_NAMES) {
    const value = merged[name];
    if (value !== undefined) attributes[name] = value;
  }
  const contentEncoding = file.contentEncoding ?? instance.contentEncoding;
  const transferLength =
    file.transferLength ?? (contentEncoding === undefined ? file.contentLength : undefined);
  if (transferLength !== undefined) attributes['Transfer-Length'] = String(transferLength);

  const result: EffectiveFecAttributes = { attributes };
  setNumber(result, 'encodingId', merged['FEC-OTI-FEC-Encoding-ID']);
  setNumber(result, 'instanceId', merged['FEC-OTI-FEC-Instance-ID']);
  setNumber(result, 'maxSourceBlockLength', merged['FEC-OTI-Maximum-Source-Block-Length']);
  setNumber(result, 'encodingSymbolLength', merged['FEC-OTI-Encoding-Symbol-Length']);
  setNumber(result, 'maxEncodingSymbols', merged['FEC-OTI-Max-Number-of-Encoding-Symbols']);
  const ssi = merged['FEC-OTI-Scheme-Specific-Info'];
  if (ssi !== undefined) result.schemeSpecificInfo = base64ToBytes(ssi);
  if (transferLength !== undefined) result.transferLength = transferLength;
  if (contentEncoding !== undefined) result.contentEncoding = contentEncoding;
  return result;
}

type NumericField =
  | 'encodingId'
  | 'instanceId'
  | 'maxSourceBlockLength'
  | 'encodingSymbolLength'
  | 'maxEncodingSymbols';

function setNumber(target: EffectiveFecAttributes, field: NumericField, text: string | undefined): void {
  if (text === undefined) return;
  const value = Number(text);
  if (Number.isSafeInteger(value)) target[field] = value;
}
