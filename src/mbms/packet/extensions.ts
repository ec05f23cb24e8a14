/**
 * LCT header extensions (RFC 3451 §5.2): HET ≤ 127 is followed by HEL, the whole extension's length in 32-bit
 * words; HET ≥ 128 is one fixed 32-bit word. This file reads one extension's body into its typed form and
 * writes the typed forms back.
 */
import {
  type ExtensionSlot,
  type ExtFdt,
  type ExtTime,
  HET,
  type HeaderExtensions,
  MAX_FDT_INSTANCE_ID,
  PacketEncodeError,
  type RawExtension,
} from './types.ts';

export type InterpretedExtension =
  | { slot: 'fdt'; fdt: ExtFdt }
  | { slot: 'fti'; fti: Uint8Array }
  | { slot: 'cenc'; cenc: number }
  | { slot: 'time'; time: ExtTime }
  | { slot: 'unknown'; raw: RawExtension };

const USE_SCT_HIGH = 0x8000;
const USE_SCT_LOW = 0x4000;
const USE_ERT = 0x2000;
const USE_SLC = 0x1000;
const USE_RESERVED = 0x0f00;

/** body: the bytes after HET (and HEL). Always succeeds: what cannot be typed stays raw. */
export function interpretExtension(het: number, body: Uint8Array): InterpretedExtension {
  if (het === HET.fdt) {
    const b0 = body[0] ?? 0;
    const instanceId = ((b0 & 0x0f) << 16) | ((body[1] ?? 0) << 8) | (body[2] ?? 0);
    return { slot: 'fdt', fdt: { version: b0 >> 4, instanceId } };
  }
  if (het === HET.fti) return { slot: 'fti', fti: body };
  // Reserved bits that are not zero would be lost in the typed form, so such an extension stays raw.
  if (het === HET.cenc && body[1] === 0 && body[2] === 0) return { slot: 'cenc', cenc: body[0] ?? 0 };
  if (het === HET.time) {
    const time = readExtTime(body);
    if (time) return { slot: 'time', time };
  }
  return { slot: 'unknown', raw: { het, body } };
}

function readExtTime(body: Uint8Array): ExtTime | undefined {
  if (body.length < 2) return undefined;
  const use = ((body[0] ?? 0) << 8) | (body[1] ?? 0);
  if (use & USE_RESERVED) return undefined;
  if (use & USE_SCT_LOW && !(use & USE_SCT_HIGH)) return undefined;
  const flags = [USE_SCT_HIGH, USE_SCT_LOW, USE_ERT, USE_SLC].filter((f) => use & f);
  if (body.length !== 2 + 4 * flags.length) return undefined;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const time: ExtTime = { piSpecific: use & 0xff };
  let at = 2;
  for (const flag of flags) {
    const value = view.getUint32(at);
    at += 4;
    if (flag === USE_SCT_HIGH) time.sctHigh = value;
    else if (flag === USE_SCT_LOW) time.sctLow = value;
    else if (flag === USE_ERT) time.ert = value;
    else time.slc = value;
  }
  return time;
}

/** The extension slots a packet fills, in the order they go on the wire. */
export function extensionOrder(ext: HeaderExtensions, preferred?: readonly ExtensionSlot[]): ExtensionSlot[] {
  const canonical: ExtensionSlot[] = [];
  if (ext.fdt) canonical.push('fdt');
  if (ext.fti) canonical.push('fti');
  if (ext.cenc !== undefined) canonical.push('cenc');
  if (ext.time) canonical.push('time');
  for (let i = 0; i < ext.unknown.length; i++) canonical.push('unknown');
  // A decoded packet remembers its order; it is used only while it still names exactly the slots present.
  if (preferred && sameSlots(preferred, canonical)) return [...preferred];
  return canonical;
}

function sameSlots(a: readonly ExtensionSlot[], b: readonly ExtensionSlot[]): boolean {
  if (a.length !== b.length) return false;
  const count = (list: readonly ExtensionSlot[], s: ExtensionSlot) => list.filter((x) => x === s).length;
  return (['fdt', 'fti', 'cenc', 'time', 'unknown'] as const).every((s) => count(a, s) === count(b, s));
}

/** The wire bytes of every extension, in order. Throws PacketEncodeError for values that do not fit. */
export function encodeExtensions(ext: HeaderExtensions, order: readonly ExtensionSlot[]): Uint8Array[] {
  checkNoDuplicates(ext);
  const out: Uint8Array[] = [];
  let unknownIndex = 0;
  for (const slot of order) {
    if (slot === 'fdt' && ext.fdt) out.push(encodeFdt(ext.fdt));
    else if (slot === 'fti' && ext.fti) out.push(variable(HET.fti, ext.fti, 'EXT_FTI'));
    else if (slot === 'cenc' && ext.cenc !== undefined) out.push(encodeCenc(ext.cenc));
    else if (slot === 'time' && ext.time) out.push(encodeTime(ext.time));
    else if (slot === 'unknown') {
      const raw = ext.unknown[unknownIndex++];
      if (raw) out.push(encodeRaw(raw));
    }
  }
  return out;
}

