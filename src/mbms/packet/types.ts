/**
 * The ALC/LCT packet as FLUTE uses it (RFC 3451 LCT, RFC 3450 ALC, RFC 3926 FLUTE v1), with the TS 26.346
 * profile (clauses 7.2.7, 7.2.8) as the default. FEC Payload IDs and EXT_FTI bodies stay raw bytes here: the FEC
 * scheme (src/mbms/fec) reads and writes them.
 */

/** Header Extension Types this layer interprets. */
export const HET = {
  /** RFC 3451 EXT_NOP: padding, always ignored. */
  nop: 0,
  /** RFC 3451 EXT_AUTH: not interpreted (kept as an unknown extension). */
  auth: 1,
  /** RFC 5651 EXT_TIME (variable length). */
  time: 2,
  /** RFC 3450 EXT_FTI (variable length): FEC Object Transmission Information. */
  fti: 64,
  /** RFC 3926 EXT_FDT (fixed 32 bits): FLUTE version and FDT Instance ID. */
  fdt: 192,
  /** RFC 3926 EXT_CENC (fixed 32 bits): content encoding of an FDT Instance. */
  cenc: 193,
} as const;

/** EXT_CENC algorithm codes (RFC 3926 §3.4.3). */
export const CENC = { null: 0, zlib: 1, deflate: 2, gzip: 3 } as const;

/** The TOI that RFC 3926 reserves for FDT Instances. */
export const FDT_TOI = 0n;

/** Largest FDT Instance ID (20 bits). */
export const MAX_FDT_INSTANCE_ID = 0xfffff;

/** EXT_FDT: which FDT Instance the packet's symbols belong to. */
export interface ExtFdt {
  /** FLUTE version V (4 bits): 1 = RFC 3926 (TS 26.346), 2 = RFC 6726. */
  version: number;
  /** FDT Instance ID (20 bits). */
  instanceId: number;
}

/**
 * EXT_TIME (RFC 5651 §5.2.2): each value present is one 32-bit word, in the order SCT-High, SCT-Low, ERT, SLC.
 * One whose Use field is malformed (reserved bits set, SCT-Low without SCT-High, length not matching the flags)
 * is kept raw among the unknown extensions instead.
 */
export interface ExtTime {
  sctHigh?: number;
  sctLow?: number;
  /** Expected Residual Time, seconds. TS 26.346 §7.2.7 allows EXT_TIME only to carry this. */
  ert?: number;
  slc?: number;
  /** The Use field's protocol-instantiation-specific low 8 bits. */
  piSpecific: number;
}

/** An extension this layer does not interpret: HET and the bytes after HET (and HEL, for HET ≤ 127). */
export interface RawExtension {
  het: number;
  body: Uint8Array;
}

export interface HeaderExtensions {
  fdt?: ExtFdt;
  /** Raw EXT_FTI body after HET and HEL (14 bytes for FEC IDs 0, 1 and 6); the FEC scheme decodes it. */
  fti?: Uint8Array;
  /** EXT_CENC algorithm (see CENC). One with its reserved 16 bits set is kept raw among the unknown ones. */
  cenc?: number;
  time?: ExtTime;
  /** Everything else (and malformed EXT_TIME/EXT_CENC), in wire order. Receivers ignore these (TS 26.346 §7.2.8). */
  unknown: RawExtension[];
}

/** RFC 3451 Sender Current Time / Expected Residual Time header fields (flags T and R), 32 bits each. */
export interface LctTimeFields {
  senderCurrentTime?: number;
  expectedResidualTime?: number;
}

export type ExtensionSlot = 'fdt' | 'fti' | 'cenc' | 'time' | 'unknown';

/**
 * How a decoded packet was laid out on the wire. The generic encoder reproduces it byte for byte; the mbms
 * encoder keeps only the extension order. Absent on packets built by hand.
 */
export interface WireLayout {
  /** CCI length in bytes: 4 × (C + 1). */
  cciBytes: number;
  /** TSI length in bytes: 4S + 2H. */
  tsiBytes: number;
  /** TOI length in bytes: 4O + 2H. */
  toiBytes: number;
  /** The two bits after C (RFC 3451 reserved, RFC 5651 PSI). */
  reservedBits: number;
  /** Extension kinds in wire order; 'unknown' entries take the unknown list in order. */
  extensionOrder: ExtensionSlot[];
}

