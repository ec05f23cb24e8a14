/**
 * TS 24.008 unit tables: pure data, shared by the controller's codecs and the emulators (each side
 * writes its own encoder/decoder over these tables, so a wrong codec cannot agree with itself).
 * Source: 3GPP TS 24.008 §10.5.7.4 (GPRS Timer 2), §10.5.7.4a (GPRS Timer 3), §10.5.5.32 (Extended
 * DRX parameters). Checked against ../shared/reference/at-modules.md §2.3.
 */

/** GPRS Timer 3 (T3412 extended, Periodic-TAU): bits 8-6 → seconds per unit; null = deactivated. */
export const GPRS_TIMER3_UNIT_S: readonly (number | null)[] = [
  600, // 000: 10 minutes
  3600, // 001: 1 hour
  36_000, // 010: 10 hours
  2, // 011: 2 seconds
  30, // 100: 30 seconds
  60, // 101: 1 minute
  1_152_000, // 110: 320 hours
  null, // 111: deactivated
];

/**
 * GPRS Timer 2 (T3324 Active-Time): bits 8-6 → seconds per unit; null = deactivated. Units 011..110
 * are not assigned; 24.008 says a receiver shall read them as multiples of 1 minute.
 */
export const GPRS_TIMER2_UNIT_S: readonly (number | null)[] = [2, 60, 360, 60, 60, 60, 60, null];

/** Units a sender may use for GPRS Timer 2 (the others are unassigned). */
export const GPRS_TIMER2_ASSIGNED_UNITS: readonly number[] = [0, 1, 2];

/** Units a sender may use for GPRS Timer 3 (320 h only applies when integrity protected; we include it). */
export const GPRS_TIMER3_ASSIGNED_UNITS: readonly number[] = [0, 1, 2, 3, 4, 5, 6];

/** eDRX cycle length in seconds for the 4-bit eDRX value, WB-S1 mode (LTE-M), codes 0..15. */
export const EDRX_CYCLE_WBS1_S: readonly number[] = [
  5.12, 10.24, 20.48, 40.96, 61.44, 81.92, 102.4, 122.88, 143.36, 163.84, 327.68, 655.36, 1310.72, 2621.44,
  2621.44, 2621.44,
];

/** eDRX cycle length in seconds for the 4-bit eDRX value, NB-S1 mode (NB-IoT), codes 0..15. */
export const EDRX_CYCLE_NBS1_S: readonly number[] = [
  20.48, 20.48, 20.48, 40.96, 20.48, 81.92, 20.48, 20.48, 20.48, 163.84, 327.68, 655.36, 1310.72, 2621.44,
  5242.88, 10485.76,
];

/** eDRX codes that are defined in their own right (not "treated as" another code) per mode. */
export const EDRX_VALID_CODES_WBS1: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
export const EDRX_VALID_CODES_NBS1: readonly number[] = [2, 3, 5, 9, 10, 11, 12, 13, 14, 15];

/** Paging Time Window step in seconds: PTW = (code + 1) × step. */
export const PTW_STEP_WBS1_S = 1.28;
export const PTW_STEP_NBS1_S = 2.56;
