/**
 * Power recordings on disk: a streaming writer, a reader with pyramid statistics, re-conversion of raw words.
 *
 *   const writer = await RecordingWriter.create({ dir, meter: m.info, rateHz: m.rateHz, voltageMv: m.voltageMv, clock });
 *   await meter.start(writer.handlers());
 *   writer.beginPhase('download'); … writer.endPhase('download'); writer.mark('reboot');
 *   await meter.stop(); await writer.close();
 *
 *   await using rec = await Recording.open(dir);
 *   const { meanUa, chargeUc, energyMj, lostSamples } = await rec.phaseStats('download');
 *
 * Layout and the reasons for it: format.ts.
 */
export type {
  MicroCoulombs,
  MilliAmpHours,
  MilliJoules,
  Seconds,
  SpanStats,
} from './accumulator.ts';
export { RecordingError } from './errors.ts';
export {
  CHUNK_SAMPLES,
  type GapCause,
  type Manifest,
  type RecordedGap,
} from './format.ts';
export { nodeRecordingFs, type OpenFlags, type RecordingFile, type RecordingFs } from './fs.ts';
export type { MarkerRecord, RecordedPhase, SamplePosition } from './markers.ts';
export {
  MAX_SAMPLES_IN_MEMORY,
  type MinMaxSeries,
  type PhaseStats,
  Recording,
  type RecordingOpenOptions,
} from './reader.ts';
export type { ReconvertOptions } from './reconvert.ts';
export { RecordingWriter, type RecordingWriterOptions } from './writer.ts';
