/**
 * The domain model of an MBMS download announcement (TS 26.346 clauses 5.2, 7.3, 9.5, 11.2, 11.2A): one
 * download session, the user service that points at it, its schedule and its associated procedures.
 * Times are ms since the Unix epoch (UTC); back-off parameters stay in seconds, as in the ADPD.
 */
import type { EpochMs } from '../../clock/index.ts';

export interface TimeWindow {
  start: EpochMs;
  stop: EpochMs;
}

/** Report types of the ADPD `postReceptionReport@reportType` (9.5.1), in schema enumeration order. */
export const REPORT_TYPES = ['RAck', 'StaR', 'StaR-all', 'StaR-only'] as const;
export type ReportType = (typeof REPORT_TYPES)[number];

/** `postFileRepair` (9.3, 9.5.1): where and when to ask for missing data. */
export interface FileRepairProcedure {
  /** At least one server; the UE picks one uniformly at random. */
  serverUris: readonly string[];
  /** Seconds after the end of transmission before the random period starts (default 0). */
  offsetTime?: number;
  /** Seconds over which requests are spread uniformly. */
  randomTimePeriod: number;
}

/** `postReceptionReport` (9.4, 9.5.1). */
export interface ReceptionReportProcedure {
  serverUris: readonly string[];
  offsetTime?: number;
  randomTimePeriod: number;
  /** Absent means the schema default, RAck. */
  reportType?: ReportType;
  /** Percent of UEs that report (decimal, default 100); not used with RAck. */
  samplePercentage?: number;
  /** Send reports on their own timer rather than with repair (default false). */
  forceTimeIndependence?: boolean;
}

/** The Associated Delivery Procedure Description (9.5). */
export interface AssociatedProcedures {
  fileRepair?: FileRepairProcedure;
  receptionReport?: ReceptionReportProcedure;
}

/** FEC of a download session as the SDP declares it (7.3.2.8, 7.3.2.11). */
export interface SessionFec {
  /** FEC Encoding ID: 0 Compact No-Code, 1 Raptor (RFC 5053), 6 RaptorQ. */
  encodingId: number;
  instanceId?: number;
  /** Redundancy level in percent: 40 means 1.4·K symbols are sent per block of K. */
  redundancyPercent?: number;
}

/** One FLUTE download session with what a device needs to join it and to report on it. */
export interface DownloadSession {
  /**
   * TMGI as 12 hex digits, octets 3 to 8 of the TS 24.008 IE: the MBMS Service ID (6 digits) then the
   * PLMN in 24.008 nibble order (e.g. `70A88632F451` is service 70A886 in MCC 234 / MNC 15).
   */
  tmgi: string;
  /** The user service this session belongs to (USD `serviceId`, a URI). */
  serviceId: string;
  /** Destination (multicast) address of the single FLUTE channel, IPv4 or IPv6. */
  group: string;
  port: number;
  /** The one sender address (`a=source-filter`). */
  sourceAddress: string;
  /** IPv4 multicast TTL for the `c=` line (default 1: the lab eNB is one hop away). */
  ttl?: number;
  /** Transport Session Identifier. */
  tsi: number;
  start: EpochMs;
  stop: EpochMs;
  fec?: SessionFec;
  /** Largest one-second sum of whole packets, bit/s (`b=AS:` in kbit/s). */
  bearerRateBps?: number;
  procedures?: AssociatedProcedures;
}

export type RecurrencePattern = 'daily' | 'weekly' | 'monthly';

/**
 * `reoccurencePattern` with `numberOfTimes` or `reoccurenceStopTime` (11.2A.1.1; the spec's spelling is
 * kept in the XML only). `count` is the total number of occurrences, the first one included.
 */
export interface Recurrence {
  pattern: RecurrencePattern;
  count?: number;
  until?: EpochMs;
}

/** A `sessionSchedule`: one session, or the first of a recurring series. */
export interface ScheduledSession extends TimeWindow {
  /** Index of this (first) occurrence; each recurrence adds one. Optional in XML, mandatory in TR 26.850. */
  index?: number;
  recurrence?: Recurrence;
}

/**
 * FDT fields that the TR 26.850 binary announcement embeds next to the file schedule (7.8.2, the
 * "all fragments embedded" variant). The XML Schedule Description does not carry them: there they come
 * from the FDT.
 */
export interface EmbeddedFdtFields {
  toi?: number;
  contentLength?: number;
  alternateContentLocation?: string;
  etag?: string;
  /** FDT `Expires`, NTP seconds. */
  expires?: number;
  baseUrl1?: string;
  baseUrl2?: string;
}

/** A `fileSchedule`: one file and the windows in which it is sent. */
export interface ScheduledFile {
  /** `fileURI`: the file's FDT Content-Location. */
  contentLocation: string;
  /** `r11:fileMD5`, base64 of the file's MD5: one version across all windows. */
  md5?: string;
  windows: readonly TimeWindow[];
  fdt?: EmbeddedFdtFields;
}

/** A `sessionScheduleOverride` that moves an occurrence (not cancelling it). */
export interface SessionReschedule extends TimeWindow {
  index: number;
}

/** One `serviceSchedule`: when a device may (and must) listen. */
export interface Schedule {
  serviceId?: string;
  serviceClass?: string;
  sessions: readonly ScheduledSession[];
  files: readonly ScheduledFile[];
  cancelled: {
    /** Session occurrence indices (`sessionScheduleOverride@cancelled`). */
    sessions: readonly number[];
    /** File URIs (`fileURI@cancelled`). */
    files: readonly string[];
  };
  rescheduled?: readonly SessionReschedule[];
}

/** The Schedule Description fragment (11.2A): one or more service schedules. */
export interface ScheduleDescription {
  /** `scheduleUpdate`: the UE fetches the schedule again after this instant. */
  scheduleUpdate?: EpochMs;
  services: readonly Schedule[];
}

/** One `deliveryMethod` of a user service (11.2.1.1). */
export interface DeliveryMethod {
  sessionDescriptionUri: string;
  associatedProcedureDescriptionUri?: string;
  protectionDescriptionUri?: string;
  accessPointName?: string;
}

/** One `userServiceDescription` (11.2.1), restricted to what a download service for IoT uses (L.2.5). */
export interface UserServiceDescription {
  serviceId: string;
  /** `r7:serviceClass`, e.g. `urn:oma:bcast:ext_bsc_3gpp:exApp:FOTA`. */
  serviceClass?: string;
  name?: string;
  /** `requiredCapabilities/feature` values; 22 is SA Profile 1a (11.9). */
  requiredFeatures: readonly number[];
  deliveryMethods: readonly DeliveryMethod[];
  /** `r9:schedule/r9:scheduleDescriptionURI`. */
  scheduleDescriptionUri?: string;
  /** `r9:availabilityInfo/infoBinding`: MBMS SAIs and EARFCNs where the service is sent. */
  availability?: readonly AvailabilityBinding[];
}

export interface AvailabilityBinding {
  serviceAreas: readonly number[];
  /** At least one EARFCN. */
  radioFrequencies: readonly number[];
}

/** The USBD fragment: a bundle of user services. */
export interface UserServiceBundle {
  services: readonly UserServiceDescription[];
}

/** Feature value of MBMS User Service Discovery / Announcement Profile 1a (11.9, L.2). */
export const FEATURE_PROFILE_1A = 22;
