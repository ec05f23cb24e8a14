/** Campaign figures from the device records: what a lab engineer and a standards group ask first. */
import type { EpochMs } from '../../clock/index.ts';
import type { DevicePhase, DeviceRecord, UseCase } from './types.ts';

export interface CampaignMetrics {
  useCase: UseCase;
  devices: number;
  updated: number;
  failed: number;
  errored: number;
  /** Share of devices that hold the complete file (before install). */
  deliverySuccess: number;
  /** Share of devices running the new version. */
  updateSuccess: number;
  /** Time from the announcement to updated, for 50/90/99 % of the devices; null when that share never got there. */
  timeToUpdatedMs: { t50: number | null; t90: number | null; t99: number | null };
  /** |tuned − scheduled start| over every attended session. */
  alignmentErrorMs: { mean: number; max: number } | null;
  repair: { requests: number; bytes: number; symbols: number };
  /** Air time the campaign used, measured by the eNB: SC-PTM sessions and unicast bearers. */
  airtimeMs: { multicast: number; unicast: number };
  /** Air time the same files would take sent by unicast to each device (the eNB's bearer model). */
  unicastEstimateAirtimeMs: number | null;
  energyPerDeviceMj: { mean: number; max: number } | null;
  /** Energy of the update (reception to read-back), per device mean. */
  updateEnergyMj: number | null;
  /** Days of the devices' own baseline consumption one update costs (mean). */
  batteryDaysPerUpdate: number | null;
  acks: { received: number; missing: number };
  reports: { received: number };
}

const UPDATE_PHASES: readonly DevicePhase[] = [
  'reception',
  'verification',
  'install',
  'acknowledgement',
  'readback',
];
const BASELINE_PHASES: readonly DevicePhase[] = ['sleep-until-session', 'wait-announcement'];

/** Nearest-rank percentile of durations, Infinity standing for "never". */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const v = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  return Number.isFinite(v) ? v : null;
}

export function campaignMetrics(
  useCase: UseCase,
  records: readonly DeviceRecord[],
  announcedAt: EpochMs,
  air: { multicastMs: number; unicastMs: number; unicastEstimateMs: number | null },
  repair: { requests: number; bytes: number; symbols: number },
): CampaignMetrics {
  const n = records.length;
  const times = records.map((r) =>
    r.outcome === 'updated' && r.updatedAt !== undefined ? r.updatedAt - announcedAt : Infinity,
  );
  const align = records.flatMap((r) => r.attended.map((a) => Math.abs(a.alignmentErrorMs)));
  const energies = records.map((r) => r.energyMj).filter((e): e is number => e !== undefined);
  const sumPhases = (r: DeviceRecord, phases: readonly DevicePhase[]) =>
    r.phases.filter((p) => phases.includes(p.phase)).reduce((s, p) => s + (p.energyMj ?? 0), 0);
  const withEnergy = records.filter((r) => r.phases.some((p) => p.energyMj !== undefined));
  const updateEnergy = withEnergy.map((r) => sumPhases(r, UPDATE_PHASES));
  const days = withEnergy
    .map((r) => {
      const spans = r.phases.filter((p) => BASELINE_PHASES.includes(p.phase));
      const ms = spans.reduce((s, p) => s + (p.end - p.start), 0);
      const mj = spans.reduce((s, p) => s + (p.energyMj ?? 0), 0);
      if (ms < 60_000 || mj <= 0) return undefined;
      return sumPhases(r, UPDATE_PHASES) / ((mj / ms) * 86_400_000);
    })
    .filter((d): d is number => d !== undefined);
  const mean = (xs: readonly number[]) =>
    xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    useCase,
    devices: n,
    updated: records.filter((r) => r.outcome === 'updated').length,
    failed: records.filter((r) => r.outcome === 'failed').length,
    errored: records.filter((r) => r.outcome === 'errored').length,
    deliverySuccess: n === 0 ? 0 : records.filter((r) => r.fileStatus === 'complete').length / n,
    updateSuccess: n === 0 ? 0 : records.filter((r) => r.outcome === 'updated').length / n,
    timeToUpdatedMs: { t50: percentile(times, 50), t90: percentile(times, 90), t99: percentile(times, 99) },
    alignmentErrorMs: align.length === 0 ? null : { mean: mean(align)!, max: Math.max(...align) },
    repair,
    airtimeMs: { multicast: air.multicastMs, unicast: air.unicastMs },
    unicastEstimateAirtimeMs: air.unicastEstimateMs,
    energyPerDeviceMj: energies.length === 0 ? null : { mean: mean(energies)!, max: Math.max(...energies) },
    updateEnergyMj: mean(updateEnergy),
    batteryDaysPerUpdate: mean(days),
    acks: {
      received: records.filter((r) => r.ackReceivedAt !== undefined).length,
      missing: records.filter((r) => r.ackReceivedAt === undefined).length,
    },
    reports: { received: records.filter((r) => r.reportReceivedAt !== undefined).length },
  };
}
