/** UNALIGNED PER encoder and decoder for the TR 26.850 service announcement (module text in iot-types.ts). */
import type { EpochMs } from '../../clock/index.ts';
import { PerReader, PerWriter } from '../per/index.ts';
import type { AnnounceError } from './errors.ts';
import { decodeError, encodeError, readFaultError, writeFaultProblem } from './iot-codec-errors.ts';
import type {
  IotAdpd,
  IotFileSchedule,
  IotServiceAnnouncement,
  IotServiceSchedule,
  IotSessionDescription,
  IotUsbd,
} from './iot-types.ts';
import { addressBytes, formatAddress } from './ip.ts';
import { formatUtcTime, parseUtcTime } from './time.ts';
import { tmgiFromParts, tmgiParts } from './tmgi.ts';

const U32 = 0xffff_ffff;
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

class Encoder {
  field = '';
  readonly w = new PerWriter({ error: (fault) => this.fail(writeFaultProblem(fault)) });

  fail(problem: string): AnnounceError {
    return encodeError(this.field, problem);
  }

  present(...flags: unknown[]): void {
    for (const f of flags) this.w.bit(f !== undefined);
  }

  int(field: string, value: number, lb: number, ub: number): void {
    this.field = field;
    this.w.constrained(value, lb, ub, field);
  }

  text(field: string, value: string, ub = 255): void {
    this.field = field;
    this.w.octetString(utf8Encoder.encode(value), 1, ub, field);
  }

  time(field: string, ms: EpochMs): void {
    this.field = field;
    const t = formatUtcTime(ms);
    if (t === undefined) throw this.fail('UTCTime needs whole seconds in 1950..2049');
    this.w.visibleString(t, field);
  }

  address(field: string, text: string): void {
    this.field = field;
    const bytes = addressBytes(text);
    if (bytes === undefined) throw this.fail(`not an IP address: ${text}`);
    this.w.bit(bytes.length === 16); // CHOICE index: ipv4 0, ipv6 1
    this.w.octets(bytes);
  }
}

/** The PER octets of an announcement. Throws AnnounceError (unrepresentable) naming the field. */
export function encodeIotAnnouncement(a: IotServiceAnnouncement): Uint8Array {
  const e = new Encoder();
  e.present(a.adpd, undefined);
  e.time('validFrom', a.validFrom);
  e.time('vaidUntil', a.validUntil);
  encodeUsbd(e, a.usbd);
  encodeSession(e, a.sessionDescription);
  const schedules = a.scheduleDescription.serviceSchedules;
  e.field = 'scheduleDescription.serviceSchedule';
  e.w.constrainedLength(schedules.length, 1, 8, e.field);
  schedules.forEach((s, i) => {
    encodeServiceSchedule(e, s, `scheduleDescription.serviceSchedule[${i}]`);
  });
  if (a.adpd) encodeAdpd(e, a.adpd);
  return e.w.finish();
}

function encodeUsbd(e: Encoder, u: IotUsbd): void {
  e.present(u.serviceClass, u.availabilityInfo, undefined);
  e.text('usbd.serviceID', u.serviceId);
  if (u.serviceClass !== undefined) e.text('usbd.r7ServiceClass', u.serviceClass);
  const d = u.deliveryMethod;
  e.present(d.accessPointName, undefined);
  e.text('usbd.deliveryMethod.sessionDescriptionURI', d.sessionDescriptionUri);
  e.text('usbd.deliveryMethod.associatedProcedureDescriptionURI', d.associatedProcedureDescriptionUri);
  if (d.accessPointName !== undefined) e.text('usbd.deliveryMethod.accessPointName', d.accessPointName, 50);
  e.int('usbd.requiredCapabilities', u.requiredCapabilities, 0, 255);
  const av = u.availabilityInfo;
  if (av) {
    e.present(av.serviceArea, av.radioFrequency, undefined);
    if (av.serviceArea !== undefined) e.int('usbd.availabilityInfo.serviceArea', av.serviceArea, 0, 65535);
    if (av.radioFrequency !== undefined)
      e.int('usbd.availabilityInfo.radioFrequency', av.radioFrequency, 0, U32);
  }
}

