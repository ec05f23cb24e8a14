/**
 * The Schedule Description fragment (TS 26.346 11.2A, profiled by L.2.6): serviceSchedule with
 * sessionSchedule (start/stop/recurrence/index), sessionScheduleOverride (cancel or move an occurrence)
 * and fileSchedule (fileURI@cancelled, deliveryInfo@start/@end, r11:fileMD5).
 */

import { formatDateTime } from './time.ts';
import type {
  Recurrence,
  RecurrencePattern,
  Schedule,
  ScheduleDescription,
  ScheduledFile,
  ScheduledSession,
  SessionReschedule,
  TimeWindow,
} from './types.ts';
import { SV_NS, XmlReader } from './xml-read.ts';
import { parseXml, renderXml, type XmlElement, type XmlLimits, type XmlOut } from './xml-tree.ts';

export const SCHEDULE_NS = 'urn:3gpp:metadata:2011:MBMS:scheduleDescription';
export const SCHEDULE_R11_NS = 'urn:3gpp:metadata:2012:MBMS:scheduleDescription';
export const SCHEDULE_R12_NS = 'urn:3gpp:metadata:2013:MBMS:scheduleDescription';
export const SCHEDULE_MIME = 'application/mbms-schedule+xml';
/** 11.2A.2.1: "the network shall set the schemaVersion element … to 3". */
const SCHEDULE_SCHEMA_VERSION = 3;
const MAX_UNSIGNED_INT = 0xffff_ffff;
const PATTERNS: readonly RecurrencePattern[] = ['daily', 'weekly', 'monthly'];
const delimiter: XmlOut = { name: 'sv:delimiter', text: '0' };

/** Writes a Schedule Description; one `serviceSchedule` per schedule. Throws AnnounceError. */
export function generateScheduleDescription(description: ScheduleDescription | Schedule): string {
  const d: ScheduleDescription = 'services' in description ? description : { services: [description] };
  const r = new XmlReader('Schedule Description', 'generate');
  if (d.services.length === 0) throw r.fail('missing', undefined, 'needs at least one service schedule');
  const root: XmlOut = {
    name: 'scheduleDescription',
    attributes: [
      ['xmlns', SCHEDULE_NS],
      ['xmlns:r11', SCHEDULE_R11_NS],
      ['xmlns:sv', SV_NS],
      ['scheduleUpdate', d.scheduleUpdate === undefined ? undefined : formatDateTime(d.scheduleUpdate)],
    ],
    children: [
      { name: 'sv:schemaVersion', text: String(SCHEDULE_SCHEMA_VERSION) },
      ...d.services.map((s) => serviceScheduleOut(s, r)),
    ],
  };
  return renderXml(root, 'Schedule Description');
}

function serviceScheduleOut(s: Schedule, r: XmlReader): XmlOut {
  const rescheduled = s.rescheduled ?? [];
  for (const move of rescheduled) {
    if (s.cancelled.sessions.includes(move.index)) {
      throw r.fail('bad-value', undefined, `session index ${move.index} is both cancelled and rescheduled`);
    }
  }
  const cancelledFiles = new Set(s.cancelled.files);
  const files = [...s.files];
  for (const uri of cancelledFiles) {
    // A cancellation of a file the schedule no longer lists still has to reach the devices.
    if (!files.some((f) => f.contentLocation === uri)) files.push({ contentLocation: uri, windows: [] });
  }
  return {
    name: 'serviceSchedule',
    attributes: [
      ['serviceId', s.serviceId],
      ['serviceClass', s.serviceClass],
    ],
    children: [
      ...s.sessions.map(sessionOut),
      ...s.cancelled.sessions.map((index) => ({
        name: 'sessionScheduleOverride',
        attributes: [
          ['index', index],
          ['cancelled', 'true'],
        ] as const,
      })),
      ...rescheduled.map((m) => ({
        name: 'sessionScheduleOverride',
        attributes: [['index', m.index]] as const,
        children: [
          { name: 'start', text: formatDateTime(m.start) },
          { name: 'stop', text: formatDateTime(m.stop) },
        ],
      })),
      ...files.map((f) => fileOut(f, cancelledFiles.has(f.contentLocation))),
    ],
  };
}

