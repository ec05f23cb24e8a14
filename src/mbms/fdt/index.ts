/**
 * FDT (File Delivery Table) layer of the MBMS download delivery method: FDT Instances as 3GPP XML
 * (TS 26.346 7.2.10) and as the TR 26.850 7.9 binary (unaligned PER) form for low-end devices, the
 * receiver's table of instances, and NTP time helpers for Expires.
 */

export { type DecodeBinaryFdtOptions, decodeBinaryFdt } from './binary-decode.ts';
export { type BinaryFdtInput, type EncodedBinaryFdt, encodeBinaryFdt } from './binary-encode.ts';
export {
  BINARY_FDT_HEADER_EXTENSION_TYPE,
  BINARY_FDT_VERSION,
  type BinaryFdt,
  type BinaryFdtOptions,
  CONTENT_TYPE_CODES,
} from './binary-format.ts';
export { FdtError, type FdtErrorCode, type FdtErrorDetails } from './errors.ts';
export { type EffectiveFecAttributes, effectiveFecAttributes } from './fec-attributes.ts';
export { ACCEPTED_FDT_NAMESPACES, NS as FDT_NAMESPACES } from './namespaces.ts';
export {
  dateFromNtpSeconds,
  epochMsFromNtpSeconds,
  isExpired,
  NTP_UNIX_OFFSET_SECONDS,
  ntpSecondsFromDate,
  ntpSecondsFromEpochMs,
} from './ntp.ts';
export { type FdtAcceptResult, FdtTable, type FdtTableEntry, isNewerFdtInstanceId } from './table.ts';
export {
  type AlternateContentLocations,
  type BaseUrl,
  type CacheControl,
  type ExtraAttribute,
  FDT_INSTANCE_ID_BITS,
  FDT_SCHEMA_VERSION,
  type FdtFile,
  type FdtInstance,
  FEC_OTI_ATTRIBUTE_NAMES,
  type FecOtiAttributeName,
  type FecOtiAttributes,
  MAX_FDT_INSTANCE_ID,
  MAX_TOI_3GPP,
  type MbmsSessionIdentityExpiry,
  type NtpSeconds,
} from './types.ts';
export { DEFAULT_MAX_FDT_BYTES, type DecodeFdtXmlOptions, decodeFdtXml } from './xml-decode.ts';
export { type EncodeFdtXmlOptions, encodeFdtXml } from './xml-encode.ts';
