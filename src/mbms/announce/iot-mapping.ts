/**
 * Between the XML-world model (USD, DownloadSession, Schedule, ADPD) and the TR 26.850 binary
 * announcement, which holds less: one delivery method, one repair and one report server, one feature,
 * no recurrence, one delivery window per file schedule entry, integer sample percentages. What does not
 * fit is either refused (an AnnounceError) when it would change what a device does, or listed in
 * `dropped` when it only loses information the low-end profile does not use.
 */
import type { EpochMs } from '../../clock/index.ts';
import { AnnounceError } from './errors.ts';
import type { IotAdpd, IotFileSchedule, IotServiceAnnouncement, IotServiceSchedule } from './iot-types.ts';
import { sessionOccurrences } from './schedule.ts';
import {
  type AssociatedProcedures,
  type DownloadSession,
  FEATURE_PROFILE_1A,
  REPORT_TYPES,
  type Schedule,
  type ScheduledFile,
  type UserServiceDescription,
} from './types.ts';

/** Everything one low-end announcement carries (TR 26.850 7.8.2: one USBD, SDP, Schedule, ADPD). */
export interface AnnouncementContent {
  usd: UserServiceDescription;
  session: DownloadSession;
  schedule: Schedule;
  /** One validity pair for all fragments (TR 26.850 7.8.2, from L.2.4). */
  validFrom: EpochMs;
  validUntil: EpochMs;
}

export interface IotMapping {
  announcement: IotServiceAnnouncement;
  /** Information left out, in words (e.g. `bearerRateBps: no SDP bandwidth in the IoT profile`). */
  dropped: string[];
}

const MAX_SERVICE_SCHEDULES = 8;
const MAX_ENTRIES = 255;

function refuse(problem: string, where?: string): AnnounceError {
  return new AnnounceError({
    code: 'unrepresentable',
    resource: 'TR 26.850 announcement',
    operation: 'map',
    where,
    problem,
  });
}

export function toIotAnnouncement(content: AnnouncementContent): IotMapping {
  const { usd, session, schedule } = content;
  const dropped: string[] = [];
  const method = usd.deliveryMethods[0];
  if (method === undefined) throw refuse('the USD has no delivery method', 'usd.deliveryMethods');
  if (usd.deliveryMethods.length > 1) dropped.push('usd.deliveryMethods: only the first one is carried');
  if (method.associatedProcedureDescriptionUri === undefined) {
    throw refuse(
      'associatedProcedureDescriptionURI is mandatory in DeliveryMethod-IEs',
      'usd.deliveryMethods[0]',
    );
  }
  const feature = usd.requiredFeatures[0] ?? FEATURE_PROFILE_1A;
  if (usd.requiredFeatures.length === 0)
    dropped.push('usd.requiredFeatures: none given, 22 (Profile 1a) sent');
  if (usd.requiredFeatures.length > 1) dropped.push('usd.requiredFeatures: only the first one is carried');
  const a: IotServiceAnnouncement = {
    validFrom: content.validFrom,
    validUntil: content.validUntil,
    usbd: {
      serviceId: usd.serviceId,
      deliveryMethod: {
        sessionDescriptionUri: method.sessionDescriptionUri,
        associatedProcedureDescriptionUri: method.associatedProcedureDescriptionUri,
      },
      requiredCapabilities: feature,
    },
    sessionDescription: {
      senderIpAddress: session.sourceAddress,
      tmgi: session.tmgi,
      destinationAddress: session.group,
      destinationPort: session.port,
      tsi: session.tsi,
      startTime: session.start,
      endTime: session.stop,
    },
    scheduleDescription: { serviceSchedules: mapSchedule(schedule, dropped) },
  };
  if (usd.serviceClass !== undefined) a.usbd.serviceClass = usd.serviceClass;
  if (method.accessPointName !== undefined) a.usbd.deliveryMethod.accessPointName = method.accessPointName;
  const binding = usd.availability?.[0];
  if (binding) {
    a.usbd.availabilityInfo = {};
    if (binding.serviceAreas[0] !== undefined) a.usbd.availabilityInfo.serviceArea = binding.serviceAreas[0];
    if (binding.radioFrequencies[0] !== undefined)
      a.usbd.availabilityInfo.radioFrequency = binding.radioFrequencies[0];
    if (
      (usd.availability?.length ?? 0) > 1 ||
      binding.serviceAreas.length > 1 ||
      binding.radioFrequencies.length > 1
    ) {
      dropped.push('usd.availability: one service area and one frequency are carried');
    }
  }
  if (session.ttl !== undefined) dropped.push('session.ttl: no TTL in the IoT session description');
  if (session.bearerRateBps !== undefined)
    dropped.push('session.bearerRateBps: no SDP bandwidth in the IoT profile');
  const fec = session.fec;
  if (fec !== undefined) {
    if (fec.encodingId === 1) {
      // TR NOTE 13: a redundancy level means Raptor with fixed OTI; its absence means no FEC scheme to name.
      a.sessionDescription.fecRedundancyLevel = fec.redundancyPercent ?? 0;
    } else if (fec.encodingId !== 0) {
      throw refuse(
        `FEC Encoding ID ${fec.encodingId}: the announcement can say only Raptor (1) or nothing`,
        'session.fec',
      );
    } else if (fec.redundancyPercent !== undefined) {
      dropped.push('session.fec.redundancyPercent: Compact No-Code has no redundancy to announce');
    }
    if (fec.instanceId !== undefined) dropped.push('session.fec.instanceId: not carried');
  }
  const adpd = mapProcedures(session.procedures, dropped);
  if (adpd) a.adpd = adpd;
  return { announcement: a, dropped };
}

