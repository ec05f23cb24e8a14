/**
 * Writing ALC/LCT packets. Word 0 (RFC 3451 §5.1):
 *   V(4) C(2) r(2) | S(1) O(2) H(1) T(1) R(1) A(1) B(1) | HDR_LEN(8) | CP(8)
 * then CCI, TSI, TOI, SCT (T=1), ERT (R=1), header extensions, and after HDR_LEN words the FEC Payload ID and
 * the encoding symbols (RFC 3450).
 */
import { writeUintBE } from './bytes.ts';
import { encodeExtensions, extensionOrder, isUint } from './extensions.ts';
import { checkProfile } from './profile.ts';
import { type AlcPacket, PacketEncodeError, type PacketProfile } from './types.ts';
import { checkRanges, checkWidths, type FieldWidths, MBMS_WIDTHS, wireWidths } from './widths.ts';

/** Largest LCT header: HDR_LEN is 8 bits of 32-bit words. */
const MAX_HEADER_BYTES = 255 * 4;

/**
 * 'mbms' writes the TS 26.346 layout and throws PacketEncodeError for anything a strict receiver would refuse
 * (so whatever it writes decodes under the profile). 'generic' writes any RFC 3451 layout: the packet's own
 * layout if it has one (a decoded packet comes back byte for byte), else the smallest widths that fit.
 */
export function encodePacket(p: AlcPacket, profile: PacketProfile = 'mbms'): Uint8Array {
  checkValues(p);
  let widths: FieldWidths;
  let reservedBits: number;
  if (profile === 'mbms') {
    if (p.tsi > 0xffff)
      throw new PacketEncodeError(`LCT encode (TS 26.346): TSI ${p.tsi} does not fit 16 bits`);
    if (p.toi > 0xffffn)
      throw new PacketEncodeError(`LCT encode (TS 26.346): TOI ${p.toi} does not fit 16 bits`);
    widths = MBMS_WIDTHS;
    reservedBits = 0;
    const asSent: AlcPacket = { ...p, layout: { ...widths, reservedBits, extensionOrder: [] } };
    const errors = checkProfile(asSent).filter((v) => v.severity === 'error');
    if (errors.length > 0) {
      throw new PacketEncodeError(
        `LCT encode (TS 26.346): ${errors.map((v) => `${v.message} [${v.clause}]`).join('; ')}`,
      );
    }
  } else {
    widths = wireWidths(p);
    reservedBits = p.layout?.reservedBits ?? 0;
  }
  checkWidths(p, widths);
  return write(p, widths, reservedBits);
}

function write(p: AlcPacket, w: FieldWidths, reservedBits: number): Uint8Array {
  const sct = p.timeFields?.senderCurrentTime;
  const ert = p.timeFields?.expectedResidualTime;
  const extensions = encodeExtensions(
    p.headerExtensions,
    extensionOrder(p.headerExtensions, p.layout?.extensionOrder),
  );
  const fixed =
    4 + w.cciBytes + w.tsiBytes + w.toiBytes + (sct !== undefined ? 4 : 0) + (ert !== undefined ? 4 : 0);
  const headerBytes = extensions.reduce((n, e) => n + e.length, fixed);
  if (headerBytes > MAX_HEADER_BYTES) {
    throw new PacketEncodeError(
      `LCT encode: header of ${headerBytes} bytes exceeds HDR_LEN's ${MAX_HEADER_BYTES}`,
    );
  }
  const out = new Uint8Array(headerBytes + p.payloadId.length + p.payload.length);
  const s = w.tsiBytes >> 2;
  const h = (w.tsiBytes >> 1) & 1;
  const o = w.toiBytes >> 2;
  out[0] = (1 << 4) | ((w.cciBytes / 4 - 1) << 2) | reservedBits;
  out[1] =
    (s << 7) |
    (o << 5) |
    (h << 4) |
    (sct !== undefined ? 0x08 : 0) |
    (ert !== undefined ? 0x04 : 0) |
    (p.flags.closeSession ? 0x02 : 0) |
    (p.flags.closeObject ? 0x01 : 0);
  out[2] = headerBytes / 4;
  out[3] = p.codepoint;
  let at = 4;
  writeUintBE(out, at, w.cciBytes, p.congestionControl);
  at += w.cciBytes;
  writeUintBE(out, at, w.tsiBytes, BigInt(p.tsi));
  at += w.tsiBytes;
  writeUintBE(out, at, w.toiBytes, p.toi);
  at += w.toiBytes;
  for (const value of [sct, ert]) {
    if (value === undefined) continue;
    writeUintBE(out, at, 4, BigInt(value));
    at += 4;
  }
  for (const e of extensions) {
    out.set(e, at);
    at += e.length;
  }
  out.set(p.payloadId, at);
  out.set(p.payload, at + p.payloadId.length);
  return out;
}

function checkValues(p: AlcPacket): void {
  const fail = (what: string): never => {
    throw new PacketEncodeError(`LCT encode: ${what}`);
  };
  if (p.version !== 1) fail(`LCT version ${String(p.version)}; only 1 exists`);
  if (!isUint(p.codepoint, 0xff)) fail(`codepoint ${p.codepoint} is not 8 bits`);
  checkRanges(p);
  const reserved = p.layout?.reservedBits ?? 0;
  if (!isUint(reserved, 3)) fail(`reserved bits ${reserved} are not 2 bits`);
  for (const [name, value] of Object.entries(p.timeFields ?? {})) {
    if (value !== undefined && !isUint(value, 0xffffffff)) fail(`${name} ${value} is not 32 bits`);
  }
  // RFC 3450: only a Close Session packet may carry neither FEC Payload ID nor symbols.
  if (p.payloadId.length === 0 && p.payload.length === 0 && !p.flags.closeSession) {
    fail('a packet without FEC Payload ID and payload must have the Close Session flag (A) set');
  }
}