function sessionOut(s: ScheduledSession): XmlOut {
  const rec = s.recurrence;
  return {
    name: 'sessionSchedule',
    children: [
      { name: 'start', text: formatDateTime(s.start) },
      { name: 'stop', text: formatDateTime(s.stop) },
      rec === undefined ? undefined : { name: 'reoccurencePattern', text: rec.pattern },
      rec?.count === undefined ? undefined : { name: 'numberOfTimes', text: String(rec.count) },
      rec?.until === undefined ? undefined : { name: 'reoccurenceStopTime', text: formatDateTime(rec.until) },
      s.index === undefined ? undefined : { name: 'index', text: String(s.index) },
      delimiter,
      delimiter,
    ],
  };
}

function fileOut(f: ScheduledFile, cancelled: boolean): XmlOut {
  return {
    name: 'fileSchedule',
    attributes: [['r11:fileMD5', f.md5]],
    children: [
      {
        name: 'fileURI',
        attributes: [['cancelled', cancelled ? 'true' : undefined]],
        text: f.contentLocation,
      },
      ...f.windows.map((w) => ({
        name: 'deliveryInfo',
        attributes: [
          ['start', formatDateTime(w.start)],
          ['end', formatDateTime(w.stop)],
        ] as const,
      })),
      delimiter,
    ],
  };
}

/** Parses a Schedule Description. Throws AnnounceError naming the element and line. */
export function parseScheduleDescription(
  text: string,
  resource = 'Schedule Description',
  limits?: XmlLimits,
): ScheduleDescription {
  const r = new XmlReader(resource);
  const root = r.root(parseXml(text, resource, limits), SCHEDULE_NS, 'scheduleDescription');
  r.onlyKnownChildren(root, [SCHEDULE_NS], ['serviceSchedule']);
  const services = r.children(root, SCHEDULE_NS, 'serviceSchedule').map((el) => readServiceSchedule(r, el));
  if (services.length === 0) throw r.fail('missing', root, 'needs at least one serviceSchedule');
  const d: ScheduleDescription = { services };
  const update = r.attr(root, 'scheduleUpdate');
  if (update !== undefined) d.scheduleUpdate = r.dateTime(update, root, 'scheduleUpdate');
  return d;
}

function readServiceSchedule(r: XmlReader, el: XmlElement): Schedule {
  r.onlyKnownChildren(el, [SCHEDULE_NS], ['sessionSchedule', 'sessionScheduleOverride', 'fileSchedule']);
  const cancelledSessions: number[] = [];
  const cancelledFiles: string[] = [];
  const rescheduled: SessionReschedule[] = [];
  for (const o of r.children(el, SCHEDULE_NS, 'sessionScheduleOverride')) {
    const index = r.unsigned(r.requiredAttr(o, 'index'), o, 'index', MAX_UNSIGNED_INT);
    const cancelledAttr = r.attr(o, 'cancelled');
    if (cancelledAttr !== undefined && r.boolean(cancelledAttr, o, 'cancelled')) {
      cancelledSessions.push(index);
      continue;
    }
    const start = r.optional(o, SCHEDULE_NS, 'start');
    const stop = r.optional(o, SCHEDULE_NS, 'stop');
    if (start === undefined && stop === undefined) continue;
    if (start === undefined || stop === undefined)
      throw r.fail('missing', o, 'an override moves a session with both start and stop');
    rescheduled.push({
      index,
      ...window(r, o, r.dateTime(start.text, start, 'start'), r.dateTime(stop.text, stop, 'stop')),
    });
  }
  const files = r.children(el, SCHEDULE_NS, 'fileSchedule').map((f) => {
    const file = readFile(r, f);
    if (file.cancelled) cancelledFiles.push(file.value.contentLocation);
    return file.value;
  });
  const schedule: Schedule = {
    sessions: r.children(el, SCHEDULE_NS, 'sessionSchedule').map((s) => readSession(r, s)),
    files,
    cancelled: { sessions: cancelledSessions, files: cancelledFiles },
  };
  if (rescheduled.length > 0) schedule.rescheduled = rescheduled;
  const serviceId = r.attr(el, 'serviceId');
  if (serviceId !== undefined) schedule.serviceId = r.uri(serviceId, el, 'serviceId');
  const serviceClass = r.attr(el, 'serviceClass');
  if (serviceClass !== undefined) schedule.serviceClass = serviceClass;
  return schedule;
}

