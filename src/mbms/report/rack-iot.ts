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
import { BitReader, BitWriter, PerError } from './per-bits.ts';

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
  const w = new BitWriter();
  const enc = new TextEncoder();
  try {
    w.bit(report.locationType !== undefined);
    w.bit(report.extension !== undefined);
    w.bit(report.clientId !== undefined);
    w.octetString(enc.encode(report.deviceId), 1, 255);
    if (report.clientId !== undefined) w.octetString(enc.encode(report.clientId), 1, 255);
    w.constrained(report.files.length, 1, 255);
    for (const f of report.files) {
      w.bit(f.extension !== undefined);
      enumerated(w, f.status, 3);
      w.bit(f.contentMd5 !== undefined);
      w.bit(f.fileEtag !== undefined);
      w.octetString(enc.encode(f.fileURI), 1, 255);
      if (f.contentMd5 !== undefined) {
        const md5 = Buffer.from(f.contentMd5, 'base64');
        if (md5.length !== 16)
          throw new RackIotError(`contentMD5 of ${f.fileURI} is ${md5.length} bytes, not 16`);
        w.octets(md5);
      }
      if (f.fileEtag !== undefined) w.octetString(enc.encode(f.fileEtag), 1, 255);
      if (f.extension) extension(w, f.extension);
    }
    if (report.locationType !== undefined) {
      const known = LOCATION_TYPES.indexOf(report.locationType as LocationType);
      enumerated(w, known >= 0 ? known : (report.locationType as number), 3);
    }
    if (report.extension) extension(w, report.extension);
  } catch (error) {
    if (error instanceof PerError) throw new RackIotError(`RAck-IoT encode: ${error.message}`);
    throw error;
  }
  return w.finish();
}

export type RackIotResult = { ok: true; value: RackIotReport } | { ok: false; error: RackIotError };

export function decodeRackIot(bytes: Uint8Array): RackIotResult {
  const r = new BitReader(bytes);
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // keep a BOM: the octets are an identifier
  const str = (b: Uint8Array, what: string) => {
    try {
      return utf8.decode(b);
    } catch {
      throw new PerError(`${what} is not UTF-8`);
    }
  };
  try {
    const hasLocation = r.bit();
    const hasExtension = r.bit();
    const hasClient = r.bit();
    const report: RackIotReport = { deviceId: str(r.octetString(1, 255), 'deviceId'), files: [] };
    if (hasClient) report.clientId = str(r.octetString(1, 255), 'clientId');
    const count = r.constrained(1, 255);
    for (let i = 0; i < count; i++) {
      const fileExtension = r.bit();
      const status = readEnumerated(r, 3);
      const hasMd5 = r.bit();
      const hasEtag = r.bit();
      const f: RackIotFile = { status, fileURI: str(r.octetString(1, 255), 'fileURI') };
      if (hasMd5) f.contentMd5 = Buffer.from(r.octets(16)).toString('base64');
      if (hasEtag) f.fileEtag = str(r.octetString(1, 255), 'fileEtag');
      if (fileExtension) f.extension = readExtension(r);
      report.files.push(f);
    }
    if (hasLocation) {
      const v = readEnumerated(r, 3);
      report.locationType = v < 3 ? LOCATION_TYPES[v]! : v;
    }
    if (hasExtension) report.extension = readExtension(r);
    r.expectEnd();
    return { ok: true, value: report };
  } catch (error) {
    if (error instanceof PerError) {
      return { ok: false, error: new RackIotError(`RAck-IoT (${bytes.length} bytes): ${error.message}`) };
    }
    throw error;
  }
}

/** ENUMERATED with an extension marker: a bit, then the root index or a normally-small extension index. */
function enumerated(w: BitWriter, value: number, rootCount: number): void {
  if (value < rootCount) {
    w.bit(false);
    w.constrained(value, 0, rootCount - 1);
  } else {
    w.bit(true);
    w.normallySmall(value - rootCount);
  }
}

function readEnumerated(r: BitReader, rootCount: number): number {
  return r.bit() ? rootCount + r.normallySmall() : r.constrained(0, rootCount - 1);
}

function extension(w: BitWriter, e: RackIotExtension): void {
  w.bit(e.lateNonCriticalExtension !== undefined);
  w.bit(e.nonCriticalExtension === true);
  if (e.lateNonCriticalExtension) w.unconstrainedOctets(e.lateNonCriticalExtension);
  // nonCriticalExtension SEQUENCE {} encodes to nothing.
}

function readExtension(r: BitReader): RackIotExtension {
  const late = r.bit();
  const next = r.bit();
  const e: RackIotExtension = {};
  if (late) e.lateNonCriticalExtension = r.unconstrainedOctets();
  if (next) e.nonCriticalExtension = true;
  return e;
}
