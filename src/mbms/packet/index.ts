/** ALC/LCT/FLUTE packets (RFC 3451/3450/3926) with the TS 26.346 profile: encode, decode, profile checks, pcap. */
export { decodePacket } from './decode.ts';
export { encodePacket } from './encode.ts';
export { pcapFile, type UdpDatagram, type UdpEndpoint } from './pcap.ts';
export { checkProfile } from './profile.ts';
export {
  type AlcPacket,
  CENC,
  type DecodeFailure,
  type DecodeOptions,
  type DecodeResult,
  type ExtensionSlot,
  type ExtFdt,
  type ExtTime,
  FDT_TOI,
  HET,
  type HeaderExtensions,
  type LctTimeFields,
  MAX_FDT_INSTANCE_ID,
  PacketEncodeError,
  type PacketProfile,
  PROFILE_RULES,
  type ProfileFailure,
  type ProfileRule,
  type ProfileViolation,
  type RawExtension,
  STRUCTURAL_FAILURE_KINDS,
  type StructuralFailure,
  type StructuralFailureKind,
  type ViolationSite,
  type WireLayout,
} from './types.ts';
