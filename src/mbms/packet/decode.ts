/**
 * Reading ALC/LCT packets: total over every byte string (never throws, never reads past the input) and bounded
 * (the extension walk stays inside HDR_LEN, at most 255 words). See encode.ts for the layout.
 */
import { hex, readUintBE } from './bytes.ts';
import { type InterpretedExtension, interpretExtension } from './extensions.ts';
import { checkProfile } from './profile.ts';
import {
  type AlcPacket,
  type DecodeOptions,
  type DecodeResult,
  type ExtensionSlot,
  HET,
  type HeaderExtensions,
  type LctTimeFields,
  type PacketProfile,
  type StructuralFailureKind,
  type ViolationSite,
} from './types.ts';

const WHERE = 'ALC/LCT decode';

/** Any byte string gives a result; only options that make no sense (a negative Payload ID length) throw. */
export function decodePacket(bytes: Uint8Array, options: DecodeOptions = {}): DecodeResult {
  const profile = options.profile ?? 'mbms';
  const payloadIdBytes = options.payloadIdBytes ?? 4;
  if (!Number.isInteger(payloadIdBytes) || payloadIdBytes < 0) {
    throw new RangeError(`${WHERE}: payloadIdBytes ${payloadIdBytes} is not a byte count`);
  }
  if (bytes.length < 4) {
    return fail(
      'too-short',
      0,
      `${bytes.length} bytes (${hex(bytes)}); the LCT header's first word alone is 4`,
    );
  }
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  const version = b0 >> 4;
  if (version !== 1)
    return fail(
      'bad-version',
      0,
      `LCT version ${version} (byte 0x${hex(bytes.subarray(0, 1))}); only 1 exists`,
    );
  const c = (b0 >> 2) & 3;
  const reservedBits = b0 & 3;
  const s = b1 >> 7;
  const o = (b1 >> 5) & 3;
  const h = (b1 >> 4) & 1;
  const hasSct = (b1 & 0x08) !== 0;
  const hasErt = (b1 & 0x04) !== 0;
  const headerBytes = bytes[2]! * 4;
  const cciBytes = 4 * (c + 1);
  const tsiBytes = 4 * s + 2 * h;
  const toiBytes = 4 * o + 2 * h;
  const fixed = 4 + cciBytes + tsiBytes + toiBytes + (hasSct ? 4 : 0) + (hasErt ? 4 : 0);
  if (headerBytes < fixed) {
    return fail(
      'hdr-len-mismatch',
      2,
      `HDR_LEN ${bytes[2]} (${headerBytes} bytes) is shorter than the ${fixed} bytes the flags announce ` +
        `(CCI ${cciBytes}, TSI ${tsiBytes}, TOI ${toiBytes}, SCT ${hasSct ? 4 : 0}, ERT ${hasErt ? 4 : 0})`,
    );
  }
  if (bytes.length < headerBytes) {
    return fail(
      'too-short',
      2,
      `HDR_LEN ${bytes[2]} says the header is ${headerBytes} bytes; the packet has ${bytes.length}`,
    );
  }

  const offsets: Offsets = new Map([
    ['byte0', 0],
    ['byte1', 1],
    ['codepoint', 3],
    ['cci', 4],
    ['toi', 4 + cciBytes + tsiBytes],
  ]);
  let at = 4;
  const congestionControl = readUintBE(bytes, at, cciBytes);
  at += cciBytes;
  const tsi = Number(readUintBE(bytes, at, tsiBytes));
  at += tsiBytes;
  const toi = readUintBE(bytes, at, toiBytes);
  at += toiBytes;
  let timeFields: LctTimeFields | undefined;
  if (hasSct || hasErt) {
    timeFields = {};
    if (hasSct) {
      timeFields.senderCurrentTime = Number(readUintBE(bytes, at, 4));
      at += 4;
    }
    if (hasErt) {
      timeFields.expectedResidualTime = Number(readUintBE(bytes, at, 4));
      at += 4;
    }
  }

  const walked = readExtensions(bytes, at, headerBytes, offsets);
  if ('ok' in walked) return walked;
  const { headerExtensions, extensionOrder } = walked;

  const rest = bytes.length - headerBytes;
  const closeSession = (b1 & 0x02) !== 0;
  let payloadId: Uint8Array;
  if (rest === 0 && closeSession) {
    payloadId = bytes.subarray(headerBytes);
  } else if (rest < payloadIdBytes || rest === 0) {
    return fail(
      'payload-id-truncated',
      headerBytes,
      `${rest} bytes after the ${headerBytes}-byte header; the FEC Payload ID is ${payloadIdBytes}` +
        (rest === 0 ? ' (only a Close Session packet may end at the header)' : ''),
    );
  } else {
    payloadId = bytes.subarray(headerBytes, headerBytes + payloadIdBytes);
  }
  offsets.set('payload-id', headerBytes);

  const packet: AlcPacket = {
    version: 1,
    congestionControl,
    tsi,
    toi,
    codepoint: bytes[3]!,
    flags: { closeSession, closeObject: (b1 & 0x01) !== 0 },
    ...(timeFields ? { timeFields } : {}),
    headerExtensions,
    payloadId,
    payload: bytes.subarray(headerBytes + payloadId.length),
    layout: { cciBytes, tsiBytes, toiBytes, reservedBits, extensionOrder },
  };
  return judge(packet, profile, offsets);
}

