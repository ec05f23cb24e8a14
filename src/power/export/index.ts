/** Exports of power recordings: PPK-compatible CSV and the JSON summary per phase. */
export {
  CSV_DIGITAL_HEADER,
  CSV_HEADER,
  type CsvOptions,
  type CsvResult,
  csvLines,
  exportCsvFile,
  writeCsv,
} from './csv.ts';
export {
  type PhaseSummary,
  type RecordingSummary,
  type StatsSummary,
  SUMMARY_FORMAT,
  summarize,
  writeSummaryJson,
} from './summary.ts';
