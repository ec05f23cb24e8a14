/**
 * MBMS service announcement with schedule: TS 26.346 SDP, USD, Schedule Description and ADPD (XML), the
 * TR 26.850 binary (PER) announcement for low-end IoT devices, and the timing rules that tell sleeping
 * devices when to wake.
 */
export { ADPD_MIME, ADPD_NS, generateAdpd, parseAdpd } from './adpd.ts';
export {
  type AnnouncementFragment,
  announcementFragments,
  decodeAnnouncement,
  encodeAnnouncement,
  SDP_MIME,
} from './announcement.ts';
export {
  type AnnouncementFormat,
  decodeAnnouncementMessage,
  encodeAnnouncementMessage,
} from './envelope.ts';
export { AnnounceError, type AnnounceErrorCode, type AnnounceErrorDetails } from './errors.ts';
export { decodeIotAnnouncement, encodeIotAnnouncement } from './iot-codec.ts';
export {
  type AnnouncementContent,
  fromIotAnnouncement,
  type IotMapping,
  toIotAnnouncement,
} from './iot-mapping.ts';
export type {
  IotAdpd,
  IotFileSchedule,
  IotFileUri,
  IotScheduleDescription,
  IotServiceAnnouncement,
  IotServiceSchedule,
  IotSessionDescription,
  IotSessionSchedule,
  IotUsbd,
} from './iot-types.ts';
export { type AddressFamily, canonicalAddress } from './ip.ts';
export {
  MAX_OCCURRENCES,
  type ScheduleIssue,
  type SessionOccurrence,
  scheduleIssues,
  sessionOccurrences,
} from './schedule.ts';
export {
  generateScheduleDescription,
  parseScheduleDescription,
  SCHEDULE_MIME,
  SCHEDULE_NS,
  SCHEDULE_R11_NS,
} from './schedule-xml.ts';
export {
  type FluteSessionDescription,
  generateSdp,
  parseSdp,
  type SdpFecDeclaration,
  type SdpOptions,
  sessionFromSdp,
} from './sdp.ts';
export {
  epochMsFromSdpTime,
  formatDateTime,
  NTP_UNIX_OFFSET_S,
  parseDateTime,
  sdpTimeFromEpochMs,
} from './time.ts';
export {
  backoff,
  backoffUntil,
  type CriticalPlan,
  type CriticalPlanOptions,
  criticalRepetitions,
  DEFAULT_CLOCK_TOLERANCE_MS,
  DEFAULT_DRX_CYCLE_MS,
  type DeviceWakePattern,
  devicesAtRisk,
  drawsReport,
  type LeadTime,
  type LeadTimeOptions,
  longestSleepMs,
  type ReceiverProfile,
  unplannedLeadTime,
  type WakeWindow,
  wakeWindows,
} from './timing.ts';
export { type TmgiParts, tmgiFromDecimal, tmgiFromParts, tmgiParts, tmgiToDecimal } from './tmgi.ts';
export * from './types.ts';
export { generateUsd, parseUsd, USD_MIME, USD_NS, USD_R7_NS, USD_R9_NS } from './usd.ts';
export type { XmlLimits } from './xml-tree.ts';
