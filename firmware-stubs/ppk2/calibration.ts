/**
 * The PPK2's calibration as its EEPROM holds it and as it prints it in answer to GetMetadata (0x19), and
 * the values a correct host ends up converting with. Facts from /work/shared/reference/power.md §1.4.
 */

export type RangeIndex = 0 | 1 | 2 | 3 | 4;
export const RANGES: readonly RangeIndex[] = [0, 1, 2, 3, 4];

/** One value per measurement range 0..4. */
export type PerRange = readonly [number, number, number, number, number];

/**
 * Per range: shunt resistor R (Ω), quadratic and linear gain GS/GI, offset O (ADC units after the ×4),
 * supply slope S (A/V), current offset I (A), user gain UG. The host computes, per sample,
 * x = (adc − O)·(1.8/163840)/R and I = UG·(GS·x² + GI·x + S·V + I0).
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

/**
 * A real PPK2's calibration as it printed it (the metadata example in hdoordt/ppk2-rs src/types.rs,
 * quoted in the reference §1.4). Non-trivial on purpose: quadratic gains, offsets and supply terms, so a
 * driver that skips a term is caught.
 */
export const EXAMPLE_CALIBRATION: Ppk2Calibration = {
  r: [1003.3506, 101.5865, 10.3027, 0.9636, 0.0564],
  gs: [0, 112.789, 18.0115, 2.4217, 0.0729],
  gi: [1, 0.9695, 0.9609, 0.9519, 0.9582],
  o: [112.942, 75.4627, 64.602, 50.4983, 87.2177],
  s: [0.000000048, 0.000000596, 0.000005281, 0.000062577, 0.002940743],
  i: [-0.000000104, -0.000001443, 0.000036439, -0.000374119, -0.009388455],
  ug: [1, 1, 1, 1, 1],
};

/** What hosts use when the metadata lacks a value (pc-nrfconnect-ppk serialDevice.ts modifiers). */
export const HOST_DEFAULT_CALIBRATION: Ppk2Calibration = {
  r: [1031.64, 101.65, 10.15, 0.94, 0.043],
  gs: [1, 1, 1, 1, 1],
  gi: [1, 1, 1, 1, 1],
  o: [0, 0, 0, 0, 0],
  s: [0, 0, 0, 0, 0],
  i: [0, 0, 0, 0, 0],
  ug: [1, 1, 1, 1, 1],
};

/** The linear identity (GS=0, GI=1, O=S=I=0, UG=1) with the default resistors: ADC code ∝ current. */
export const LINEAR_CALIBRATION: Ppk2Calibration = {
  ...HOST_DEFAULT_CALIBRATION,
  gs: [0, 0, 0, 0, 0],
};

export type CalibrationField = keyof Ppk2Calibration;
type MetadataPrefix = 'R' | 'GS' | 'GI' | 'O' | 'S' | 'I' | 'UG';
export type CalibrationKey = `${MetadataPrefix}${RangeIndex}`;
export type MetadataKey = 'Calibrated' | CalibrationKey | 'VDD' | 'HW' | 'mode' | 'IA';

const FIELD_OF: Record<MetadataPrefix, CalibrationField> = {
  R: 'r',
  GS: 'gs',
  GI: 'gi',
  O: 'o',
  S: 's',
  I: 'i',
  UG: 'ug',
};

// Decimals the firmware prints per field (the real example: R/GS/GI/O 4, S/I 9, UG 2).
const DECIMALS: Record<CalibrationField, number> = { r: 4, gs: 4, gi: 4, o: 4, s: 9, i: 9, ug: 2 };

const keysOf = (prefix: MetadataPrefix): CalibrationKey[] => RANGES.map((r) => `${prefix}${r}` as const);

/** The key order of the real example: Calibrated, R, GS, GI, O, VDD, HW, mode, S, I, UG, IA. */
export const METADATA_ORDER: readonly MetadataKey[] = [
  'Calibrated',
  ...keysOf('R'),
  ...keysOf('GS'),
  ...keysOf('GI'),
  ...keysOf('O'),
  'VDD',
  'HW',
  'mode',
  ...keysOf('S'),
  ...keysOf('I'),
  ...keysOf('UG'),
  'IA',
];

export interface MetadataSettings {
  /** Keys in the order they are printed; a key left out is not sent at all (default METADATA_ORDER). */
  order?: readonly MetadataKey[];
  /** Keys printed as `-nan` (seen on badly calibrated units). */
  nan?: readonly MetadataKey[];
  /** `Calibrated:` value (the real example says 0). */
  calibrated?: number;
  /** `HW:` value (9173 in the example, 34504 on another unit). */
  hw?: number;
  /** `IA:` value (56 in the example). */
  ia?: number;
}