export interface AlcPacket {
  /** LCT version: always 1 (RFC 3451). */
  version: 1;
  /** Congestion Control Information (32 to 128 bits). The profile has 32 bits of zero. */
  congestionControl: bigint;
  /** Transport Session Identifier (0 to 48 bits). */
  tsi: number;
  /** Transport Object Identifier (0 to 112 bits); 0 is the FDT. */
  toi: bigint;
  /** LCT codepoint; FLUTE senders put the FEC Encoding ID here. */
  codepoint: number;
  flags: { closeSession: boolean; closeObject: boolean };
  /** RFC 3451 T/R fields; TS 26.346 §7.2.7 wants both absent. */
  timeFields?: LctTimeFields;
  headerExtensions: HeaderExtensions;
  /** FEC Payload ID, raw (4 bytes for FEC IDs 0, 1 and 6; empty only in a payload-less Close Session packet). */
  payloadId: Uint8Array;
  /** Encoding symbol(s). Decoded packets hold views into the input bytes. */
  payload: Uint8Array;
  layout?: WireLayout;
}

/**
 * 'mbms': TS 26.346 (CCI 32 bits = 0, TSI and TOI 16 bits, EXT_FDT + EXT_FTI on FDT packets only, no EXT_CENC,
 * T = R = 0). 'generic': any well-formed RFC 3451/3450/3926 packet (other senders, tolerant reading).
 */
export type PacketProfile = 'mbms' | 'generic';

export interface DecodeOptions {
  /** 'mbms' (default) refuses packets that break a "shall" of the profile; 'generic' reads any well-formed one. */
  profile?: PacketProfile;
  /** FEC Payload ID length in bytes for this session's FEC scheme (default 4: IDs 0, 1, 6; IDs 128/129 use 8). */
  payloadIdBytes?: number;
}

export const STRUCTURAL_FAILURE_KINDS = [
  'too-short',
  'bad-version',
  'hdr-len-mismatch',
  'bad-extension-length',
  'duplicate-extension',
  'payload-id-truncated',
] as const;

/** Why bytes are not an ALC/LCT packet at all, in any profile. */
export type StructuralFailureKind = (typeof STRUCTURAL_FAILURE_KINDS)[number];

/** Rules of the TS 26.346 profile (and the RFC 3926 rules it relies on) that checkProfile applies. */
export const PROFILE_RULES = [
  'toi-absent',
  'cci-length-not-profile',
  'cci-not-zero',
  'tsi-length-not-profile',
  'toi-length-not-profile',
  'time-fields-present',
  'toi-zero-without-fdt',
  'fdt-ext-on-file',
  'flute-version-not-1',
  'fti-missing-on-fdt',
  'fti-on-file',
  'cenc-on-fdt',
  'cenc-on-file',
  'payload-id-length-not-profile',
  'ext-time-not-ert-only',
  'ext-malformed',
  'unknown-extension',
  'reserved-bits-set',
  'codepoint-not-fec-id',
] as const;

export type ProfileRule = (typeof PROFILE_RULES)[number];

/** Where in a packet a violation sits; the decoder turns it into a byte offset. */
export type ViolationSite =
  | 'byte0'
  | 'byte1'
  | 'codepoint'
  | 'cci'
  | 'toi'
  | 'payload-id'
  | 'ext-fdt'
  | 'ext-fti'
  | 'ext-cenc'
  | 'ext-time'
  | `ext-unknown-${number}`;

export interface ProfileViolation {
  rule: ProfileRule;
  /** 'error': a "shall" broken, a strict receiver drops the packet. 'warning': recorded, the packet is usable. */
  severity: 'error' | 'warning';
  /** The clause that states the rule, e.g. 'TS 26.346 §7.2.7'. */
  clause: string;
  site: ViolationSite;
  message: string;
}

export interface StructuralFailure {
  kind: StructuralFailureKind;
  /** Byte offset of the field at fault. */
  offset: number;
  message: string;
}

export interface ProfileFailure {
  kind: ProfileRule;
  offset: number;
  clause: string;
  message: string;
}

export type DecodeFailure = StructuralFailure | ProfileFailure;

export type DecodeResult =
  | {
      ok: true;
      packet: AlcPacket;
      /** Profile violations that did not refuse the packet (warnings in 'mbms', everything in 'generic'). */
      violations: ProfileViolation[];
    }
  | { ok: false; reason: DecodeFailure };

/** A packet that cannot be written as asked (a field too wide for its profile, a rule broken). */
export class PacketEncodeError extends Error {
  override name = 'PacketEncodeError';
}
