/**
 * Marks and phases, as lines of markers.jsonl: `{"kind":"mark"|"begin"|"end","name":…,"at":index,"time":ms}`.
 * `at` is null when the mark was placed by clock time before any sample had arrived; the reader resolves it
 * from the clock anchors.
 */
import type { EpochMs } from '../../clock/index.ts';
import { RecordingError } from './errors.ts';

export interface MarkerRecord {
  kind: 'mark' | 'begin' | 'end';
  name: string;
  at: number | null;
  time: EpochMs | null;
}

/** A place in a recording: a sample index, or a clock time (epoch ms). */
export type SamplePosition = number | { time: EpochMs };

export interface RecordedPhase {
  name: string;
  from: number;
  to: number;
  fromTime: EpochMs | null;
  toTime: EpochMs | null;
  /** Never ended (the writer stopped first); `to` is then the end of the recording. */
  open: boolean;
}

export function formatMarker(record: MarkerRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/** Parse markers.jsonl. A last line without its newline was cut short by a crash and is dropped. */
export function parseMarkers(dir: string, text: string): MarkerRecord[] {
  // Whatever follows the last newline is either nothing or a line the crash cut short.
  const complete = text.split('\n').slice(0, -1);
  const out: MarkerRecord[] = [];
  complete.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new RecordingError(
        dir,
        `markers.jsonl line ${i + 1} is not JSON (${(err as Error).message}): ${line}`,
      );
    }
    const r = value as Partial<MarkerRecord>;
    const kindOk = r.kind === 'mark' || r.kind === 'begin' || r.kind === 'end';
    const atOk = r.at === null || (typeof r.at === 'number' && Number.isInteger(r.at) && r.at >= 0);
    const timeOk = r.time === null || typeof r.time === 'number';
    if (!kindOk || typeof r.name !== 'string' || !atOk || !timeOk) {
      throw new RecordingError(dir, `markers.jsonl line ${i + 1} is not a marker record: ${line}`);
    }
    out.push({ kind: r.kind!, name: r.name, at: r.at!, time: r.time! });
  });
  return out;
}

/** Pair begin/end records into phases, in order of beginning. */
export function pairPhases(records: MarkerRecord[], sampleCount: number): RecordedPhase[] {
  const phases: RecordedPhase[] = [];
  const open = new Map<string, RecordedPhase>();
  for (const r of records) {
    const at = Math.min(r.at ?? sampleCount, sampleCount);
    if (r.kind === 'begin') {
      const phase: RecordedPhase = {
        name: r.name,
        from: at,
        to: sampleCount,
        fromTime: r.time,
        toTime: null,
        open: true,
      };
      phases.push(phase);
      open.set(r.name, phase);
    } else if (r.kind === 'end') {
      const phase = open.get(r.name);
      if (!phase) continue;
      phase.to = Math.max(at, phase.from);
      phase.toTime = r.time;
      phase.open = false;
      open.delete(r.name);
    }
  }
  return phases;
}
