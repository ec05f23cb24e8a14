/**
 * The run's reports, all rendered from the results log alone: `rig report <run-dir>` (and the end of
 * `rig run`) call writeReports; the console reporter and the MQTT publisher follow a live log.
 *
 *   <run-dir>/junit.xml      JUnit XML for CI (junit.ts)
 *   <run-dir>/report.html    one self-contained HTML file with charts (html.ts)
 *   <run-dir>/summary.json   the run for machines (summary.ts)
 *   <run-dir>/power/*.csv    one CSV per power evidence (csv.ts)
 *
 * A crashed run (no run-end, a torn last line) still renders: everything that finished is shown, unfinished
 * steps are marked, the verdict is `incomplete`.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RunRecord, replay, type Verdict } from '../model.ts';
import { readResultsLog } from '../results-log.ts';
import { type PowerCsvOptions, writePowerCsv } from './csv.ts';
import { type HtmlOptions, renderHtml } from './html.ts';
import { renderJunit } from './junit.ts';
import { renderSummary } from './summary.ts';

export { ConsoleReporter, type ConsoleReporterOptions, type ConsoleStream } from './console.ts';
export { type PowerCsvOptions, type PowerCsvResult, TIMELINE_CSV_HEADER, writePowerCsv } from './csv.ts';
export { type HtmlOptions, renderHtml } from './html.ts';
export { renderJunit } from './junit.ts';
export { MqttPublisher, type MqttPublisherOptions, type MqttPublisherStats, topicLevel } from './mqtt.ts';
export { PowerTimeline } from './power-trace.ts';
export { renderSummary, SUMMARY_FORMAT } from './summary.ts';

export const RESULTS_LOG = 'results.jsonl';

export interface WriteReportsOptions {
  html?: HtmlOptions;
  csv?: PowerCsvOptions | false;
}

export interface WrittenReports {
  verdict: Verdict | 'incomplete';
  /** Absolute paths of the files written. */
  files: string[];
  run: RunRecord;
  /** The last line of the log, when a crash cut it short (left out of the run). */
  torn?: string;
  /** Power evidence that could not be exported as CSV, with the reason. */
  csvSkipped: { path: string; reason: string }[];
}

/** Write via a temporary file and a rename, so a report is never seen half written. */
function writeAtomically(path: string, text: string): void {
  const temp = `${path}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

export async function writeReports(
  runDir: string,
  options: WriteReportsOptions = {},
): Promise<WrittenReports> {
  const { events, torn } = readResultsLog(join(runDir, RESULTS_LOG));
  let run: RunRecord;
  try {
    run = replay(events);
  } catch (err) {
    throw new Error(`reports for ${runDir}: ${(err as Error).message}`, { cause: err });
  }
  const files: string[] = [];
  const write = (name: string, text: string) => {
    const path = join(runDir, name);
    writeAtomically(path, text);
    files.push(path);
  };
  write('junit.xml', renderJunit(run));
  write('summary.json', `${JSON.stringify(renderSummary(run), null, 2)}\n`);
  write('report.html', await renderHtml(run, runDir, options.html));
  let csvSkipped: WrittenReports['csvSkipped'] = [];
  if (options.csv !== false) {
    const csv = await writePowerCsv(run, runDir, join(runDir, 'power'), options.csv ?? {});
    files.push(...csv.files);
    csvSkipped = csv.skipped;
  }
  return { verdict: run.verdict, files, run, csvSkipped, ...(torn !== undefined ? { torn } : {}) };
}
