/**
 * When sleeping devices must be awake, and how early and how often to announce so that they are:
 * - wakeWindows: the reception windows a schedule asks of one device (TS 26.346 11.2A.1.1);
 * - unplannedLeadTime: TR 26.850 7.5 (UC2), announce earlier than the longest sleep of the fleet;
 * - criticalRepetitions: TR 26.850 7.6 (UC3), repeated sessions until a target share is reached;
 * - backoff: TS 26.346 9.3.4, offsetTime + U(0, randomTimePeriod).
 */
import type { EpochMs, Milliseconds } from '../../clock/index.ts';
import { AnnounceError } from './errors.ts';
import { sessionOccurrences } from './schedule.ts';
import type { Schedule, TimeWindow } from './types.ts';

/** TS 26.346 4.6: UEs keep within ±1 s of the BM-SC clock. */
export const DEFAULT_CLOCK_TOLERANCE_MS = 1000;
/** Idle-mode DRX paging cycle when neither PSM nor eDRX is in use (LTE maximum, 2.56 s). */
export const DEFAULT_DRX_CYCLE_MS = 2560;

function refuse(operation: string, problem: string): never {
  throw new AnnounceError({ code: 'bad-value', resource: 'timing', operation, problem });
}

/** What a device needs to catch a window. */
export interface ReceiverProfile {
  /** ± clock error against the BM-SC (default 1 s). */
  clockToleranceMs?: Milliseconds;
  /** Time to be ready before a window opens: leave PSM, attach, read SC-MCCH (default 0). */
  preparationMs?: Milliseconds;
  /** Files this device wants; absent means every file of the schedule. */
  wantedFiles?: readonly string[];
}

export interface WakeWindow extends TimeWindow {
  sessionIndices: number[];
  files: string[];
}

/**
 * The windows in which a device must be receiving, merged and in order: each non-cancelled session
 * occurrence, narrowed to the delivery windows of the files it wants when the schedule has them (a UE
 * "may only activate reception within the sessionSchedule (and the fileSchedule if present)"), widened
 * by the clock tolerance on both sides and by the preparation time before.
 */
export function wakeWindows(
  schedule: Schedule,
  device: ReceiverProfile = {},
  horizon: { from?: EpochMs; until?: EpochMs } = {},
): WakeWindow[] {
  const tolerance = device.clockToleranceMs ?? DEFAULT_CLOCK_TOLERANCE_MS;
  const preparation = device.preparationMs ?? 0;
  if (!(tolerance >= 0) || !(preparation >= 0))
    refuse('wake windows', 'tolerance and preparation must be >= 0');
  const cancelledFiles = new Set(schedule.cancelled.files);
  const wanted = (device.wantedFiles ?? schedule.files.map((f) => f.contentLocation)).filter(
    (u) => !cancelledFiles.has(u),
  );
  const raw: WakeWindow[] = [];
  for (const o of sessionOccurrences(schedule, horizon.until)) {
    if (o.cancelled) continue;
    const indices = o.index === undefined ? [] : [o.index];
    const whole = (files: string[]) =>
      raw.push({ start: o.start, stop: o.stop, sessionIndices: indices, files });
    if (schedule.files.length === 0) {
      whole([]); // no fileSchedule: every new file of the session is for the UE
      continue;
    }
    for (const uri of wanted) {
      const file = schedule.files.find((f) => f.contentLocation === uri);
      // A file the schedule does not place can come at any time in the session.
      if (file === undefined || file.windows.length === 0) {
        whole([uri]);
        continue;
      }
      for (const w of file.windows) {
        const start = Math.max(w.start, o.start);
        const stop = Math.min(w.stop, o.stop);
        if (start < stop) raw.push({ start, stop, sessionIndices: indices, files: [uri] });
      }
    }
  }
  const widened = raw
    .map((w) => ({ ...w, start: w.start - tolerance - preparation, stop: w.stop + tolerance }))
    .filter((w) => horizon.from === undefined || w.stop > horizon.from)
    .sort((a, b) => a.start - b.start);
  const merged: WakeWindow[] = [];
  for (const w of widened) {
    const last = merged[merged.length - 1];
    if (last && w.start <= last.stop) {
      last.stop = Math.max(last.stop, w.stop);
      for (const i of w.sessionIndices) if (!last.sessionIndices.includes(i)) last.sessionIndices.push(i);
      for (const f of w.files) if (!last.files.includes(f)) last.files.push(f);
    } else merged.push({ ...w, sessionIndices: [...w.sessionIndices], files: [...w.files] });
  }
  return merged;
}

