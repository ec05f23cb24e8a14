import { MeterError } from '../meter.ts';
import { PPK2_VDD_MAX_MV, PPK2_VDD_MIN_MV, type Ppk2PowerMode } from './protocol.ts';

/** One value per measurement range 0..4. */
export type PerRange = [number, number, number, number, number];

/**
 * Calibration of the five ranges, as the PPK2 reports it: shunt resistances R (Ω), quadratic and
 * linear gain GS/GI, ADC offset O (counts ×4), supply slope S (A/V), current offset I (A, metadata
 * key `I<r>`) and user gain UG. See convert.ts for the formula.
 */
export interface Ppk2Calibration {
  r: PerRange;
  gs: PerRange;
  gi: PerRange;
  o: PerRange;
  s: PerRange;
  i: PerRange;
  ug: PerRange;
}

export type CalibrationKey = keyof Ppk2Calibration;

const CALIBRATION_KEYS: readonly CalibrationKey[] = ['r', 'gs', 'gi', 'o', 's', 'i', 'ug'];

/** The Nordic app's defaults for values the metadata lacks (serialDevice.ts). */
export function defaultCalibration(): Ppk2Calibration {
  return {
    r: [1031.64, 101.65, 10.15, 0.94, 0.043],
    gs: [1, 1, 1, 1, 1],
    gi: [1, 1, 1, 1, 1],
    o: [0, 0, 0, 0, 0],
    s: [0, 0, 0, 0, 0],
    i: [0, 0, 0, 0, 0],
    ug: [1, 1, 1, 1, 1],
  };
}

/** What the PPK2 says about itself in reply to GetMetadata. */
export interface Ppk2Metadata {
  /** `Calibrated:` (0/1), when present. */
  calibrated?: boolean;
  calibration: Ppk2Calibration;
  /** `VDD:` the regulator setting stored in the PPK2, mV (only when within 800..5000). */
  vddMv?: number;
  /** `HW:` hardware identification number. */
  hw?: number;
  /** `mode:` 1 = ampere meter, 2 = source meter. */
  mode?: Ppk2PowerMode;
  /** `IA:` as sent (its meaning is not documented). */
  ia?: number;
  /** Every `KEY: value` line as sent, keys as written. */
  fields: Record<string, string>;
  /** Values that were replaced by defaults or ignored, one sentence each. */
  warnings: string[];
}

const LINE = /^([A-Za-z][A-Za-z0-9_]*)[ \t]*:[ \t]*(.*?)[ \t]*$/;
const PER_RANGE_KEY = /^(r|gs|gi|o|s|i|ug)([0-4])$/;
const SCALAR_KEYS = ['calibrated', 'vdd', 'hw', 'mode', 'ia'];
const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
// printf's spellings of non-numbers (the PPK2 firmware prints an unset float as "-nan").
const NOT_A_NUMBER = /^[-+]?(?:nan|inf|infinity)$/i;

const END_LINE = /(?:^|\n)END[ \t]*(?:\r?\n|$)/;

/**
 * Where the metadata text ends: the index just past its `END` line, or -1 while it has not arrived.
 * `END` as the last bytes without a newline also counts (a chunk may end there; what follows is
 * not metadata anyway).
 */
export function findMetadataEnd(text: string): number {
  const match = END_LINE.exec(text);
  return match ? match.index + match[0].length : -1;
}

/**
 * The metadata text out of bytes received after GetMetadata. Sample words still in flight from a
 * stream that was running can precede it: everything up to the last byte that cannot be text is
 * dropped, and a partial line after it too.
 */
export function extractMetadataText(bytes: Uint8Array): { text: string; skippedBytes: number } | undefined {
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const end = findMetadataEnd(raw);
  if (end < 0) return undefined;
  let start = 0;
  for (let k = end - 1; k >= 0; k--) {
    const code = raw.charCodeAt(k);
    const isText = code === 0x0a || code === 0x0d || code === 0x09 || (code >= 0x20 && code < 0x7f);
    if (!isText) {
      const newline = raw.indexOf('\n', k);
      start = newline < 0 ? end : newline + 1;
      break;
    }
  }
  return { text: raw.slice(start, end), skippedBytes: start };
}

