/**
 * The TS 26.346 header profile (clauses 7.2.7, 7.2.8, L.4.7) and the RFC 3926 rules it builds on, as a list of
 * violations. Errors are broken "shall"s (a strict receiver drops the packet); warnings are "should"s and things
 * a receiver is told to ignore, kept so a test can count them.
 */
import {
  type AlcPacket,
  HET,
  type ProfileRule,
  type ProfileViolation,
  type RawExtension,
  type ViolationSite,
} from './types.ts';
import { wireWidths } from './widths.ts';

const TS = 'TS 26.346';

/** FEC Encoding IDs a codepoint may name here: 0 and 1 (TS 26.346 Rel-16), 6 (RaptorQ, a project extension). */
const KNOWN_FEC_IDS = new Set([0, 1, 6]);

/**
 * Every violation, errors and warnings, in a fixed order (the strict decoder reports the first error). A packet
 * without a layout is judged as the encoders would lay it out: the smallest widths that hold its values.
 */
export function checkProfile(p: AlcPacket): ProfileViolation[] {
  const out: ProfileViolation[] = [];
  const add = (
    rule: ProfileRule,
    severity: 'error' | 'warning',
    clause: string,
    site: ViolationSite,
    message: string,
  ) => out.push({ rule, severity, clause, site, message });

  const w = wireWidths(p);
  const ext = p.headerExtensions;
  const carriesSymbols = p.payloadId.length > 0 || p.payload.length > 0;
  const toiPresent = w.toiBytes > 0;
  const isFdtToi = toiPresent && p.toi === 0n;
  const unknownCenc = findUnknown(ext.unknown, HET.cenc);
  const hasCenc = ext.cenc !== undefined || unknownCenc !== undefined;
  const cencSite: ViolationSite = ext.cenc !== undefined ? 'ext-cenc' : `ext-unknown-${unknownCenc ?? 0}`;

  if (!toiPresent && carriesSymbols) {
    add(
      'toi-absent',
      'error',
      'RFC 3926',
      'byte1',
      'TOI field absent (O=0, H=0) in a packet that carries symbols',
    );
  }
  if (w.cciBytes !== 4) {
    add(
      'cci-length-not-profile',
      'error',
      `${TS} §7.2.7`,
      'byte0',
      `CCI is ${w.cciBytes * 8} bits; the profile has 32 (C=0)`,
    );
  }
  if (p.congestionControl !== 0n) {
    add(
      'cci-not-zero',
      'error',
      `${TS} §7.2.7`,
      'cci',
      `CCI is ${p.congestionControl}; the profile assigns 0`,
    );
  }
  if (w.tsiBytes !== 2) {
    add(
      'tsi-length-not-profile',
      'error',
      `${TS} §7.2.7`,
      'byte1',
      `TSI is ${w.tsiBytes * 8} bits (S=${w.tsiBytes >> 2}, H=${(w.tsiBytes >> 1) & 1}); the profile requires 16 (S=0, H=1)`,
    );
  }
  if (w.toiBytes !== 2 && toiPresent) {
    add(
      'toi-length-not-profile',
      'warning',
      `${TS} §7.2.7`,
      'byte1',
      `TOI is ${w.toiBytes * 8} bits; the profile says it should be 16`,
    );
  }
  if (p.timeFields?.senderCurrentTime !== undefined || p.timeFields?.expectedResidualTime !== undefined) {
    add(
      'time-fields-present',
      'error',
      `${TS} §7.2.7`,
      'byte1',
      'T or R flag set (SCT/ERT header fields); FLUTE in MBMS sets both to 0',
    );
  }
  if (isFdtToi && carriesSymbols && !ext.fdt) {
    add('toi-zero-without-fdt', 'error', `${TS} §7.2.7, §7.2.8`, 'toi', 'TOI 0 (FDT) without EXT_FDT');
  }
  if (ext.fdt && !isFdtToi) {
    add(
      'fdt-ext-on-file',
      'error',
      `${TS} §7.2.8`,
      'ext-fdt',
      `EXT_FDT on a file packet (TOI ${toiPresent ? p.toi : 'absent'})`,
    );
  }
  if (ext.fdt && ext.fdt.version !== 1) {
    add(
      'flute-version-not-1',
      'error',
      `${TS} §7.2.8 (RFC 3926 §3.4.1)`,
      'ext-fdt',
      `EXT_FDT FLUTE version ${ext.fdt.version}; TS 26.346 uses FLUTE v1 (RFC 3926)`,
    );
  }
  if (isFdtToi && carriesSymbols && !ext.fti) {
    add('fti-missing-on-fdt', 'error', `${TS} §7.2.8`, 'toi', 'FDT packet (TOI 0) without EXT_FTI');
  }
  if (ext.fti && !isFdtToi) {
    add(
      'fti-on-file',
      'error',
      `${TS} §7.2.8`,
      'ext-fti',
      'EXT_FTI on a file packet; its OTI belongs in the FDT',
    );
  }
  if (hasCenc && isFdtToi) {
    add(
      'cenc-on-fdt',
      'error',
      `${TS} §7.2.8`,
      cencSite,
      'EXT_CENC on an FDT packet; FDT Instances are not content encoded',
    );
  }
  if (hasCenc && !isFdtToi) {
    add(
      'cenc-on-file',
      'warning',
      'RFC 3926 §3.4.3',
      cencSite,
      'EXT_CENC on a file packet (it describes FDT Instances only)',
    );
  }
  if (carriesSymbols && p.payloadId.length !== 4) {
    add(
      'payload-id-length-not-profile',
      'error',
      `${TS} §7.2.7`,
      'payload-id',
      `FEC Payload ID of ${p.payloadId.length} bytes; FEC IDs 0 and 1 use 4 (16-bit SBN, 16-bit ESI)`,
    );
  }
  const t = ext.time;
  if (
    t &&
    (t.ert === undefined || t.sctHigh !== undefined || t.sctLow !== undefined || t.slc !== undefined)
  ) {
    add(
      'ext-time-not-ert-only',
      'warning',
      `${TS} §7.2.7, L.4.7`,
      'ext-time',
      'EXT_TIME carries more or less than the ERT alone',
    );
  }
  ext.unknown.forEach((raw, i) => {
    if (raw.het === HET.time || raw.het === HET.cenc) {
      const name = raw.het === HET.time ? 'EXT_TIME' : 'EXT_CENC';
      add(
        'ext-malformed',
        'warning',
        'RFC 5651 §5.2.2, RFC 3926 §3.4.3',
        `ext-unknown-${i}`,
        `${name} body malformed; ignored`,
      );
    } else if (raw.het !== HET.nop) {
      add(
        'unknown-extension',
        'warning',
        `${TS} §7.2.8`,
        `ext-unknown-${i}`,
        `unrecognised extension HET ${raw.het}; ignored`,
      );
    }
  });
  const reserved = p.layout?.reservedBits ?? 0;
  if (reserved !== 0) {
    add(
      'reserved-bits-set',
      'warning',
      'RFC 3451 §5.1',
      'byte0',
      `reserved bits after C are ${reserved}; senders set 0, receivers ignore`,
    );
  }
  if (!KNOWN_FEC_IDS.has(p.codepoint)) {
    add(
      'codepoint-not-fec-id',
      'warning',
      `${TS} §7.2.2 (codepoint carries the FEC Encoding ID by convention)`,
      'codepoint',
      `codepoint ${p.codepoint} names no FEC scheme known here (0, 1, 6)`,
    );
  }
  return out;
}

function findUnknown(list: readonly RawExtension[], het: number): number | undefined {
  const i = list.findIndex((raw) => raw.het === het);
  return i < 0 ? undefined : i;
}