/** How a device sleeps and when the network can reach it (TS 23.682 4.5.4, TS 24.008 timers). */
export interface DeviceWakePattern {
  id: string;
  /** PSM cycle: the periodic TAU timer (T3412 extended). Unreachable between TAUs except after uplink. */
  psmPeriodMs?: Milliseconds;
  /** T3324: reachable this long after each wake before entering PSM. */
  activeTimeMs?: Milliseconds;
  /** eDRX cycle in idle mode: pageable once per cycle. Without PSM this bounds the wait. */
  edrxCycleMs?: Milliseconds;
  /** Regular uplink period (TR 26.850 UC2 "every 12 hours"); the network answers during that contact. */
  uplinkPeriodMs?: Milliseconds;
  /** Plain DRX cycle when neither PSM nor eDRX (default 2.56 s). */
  drxCycleMs?: Milliseconds;
  /** How many devices of the fleet follow this pattern (default 1). */
  count?: number;
}

/**
 * The longest the network may have to wait before it can tell this device anything: the PSM cycle (or
 * the uplink period when shorter, since the device is reachable after each uplink), else the eDRX cycle,
 * else the DRX cycle.
 */
export function longestSleepMs(d: DeviceWakePattern): Milliseconds {
  const base = d.psmPeriodMs ?? d.edrxCycleMs ?? d.drxCycleMs ?? DEFAULT_DRX_CYCLE_MS;
  const sleep = d.uplinkPeriodMs === undefined ? base : Math.min(base, d.uplinkPeriodMs);
  if (!(sleep > 0) || !Number.isFinite(sleep))
    refuse('reachability', `device ${d.id}: periods must be positive`);
  return sleep;
}

export interface LeadTimeOptions {
  /** Time a device needs between hearing of the session and its start (default 60 s). */
  preparationMs?: Milliseconds;
  clockToleranceMs?: Milliseconds;
}

export interface LeadTime {
  longestSleepMs: Milliseconds;
  /** Announcement-to-start interval to use: longer than the longest sleep, by preparation and clock error. */
  leadTimeMs: Milliseconds;
  limitingDevice: string;
  perDevice: { id: string; sleepMs: Milliseconds }[];
}

/**
 * UC2 (TR 26.850 7.5): "the time interval from when a new file delivery schedule is announced to when the
 * actual MBMS file delivery session … will start is larger than the maximum PSM period of all IoT
 * devices". A device told at its last possible contact still needs its preparation time and the clock
 * error of both ends, so those are added; the result is always strictly longer than the longest sleep.
 */
export function unplannedLeadTime(
  devices: readonly DeviceWakePattern[],
  options: LeadTimeOptions = {},
): LeadTime {
  if (devices.length === 0) refuse('lead time', 'no devices');
  const margin =
    (options.preparationMs ?? 60_000) + 2 * (options.clockToleranceMs ?? DEFAULT_CLOCK_TOLERANCE_MS);
  if (!(margin >= 0)) refuse('lead time', 'preparation and tolerance must be >= 0');
  const perDevice = devices.map((d) => ({ id: d.id, sleepMs: longestSleepMs(d) }));
  const limiting = perDevice.reduce((a, b) => (b.sleepMs > a.sleepMs ? b : a));
  return {
    longestSleepMs: limiting.sleepMs,
    leadTimeMs: limiting.sleepMs + Math.max(margin, 1),
    limitingDevice: limiting.id,
    perDevice,
  };
}

/** Devices that may not hear of a session announced `availableLeadMs` before its start (UC2 check). */
export function devicesAtRisk(
  availableLeadMs: Milliseconds,
  devices: readonly DeviceWakePattern[],
  options: LeadTimeOptions = {},
): string[] {
  const margin =
    (options.preparationMs ?? 60_000) + 2 * (options.clockToleranceMs ?? DEFAULT_CLOCK_TOLERANCE_MS);
  return devices.filter((d) => longestSleepMs(d) + Math.max(margin, 1) > availableLeadMs).map((d) => d.id);
}

export interface CriticalPlanOptions {
  /** Share of the fleet (by count) to reach, 0 < f ≤ 1, e.g. 0.95. */
  targetFraction: number;
  /** Announcement to first session start; in UC3 it may be shorter than the shortest PSM period. */
  firstSessionLeadMs: Milliseconds;
  /** The critical interval: start-to-start spacing, so the longest an informed device waits. */
  intervalMs: Milliseconds;
  sessionDurationMs: Milliseconds;
  /** Chance that a device at a session still ends without the file (loss past FEC, no repair). Default 0. */
  missProbability?: number;
  /** Time between hearing of a session and being ready for it (default 0). */
  preparationMs?: Milliseconds;
  clockToleranceMs?: Milliseconds;
  /** Give up beyond this many repetitions (default 1000). */
  maxRepetitions?: number;
}

export interface CriticalPlan {
  repetitions: number;
  intervalMs: Milliseconds;
  /** Start of each session, from the announcement. */
  sessionOffsetsMs: Milliseconds[];
  /** Expected share of the fleet told of the schedule in time for each session. */
  informedBy: number[];
  /** Expected share holding the file after each session (cumulative). */
  reachedAfter: number[];
  reachedFraction: number;
  /** False when maxRepetitions did not reach the target. */
  achieved: boolean;
}