/** The live values the metadata reports besides the calibration. */
export interface MetadataReadings {
  calibration: Ppk2Calibration;
  vddMv: number;
  /** 1 = ampere meter, 2 = source meter. */
  mode: 1 | 2;
}

export function isCalibrationKey(key: MetadataKey): key is CalibrationKey {
  return /^(R|GS|GI|O|S|I|UG)[0-4]$/.test(key);
}

function splitKey(key: CalibrationKey): { field: CalibrationField; range: RangeIndex } {
  const m = /^(R|GS|GI|O|S|I|UG)([0-4])$/.exec(key)!;
  return { field: FIELD_OF[m[1] as MetadataPrefix], range: Number(m[2]) as RangeIndex };
}

/** A calibration value as the firmware prints it. */
export function printCalibrationValue(field: CalibrationField, value: number): string {
  return value.toFixed(DECIMALS[field]);
}

/** The value of one key as printed (without the `KEY: ` prefix). */
function printValue(key: MetadataKey, readings: MetadataReadings, settings: MetadataSettings): string {
  if (settings.nan?.includes(key)) return '-nan';
  switch (key) {
    case 'Calibrated':
      return String(settings.calibrated ?? 0);
    case 'VDD':
      return String(Math.round(readings.vddMv));
    case 'HW':
      return String(settings.hw ?? 9173);
    case 'mode':
      return String(readings.mode);
    case 'IA':
      return String(settings.ia ?? 56);
    default: {
      const { field, range } = splitKey(key);
      return printCalibrationValue(field, readings.calibration[field][range]);
    }
  }
}

/** The reply to GetMetadata: `KEY: value\n` lines in the configured order, then `END\n`. */
export function formatMetadata(readings: MetadataReadings, settings: MetadataSettings = {}): string {
  const order = settings.order ?? METADATA_ORDER;
  let text = '';
  for (const key of order) text += `${key}: ${printValue(key, readings, settings)}\n`;
  return `${text}END\n`;
}

/**
 * The calibration as printed (rounded to the printed decimals), so the device encodes with exactly the
 * numbers a host reads.
 */
export function quantizeCalibration(calibration: Ppk2Calibration): Ppk2Calibration {
  const q = (field: CalibrationField): PerRange =>
    calibration[field].map((v) => Number(printCalibrationValue(field, v))) as unknown as PerRange;
  return { r: q('r'), gs: q('gs'), gi: q('gi'), o: q('o'), s: q('s'), i: q('i'), ug: q('ug') };
}

/**
 * What a correct host converts with after reading this metadata: the printed values, except where the
 * metadata gives it nothing usable — a key not sent, a `-nan`, or a zero resistor (IRNAS ignores R = 0,
 * the Nordic app falls back on any falsy value) — where it falls back to HOST_DEFAULT_CALIBRATION.
 * Other zeros (GS0: 0.0000 in the real example) are taken as values.
 */
export function hostCalibration(
  calibration: Ppk2Calibration,
  settings: MetadataSettings = {},
): Ppk2Calibration {
  const printed = quantizeCalibration(calibration);
  const order = settings.order ?? METADATA_ORDER;
  const pick = (field: CalibrationField, prefix: MetadataPrefix): PerRange =>
    RANGES.map((range) => {
      const key: CalibrationKey = `${prefix}${range}`;
      const value = printed[field][range];
      const unusable = !order.includes(key) || settings.nan?.includes(key) || (field === 'r' && value === 0);
      return unusable ? HOST_DEFAULT_CALIBRATION[field][range] : value;
    }) as unknown as PerRange;
  return {
    r: pick('r', 'R'),
    gs: pick('gs', 'GS'),
    gi: pick('gi', 'GI'),
    o: pick('o', 'O'),
    s: pick('s', 'S'),
    i: pick('i', 'I'),
    ug: pick('ug', 'UG'),
  };
}

/** Fill a partial calibration from a base, checking every array has five finite values. */
export function completeCalibration(
  partial: Partial<Ppk2Calibration> | undefined,
  base: Ppk2Calibration = EXAMPLE_CALIBRATION,
): Ppk2Calibration {
  const out = { ...base, ...partial };
  for (const field of Object.keys(out) as CalibrationField[]) {
    const values = out[field];
    if (values.length !== 5 || values.some((v) => !Number.isFinite(v)))
      throw new RangeError(
        `emulated PPK2: calibration ${field} needs five finite values, got ${JSON.stringify(values)}`,
      );
  }
  return out;
}