function encodeSession(e: Encoder, s: IotSessionDescription): void {
  e.present(s.startTime, s.endTime, s.fecRedundancyLevel, undefined);
  e.address('sessionDescription.senderIPAddress', s.senderIpAddress);
  e.field = 'sessionDescription.tmgi';
  const parts = tmgiParts(s.tmgi);
  if (parts === undefined) throw e.fail(`not a TMGI with a BCD PLMN: ${s.tmgi}`);
  e.w.bit(true); // mcc present
  for (const digit of parts.mcc) e.w.constrained(Number(digit), 0, 9, 'mcc');
  e.w.constrainedLength(parts.mnc.length, 2, 3, 'mnc');
  for (const digit of parts.mnc) e.w.constrained(Number(digit), 0, 9, 'mnc');
  e.w.octets(Uint8Array.from(Buffer.from(parts.mbmsServiceId, 'hex')));
  e.address('sessionDescription.ipDestinationAddress', s.destinationAddress);
  e.int('sessionDescription.destinationPortNumber', s.destinationPort, 0, 65535);
  e.int('sessionDescription.tsi', s.tsi, 0, 65535);
  if (s.startTime !== undefined) e.time('sessionDescription.startTime', s.startTime);
  if (s.endTime !== undefined) e.time('sessionDescription.endTime', s.endTime);
  if (s.fecRedundancyLevel !== undefined)
    e.int('sessionDescription.fecRedundancyLevel', s.fecRedundancyLevel, 0, 100);
}

function encodeServiceSchedule(e: Encoder, s: IotServiceSchedule, at: string): void {
  e.present(s.sessionSchedules, s.sessionScheduleOverride, undefined);
  if (s.sessionSchedules) {
    e.field = `${at}.sessionSchedule`;
    e.w.constrainedLength(s.sessionSchedules.length, 0, 255, e.field);
    s.sessionSchedules.forEach((ss, i) => {
      e.present(undefined);
      e.time(`${at}.sessionSchedule[${i}].start`, ss.start);
      e.time(`${at}.sessionSchedule[${i}].stop`, ss.stop);
      e.int(`${at}.sessionSchedule[${i}].index`, ss.index, 0, U32);
    });
  }
  e.field = `${at}.fileSchedule`;
  e.w.constrainedLength(s.fileSchedules.length, 0, 255, e.field);
  s.fileSchedules.forEach((f, i) => {
    encodeFileSchedule(e, f, `${at}.fileSchedule[${i}]`);
  });
  const o = s.sessionScheduleOverride;
  if (o) {
    e.present(undefined);
    e.int(`${at}.sessionScheduleOverride.index`, o.index, 0, U32);
    e.w.bit(o.cancelled);
  }
}

function encodeFileSchedule(e: Encoder, f: IotFileSchedule, at: string): void {
  e.present(f.fileUri, f.deliveryInfo, f.expires, f.baseUrl1, f.baseUrl2, undefined);
  const u = f.fileUri;
  if (u) {
    e.present(u.contentLength, u.contentMd5, u.alternateContentLocation1, u.fileEtag, undefined);
    e.text(`${at}.fileURI.fileURI`, u.uri);
    e.int(`${at}.fileURI.toi`, u.toi, 0, 65535);
    if (u.contentLength !== undefined) e.int(`${at}.fileURI.contentLength`, u.contentLength, 0, U32);
    if (u.contentMd5 !== undefined) {
      e.field = `${at}.fileURI.contentMD5`;
      e.w.octetString(u.contentMd5, 1, 255, e.field);
    }
    if (u.alternateContentLocation1 !== undefined) {
      e.text(`${at}.fileURI.mbms2012AlternateContentLocation1`, u.alternateContentLocation1);
    }
    if (u.fileEtag !== undefined) e.text(`${at}.fileURI.mbms2012FileEtag`, u.fileEtag);
    e.w.bit(u.cancelled);
  }
  const d = f.deliveryInfo;
  if (d) {
    e.present(d.start, d.stop, undefined);
    if (d.start !== undefined) e.time(`${at}.deliveryInfo.start`, d.start);
    if (d.stop !== undefined) e.time(`${at}.deliveryInfo.stop`, d.stop);
  }
  if (f.expires !== undefined) e.int(`${at}.expires`, f.expires, 0, U32);
  if (f.baseUrl1 !== undefined) e.text(`${at}.baseURL1`, f.baseUrl1);
  if (f.baseUrl2 !== undefined) e.text(`${at}.baseURL2`, f.baseUrl2);
}

