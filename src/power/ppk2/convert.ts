import type { MicroAmps, MilliVolts } from '../meter.ts';
import type { Ppk2Calibration } from './metadata.ts';
import { PPK2_RANGE_COUNT, sampleAdc, sampleRange } from './protocol.ts';

/** Volts per ADC count after the ×4 scaling: 1.8 V over 163840. */
export const PPK2_VOLTS_PER_COUNT = 1.8 / 163_840;

/**
 * Current of one reading in a valid range (0..4), µA, with the PPK2's calibration:
 *
 *   adc = 4 · (14-bit ADC value)
 *   x   = (adc − O[r]) · (1.8 / 163840) / R[r]                      amperes before gain correction
 *   I   = UG[r] · ( x · (GS[r] · x + GI[r]) + S[r] · V + I[r] )     amperes, V = vddMv / 1000
 *
 * V is the regulator setting, used in ampere mode too (the PPK2 cannot measure the DUT voltage).
 */
export function adcToMicroAmps(
  adc14: number,
  range: number,
  calibration: Ppk2Calibration,
  vddMv: MilliVolts,
): MicroAmps {
  const x = (adc14 * 4 - calibration.o[range]!) * (PPK2_VOLTS_PER_COUNT / calibration.r[range]!);
  const amps =
    calibration.ug[range]! *
    (x * (calibration.gs[range]! * x + calibration.gi[range]!) +
      (calibration.s[range]! * (vddMv / 1000) + calibration.i[range]!));
  return amps * 1e6;
}

/**
 * The Nordic app's host-side spike filter. Right after a range switch the shunt settles and the
 * first readings overshoot; the filter replaces them with a running average.
 *
 * Rule: every valid reading v updates two exponential averages, a ← α·v + (1−α)·a and
 * a5 ← α5·v + (1−α5)·a5 (each seeded with the first reading). When a reading's range differs from
 * the previous reading's, that reading and the next `samples − 1` readings (a window restarted by
 * any further switch) are output as a instead of v — as a5 when the reading is in range 4, and for
 * the first two readings of such a range-4 run the update by v is undone first, so they repeat the
 * averages from before the switch. Outside those windows readings pass unchanged.
 */
export interface Ppk2SpikeFilter {
  /** α for ranges 0..3 (app: "Coefficient for range 1–4"). */
  alpha: number;
  /** α for range 4 (app: "Coefficient for range 5"). */
  alpha5: number;
  /** Readings replaced after a range switch, the switching one included (app: "Samples to smooth"). */
  samples: number;
}

/** The Nordic app's default settings. */
export const NORDIC_SPIKE_FILTER: Readonly<Ppk2SpikeFilter> = { alpha: 0.18, alpha5: 0.06, samples: 3 };

export interface Ppk2ConverterOptions {
  calibration: Ppk2Calibration;
  vddMv: MilliVolts;
  /** false: exact conversion of every reading. true or settings: the spike filter (default true). */
  spikeFilter?: boolean | Partial<Ppk2SpikeFilter>;
}

/**
 * Sample words → µA. Words whose range bits are 5..7 (a corrupted word: the PPK2 has five ranges)
 * become NaN and are counted; they do not touch the spike filter's averages.
 */
export class Ppk2Converter {
  calibration: Ppk2Calibration;
  vddMv: MilliVolts;
  readonly spikeFilter: Readonly<Ppk2SpikeFilter> | undefined;
  /** Words seen with range bits 5..7. */
  invalidRangeCount = 0;
  #avg: number | undefined;
  #avg5: number | undefined;
  #prevRange: number | undefined;
  #windowLeft = 0;
  #rangeRun = 0;

  constructor(options: Ppk2ConverterOptions) {
    this.calibration = options.calibration;
    this.vddMv = options.vddMv;
    const filter = options.spikeFilter ?? true;
    this.spikeFilter =
      filter === false
        ? undefined
        : checkFilter({ ...NORDIC_SPIKE_FILTER, ...(filter === true ? {} : filter) });
  }

  /** Forget the filter's history (the app does this at each AverageStart). */
  resetFilter(): void {
    this.#avg = undefined;
    this.#avg5 = undefined;
    this.#prevRange = undefined;
    this.#windowLeft = 0;
    this.#rangeRun = 0;
  }

  convert(word: number): MicroAmps {
    const range = sampleRange(word);
    if (range >= PPK2_RANGE_COUNT) {
      this.invalidRangeCount++;
      return Number.NaN;
    }
    const value = adcToMicroAmps(sampleAdc(word), range, this.calibration, this.vddMv);
    return this.spikeFilter ? this.#filter(value, range, this.spikeFilter) : value;
  }

  #filter(value: number, range: number, filter: Ppk2SpikeFilter): number {
    const before = this.#avg;
    const before5 = this.#avg5;
    this.#avg = before === undefined ? value : filter.alpha * value + (1 - filter.alpha) * before;
    this.#avg5 = before5 === undefined ? value : filter.alpha5 * value + (1 - filter.alpha5) * before5;
    const switched = this.#prevRange !== undefined && this.#prevRange !== range;
    this.#prevRange = range;
    if (switched) {
      this.#windowLeft = filter.samples;
      this.#rangeRun = 0;
    } else if (this.#windowLeft > 0) {
      this.#rangeRun++;
    } else {
      return value;
    }
    this.#windowLeft--;
    if (range !== 4) return this.#avg;
    if (this.#rangeRun < 2) {
      this.#avg = before;
      this.#avg5 = before5;
    }
    return this.#avg5!;
  }
}

function checkFilter(filter: Ppk2SpikeFilter): Ppk2SpikeFilter {
  for (const key of ['alpha', 'alpha5'] as const) {
    if (!(filter[key] > 0 && filter[key] <= 1)) {
      throw new RangeError(`PPK2 spike filter ${key} ${filter[key]} is not in (0, 1]`);
    }
  }
  if (!Number.isInteger(filter.samples) || filter.samples < 1) {
    throw new RangeError(`PPK2 spike filter samples ${filter.samples} is not an integer ≥ 1`);
  }
  return filter;
}