function mapSchedule(schedule: Schedule, dropped: string[]): IotServiceSchedule[] {
  const occurrences = sessionOccurrences(schedule);
  if (occurrences.length > MAX_ENTRIES)
    throw refuse(`${occurrences.length} session occurrences, at most 255`, 'schedule.sessions');
  if (schedule.sessions.some((s) => s.recurrence !== undefined))
    dropped.push('schedule.sessions: recurrences sent expanded');
  if ((schedule.rescheduled ?? []).length > 0)
    dropped.push('schedule.rescheduled: moved sessions sent with their new times');
  const first: IotServiceSchedule = {
    sessionSchedules: occurrences.map((o, i) => {
      if (o.index === undefined)
        throw refuse('every session needs an index (mandatory in the TR)', `schedule.sessions[${i}]`);
      return { start: o.start, stop: o.stop, index: o.index };
    }),
    fileSchedules: [],
  };
  const cancelledFiles = new Set(schedule.cancelled.files);
  for (const uri of cancelledFiles) {
    if (!schedule.files.some((f) => f.contentLocation === uri))
      throw refuse(`cancelled file ${uri} is not in the schedule (its TOI is unknown)`);
  }
  for (const f of schedule.files)
    first.fileSchedules.push(...mapFile(f, cancelledFiles.has(f.contentLocation)));
  if (first.fileSchedules.length > MAX_ENTRIES)
    throw refuse('more than 255 file schedule entries', 'schedule.files');
  // One override fits in a ServiceSchedule-IEs; further cancellations ride in otherwise empty ones.
  const schedules = [first];
  schedule.cancelled.sessions.forEach((index, i) => {
    const override = { index, cancelled: true };
    if (i === 0) first.sessionScheduleOverride = override;
    else schedules.push({ fileSchedules: [], sessionScheduleOverride: override });
  });
  if (schedules.length > MAX_SERVICE_SCHEDULES) {
    throw refuse(
      `${schedule.cancelled.sessions.length} cancelled sessions, at most 8 fit`,
      'schedule.cancelled.sessions',
    );
  }
  return schedules;
}