function encodeAdpd(e: Encoder, a: IotAdpd): void {
  e.present(a.postFileRepair, a.postReceptionReport);
  const fr = a.postFileRepair;
  if (fr) {
    e.present(fr.offsetTime, fr.randomPeriodTime, fr.serviceUri, undefined);
    if (fr.offsetTime !== undefined) e.int('adpd.postFileRepair.offsetTime', fr.offsetTime, 0, U32);
    if (fr.randomPeriodTime !== undefined)
      e.int('adpd.postFileRepair.randomPeriodTime', fr.randomPeriodTime, 0, U32);
    if (fr.serviceUri !== undefined) e.text('adpd.postFileRepair.serviceURI', fr.serviceUri);
  }
  const rr = a.postReceptionReport;
  if (rr) {
    e.present(
      rr.offsetTime,
      rr.randomPeriodTime,
      rr.samplePercentage,
      rr.forceTimeIndependence,
      rr.reportType,
      rr.serviceUri,
      undefined,
    );
    const at = 'adpd.postReceptionReport';
    if (rr.offsetTime !== undefined) e.int(`${at}.offsetTime`, rr.offsetTime, 0, U32);
    if (rr.randomPeriodTime !== undefined) e.int(`${at}.randomPeriodTime`, rr.randomPeriodTime, 0, U32);
    if (rr.samplePercentage !== undefined) e.int(`${at}.samplePercentage`, rr.samplePercentage, 0, 100);
    if (rr.forceTimeIndependence !== undefined) e.w.bit(rr.forceTimeIndependence);
    if (rr.reportType !== undefined) e.int(`${at}.reportType`, rr.reportType, 0, 3);
    if (rr.serviceUri !== undefined) e.text(`${at}.serviceURI`, rr.serviceUri);
  }
}

class Decoder {
  readonly r: PerReader;
  /**
   * The field being read, for error messages (`usbd.deliveryMethod.sessionDescriptionURI`). Presence bits
   * are read under the field before them.
   */
  field = '';

  constructor(data: Uint8Array) {
    this.r = new PerReader(data, { error: readFaultError });
  }

  /** Makes `field` the one being read and returns it. */
  at(field: string): string {
    this.field = field;
    return field;
  }

  fail(problem: string): AnnounceError {
    return decodeError(this.r.bitPosition, this.field, problem);
  }

  /** Presence bits of a SEQUENCE preamble. */
  flags(n: number): boolean[] {
    return Array.from({ length: n }, () => this.r.bit(this.field));
  }

  bit(field: string): boolean {
    return this.r.bit(this.at(field));
  }

  int(field: string, lb: number, ub: number): number {
    return this.r.constrained(lb, ub, this.at(field));
  }

  /** The element count of a SEQUENCE (SIZE(lb..ub)) OF. */
  count(field: string, lb: number, ub: number): number {
    return this.r.constrainedLength(lb, ub, this.at(field));
  }

  octets(field: string, ub = 255): Uint8Array {
    return this.r.octetString(1, ub, this.at(field));
  }

  text(field: string, ub = 255): string {
    const bytes = this.octets(field, ub);
    try {
      return utf8Decoder.decode(bytes);
    } catch {
      throw this.fail('text is not UTF-8');
    }
  }

  time(field: string): EpochMs {
    const text = this.r.visibleString(32, this.at(field));
    const ms = parseUtcTime(text);
    if (ms === undefined) throw this.fail(`not a canonical UTCTime (YYMMDDhhmmssZ): ${JSON.stringify(text)}`);
    return ms;
  }

  address(field: string): string {
    const v6 = this.bit(field);
    return formatAddress(this.r.octets(v6 ? 16 : 4, field));
  }

  /** An <X>-Extension-IEs container: read and dropped. */
  extension(field: string): void {
    this.at(field === '' ? 'nonCriticalExtension' : `${field}.nonCriticalExtension`);
    const [late] = this.flags(2);
    if (late) this.r.unconstrainedOctets(this.field);
  }

  /** After the last field: nothing but zero padding. */
  end(): void {
    this.at('');
    this.r.end();
  }
}

