/**
 * The RAck-IoT reception report of TR 26.850 §7.7, in unaligned PER (the TR recommends "ASN.1 PER" and
 * gives this definition; UPER is the variant 3GPP's own binary messages use):
 *
 *   MBMSIoT-ReceptionReport-Message-RAck-IoT ::= SEQUENCE {
 *     identifier     IoT-ID-IEs,                      -- deviceId OCTET STRING (1..255), clientId OPTIONAL
 *     fileReporting  SEQUENCE (SIZE(1..255)) OF ReceptionReport-File-RAck-IoT-IEs,
 *     locationType   ENUMERATED {cgi, ecgi, sai, ...} OPTIONAL,
 *     nonCriticalExtension ReceptionReportMessage-RAck-IoT-Extension-IEs OPTIONAL }
 *   ReceptionReport-File-RAck-IoT-IEs ::= SEQUENCE {
 *     status ENUMERATED {acknowledged, acknowledgedAndSuccessfulAction, acknowledgedAndUnsuccessfulAction, ...},
 *     identifier File-ID-IEs,                          -- fileURI (1..255), contentMD5 BIT STRING (128), fileEtag
 *     nonCriticalExtension ... OPTIONAL }
 *
 * Status 0 = acknowledged, 1 = acknowledged with successful action (e.g. the update installed),
 * 2 = acknowledged with unsuccessful action; later values (enumeration extensions) are reserved and
 * decode as 3, 4, …. Sent by CoAP POST with Content-Format 42.
 */
import { PerReader, type PerReadFault, type PerWriteFault, PerWriter } from '../per/index.ts';

export const RackIotStatus = {
  acknowledged: 0,
  acknowledgedAndSuccessfulAction: 1,
  acknowledgedAndUnsuccessfulAction: 2,
} as const;
export type RackIotStatusName = keyof typeof RackIotStatus;

export const LOCATION_TYPES = ['cgi', 'ecgi', 'sai'] as const;
export type LocationType = (typeof LOCATION_TYPES)[number];

/** The -Extension-IEs sequences: an opaque late extension and an (empty) further extension. */
export interface RackIotExtension {
  lateNonCriticalExtension?: Uint8Array;
  nonCriticalExtension?: boolean;
}

export interface RackIotFile {
  /** 0, 1, 2 as above; 3 and up only from a newer sender (reserved). */
  status: number;
  fileURI: string;
  /** Base64 of the 16-byte MD5, as in the FDT. */
  contentMd5?: string;
  fileEtag?: string;
  extension?: RackIotExtension;
}

export interface RackIotReport {
  deviceId: string;
  clientId?: string;
  files: RackIotFile[];
  /** A known type, or the index of a later extension value as 3, 4, …. */
  locationType?: LocationType | number;
  extension?: RackIotExtension;
}

export class RackIotError extends Error {
  override name = 'RackIotError';
}

export function encodeRackIot(report: RackIotReport): Uint8Array {
  const w = new PerWriter({ error: (fault) => new RackIotError(`RAck-IoT encode: ${writeProblem(fault)}`) });
  const enc = new TextEncoder();
  w.bit(report.locationType !== undefined);
  w.bit(report.extension !== undefined);
  w.bit(report.clientId !== undefined);
  w.octetString(enc.encode(report.deviceId), 1, 255, 'deviceId');
  if (report.clientId !== undefined) w.octetString(enc.encode(report.clientId), 1, 255, 'clientId');
  w.constrainedLength(report.files.length, 1, 255, 'fileReporting');
  for (const [i, f] of report.files.entries()) {
    const at = `fileReporting[${i}]`;
    w.bit(f.extension !== undefined);
    enumerated(w, f.status, 3, `${at}.status`);
    w.bit(f.contentMd5 !== undefined);
    w.bit(f.fileEtag !== undefined);
    w.octetString(enc.encode(f.fileURI), 1, 255, `${at}.fileURI`);
    if (f.contentMd5 !== undefined) {
      const md5 = Buffer.from(f.contentMd5, 'base64');
      if (md5.length !== 16)
        throw new RackIotError(`contentMD5 of ${f.fileURI} is ${md5.length} bytes, not 16`);
      w.octets(md5);
    }
    if (f.fileEtag !== undefined) w.octetString(enc.encode(f.fileEtag), 1, 255, `${at}.fileEtag`);
    if (f.extension) extension(w, f.extension, at);
  }
  if (report.locationType !== undefined) {
    const known = LOCATION_TYPES.indexOf(report.locationType as LocationType);
    enumerated(w, known >= 0 ? known : (report.locationType as number), 3, 'locationType');
  }
  if (report.extension) extension(w, report.extension, '');
  return w.finish();
}

export type RackIotResult = { ok: true; value: RackIotReport } | { ok: false; error: RackIotError };

