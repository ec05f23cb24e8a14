/**
 * What a Schedule means in time: recurring sessions expanded into occurrences with their indices,
 * overrides applied (11.2A.1.1), and the consistency rules a sender should keep.
 */
import type { EpochMs } from '../../clock/index.ts';
import { AnnounceError } from './errors.ts';
import type { Recurrence, Schedule, ScheduledSession, TimeWindow } from './types.ts';

export interface SessionOccurrence extends TimeWindow {
  /** Index of the occurrence: the sessionSchedule index plus the recurrence number (when indexed). */
  index?: number;
  cancelled: boolean;
  /** Moved by a sessionScheduleOverride. */
  rescheduled: boolean;
}

/** Occurrences of one schedule can be unbounded (a pattern without count or stop time); expansion stops here. */
export const MAX_OCCURRENCES = 100_000;

/**
 * Every session occurrence up to `until` (when given), overrides applied, in start order. Throws
 * AnnounceError for an unbounded recurrence without `until`, or more than MAX_OCCURRENCES occurrences.
 */
export function sessionOccurrences(schedule: Schedule, until?: EpochMs): SessionOccurrence[] {
  const out: SessionOccurrence[] = [];
  for (const session of schedule.sessions) expand(session, until, out);
  const cancelled = new Set(schedule.cancelled.sessions);
  const moves = new Map((schedule.rescheduled ?? []).map((m) => [m.index, m]));
  for (const o of out) {
    if (o.index === undefined) continue;
    if (cancelled.has(o.index)) o.cancelled = true;
    const move = moves.get(o.index);
    if (move && !o.cancelled) {
      o.start = move.start;
      o.stop = move.stop;
      o.rescheduled = true;
    }
  }
  return out.sort((a, b) => a.start - b.start || (a.index ?? 0) - (b.index ?? 0));
}

function expand(session: ScheduledSession, until: EpochMs | undefined, out: SessionOccurrence[]): void {
  const rec = session.recurrence;
  const duration = session.stop - session.start;
  const push = (start: EpochMs, k: number) => {
    if (out.length >= MAX_OCCURRENCES) {
      throw new AnnounceError({
        code: 'unrepresentable',
        resource: 'Schedule',
        operation: 'expand recurrences',
        problem: `more than ${MAX_OCCURRENCES} session occurrences; give a horizon`,
      });
    }
    const o: SessionOccurrence = { start, stop: start + duration, cancelled: false, rescheduled: false };
    if (session.index !== undefined) o.index = session.index + k;
    out.push(o);
  };
  if (rec === undefined) {
    push(session.start, 0);
    return;
  }
  if (rec.count === undefined && rec.until === undefined && until === undefined) {
    throw new AnnounceError({
      code: 'unrepresentable',
      resource: 'Schedule',
      operation: 'expand recurrences',
      problem: `a ${rec.pattern} recurrence without numberOfTimes or reoccurenceStopTime needs a horizon`,
    });
  }
  let k = 0;
  let skipped = 0;
  for (let step = 0; ; step++) {
    if (rec.count !== undefined && k >= rec.count) return;
    const start = nthStart(session.start, rec, step);
    if (start === undefined) {
      // A month without that day: no occurrence, no index used. Twelve in a row means past the calendar.
      if (++skipped > 12) return;
      continue;
    }
    skipped = 0;
    if (rec.until !== undefined && start >= rec.until) return;
    if (until !== undefined && start >= until) return;
    push(start, k++);
  }
}

/**
 * Start of recurrence step n in UTC. Monthly keeps the day of month and skips months that lack it
 * (31 January recurs on 31 March), as iCalendar does; 26.346 does not say.
 */
function nthStart(first: EpochMs, rec: Recurrence, n: number): EpochMs | undefined {
  if (rec.pattern === 'daily') return first + n * 86_400_000;
  if (rec.pattern === 'weekly') return first + n * 7 * 86_400_000;
  const d = new Date(first);
  const day = d.getUTCDate();
  const t = Date.UTC(
    d.getUTCFullYear(),
    d.getUTCMonth() + n,
    day,
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
  return new Date(t).getUTCDate() === day ? t : undefined;
}

export interface ScheduleIssue {
  problem: string;
  /** The session index or file URI concerned. */
  subject?: string;
}

/**
 * Rules of 11.2A.1.1 a sender should keep and a parser cannot check alone: unique indices, overrides
 * that name an occurrence, every file window inside one (non-cancelled) session occurrence. Empty when
 * the schedule is consistent.
 */
export function scheduleIssues(schedule: Schedule, until?: EpochMs): ScheduleIssue[] {
  const issues: ScheduleIssue[] = [];
  const occurrences = sessionOccurrences(schedule, until);
  const seen = new Set<number>();
  for (const o of occurrences) {
    if (o.index === undefined) continue;
    if (seen.has(o.index))
      issues.push({ problem: 'two session occurrences share an index', subject: String(o.index) });
    seen.add(o.index);
  }
  for (const index of [...schedule.cancelled.sessions, ...(schedule.rescheduled ?? []).map((m) => m.index)]) {
    if (!seen.has(index))
      issues.push({ problem: 'an override names no session occurrence', subject: String(index) });
  }
  for (const s of schedule.sessions) {
    if (s.stop <= s.start)
      issues.push({ problem: 'session stop is not after start', subject: String(s.index ?? '') });
  }
  const live = occurrences.filter((o) => !o.cancelled);
  for (const f of schedule.files) {
    for (const w of f.windows) {
      if (w.stop <= w.start)
        issues.push({ problem: 'delivery window stop is not after start', subject: f.contentLocation });
      else if (!live.some((o) => o.start <= w.start && w.stop <= o.stop)) {
        issues.push({
          problem: 'delivery window lies outside every session occurrence',
          subject: f.contentLocation,
        });
      }
    }
  }
  return issues;
}
