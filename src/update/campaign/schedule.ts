/**
 * When the sessions of a campaign go on air, per use case, from the devices' granted timers and the
 * bearer rate: UC1 at the planned time; UC2 after the lead time rule (longer than the longest sleep);
 * UC3 soon, repeated at the critical interval as many times as the fleet's wake pattern needs; unicast
 * one window per device, back to back (the cell serves one bearer at a time).
 */
import type { Clock, EpochMs, Milliseconds } from '../../clock/index.ts';
import type { EnbBackend } from '../../enb/index.ts';
import { announce } from '../../mbms/index.ts';
import type { CampaignPlan, UseCase } from './types.ts';

export interface SessionWindow {
  repetition: number;
  start: EpochMs;
  stop: EpochMs;
  group: string;
  port: number;
  /** Unicast baseline: the one device this window is for. */
  device?: string;
}

export interface PlanInput {
  useCase: UseCase;
  clock: Clock;
  enb: EnbBackend;
  tmgi: string;
  group: string;
  port: number;
  /** Bytes one session puts on air. */
  bytes: number;
  /** Unicast baseline: bytes of one device's own file on air. */
  unicastBytes?: (device: string) => number;
  devices: readonly string[];
  patterns: readonly announce.DeviceWakePattern[];
  plannedLeadMs: Milliseconds;
  critical: {
    firstLeadMs?: Milliseconds;
    intervalMs?: Milliseconds;
    targetFraction?: number;
    maxRepetitions?: number;
  };
}

/** Seconds, rounded up: schedules are told in whole seconds. */
const wholeSecond = (t: number) => Math.ceil(t / 1000) * 1000;

export async function planCampaign(o: PlanInput): Promise<{ windows: SessionWindow[]; plan: CampaignPlan }> {
  const now = o.clock.now();
  const durationFor = (rateBps: number, bytes = o.bytes) =>
    wholeSecond(((bytes * 8) / rateBps) * 1000 * 1.1 + 10_000);
  const at = { group: o.group, port: o.port };
  if (o.useCase === 'unicast') {
    const windows: SessionWindow[] = [];
    let t = wholeSecond(now + o.plannedLeadMs);
    for (const [i, device] of o.devices.entries()) {
      const d = durationFor(o.enb.plannedRateBps(device), o.unicastBytes?.(device));
      windows.push({ repetition: i + 1, start: t, stop: t + d, device, ...at });
      t += d + 5_000;
    }
    return { windows, plan: { announcedAt: now, sessions: windows.map(strip) } };
  }
  const duration = durationFor(o.enb.plannedRateBps());
  if (o.useCase === 'uc1') {
    const start = wholeSecond(now + o.plannedLeadMs);
    const windows = [{ repetition: 1, start, stop: start + duration, ...at }];
    return { windows, plan: { announcedAt: now, sessions: windows.map(strip) } };
  }
  if (o.useCase === 'uc2') {
    const leadTime = announce.unplannedLeadTime(o.patterns.length > 0 ? o.patterns : [{ id: 'none' }]);
    const start = wholeSecond(now + leadTime.leadTimeMs);
    const windows = [{ repetition: 1, start, stop: start + duration, ...at }];
    return { windows, plan: { announcedAt: now, sessions: windows.map(strip), leadTime } };
  }
  const c = o.critical;
  const intervalMs = Math.max(c.intervalMs ?? 30 * 60_000, duration + 60_000);
  const critical = announce.criticalRepetitions(o.patterns.length > 0 ? o.patterns : [{ id: 'none' }], {
    targetFraction: c.targetFraction ?? 0.95,
    firstSessionLeadMs: c.firstLeadMs ?? 2 * 60_000,
    intervalMs,
    sessionDurationMs: duration,
    maxRepetitions: c.maxRepetitions ?? 12,
  });
  const windows = critical.sessionOffsetsMs.slice(0, critical.repetitions).map((off, i) => {
    const start = wholeSecond(now + off);
    return { repetition: i + 1, start, stop: start + duration, ...at };
  });
  return { windows, plan: { announcedAt: now, sessions: windows.map(strip), critical } };
}

function strip(w: SessionWindow): CampaignPlan['sessions'][number] {
  return {
    repetition: w.repetition,
    start: w.start,
    stop: w.stop,
    ...(w.device ? { device: w.device } : {}),
  };
}
