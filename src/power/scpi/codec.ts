/**
 * Controller-side SCPI reply codecs: IEEE 488.2 definite-length blocks, ASCII number lists,
 * error-queue entries, *IDN? fields, and number formatting for commands. Pure functions, tested on
 * canned replies; the emulated instrument (firmware-stubs/scpi) has its own formatters.
 */
import type { ScpiErrorEntry } from './errors.ts';

/** SCPI's "not a number / overload" value (SCPI-99 §7.2.1.5: 9.91E+37); instruments report overrange with it. */
export const SCPI_NAN = 9.91e37;

/** Where the data of a `#<n><len><data>` block starts and how long it is; undefined if not a block header. */
export interface BlockHeader {
  /** Bytes before the data (`#`, the digit count, the length digits). */
  headerLength: number;
  /** Declared data length; undefined for an indefinite block (`#0…` ended by the newline). */
  dataLength: number | undefined;
}

/** Reads the header of an IEEE 488.2 arbitrary block. Returns a reason string when it is not one. */
export function parseBlockHeader(text: string): BlockHeader | string {
  if (!text.startsWith('#')) return 'expected a definite-length block #<n><len><data>';
  const digits = text.charCodeAt(1) - 48;
  if (!(digits >= 0 && digits <= 9)) return 'block header: no digit count after #';
  if (digits === 0) return { headerLength: 2, dataLength: undefined };
  const lengthText = text.slice(2, 2 + digits);
  if (lengthText.length < digits || !/^\d+$/.test(lengthText)) {
    return `block header: ${digits} length digits expected`;
  }
  return { headerLength: 2 + digits, dataLength: Number(lengthText) };
}

export type ByteOrder = 'big' | 'little';

/** IEEE-754 float32 values of a block (FORM REAL; FORM:BORD NORM = big-endian, SWAP = little). */
export function decodeFloat32Block(data: Buffer, order: ByteOrder): Float64Array {
  if (data.length % 4 !== 0)
    throw new RangeError(`block of ${data.length} bytes is not whole float32 values`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new Float64Array(data.length / 4);
  const little = order === 'little';
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, little);
  return out;
}

/** SCPI <NRf>: NR1 (`12`), NR2 (`1.5`), NR3 (`+1.23E-03`). Anything else is not a number. */
const NRF = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parseScpiNumber(text: string): number | undefined {
  const t = text.trim();
  return NRF.test(t) ? Number(t) : undefined;
}

/** A comma-separated ASCII list of numbers (FORM ASC arrays, TRAC:DATA?). An empty reply is an empty list. */
export function parseNumberList(text: string): number[] | string {
  const t = text.trim();
  if (t === '') return [];
  const parts = t.split(',');
  const out = new Array<number>(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const n = parseScpiNumber(parts[i]!);
    if (n === undefined) return `item ${i + 1} is not a number: ${JSON.stringify(parts[i]!.slice(0, 40))}`;
    out[i] = n;
  }
  return out;
}

/** Amperes as the instrument reports them → µA, with the overload code turned into NaN. */
export function ampsToMicroAmps(amps: ArrayLike<number>): Float64Array {
  const out = new Float64Array(amps.length);
  for (let i = 0; i < amps.length; i++) {
    const a = amps[i]!;
    out[i] = Math.abs(a) >= SCPI_NAN * 0.999 || Number.isNaN(a) ? Number.NaN : a * 1e6;
  }
  return out;
}

/** `-113,"Undefined header"` or `+0,"No error"`. Some instruments append detail after `;` inside the quotes. */
export function parseErrorEntry(text: string): ScpiErrorEntry | undefined {
  const m = /^\s*([+-]?\d+)\s*,\s*"(.*)"\s*$/.exec(text);
  if (!m) return undefined;
  return { code: Number(m[1]), message: m[2]! };
}

/** The four *IDN? fields (IEEE 488.2 §10.14). */
export interface ScpiIdentity {
  manufacturer: string;
  model: string;
  serial: string;
  firmware: string;
}

export function parseIdentity(text: string): ScpiIdentity | undefined {
  const fields = text.trim().split(',');
  if (fields.length !== 4) return undefined;
  const [manufacturer, model, serial, firmware] = fields.map((f) => f.trim()) as [
    string,
    string,
    string,
    string,
  ];
  if (manufacturer === '' || model === '') return undefined;
  return { manufacturer, model, serial, firmware };
}

/** A number for a command: short, no float noise (3.8, not 3.8000000000000003), no exponent surprises. */
export function formatScpiNumber(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`cannot send ${x} to an instrument`);
  return String(Number(x.toPrecision(9)));
}

/** `(@1)`: a channel list with one channel. */
export function channelList(channel: number): string {
  return `(@${channel})`;
}
