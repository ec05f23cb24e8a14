/**
 * The FDT Instance model shared by the XML (TS 26.346 7.2.10) and the binary (TR 26.850 7.9) codecs.
 * Values are typed; FEC-OTI-* attributes stay strings as written, because their meaning belongs to the
 * FEC scheme (the FEC layer turns them into an FecOti).
 */

/** The 32 most significant bits of an NTP timestamp: whole seconds since 1900-01-01T00:00Z (mod 2^32). */
export type NtpSeconds = number;

/** FDT Instance IDs are 20 bits (EXT_FDT, RFC 3926 3.4.1). */
export const FDT_INSTANCE_ID_BITS = 20;
export const MAX_FDT_INSTANCE_ID = 2 ** FDT_INSTANCE_ID_BITS - 1;

/** TS 26.346 7.2.7: TOI should be 16 bits; TOI 0 carries FDT Instances only. */
export const MAX_TOI_3GPP = 0xffff;

/** The schemaVersion this implementation writes (TS 26.346 7.2.10.1: "the network shall set ... to 4"). */
export const FDT_SCHEMA_VERSION = 4;

export const FEC_OTI_ATTRIBUTE_NAMES = [
  'FEC-OTI-FEC-Encoding-ID',
  'FEC-OTI-FEC-Instance-ID',
  'FEC-OTI-Maximum-Source-Block-Length',
  'FEC-OTI-Encoding-Symbol-Length',
  'FEC-OTI-Max-Number-of-Encoding-Symbols',
  'FEC-OTI-Scheme-Specific-Info',
] as const;
export type FecOtiAttributeName = (typeof FEC_OTI_ATTRIBUTE_NAMES)[number];

/**
 * FEC-OTI-* attributes as written in the document: the five integers as decimal strings, the
 * Scheme-Specific-Info as base64. Validated for syntax by the decoder, interpreted by the FEC layer.
 */
export type FecOtiAttributes = Partial<Record<FecOtiAttributeName, string>>;

/** An attribute the model has no field for, kept so that re-encoding loses nothing. */
export interface ExtraAttribute {
  /** Namespace URI; absent for an unqualified attribute. */
  namespace?: string;
  /** Local name (an XML NCName). */
  name: string;
  value: string;
}

/** mbms2007:Cache-Control (TS 26.346 7.2.13). */
export type CacheControl =
  | { directive: 'no-cache' }
  | { directive: 'max-stale' }
  | { directive: 'expires'; expires: NtpSeconds };

/** mbms2012:Base-URL-1 / Base-URL-2 (instance level): 1 is tried before 2. */
export interface BaseUrl {
  priority: 1 | 2;
  url: string;
}

/** mbms2012:Alternate-Content-Location-1 / -2 (file level): byte-range repair locations. */
export interface AlternateContentLocations {
  priority: 1 | 2;
  urls: string[];
  /** Availability-Time as written (xs:dateTime). */
  availabilityTime?: string;
}

export interface FdtFile {
  /** Transport Object Identifier: positive; ≤ 65535 in the 3GPP profile. */
  toi: number;
  contentLocation: string;
  contentLength?: number;
  transferLength?: number;
  contentType?: string;
  contentEncoding?: string;
  /** Base64 of the 16-byte MD5 digest of the transport object. */
  contentMd5?: string;
  /** File-level FEC-OTI-* attributes; they override the instance's (see effectiveFecAttributes). */
  fecOti?: FecOtiAttributes;
  /** mbms2012:File-ETag. */
  fileETag?: string;
  /** mbms2009:Decryption-KEY-URI. */
  decryptionKeyUri?: string;
  /** mbms2012:FEC-Redundancy-Level, percent. */
  fecRedundancyLevel?: number;
  /** mbms2015:IndependentUnitPositions, byte positions. */
  independentUnitPositions?: number[];
  cacheControl?: CacheControl;
  alternateContentLocations?: AlternateContentLocations[];
  /** Group elements (TS 26.346 7.2.6). */
  groups?: string[];
  /** MBMS-Session-Identity elements (0..255 each). */
  mbmsSessionIdentities?: number[];
  extraAttributes?: ExtraAttribute[];
}

export interface MbmsSessionIdentityExpiry {
  identity: number;
  expires: NtpSeconds;
}

export interface FdtInstance {
  expires: NtpSeconds;
  complete?: boolean;
  /** mbms2008:FullFDT (TS 26.346 7.2.14). */
  fullFdt?: boolean;
  contentType?: string;
  contentEncoding?: string;
  /** Instance-level FEC-OTI-* attributes: defaults for every File. */
  fecOti?: FecOtiAttributes;
  files: FdtFile[];
  /** sv:schemaVersion as received; the encoder writes FDT_SCHEMA_VERSION when absent. */
  schemaVersion?: number;
  baseUrls?: BaseUrl[];
  groups?: string[];
  mbmsSessionIdentityExpiries?: MbmsSessionIdentityExpiry[];
  extraAttributes?: ExtraAttribute[];
}