export function decodeRackIot(bytes: Uint8Array): RackIotResult {
  const refuse = (problem: string) => new RackIotError(`RAck-IoT (${bytes.length} bytes): ${problem}`);
  const r = new PerReader(bytes, { error: (fault) => refuse(readProblem(fault)) });
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // keep a BOM: the octets are an identifier
  const str = (field: string, what = field) => {
    const octets = r.octetString(1, 255, field);
    try {
      return utf8.decode(octets);
    } catch {
      throw refuse(`${what} is not UTF-8`);
    }
  };
  try {
    const hasLocation = r.bit('locationType present');
    const hasExtension = r.bit('nonCriticalExtension present');
    const hasClient = r.bit('clientId present');
    const report: RackIotReport = { deviceId: str('deviceId'), files: [] };
    if (hasClient) report.clientId = str('clientId');
    const count = r.constrainedLength(1, 255, 'fileReporting');
    for (let i = 0; i < count; i++) {
      const at = `fileReporting[${i}]`;
      const fileExtension = r.bit(`${at}.nonCriticalExtension present`);
      const status = readEnumerated(r, 3, `${at}.status`);
      const hasMd5 = r.bit(`${at}.contentMD5 present`);
      const hasEtag = r.bit(`${at}.fileEtag present`);
      const f: RackIotFile = { status, fileURI: str(`${at}.fileURI`, 'fileURI') };
      if (hasMd5) f.contentMd5 = Buffer.from(r.octets(16, `${at}.contentMD5`)).toString('base64');
      if (hasEtag) f.fileEtag = str(`${at}.fileEtag`, 'fileEtag');
      if (fileExtension) f.extension = readExtension(r, at);
      report.files.push(f);
    }
    if (hasLocation) {
      const v = readEnumerated(r, 3, 'locationType');
      report.locationType = v < 3 ? LOCATION_TYPES[v]! : v;
    }
    if (hasExtension) report.extension = readExtension(r, '');
    r.end();
    return { ok: true, value: report };
  } catch (error) {
    if (error instanceof RackIotError) return { ok: false, error };
    throw error;
  }
}

/** The messages this module has always given, from the codec's faults. */
function readProblem(fault: PerReadFault): string {
  switch (fault.kind) {
    case 'truncated':
      return fault.unit === 'octets'
        ? `${fault.bitCount / 8} octets needed at bit ${fault.bitOffset}, too few left`
        : `ran out of bits at bit ${fault.bitLength}`;
    case 'above-bound':
      return `value ${fault.value} above ${fault.ub} at bit ${fault.bitOffset + fault.bitCount}`;
    case 'fragmented':
      return fault.part === 'length'
        ? `fragmented length at bit ${fault.bitOffset}, not supported`
        : 'fragmented normally-small number';
    case 'trailing-octets':
      return `${fault.octets} trailing octets`;
    case 'non-zero-padding':
      return 'non-zero padding bits';
    default:
      return fault.message;
  }
}

function writeProblem(fault: PerWriteFault): string {
  switch (fault.kind) {
    case 'out-of-range':
      return `${fault.value} outside ${fault.lb}..${fault.ub}`;
    case 'needs-fragmentation':
      return fault.part === 'length'
        ? `${fault.value}-octet string needs fragmentation, not supported`
        : `normally small number ${fault.value} too large`;
    default:
      return fault.message;
  }
}

/** ENUMERATED with an extension marker: a bit, then the root index or a normally-small extension index. */
function enumerated(w: PerWriter, value: number, rootCount: number, field: string): void {
  if (value < rootCount) {
    w.bit(false);
    w.constrained(value, 0, rootCount - 1, field);
  } else {
    w.bit(true);
    w.normallySmall(value - rootCount, field);
  }
}

function readEnumerated(r: PerReader, rootCount: number, field: string): number {
  return r.bit(field) ? rootCount + r.normallySmall(field) : r.constrained(0, rootCount - 1, field);
}

/** `at` is the owner's field ('' for the message itself). */
function extension(w: PerWriter, e: RackIotExtension, at: string): void {
  w.bit(e.lateNonCriticalExtension !== undefined);
  w.bit(e.nonCriticalExtension === true);
  if (e.lateNonCriticalExtension)
    w.unconstrainedOctets(e.lateNonCriticalExtension, extensionField(at, 'lateNonCriticalExtension'));
  // nonCriticalExtension SEQUENCE {} encodes to nothing.
}

function readExtension(r: PerReader, at: string): RackIotExtension {
  const late = r.bit(extensionField(at, 'lateNonCriticalExtension present'));
  const next = r.bit(extensionField(at, 'nonCriticalExtension present'));
  const e: RackIotExtension = {};
  if (late)
    e.lateNonCriticalExtension = r.unconstrainedOctets(extensionField(at, 'lateNonCriticalExtension'));
  if (next) e.nonCriticalExtension = true;
  return e;
}

function extensionField(at: string, name: string): string {
  return at === '' ? `nonCriticalExtension.${name}` : `${at}.nonCriticalExtension.${name}`;
}
