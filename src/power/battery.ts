/**
 * Battery life from measured charge (the standard method, ../shared/reference/power.md §4.5):
 *   C_usable = C_nom · derating
 *   Q_year   = I_floor · 8760 h + Σ events (Q_event · events per year)
 *   lifetime = C_usable / (Q_year + sd · C_nom)
 * and the share of the budget each event takes, including "this update costs D days".
 */

export interface Battery {
  /** Nominal capacity, mAh. */
  capacityMah: number;
  /** Nominal voltage, V (for energy figures). */
  nominalV: number;
  /** Self-discharge, fraction of the nominal capacity per year (Li-SOCl2 bobbin: < 0.01). */
  selfDischargePerYear: number;
  /**
   * Fraction of the nominal capacity that is usable: temperature, pulse load, cut-off voltage and margin
   * together (e.g. 0.8 for a 20 % margin).
   */
  derating: number;
}

/** A recurring event with its measured charge per occurrence. */
export interface DutyEvent {
  name: string;
  /** Charge of one occurrence, µC (µA·s). */
  chargeUc: number;
  /** Occurrences per day (an update every 180 days is 1/180). */
  perDay: number;
}

export interface DutyCycle {
  /** Current between events (the PSM floor), µA. */
  floorUa: number;
  events: readonly DutyEvent[];
}

export interface BudgetShare {
  name: string;
  /** mAh per year. */
  mahPerYear: number;
  /** Fraction of the yearly consumption (self-discharge included). */
  share: number;
}

export interface BatteryLife {
  years: number;
  /** Average current including events, µA (self-discharge not included). */
  averageUa: number;
  /** Consumption per year, mAh, self-discharge included. */
  mahPerYear: number;
  usableMah: number;
  shares: BudgetShare[];
  /**
   * For each event: how many days of battery life one occurrence costs, i.e. its charge divided by the
   * charge the device uses in an average day.
   */
  daysPerOccurrence: Record<string, number>;
}

const UC_PER_MAH = 3.6e6; // 1 mAh = 3.6 C = 3.6e6 µC
const HOURS_PER_YEAR = 8760;

export class BatteryError extends Error {
  override name = 'BatteryError';
}

export function batteryLife(battery: Battery, duty: DutyCycle): BatteryLife {
  check(battery.capacityMah > 0, `capacity must be positive, got ${battery.capacityMah} mAh`);
  check(battery.derating > 0 && battery.derating <= 1, `derating must be in (0, 1], got ${battery.derating}`);
  check(
    battery.selfDischargePerYear >= 0 && battery.selfDischargePerYear < 1,
    `self-discharge must be in [0, 1) per year, got ${battery.selfDischargePerYear}`,
  );
  check(duty.floorUa >= 0, `floor current must not be negative, got ${duty.floorUa} µA`);
  for (const e of duty.events) {
    check(
      e.chargeUc >= 0 && e.perDay >= 0,
      `event ${e.name}: charge and rate must not be negative (${e.chargeUc} µC, ${e.perDay}/day)`,
    );
  }
  const usableMah = battery.capacityMah * battery.derating;
  const floorMahPerYear = (duty.floorUa / 1000) * HOURS_PER_YEAR;
  const eventMahPerYear = duty.events.map((e) => ({
    name: e.name,
    mahPerYear: (e.chargeUc * e.perDay * 365) / UC_PER_MAH,
  }));
  const selfDischargeMahPerYear = battery.selfDischargePerYear * battery.capacityMah;
  const consumed = floorMahPerYear + eventMahPerYear.reduce((s, e) => s + e.mahPerYear, 0);
  const mahPerYear = consumed + selfDischargeMahPerYear;
  check(mahPerYear > 0, 'nothing consumes charge: the lifetime would be infinite');
  const shares: BudgetShare[] = [
    { name: 'floor', mahPerYear: floorMahPerYear, share: floorMahPerYear / mahPerYear },
    ...eventMahPerYear.map((e) => ({ ...e, share: e.mahPerYear / mahPerYear })),
    {
      name: 'self-discharge',
      mahPerYear: selfDischargeMahPerYear,
      share: selfDischargeMahPerYear / mahPerYear,
    },
  ];
  const mahPerDay = mahPerYear / 365;
  const daysPerOccurrence: Record<string, number> = {};
  for (const e of duty.events) daysPerOccurrence[e.name] = e.chargeUc / UC_PER_MAH / mahPerDay;
  return {
    years: usableMah / mahPerYear,
    averageUa: (consumed / HOURS_PER_YEAR) * 1000,
    mahPerYear,
    usableMah,
    shares,
    daysPerOccurrence,
  };
}

/** Largest average current (µA) that still lasts `years` on this battery. */
export function currentBudgetUa(battery: Battery, years: number): number {
  check(years > 0, `years must be positive, got ${years}`);
  const usable = battery.capacityMah * battery.derating;
  return (
    ((usable - years * battery.selfDischargePerYear * battery.capacityMah) / (years * HOURS_PER_YEAR)) * 1000
  );
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new BatteryError(`battery: ${message}`);
}