function mapFile(f: ScheduledFile, cancelled: boolean): IotFileSchedule[] {
  const toi = f.fdt?.toi;
  if (toi === undefined)
    throw refuse('a file needs its TOI (FileURI-IEs.toi is mandatory)', `file ${f.contentLocation}`);
  const entry = (): IotFileSchedule => {
    const e: IotFileSchedule = { fileUri: { uri: f.contentLocation, toi, cancelled } };
    const u = e.fileUri!;
    if (f.fdt?.contentLength !== undefined) u.contentLength = f.fdt.contentLength;
    if (f.md5 !== undefined) u.contentMd5 = Uint8Array.from(Buffer.from(f.md5, 'base64'));
    if (f.fdt?.alternateContentLocation !== undefined)
      u.alternateContentLocation1 = f.fdt.alternateContentLocation;
    if (f.fdt?.etag !== undefined) u.fileEtag = f.fdt.etag;
    if (f.fdt?.expires !== undefined) e.expires = f.fdt.expires;
    if (f.fdt?.baseUrl1 !== undefined) e.baseUrl1 = f.fdt.baseUrl1;
    if (f.fdt?.baseUrl2 !== undefined) e.baseUrl2 = f.fdt.baseUrl2;
    return e;
  };
  if (f.windows.length === 0) return [entry()];
  return f.windows.map((w) => ({ ...entry(), deliveryInfo: { start: w.start, stop: w.stop } }));
}

function mapProcedures(p: AssociatedProcedures | undefined, dropped: string[]): IotAdpd | undefined {
  if (p === undefined || (p.fileRepair === undefined && p.receptionReport === undefined)) return undefined;
  const out: IotAdpd = {};
  const repair = p.fileRepair;
  if (repair) {
    out.postFileRepair = { randomPeriodTime: repair.randomTimePeriod };
    if (repair.offsetTime !== undefined) out.postFileRepair.offsetTime = repair.offsetTime;
    if (repair.serverUris[0] !== undefined) out.postFileRepair.serviceUri = repair.serverUris[0];
    if (repair.serverUris.length > 1)
      dropped.push('procedures.fileRepair.serverUris: only the first one is carried');
  }
  const report = p.receptionReport;
  if (report) {
    const r: NonNullable<IotAdpd['postReceptionReport']> = { randomPeriodTime: report.randomTimePeriod };
    if (report.offsetTime !== undefined) r.offsetTime = report.offsetTime;
    if (report.samplePercentage !== undefined) {
      r.samplePercentage = Math.round(report.samplePercentage);
      if (r.samplePercentage !== report.samplePercentage) {
        dropped.push(
          `procedures.receptionReport.samplePercentage: ${report.samplePercentage} sent as ${r.samplePercentage}`,
        );
      }
    }
    if (report.forceTimeIndependence !== undefined) r.forceTimeIndependence = report.forceTimeIndependence;
    if (report.reportType !== undefined) r.reportType = REPORT_TYPES.indexOf(report.reportType);
    if (report.serverUris[0] !== undefined) r.serviceUri = report.serverUris[0];
    if (report.serverUris.length > 1)
      dropped.push('procedures.receptionReport.serverUris: only the first one is carried');
    out.postReceptionReport = r;
  }
  return out;
}

