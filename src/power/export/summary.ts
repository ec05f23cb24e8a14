/**
 * The summary a CI job or a report reads: per phase and overall, average/min/max current, charge, energy,
 * duration, samples and lost samples. JSON has no NaN, so a figure without valid samples is null.
 */
import { open, rename } from 'node:fs/promises';
import type { MeterInfo } from '../meter.ts';
import type { Recording, SpanStats } from '../recording/index.ts';

export const SUMMARY_FORMAT = 'mbms-iot-rig/power-summary';

export interface StatsSummary {
  from: number;
  to: number;
  durationS: number;
  samples: number;
  lostSamples: number;
  avgUa: number | null;
  minUa: number | null;
  maxUa: number | null;
  chargeUc: number | null;
  chargeMah: number | null;
  energyMj: number | null;
}

export interface PhaseSummary extends StatsSummary {
  name: string;
  /** Each time the phase ran; the figures above add them up. */
  intervals: (StatsSummary & { fromTime: string | null; open: boolean })[];
}

export interface RecordingSummary {
  format: typeof SUMMARY_FORMAT;
  version: 1;
  recording: {
    dir: string;
    meter: MeterInfo;
    rateHz: number;
    voltageMv: number;
    startTime: string | null;
    samples: number;
    durationS: number;
    gaps: number;
    /** False when the writer never closed the recording (it crashed, or ran out of disk). */
    closed: boolean;
    error?: string;
  };
  overall: StatsSummary;
  phases: PhaseSummary[];
  markers: { name: string; at: number | null; time: string | null }[];
}

const orNull = (v: number) => (Number.isFinite(v) ? v : null);
const iso = (ms: number | null) => (ms !== null && Number.isFinite(ms) ? new Date(ms).toISOString() : null);

function figures(s: SpanStats): StatsSummary {
  return {
    from: s.from,
    to: s.to,
    durationS: s.durationS,
    samples: s.samples,
    lostSamples: s.lostSamples,
    avgUa: orNull(s.meanUa),
    minUa: orNull(s.minUa),
    maxUa: orNull(s.maxUa),
    chargeUc: orNull(s.chargeUc),
    chargeMah: orNull(s.chargeMah),
    energyMj: orNull(s.energyMj),
  };
}

export async function summarize(recording: Recording): Promise<RecordingSummary> {
  const phases = recording.phases();
  const names = [...new Set(phases.map((p) => p.name))];
  const phaseSummaries: PhaseSummary[] = [];
  for (const name of names) {
    const stats = await recording.phaseStats(name);
    const occurrences = phases.filter((p) => p.name === name);
    phaseSummaries.push({
      name,
      ...figures(stats),
      intervals: stats.intervals.map((s, i) => ({
        ...figures(s),
        fromTime: iso(occurrences[i]!.fromTime ?? recording.timeAt(s.from)),
        open: occurrences[i]!.open,
      })),
    });
  }
  const m = recording.manifest;
  const summary: RecordingSummary = {
    format: SUMMARY_FORMAT,
    version: 1,
    recording: {
      dir: recording.dir,
      meter: recording.meter,
      rateHz: recording.rateHz,
      voltageMv: recording.voltageMv,
      startTime: iso(recording.startTime),
      samples: recording.sampleCount,
      durationS: recording.durationS,
      gaps: m.gaps.length,
      closed: recording.closed,
    },
    overall: figures(await recording.stats()),
    phases: phaseSummaries,
    markers: recording
      .markers()
      .filter((r) => r.kind === 'mark')
      .map((r) => ({ name: r.name, at: r.at, time: iso(r.time) })),
  };
  if (m.error !== undefined) summary.recording.error = m.error;
  return summary;
}

/** Write the summary as JSON, atomically (temp file + rename): a reader never sees half of it. */
export async function writeSummaryJson(recording: Recording, path: string): Promise<RecordingSummary> {
  const summary = await summarize(recording);
  const temp = `${path}.tmp`;
  const file = await open(temp, 'w');
  try {
    await file.writeFile(`${JSON.stringify(summary, null, 2)}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
  return summary;
}
