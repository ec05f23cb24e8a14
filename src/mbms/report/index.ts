/**
 * MBMS reception reporting (TS 26.346 §9.4, §9.5.3) and the TR 26.850 RAck-IoT variant: the report as
 * data, its XML and UPER forms, what a device reports per reportType, the device-side sender and the
 * collecting server.
 */
export {
  type CollectorOptions,
  ReceptionReportCollector,
  type RefusedReport,
  type StoredReport,
  type StoredReportBody,
} from './collector.ts';
export {
  decodeRackIot,
  encodeRackIot,
  LOCATION_TYPES,
  type LocationType,
  RackIotError,
  type RackIotExtension,
  type RackIotFile,
  type RackIotReport,
  type RackIotResult,
  RackIotStatus,
  type RackIotStatusName,
} from './rack-iot.ts';
export {
  type MediaLevelQoeMetrics,
  ntpSeconds,
  type QoeMetrics,
  RECEPTION_REPORT_MIME,
  RECEPTION_REPORT_NS,
  type ReceptionReport,
  type ReportedFile,
  type ReportType,
  reporterOf,
  reportTypeOf,
  type StatisticalReport,
} from './reception-report.ts';
export {
  buildRackIot,
  buildReceptionReport,
  type FileOutcome,
  type ReportContext,
  sampledIn,
} from './report-builder.ts';
export {
  ReceptionReporter,
  type ReceptionReporterOptions,
  ReportClientError,
  type ReportOutcome,
  type ReportProcedure,
} from './report-client.ts';
export {
  escapeXml,
  type ParseReportOptions,
  type ParseResult,
  parseReceptionReport,
  ReceptionReportError,
  renderReceptionReport,
} from './report-xml.ts';