function checkNoDuplicates(ext: HeaderExtensions): void {
  // A receiver refuses a packet with two of the same interpreted extension, so the encoder never writes one.
  const typed = new Map<number, number>([
    [HET.fdt, ext.fdt ? 1 : 0],
    [HET.fti, ext.fti ? 1 : 0],
    [HET.cenc, ext.cenc !== undefined ? 1 : 0],
    [HET.time, ext.time ? 1 : 0],
  ]);
  for (const raw of ext.unknown) {
    const seen = typed.get(raw.het);
    if (seen === undefined) continue;
    if (seen > 0) throw new PacketEncodeError(`LCT encode: two header extensions with HET ${raw.het}`);
    typed.set(raw.het, 1);
  }
}

function encodeFdt(fdt: ExtFdt): Uint8Array {
  if (!isUint(fdt.version, 0x0f))
    throw new PacketEncodeError(`LCT encode: EXT_FDT version ${fdt.version} is not 4 bits`);
  if (!isUint(fdt.instanceId, MAX_FDT_INSTANCE_ID)) {
    throw new PacketEncodeError(`LCT encode: FDT Instance ID ${fdt.instanceId} is not 20 bits`);
  }
  const id = fdt.instanceId;
  return Uint8Array.of(HET.fdt, (fdt.version << 4) | (id >> 16), (id >> 8) & 0xff, id & 0xff);
}

function encodeCenc(cenc: number): Uint8Array {
  if (!isUint(cenc, 0xff)) throw new PacketEncodeError(`LCT encode: EXT_CENC value ${cenc} is not 8 bits`);
  return Uint8Array.of(HET.cenc, cenc, 0, 0);
}

function encodeTime(time: ExtTime): Uint8Array {
  if (time.sctLow !== undefined && time.sctHigh === undefined) {
    throw new PacketEncodeError('LCT encode: EXT_TIME has SCT-Low without SCT-High (RFC 5651 §5.2.2)');
  }
  if (!isUint(time.piSpecific, 0xff)) {
    throw new PacketEncodeError(`LCT encode: EXT_TIME PI-specific bits ${time.piSpecific} are not 8 bits`);
  }
  const fields: [number, number | undefined][] = [
    [USE_SCT_HIGH, time.sctHigh],
    [USE_SCT_LOW, time.sctLow],
    [USE_ERT, time.ert],
    [USE_SLC, time.slc],
  ];
  const present = fields.filter((f): f is [number, number] => f[1] !== undefined);
  const body = new Uint8Array(2 + 4 * present.length);
  const view = new DataView(body.buffer);
  view.setUint16(
    0,
    present.reduce((use, [flag]) => use | flag, time.piSpecific),
  );
  present.forEach(([, value], i) => {
    if (!isUint(value, 0xffffffff))
      throw new PacketEncodeError(`LCT encode: EXT_TIME value ${value} is not 32 bits`);
    view.setUint32(2 + 4 * i, value);
  });
  return variable(HET.time, body, 'EXT_TIME');
}

function encodeRaw(raw: RawExtension): Uint8Array {
  if (!isUint(raw.het, 0xff)) throw new PacketEncodeError(`LCT encode: HET ${raw.het} is not 8 bits`);
  if (raw.het <= 127) return variable(raw.het, raw.body, `extension HET ${raw.het}`);
  if (raw.body.length !== 3) {
    throw new PacketEncodeError(
      `LCT encode: fixed-length extension HET ${raw.het} needs a 3-byte body, got ${raw.body.length}`,
    );
  }
  return Uint8Array.of(raw.het, ...raw.body);
}

/** HET, HEL and body; HEL counts the whole extension in 32-bit words. */
function variable(het: number, body: Uint8Array, name: string): Uint8Array {
  const total = body.length + 2;
  if (total % 4 !== 0 || total / 4 > 255) {
    throw new PacketEncodeError(
      `LCT encode: ${name} body of ${body.length} bytes does not make whole 32-bit words up to 255 (body ≡ 2 mod 4)`,
    );
  }
  const out = new Uint8Array(total);
  out[0] = het;
  out[1] = total / 4;
  out.set(body, 2);
  return out;
}

export function isUint(value: number, max: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= max;
}
