import { type Ppk2Calibration, RANGES, type RangeIndex } from './calibration.ts';

/** Largest 14-bit ADC code. */
export const ADC_MAX = 0x3fff;
/** Volts per ADC unit after the host's ×4 (1.8 V reference, 163840 = 40960·4). */
export const ADC_MULT = 1.8 / 163840;
/** The PPK2 samples at a fixed 100 kS/s: 100 samples per millisecond. */
export const SAMPLES_PER_MS = 100;

/** The host's conversion coefficients for one range. */
interface RangeCoefficients {
  r: number;
  gs: number;
  gi: number;
  o: number;
  s: number;
  i: number;
  ug: number;
}

/** An encoded sample: range bits and the 14-bit ADC code (not yet rounded: noise is added first). */
export interface AdcReading {
  range: RangeIndex;
  code: number;
}

/**
 * The device side of the conversion: the ADC code and range that make the host's formula give back a
 * current. Ranges are chosen as the PPK2's auto-ranging does in the reference's model (§1.7): the lowest
 * range whose code still fits, i.e. up to `ceilingCode` (default 16383, full scale).
 */
export class AdcEncoder {
  readonly #ranges: RangeCoefficients[];
  #vddV: number;
  readonly #ceiling: number;

  constructor(calibration: Ppk2Calibration, vddMv: number, ceilingCode = ADC_MAX) {
    this.#ranges = RANGES.map((r) => ({
      r: calibration.r[r],
      gs: calibration.gs[r],
      gi: calibration.gi[r],
      o: calibration.o[r],
      s: calibration.s[r],
      i: calibration.i[r],
      ug: calibration.ug[r],
    }));
    this.#vddV = vddMv / 1000;
    this.#ceiling = Math.min(ADC_MAX, Math.max(0, ceilingCode));
  }

  /** The regulator voltage enters the formula through the S·V term. */
  setVdd(vddMv: number): void {
    this.#vddV = vddMv / 1000;
  }

  /** Range and unrounded code for a current in µA; currents beyond range 4 saturate it. */
  encode(uA: number): AdcReading {
    const amps = Number.isFinite(uA) ? uA / 1e6 : 0;
    for (const range of RANGES) {
      const code = this.codeFor(amps, range);
      if (code <= this.#ceiling + 0.5) return { range, code: Math.max(code, 0) };
    }
    return { range: 4, code: ADC_MAX };
  }

  /**
   * Solve UG·(GS·x² + GI·x + S·V + I0) = I for x, then adc = x·R/ADC_MULT + O and code = adc/4.
   * The root is written as −2c/(GI + √(GI² − 4·GS·c)), which stays exact when GS is 0 or tiny.
   * Infinity when the range cannot reach that current.
   */
  codeFor(amps: number, range: RangeIndex): number {
    const k = this.#ranges[range]!;
    const c = k.s * this.#vddV + k.i - amps / k.ug;
    const discriminant = k.gi * k.gi - 4 * k.gs * c;
    if (!(discriminant >= 0)) return Number.POSITIVE_INFINITY;
    const denominator = k.gi + Math.sqrt(discriminant);
    if (!(denominator > 0)) return Number.POSITIVE_INFINITY;
    const x = (-2 * c) / denominator;
    const code = ((x * k.r) / ADC_MULT + k.o) / 4;
    return Number.isFinite(code) ? code : Number.POSITIVE_INFINITY;
  }

  /** The current (µA) the host formula gives for a code: used only to state the resolution. */
  currentFor(code: number, range: RangeIndex): number {
    const k = this.#ranges[range]!;
    const x = (code * 4 - k.o) * (ADC_MULT / k.r);
    return k.ug * (x * (k.gs * x + k.gi) + (k.s * this.#vddV + k.i)) * 1e6;
  }

  /** One ADC step in µA at a code of a range (the slope varies with the code when GS ≠ 0). */
  stepMicroAmps(range: RangeIndex, code: number): number {
    return Math.abs(this.currentFor(code + 1, range) - this.currentFor(code, range));
  }
}

/**
 * One sample word, little-endian on the wire: bits 0–13 ADC code, 14–16 range, 17 unused (0),
 * 18–23 counter (mod 64), 24–31 logic D0..D7.
 */
export function packWord(code: number, rangeBits: number, counter: number, logic: number): number {
  return (
    ((code & ADC_MAX) | ((rangeBits & 0x7) << 14) | ((counter & 0x3f) << 18) | ((logic & 0xff) << 24)) >>> 0
  );
}