/** Decodes PER octets into an announcement. Throws AnnounceError (bad-binary) naming the bit and field. */
export function decodeIotAnnouncement(data: Uint8Array): IotServiceAnnouncement {
  const d = new Decoder(data);
  const [hasAdpd, hasExt] = d.flags(2);
  const a: IotServiceAnnouncement = {
    validFrom: d.time('validFrom'),
    validUntil: d.time('vaidUntil'),
    usbd: decodeUsbd(d),
    sessionDescription: decodeSession(d),
    scheduleDescription: { serviceSchedules: [] },
  };
  const n = d.count('scheduleDescription.serviceSchedule', 1, 8);
  for (let i = 0; i < n; i++)
    a.scheduleDescription.serviceSchedules.push(
      decodeServiceSchedule(d, `scheduleDescription.serviceSchedule[${i}]`),
    );
  if (hasAdpd) a.adpd = decodeAdpd(d);
  if (hasExt) d.extension('');
  d.end();
  return a;
}

function decodeUsbd(d: Decoder): IotUsbd {
  const [hasClass, hasAvail, hasExt] = d.flags(3);
  const serviceId = d.text('usbd.serviceID');
  const u: IotUsbd = {
    serviceId,
    deliveryMethod: { sessionDescriptionUri: '', associatedProcedureDescriptionUri: '' },
    requiredCapabilities: 0,
  };
  if (hasClass) u.serviceClass = d.text('usbd.r7ServiceClass');
  const [hasApn, hasDmExt] = d.flags(2);
  u.deliveryMethod.sessionDescriptionUri = d.text('usbd.deliveryMethod.sessionDescriptionURI');
  u.deliveryMethod.associatedProcedureDescriptionUri = d.text(
    'usbd.deliveryMethod.associatedProcedureDescriptionURI',
  );
  if (hasApn) u.deliveryMethod.accessPointName = d.text('usbd.deliveryMethod.accessPointName', 50);
  if (hasDmExt) d.extension('usbd.deliveryMethod');
  u.requiredCapabilities = d.int('usbd.requiredCapabilities', 0, 255);
  if (hasAvail) {
    const [hasArea, hasFreq, hasAvExt] = d.flags(3);
    u.availabilityInfo = {};
    if (hasArea) u.availabilityInfo.serviceArea = d.int('usbd.availabilityInfo.serviceArea', 0, 65535);
    if (hasFreq) u.availabilityInfo.radioFrequency = d.int('usbd.availabilityInfo.radioFrequency', 0, U32);
    if (hasAvExt) d.extension('usbd.availabilityInfo');
  }
  if (hasExt) d.extension('usbd');
  return u;
}

function decodeSession(d: Decoder): IotSessionDescription {
  const [hasStart, hasEnd, hasFec, hasExt] = d.flags(4);
  const senderIpAddress = d.address('sessionDescription.senderIPAddress');
  const at = 'sessionDescription.tmgi';
  if (!d.bit(at)) throw d.fail('the TMGI has no MCC: the serving PLMN is not known here');
  const mcc = [0, 1, 2].map(() => d.r.constrained(0, 9, at)).join('');
  const mncLength = d.r.constrainedLength(2, 3, at);
  const mnc = Array.from({ length: mncLength }, () => d.r.constrained(0, 9, at)).join('');
  const mbmsServiceId = Buffer.from(d.r.octets(3, at)).toString('hex');
  const tmgi = tmgiFromParts({ mbmsServiceId, mcc, mnc })!;
  const s: IotSessionDescription = {
    senderIpAddress,
    tmgi,
    destinationAddress: d.address('sessionDescription.ipDestinationAddress'),
    destinationPort: d.int('sessionDescription.destinationPortNumber', 0, 65535),
    tsi: d.int('sessionDescription.tsi', 0, 65535),
  };
  if (hasStart) s.startTime = d.time('sessionDescription.startTime');
  if (hasEnd) s.endTime = d.time('sessionDescription.endTime');
  if (hasFec) s.fecRedundancyLevel = d.int('sessionDescription.fecRedundancyLevel', 0, 100);
  if (hasExt) d.extension('sessionDescription');
  return s;
}

function decodeServiceSchedule(d: Decoder, at: string): IotServiceSchedule {
  const [hasSessions, hasOverride, hasExt] = d.flags(3);
  const s: IotServiceSchedule = { fileSchedules: [] };
  if (hasSessions) {
    const n = d.count(`${at}.sessionSchedule`, 0, 255);
    s.sessionSchedules = [];
    for (let i = 0; i < n; i++) {
      const [hasSsExt] = d.flags(1);
      const p = `${at}.sessionSchedule[${i}]`;
      s.sessionSchedules.push({
        start: d.time(`${p}.start`),
        stop: d.time(`${p}.stop`),
        index: d.int(`${p}.index`, 0, U32),
      });
      if (hasSsExt) d.extension(p);
    }
  }
  const n = d.count(`${at}.fileSchedule`, 0, 255);
  for (let i = 0; i < n; i++) s.fileSchedules.push(decodeFileSchedule(d, `${at}.fileSchedule[${i}]`));
  if (hasOverride) {
    const [hasOExt] = d.flags(1);
    const index = d.int(`${at}.sessionScheduleOverride.index`, 0, U32);
    s.sessionScheduleOverride = { index, cancelled: d.bit(`${at}.sessionScheduleOverride.cancelled`) };
    if (hasOExt) d.extension(`${at}.sessionScheduleOverride`);
  }
  if (hasExt) d.extension(at);
  return s;
}