/**
 * Parses the metadata text (`KEY: value` lines ending in `END`). Tolerates any key order, CRLF or
 * LF, upper/lower case keys, `-nan`/`nan` values and missing keys (defaults, with a warning), zero
 * resistances (defaults, with a warning: some PPK2s were shipped with them) and unknown keys (kept
 * in `fields`). Throws MeterError when the text is not PPK2 metadata (another device answering),
 * naming the offending line.
 *
 * Zero is a real value for GS, O, S and I (the example PPK2 reports GS0 = 0), so only R, GI and UG
 * fall back to defaults when zero; the Nordic app falls back for every zero, which for GS0 changes
 * range 0 by under 0.2 µA.
 */
export function parsePpk2Metadata(text: string, meter = 'ppk2'): Ppk2Metadata {
  const fail = (problem: string): never => {
    throw new MeterError(meter, `metadata reply is not PPK2 metadata: ${problem}; text: ${preview(text)}`);
  };

  const end = findMetadataEnd(text);
  if (end < 0) fail('no END line');
  const body = text.slice(0, end).replace(END_LINE, '\n');

  const calibration = defaultCalibration();
  const seen = new Set<string>();
  const fields: Record<string, string> = {};
  const warnings: string[] = [];
  const metadata: Ppk2Metadata = { calibration, fields, warnings };

  for (const rawLine of body.split('\n')) {
    const line = rawLine.replace(/\r$/, '').trim();
    if (line === '') continue;
    const match = LINE.exec(line);
    if (!match) return fail(`line ${JSON.stringify(line)} is not "KEY: value"`);
    const [, key, value] = match as unknown as [string, string, string];
    fields[key] = value;
    const lower = key.toLowerCase();
    if (seen.has(lower)) warnings.push(`${key} appears twice; the last value (${value}) is used`);
    seen.add(lower);

    const perRange = PER_RANGE_KEY.exec(lower);
    if (!perRange && !SCALAR_KEYS.includes(lower)) {
      // Later firmware may add keys, with any kind of value.
      warnings.push(`unknown key ${key} (value ${value}) ignored`);
      continue;
    }
    const number = parseValue(key, value, fail);
    if (perRange) {
      const name = perRange[1] as CalibrationKey;
      const range = Number(perRange[2]);
      const fallback = defaultCalibration()[name][range]!;
      if (number === undefined) {
        warnings.push(`${key} is ${value}; the default ${fallback} is used`);
        calibration[name][range] = fallback;
      } else if (number === 0 && (name === 'r' || name === 'gi' || name === 'ug')) {
        warnings.push(`${key} is 0, which cannot be right; the default ${fallback} is used`);
        calibration[name][range] = fallback;
      } else {
        calibration[name][range] = number;
      }
      continue;
    }
    switch (lower) {
      case 'calibrated':
        if (number !== undefined) metadata.calibrated = number !== 0;
        break;
      case 'vdd':
        if (number !== undefined && number >= PPK2_VDD_MIN_MV && number <= PPK2_VDD_MAX_MV) {
          metadata.vddMv = Math.round(number);
        } else {
          warnings.push(`VDD is ${value}, outside ${PPK2_VDD_MIN_MV}..${PPK2_VDD_MAX_MV} mV; ignored`);
        }
        break;
      case 'hw':
        if (number !== undefined) metadata.hw = number;
        break;
      case 'ia':
        if (number !== undefined) metadata.ia = number;
        break;
      default: // mode
        if (number === 1) metadata.mode = 'ampere';
        else if (number === 2) metadata.mode = 'source';
        else warnings.push(`mode is ${value}, neither 1 (ampere) nor 2 (source); ignored`);
    }
  }

  const knownSeen = [...seen].filter((k) => PER_RANGE_KEY.test(k) || SCALAR_KEYS.includes(k));
  if (knownSeen.length === 0) fail('none of the PPK2 keys (R0..R4, GS0.., VDD, HW, mode…) present');

  const missing: string[] = [];
  for (const name of CALIBRATION_KEYS) {
    for (let range = 0; range < 5; range++) {
      if (!seen.has(`${name}${range}`)) missing.push(`${name.toUpperCase()}${range}`);
    }
  }
  if (missing.length > 0) warnings.push(`missing ${missing.join(', ')}; defaults used`);
  return metadata;
}

/** A number, undefined for nan/inf spellings; garbage fails. */
function parseValue(key: string, value: string, fail: (problem: string) => never): number | undefined {
  if (value === '' || NOT_A_NUMBER.test(value) || value.toLowerCase() === 'null') return undefined;
  if (!NUMBER.test(value)) return fail(`${key} has the value ${JSON.stringify(value)}, not a number`);
  return Number(value);
}

function preview(text: string): string {
  const cut = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return JSON.stringify(cut);
}