/**
 * UC3 (TR 26.850 7.6): the network pages or tells each device at its first reachable moment, which lies
 * uniformly within its longest sleep after the announcement (the phase of a sleeping fleet is unknown).
 * A device told before session k's start, less its preparation and clock error, attends session k and
 * every later one until it has the file; each attendance fails with `missProbability`. The expected
 * share after n sessions is exact (no sampling):
 *   R(n) = Σ_j [F(t_j) − F(t_{j−1})] · (1 − p^(n−j)),  F(t) = share told by t,  t_j = lead + j·interval.
 * The result is the fewest repetitions with R(n) ≥ target.
 */
export function criticalRepetitions(
  devices: readonly DeviceWakePattern[],
  o: CriticalPlanOptions,
): CriticalPlan {
  const op = 'critical repetitions';
  if (devices.length === 0) refuse(op, 'no devices');
  if (!(o.targetFraction > 0 && o.targetFraction <= 1)) refuse(op, 'targetFraction must be in (0, 1]');
  if (!(o.sessionDurationMs > 0)) refuse(op, 'sessionDurationMs must be positive');
  if (!(o.intervalMs >= o.sessionDurationMs)) refuse(op, 'intervalMs must be at least the session duration');
  if (!(o.firstSessionLeadMs >= 0)) refuse(op, 'firstSessionLeadMs must be >= 0');
  const p = o.missProbability ?? 0;
  if (!(p >= 0 && p < 1)) refuse(op, 'missProbability must be in [0, 1)');
  const readiness = (o.preparationMs ?? 0) + (o.clockToleranceMs ?? DEFAULT_CLOCK_TOLERANCE_MS);
  const max = o.maxRepetitions ?? 1000;
  const weights = devices.map((d) => d.count ?? 1);
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) refuse(op, 'device counts must add up to more than 0');
  const sleeps = devices.map(longestSleepMs);
  const informed = (t: Milliseconds) =>
    sleeps.reduce((sum, s, i) => sum + weights[i]! * Math.min(1, Math.max(0, (t - readiness) / s)), 0) /
    total;

  const offsets: number[] = [];
  const informedBy: number[] = [];
  const reachedAfter: number[] = [];
  for (let n = 1; n <= max; n++) {
    const t = o.firstSessionLeadMs + (n - 1) * o.intervalMs;
    offsets.push(t);
    informedBy.push(informed(t));
    let reached = 0;
    for (let j = 0; j < n; j++) {
      const newly = informedBy[j]! - (j === 0 ? 0 : informedBy[j - 1]!);
      reached += newly * (1 - p ** (n - j));
    }
    reachedAfter.push(reached);
    // A small tolerance so 95 % computed as 0.9499999999 still counts as 95 %.
    if (reached >= o.targetFraction - 1e-12) {
      return {
        repetitions: n,
        intervalMs: o.intervalMs,
        sessionOffsetsMs: offsets,
        informedBy,
        reachedAfter,
        reachedFraction: reached,
        achieved: true,
      };
    }
  }
  return {
    repetitions: max,
    intervalMs: o.intervalMs,
    sessionOffsetsMs: offsets,
    informedBy,
    reachedAfter,
    reachedFraction: reachedAfter[reachedAfter.length - 1] ?? 0,
    achieved: false,
  };
}

/**
 * TS 26.346 9.3.4 / 9.4.4 back-off in seconds: offsetTime + U(0, randomTimePeriod), drawn from the given
 * uniform source in [0, 1) (seeded in the rig, so runs repeat).
 */
export function backoff(offsetTime: number, randomTimePeriod: number, random: () => number): number {
  if (!(offsetTime >= 0) || !(randomTimePeriod >= 0) || !Number.isFinite(offsetTime + randomTimePeriod)) {
    refuse('back-off', 'offsetTime and randomTimePeriod must be finite and >= 0');
  }
  const u = random();
  if (!(u >= 0 && u < 1)) refuse('back-off', `the random source gave ${u}, outside [0, 1)`);
  return offsetTime + u * randomTimePeriod;
}

/** The instant a repair or report request may go out after a transmission ends. */
export function backoffUntil(
  endOfTransmission: EpochMs,
  procedure: { offsetTime?: number; randomTimePeriod: number },
  random: () => number,
): EpochMs {
  return endOfTransmission + backoff(procedure.offsetTime ?? 0, procedure.randomTimePeriod, random) * 1000;
}

/** 9.4.3: a UE reports when its U(0, 100) draw is below samplePercentage (default 100: always). */
export function drawsReport(samplePercentage: number | undefined, random: () => number): boolean {
  return random() * 100 < (samplePercentage ?? 100);
}