type Offsets = Map<ViolationSite, number>;

/** The extensions between the fixed fields and HDR_LEN (both whole words, so each starts with 4 bytes left). */
function readExtensions(
  bytes: Uint8Array,
  start: number,
  headerBytes: number,
  offsets: Offsets,
): { headerExtensions: HeaderExtensions; extensionOrder: ExtensionSlot[] } | DecodeResult {
  const headerExtensions: HeaderExtensions = { unknown: [] };
  const extensionOrder: ExtensionSlot[] = [];
  const seenHets = new Map<number, number>();
  for (let at = start; at < headerBytes; ) {
    const het = bytes[at]!;
    let length = 4;
    let body: Uint8Array;
    if (het <= 127) {
      const hel = bytes[at + 1]!;
      length = hel * 4;
      if (hel === 0 || at + length > headerBytes) {
        return fail(
          'bad-extension-length',
          at + 1,
          `extension HET ${het} has HEL ${hel} (${length} bytes); ${headerBytes - at} bytes of header remain`,
        );
      }
      body = bytes.subarray(at + 2, at + length);
    } else {
      body = bytes.subarray(at + 1, at + 4);
    }
    // A malformed EXT_TIME/EXT_CENC kept raw still counts: two of them would leave the meaning ambiguous.
    if (isInterpretedHet(het)) {
      const first = seenHets.get(het);
      if (first !== undefined) {
        return fail(
          'duplicate-extension',
          at,
          `second extension HET ${het} (the first is at byte ${first}); which applies is ambiguous`,
        );
      }
      seenHets.set(het, at);
    }
    const interpreted = interpretExtension(het, body);
    store(headerExtensions, interpreted);
    extensionOrder.push(interpreted.slot);
    offsets.set(siteOf(interpreted, headerExtensions.unknown.length - 1), at);
    at += length;
  }
  return { headerExtensions, extensionOrder };
}

/** Under 'mbms' the first profile error refuses the packet, at the byte offset of the field at fault. */
function judge(packet: AlcPacket, profile: PacketProfile, offsets: Offsets): DecodeResult {
  const violations = checkProfile(packet);
  if (profile === 'generic') return { ok: true, packet, violations };
  const error = violations.find((v) => v.severity === 'error');
  if (!error) return { ok: true, packet, violations: violations.filter((v) => v.severity === 'warning') };
  const offset = offsets.get(error.site) ?? 0;
  const message = `${WHERE}: byte ${offset}: ${error.message} [${error.clause}]`;
  return { ok: false, reason: { kind: error.rule, offset, clause: error.clause, message } };
}

function isInterpretedHet(het: number): boolean {
  return het === HET.fdt || het === HET.fti || het === HET.cenc || het === HET.time;
}

function store(ext: HeaderExtensions, e: InterpretedExtension): void {
  if (e.slot === 'fdt') ext.fdt = e.fdt;
  else if (e.slot === 'fti') ext.fti = e.fti;
  else if (e.slot === 'cenc') ext.cenc = e.cenc;
  else if (e.slot === 'time') ext.time = e.time;
  else ext.unknown.push(e.raw);
}

function siteOf(e: InterpretedExtension, lastUnknown: number): ViolationSite {
  return e.slot === 'unknown' ? `ext-unknown-${lastUnknown}` : `ext-${e.slot}`;
}

function fail(kind: StructuralFailureKind, offset: number, what: string): DecodeResult {
  return { ok: false, reason: { kind, offset, message: `${WHERE}: byte ${offset}: ${what}` } };
}
