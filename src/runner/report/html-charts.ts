/**
 * What each chart of the HTML report shows, as data for charts.client.js: power traces, and per campaign the
 * time-to-updated CDF, energy per phase per device, and air time multicast vs unicast. The page holds only
 * an empty <div> per chart; the numbers travel in one JSON block.
 */
import type { CampaignSummary } from '../model.ts';
import { html } from './escape.ts';
import type { PowerTrace } from './power-trace.ts';

export type ChartSpec =
  | { id: string; kind: 'trace'; title: string; trace: Omit<PowerTrace, 'stats' | 'source'> }
  | { id: string; kind: 'cdf'; title: string; xLabel: string; x: number[]; y: number[] }
  | {
      id: string;
      kind: 'stacked';
      title: string;
      yLabel: string;
      categories: string[];
      series: { label: string; values: number[] }[];
    }
  | {
      id: string;
      kind: 'bars';
      title: string;
      yLabel: string;
      categories: string[];
      values: (number | null)[];
    };

type Unplaced<T> = T extends unknown ? Omit<T, 'id'> : never;

/** Collects the charts of a page; each add() returns the placeholder element for it. */
export class ChartSet {
  readonly specs: ChartSpec[] = [];

  add(spec: Unplaced<ChartSpec>): string {
    const id = `chart-${this.specs.length + 1}`;
    this.specs.push({ ...spec, id } as ChartSpec);
    return `<div class="chart" id="${id}" role="img" aria-label="${html(spec.title)}"></div>`;
  }
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** The campaign's phases in the order a device goes through them (others follow in order of appearance). */
const PHASE_ORDER = [
  'setup',
  'wait-announcement',
  'sleep-until-session',
  'reception',
  'verification',
  'install',
  'acknowledgement',
  'readback',
];

/** A time unit that keeps the axis readable. */
function timeScale(maxMs: number): { unit: string; per: number } {
  if (maxMs >= 2 * 3_600_000) return { unit: 'h', per: 3_600_000 };
  if (maxMs >= 2 * 60_000) return { unit: 'min', per: 60_000 };
  return { unit: 's', per: 1000 };
}

export function traceChart(charts: ChartSet, title: string, t: PowerTrace): string {
  const { stats: _stats, source: _source, ...trace } = t;
  return charts.add({ kind: 'trace', title, trace });
}

/** Time from the announcement to updated, per device, as the share of the fleet updated by then. */
export function cdfChart(charts: ChartSet, c: CampaignSummary): string | undefined {
  const n = c.devices.length;
  if (n === 0) return undefined;
  const planAnnounced = num(c.plan.announcedAt);
  const times = c.devices
    .map((d) => {
      const updated = num(d.updatedAt);
      const announced = num(d.announcedAt) ?? planAnnounced;
      return d.outcome === 'updated' && updated !== undefined && announced !== undefined
        ? updated - announced
        : undefined;
    })
    .filter((t): t is number => t !== undefined)
    .sort((a, b) => a - b);
  const { unit, per } = timeScale(times.at(-1) ?? 0);
  const x = [0, ...times.map((t) => t / per)];
  const y = [0, ...times.map((_t, i) => (i + 1) / n)];
  return charts.add({
    kind: 'cdf',
    title: `time to updated (${times.length} of ${n} devices updated)`,
    xLabel: `time since the announcement (${unit})`,
    x,
    y,
  });
}

/** Energy of each phase per device, summed over repeated spans of a phase. */
export function energyChart(charts: ChartSet, c: CampaignSummary): string | undefined {
  const perDevice = c.devices.map((d) => {
    const sums = new Map<string, number>();
    for (const p of Array.isArray(d.phases) ? d.phases : []) {
      const span = obj(p);
      const phase = str(span?.phase);
      const mj = num(span?.energyMj);
      if (phase !== undefined && mj !== undefined) sums.set(phase, (sums.get(phase) ?? 0) + mj);
    }
    return sums;
  });
  const seen = new Set(perDevice.flatMap((m) => [...m.keys()]));
  if (seen.size === 0) return undefined;
  const phases = [
    ...PHASE_ORDER.filter((p) => seen.has(p)),
    ...[...seen].filter((p) => !PHASE_ORDER.includes(p)),
  ];
  return charts.add({
    kind: 'stacked',
    title: 'energy per phase per device',
    yLabel: 'energy (mJ)',
    categories: c.devices.map((d, i) => str(d.name) ?? `device ${i + 1}`),
    series: phases.map((p) => ({ label: p, values: perDevice.map((m) => m.get(p) ?? 0) })),
  });
}

/** Air time used (multicast, unicast) against the same files sent by unicast to every device. */
export function airtimeChart(charts: ChartSet, c: CampaignSummary): string | undefined {
  const air = obj(c.metrics.airtimeMs);
  if (!air) return undefined;
  const estimate = num(c.metrics.unicastEstimateAirtimeMs);
  const categories = ['multicast (used)', 'unicast (used)', 'unicast to every device (estimate)'];
  const values = [num(air.multicast), num(air.unicast), estimate].map((v) =>
    v === undefined ? null : v / 1000,
  );
  return charts.add({ kind: 'bars', title: 'air time', yLabel: 'air time (s)', categories, values });
}