function decodeFileSchedule(d: Decoder, at: string): IotFileSchedule {
  const [hasUri, hasInfo, hasExpires, hasBase1, hasBase2, hasExt] = d.flags(6);
  const f: IotFileSchedule = {};
  if (hasUri) {
    const [hasLength, hasMd5, hasAcl, hasEtag, hasUExt] = d.flags(5);
    const uri = d.text(`${at}.fileURI.fileURI`);
    const toi = d.int(`${at}.fileURI.toi`, 0, 65535);
    const u = { uri, toi, cancelled: false } as NonNullable<IotFileSchedule['fileUri']>;
    if (hasLength) u.contentLength = d.int(`${at}.fileURI.contentLength`, 0, U32);
    if (hasMd5) u.contentMd5 = d.octets(`${at}.fileURI.contentMD5`);
    if (hasAcl) u.alternateContentLocation1 = d.text(`${at}.fileURI.mbms2012AlternateContentLocation1`);
    if (hasEtag) u.fileEtag = d.text(`${at}.fileURI.mbms2012FileEtag`);
    u.cancelled = d.bit(`${at}.fileURI.cancelled`);
    if (hasUExt) d.extension(`${at}.fileURI`);
    f.fileUri = u;
  }
  if (hasInfo) {
    const [hasStart, hasStop, hasIExt] = d.flags(3);
    f.deliveryInfo = {};
    if (hasStart) f.deliveryInfo.start = d.time(`${at}.deliveryInfo.start`);
    if (hasStop) f.deliveryInfo.stop = d.time(`${at}.deliveryInfo.stop`);
    if (hasIExt) d.extension(`${at}.deliveryInfo`);
  }
  if (hasExpires) f.expires = d.int(`${at}.expires`, 0, U32);
  if (hasBase1) f.baseUrl1 = d.text(`${at}.baseURL1`);
  if (hasBase2) f.baseUrl2 = d.text(`${at}.baseURL2`);
  if (hasExt) d.extension(at);
  return f;
}

function decodeAdpd(d: Decoder): IotAdpd {
  const [hasRepair, hasReport] = d.flags(2);
  const a: IotAdpd = {};
  if (hasRepair) {
    const [hasOffset, hasRandom, hasUri, hasExt] = d.flags(4);
    const p: NonNullable<IotAdpd['postFileRepair']> = {};
    if (hasOffset) p.offsetTime = d.int('adpd.postFileRepair.offsetTime', 0, U32);
    if (hasRandom) p.randomPeriodTime = d.int('adpd.postFileRepair.randomPeriodTime', 0, U32);
    if (hasUri) p.serviceUri = d.text('adpd.postFileRepair.serviceURI');
    if (hasExt) d.extension('adpd.postFileRepair');
    a.postFileRepair = p;
  }
  if (hasReport) {
    const [hasOffset, hasRandom, hasSample, hasForce, hasType, hasUri, hasExt] = d.flags(7);
    const at = 'adpd.postReceptionReport';
    const p: NonNullable<IotAdpd['postReceptionReport']> = {};
    if (hasOffset) p.offsetTime = d.int(`${at}.offsetTime`, 0, U32);
    if (hasRandom) p.randomPeriodTime = d.int(`${at}.randomPeriodTime`, 0, U32);
    if (hasSample) p.samplePercentage = d.int(`${at}.samplePercentage`, 0, 100);
    if (hasForce) p.forceTimeIndependence = d.bit(`${at}.forceTimeIndependence`);
    if (hasType) p.reportType = d.int(`${at}.reportType`, 0, 3);
    if (hasUri) p.serviceUri = d.text(`${at}.serviceURI`);
    if (hasExt) d.extension(at);
    a.postReceptionReport = p;
  }
  return a;
}
