/**
 * Coverage enhancement (CE) levels of the sim eNB, by maximum coupling loss (MCL).
 *
 * The three classes are those of 3GPP TR 45.820 (Cellular IoT): 144 dB is the GPRS MCL ("normal"), the
 * design target 164 dB is 20 dB beyond it ("extreme"), 154 dB lies halfway ("robust"). TR 36.888 (LTE-MTC)
 * took 140.7 dB (LTE FDD) + 15 dB = 155.7 dB as the LTE-M target, so for LTE-M level 2 reaches past
 * what Rel-13 was designed for; we keep one set of thresholds for both RATs [M].
 */

/** CE level: 0 normal, 1 robust, 2 extreme coverage. */
export type CoverageLevel = 0 | 1 | 2;

export const COVERAGE_LEVELS: readonly CoverageLevel[] = [0, 1, 2];

/** Highest MCL, dB, that each CE level serves (TR 45.820 coverage classes). */
export const CE_LEVEL_MAX_MCL_DB: Readonly<Record<CoverageLevel, number>> = { 0: 144, 1: 154, 2: 164 };

/**
 * The CE level a device with this coupling loss (dB) falls in; null when it is beyond 164 dB, out of
 * coverage. A bound belongs to the lower level (exactly 144 dB is level 0).
 */
export function coverageLevelFor(mclDb: number): CoverageLevel | null {
  if (!Number.isFinite(mclDb))
    throw new RangeError(`coverageLevelFor: mclDb must be a finite number, got ${mclDb}`);
  for (const level of COVERAGE_LEVELS) if (mclDb <= CE_LEVEL_MAX_MCL_DB[level]) return level;
  return null;
}