function window(r: XmlReader, el: XmlElement, start: number, stop: number): TimeWindow {
  if (stop <= start) throw r.fail('bad-value', el, 'stop must be after start');
  return { start, stop };
}

function readSession(r: XmlReader, el: XmlElement): ScheduledSession {
  r.onlyKnownChildren(
    el,
    [SCHEDULE_NS],
    ['start', 'stop', 'reoccurencePattern', 'numberOfTimes', 'reoccurenceStopTime', 'index'],
  );
  const start = r.required(el, SCHEDULE_NS, 'start');
  const stop = r.required(el, SCHEDULE_NS, 'stop');
  const session: ScheduledSession = window(
    r,
    el,
    r.dateTime(start.text, start, 'start'),
    r.dateTime(stop.text, stop, 'stop'),
  );
  const index = r.optional(el, SCHEDULE_NS, 'index');
  if (index) session.index = r.unsigned(index.text, index, 'index', MAX_UNSIGNED_INT);
  const pattern = r.optional(el, SCHEDULE_NS, 'reoccurencePattern');
  const count = r.optional(el, SCHEDULE_NS, 'numberOfTimes');
  const until = r.optional(el, SCHEDULE_NS, 'reoccurenceStopTime');
  if (pattern) {
    const p = r.text(pattern) as RecurrencePattern;
    if (!PATTERNS.includes(p))
      throw r.fail('bad-value', pattern, 'reoccurencePattern must be daily, weekly or monthly', p);
    const rec: Recurrence = { pattern: p };
    if (count) rec.count = r.unsigned(count.text, count, 'numberOfTimes', MAX_UNSIGNED_INT);
    if (until) rec.until = r.dateTime(until.text, until, 'reoccurenceStopTime');
    session.recurrence = rec;
  } else if (count || until) {
    throw r.fail(
      'missing',
      count ?? until,
      'numberOfTimes and reoccurenceStopTime need a reoccurencePattern',
    );
  }
  return session;
}

function readFile(r: XmlReader, el: XmlElement): { value: ScheduledFile; cancelled: boolean } {
  const uriEl = r.required(el, SCHEDULE_NS, 'fileURI');
  const file: ScheduledFile = {
    contentLocation: r.uri(uriEl.text, uriEl, 'fileURI'),
    windows: r.children(el, SCHEDULE_NS, 'deliveryInfo').map((d) => {
      // The schema names the attributes start/end; L.2.6 and TR 26.850 call the second one stop.
      const end = r.attr(d, 'end') ?? r.attr(d, 'stop');
      if (end === undefined) throw r.fail('missing', d, 'needs an end attribute');
      return window(r, d, r.dateTime(r.requiredAttr(d, 'start'), d, 'start'), r.dateTime(end, d, 'end'));
    }),
  };
  const md5 = r.attr(el, 'fileMD5', SCHEDULE_R11_NS);
  if (md5 !== undefined) {
    const v = md5.trim();
    if (!/^[A-Za-z0-9+/]{22}==$/.test(v))
      throw r.fail('bad-value', el, 'r11:fileMD5 must be base64 of 16 octets', md5);
    file.md5 = v;
  }
  const cancelled = r.attr(uriEl, 'cancelled');
  return { value: file, cancelled: cancelled !== undefined && r.boolean(cancelled, uriEl, 'cancelled') };
}