/** The XML-world model of a decoded announcement. Throws AnnounceError for what the model cannot hold. */
export function fromIotAnnouncement(a: IotServiceAnnouncement): AnnouncementContent {
  const missing = (problem: string, where: string) =>
    new AnnounceError({
      code: 'missing',
      resource: 'TR 26.850 announcement',
      operation: 'read',
      where,
      problem,
    });
  const u = a.usbd;
  const usd: UserServiceDescription = {
    serviceId: u.serviceId,
    requiredFeatures: [u.requiredCapabilities],
    deliveryMethods: [{ ...u.deliveryMethod }],
  };
  if (u.serviceClass !== undefined) usd.serviceClass = u.serviceClass;
  if (u.availabilityInfo?.radioFrequency !== undefined) {
    const area = u.availabilityInfo.serviceArea;
    usd.availability = [
      {
        serviceAreas: area === undefined ? [] : [area],
        radioFrequencies: [u.availabilityInfo.radioFrequency],
      },
    ];
  }
  const all = a.scheduleDescription.serviceSchedules;
  const sessions = all
    .flatMap((s) => s.sessionSchedules ?? [])
    .map((s) => ({ start: s.start, stop: s.stop, index: s.index }));
  const cancelledSessions = all.flatMap((s) =>
    s.sessionScheduleOverride?.cancelled ? [s.sessionScheduleOverride.index] : [],
  );
  const files = new Map<string, ScheduledFile & { windows: { start: number; stop: number }[] }>();
  const cancelledFiles = new Set<string>();
  for (const [i, s] of all.entries()) {
    for (const [j, f] of s.fileSchedules.entries()) {
      const fileUri = f.fileUri;
      if (fileUri === undefined) continue; // a window without a file says nothing a device can use
      let file = files.get(fileUri.uri);
      if (file === undefined) {
        file = { contentLocation: fileUri.uri, windows: [], fdt: { toi: fileUri.toi } };
        if (fileUri.contentMd5 !== undefined) file.md5 = Buffer.from(fileUri.contentMd5).toString('base64');
        const fdt = file.fdt!;
        if (fileUri.contentLength !== undefined) fdt.contentLength = fileUri.contentLength;
        if (fileUri.alternateContentLocation1 !== undefined)
          fdt.alternateContentLocation = fileUri.alternateContentLocation1;
        if (fileUri.fileEtag !== undefined) fdt.etag = fileUri.fileEtag;
        if (f.expires !== undefined) fdt.expires = f.expires;
        if (f.baseUrl1 !== undefined) fdt.baseUrl1 = f.baseUrl1;
        if (f.baseUrl2 !== undefined) fdt.baseUrl2 = f.baseUrl2;
        files.set(fileUri.uri, file);
      }
      if (fileUri.cancelled) cancelledFiles.add(fileUri.uri);
      const d = f.deliveryInfo;
      if (d === undefined) continue;
      if (d.start === undefined || d.stop === undefined) {
        throw missing(
          'an open-ended delivery window has no meaning here',
          `serviceSchedule[${i}].fileSchedule[${j}].deliveryInfo`,
        );
      }
      file.windows.push({ start: d.start, stop: d.stop });
    }
  }
  const sd = a.sessionDescription;
  const start = sd.startTime ?? Math.min(...sessions.map((s) => s.start));
  const stop = sd.endTime ?? Math.max(...sessions.map((s) => s.stop));
  if (!Number.isFinite(start) || !Number.isFinite(stop)) {
    throw missing('no session start/end and no session schedule to take them from', 'sessionDescription');
  }
  const session: DownloadSession = {
    tmgi: sd.tmgi,
    serviceId: u.serviceId,
    group: sd.destinationAddress,
    port: sd.destinationPort,
    sourceAddress: sd.senderIpAddress,
    tsi: sd.tsi,
    start,
    stop,
  };
  if (sd.fecRedundancyLevel !== undefined)
    session.fec = { encodingId: 1, redundancyPercent: sd.fecRedundancyLevel };
  const procedures = readProcedures(a.adpd);
  if (procedures) session.procedures = procedures;
  return {
    usd,
    session,
    schedule: {
      sessions,
      files: [...files.values()],
      cancelled: { sessions: cancelledSessions, files: [...cancelledFiles] },
    },
    validFrom: a.validFrom,
    validUntil: a.validUntil,
  };
}

function readProcedures(adpd: IotAdpd | undefined): AssociatedProcedures | undefined {
  if (adpd === undefined) return undefined;
  const out: AssociatedProcedures = {};
  const fr = adpd.postFileRepair;
  // The binary makes randomPeriodTime optional where the XML requires it; absent reads as 0 (no spreading).
  if (fr) {
    out.fileRepair = {
      serverUris: fr.serviceUri === undefined ? [] : [fr.serviceUri],
      randomTimePeriod: fr.randomPeriodTime ?? 0,
    };
    if (fr.offsetTime !== undefined) out.fileRepair.offsetTime = fr.offsetTime;
  }
  const rr = adpd.postReceptionReport;
  if (rr) {
    const r: NonNullable<AssociatedProcedures['receptionReport']> = {
      serverUris: rr.serviceUri === undefined ? [] : [rr.serviceUri],
      randomTimePeriod: rr.randomPeriodTime ?? 0,
    };
    if (rr.offsetTime !== undefined) r.offsetTime = rr.offsetTime;
    if (rr.samplePercentage !== undefined) r.samplePercentage = rr.samplePercentage;
    if (rr.forceTimeIndependence !== undefined) r.forceTimeIndependence = rr.forceTimeIndependence;
    if (rr.reportType !== undefined) r.reportType = REPORT_TYPES[rr.reportType];
    out.receptionReport = r;
  }
  return out;
}
