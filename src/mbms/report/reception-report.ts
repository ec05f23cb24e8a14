/**
 * The reception report of TS 26.346 §9.4.6 / §9.5.3 (receptionreport.xsd) as data. Either one
 * receptionAcknowledgement (RAck) or statisticalReport elements (StaR, StaR-all, StaR-only). There is
 * no status code: a file's outcome is the boolean receptionSuccess of StaR-all.
 */

export const RECEPTION_REPORT_NS = 'urn:3gpp:metadata:2008:MBMS:receptionreport';
export const RECEPTION_REPORT_MIME = 'application/mbms-reception-report+xml';

/** postReceptionReport@reportType; TR 26.850 adds RAck-IoT (binary, over CoAP). */
export type ReportType = 'RAck' | 'StaR' | 'StaR-all' | 'StaR-only' | 'RAck-IoT';

/** Unknown reportType values are ignored (§9.4.3), which leaves the default, RAck. */
export function reportTypeOf(value: string | undefined): ReportType {
  const known: readonly string[] = ['RAck', 'StaR', 'StaR-all', 'StaR-only', 'RAck-IoT'];
  return value !== undefined && known.includes(value) ? (value as ReportType) : 'RAck';
}

export interface ReportedFile {
  uri: string;
  /** Absent means the schema default, true. Used by StaR-all only. */
  receptionSuccess?: boolean;
  /** Base64 MD5 of the file; mandatory when the FDT had one. */
  contentMd5?: string;
  /** StaR-all: per failed block, symbols received and symbols needed, counted before any repair. */
  receivedSymbolsForFailedBlocks?: number[];
  totalSymbolsForFailedBlocks?: number[];
  /** RAck: identification, carried by (at least) the first fileURI. */
  clientId?: string;
  deviceId?: string;
  sessionId?: string;
}

export interface MediaLevelQoeMetrics {
  /** "source_IP:flute-tsi" for download sessions. */
  sessionId: string;
}

export interface QoeMetrics {
  /** NTP seconds (the 32 high bits of an NTP timestamp). */
  sessionStartTime?: number;
  sessionStopTime?: number;
  numberOfLostObjects?: number[];
  numberOfReceivedObjects?: number[];
  mediaLevel: MediaLevelQoeMetrics[];
}

export interface StatisticalReport {
  sessionType?: 'download' | 'streaming';
  serviceId?: string;
  clientId?: string;
  deviceId?: string;
  serviceURI?: string;
  files: ReportedFile[];
  qoeMetrics?: QoeMetrics;
}

export type ReceptionReport =
  | { kind: 'acknowledgement'; files: ReportedFile[] }
  | { kind: 'statistical'; reports: StatisticalReport[] };

/** Who sent a report: deviceId, else clientId, from the first place that has one. */
export function reporterOf(report: ReceptionReport): { deviceId?: string; clientId?: string } {
  const holders =
    report.kind === 'acknowledgement' ? report.files : report.reports.flatMap((r) => [r, ...r.files]);
  const deviceId = holders.find((h) => h.deviceId !== undefined)?.deviceId;
  const clientId = holders.find((h) => h.clientId !== undefined)?.clientId;
  return { ...(deviceId !== undefined ? { deviceId } : {}), ...(clientId !== undefined ? { clientId } : {}) };
}

/** Seconds between 1900-01-01 (NTP era 0) and 1970-01-01. */
const NTP_UNIX_OFFSET_S = 2_208_988_800;

/** Epoch milliseconds → the seconds part of an NTP timestamp (era 0; wraps in 2036 like the field). */
export function ntpSeconds(epochMs: number): number {
  return (Math.floor(epochMs / 1000) + NTP_UNIX_OFFSET_S) % 2 ** 32;
}
