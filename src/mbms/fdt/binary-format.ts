/**
 * The TR 26.850 V16.0.0 clause 7.9 binary FDT Instance ("MBMSIoT-BinaryFDT-Instance", ASN.1 PER). The TR
 * gives the ASN.1 module as an example without encoding rules, code tables or conventions for absent
 * values; the choices made here (each marked OUR CHOICE where used) are:
 *
 * 1. Unaligned PER (X.691 UNALIGNED), as 3GPP RRC uses and as the TR's size figures assume.
 * 2. headerExtensionType = 194 (the TR's ad-hoc binary FDT, figure 7.4.3-1, starts "HET = 194").
 * 3. version: FLUTE version in the 4 most significant bits (1 = RFC 3926, as TS 26.346 cites), binary FDT
 *    version 1 in the 4 least significant bits (TR NOTE 1; figure 7.4.3-1 "Binary FDT Version = 1").
 * 4. contentType INTEGER (0..255): the TR defines no code table. We use CONTENT_TYPE_CODES below;
 *    0 means "not given" (the instance-level field is mandatory). Callers may pass their own table.
 * 5. FECInformation-IEs makes all four fields mandatory although the FEC schemes do not all have them:
 *    maximumSourceBLockLength = 0 and encodingSymbolLength = 0 mean "absent" (neither is ever 0 when
 *    present), and schemeSpecificInfo = the single octet 0x00 means "absent" (Compact No-Code has none).
 * 6. Every FileDescription carries the file's effective FEC information (its own attributes over the
 *    instance's, see effectiveFecAttributes), because the field is mandatory per file. The instance-level
 *    fecInformation is written when the instance names an FEC Encoding ID.
 * 7. contentMD5 carries the 16 raw digest octets (TR NOTE 7: OCTET STRING replaces base64).
 * 8. cachingDirective BIT STRING (SIZE(2)) follows TR NOTE 9: '11' no-cache, '01' max-stale; the FALSE
 *    forms ('10', '00') decode as no directive (the XML schema fixes both elements to true).
 * 9. Strings (URIs, ETag) are UTF-8 octets; longer than 255 octets cannot be encoded.
 * 10. Expires is written always; a binary FDT without it is refused on decoding (FLUTE requires it).
 * 11. nonCriticalExtension is never written; when received it is parsed and ignored.
 * 12. Fields the binary form has no place for (Complete, FullFDT, Content-Encoding, FEC Instance ID, Max
 *     Number of Encoding Symbols, Group, session identities, further Base-URLs and Alternate-Content-
 *     Locations, Availability-Time, Decryption-KEY-URI, FEC-Redundancy-Level, IndependentUnitPositions,
 *     extra attributes, unknown content types) are dropped and listed in the encoder's `dropped`.
 */
import type { FdtInstance } from './types.ts';

export const BINARY_FDT_HEADER_EXTENSION_TYPE = 194;
export const BINARY_FDT_VERSION = 1;
export const FLUTE_VERSION_RFC3926 = 1;

/** OUR CHOICE (the TR has no table): 8-bit content type codes; index = code, 0 = not given. */
export const CONTENT_TYPE_CODES: readonly (string | undefined)[] = [
  undefined,
  'application/octet-stream',
  'application/sdp',
  'application/xml',
  'application/json',
  'application/cbor',
  'text/plain',
  'application/gzip',
  'application/zip',
  'application/x-tar',
  'application/mbms-envelope+xml',
  'application/mbms-user-service-description+xml',
  'application/mbms-associated-procedure-description+xml',
  'application/mbms-schedule+xml',
];

/** A binary FDT Instance: the FDT plus the header fields the TR puts in front of it. */
export interface BinaryFdt {
  /** 20-bit FDT Instance ID (same meaning as in EXT_FDT). */
  fdtInstanceId: number;
  /** FLUTE version from the version field's high nibble (1 = RFC 3926). */
  fluteVersion: number;
  instance: FdtInstance;
}

export interface BinaryFdtOptions {
  /** Content type code table (index = code, entry 0 unused); default CONTENT_TYPE_CODES. */
  contentTypes?: readonly (string | undefined)[];
  /** Name of the input for error messages. */
  source?: string;
}

export const URI_MAX_OCTETS = 255;
export const MAX_FILES = 255;
export const UINT32_MAX = 0xffff_ffff;
/** Marker for an absent schemeSpecificInfo (see choice 5). */
export const ABSENT_SCHEME_SPECIFIC_INFO = Uint8Array.of(0);
