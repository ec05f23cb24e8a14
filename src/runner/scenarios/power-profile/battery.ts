/**
 * Battery life for the usage profile of the parameters, from the measured floor and event charges, with
 * src/power's estimator; and the device's current timeline with the measured windows as evidence.
 */
import { BatteryError, batteryLife } from '../../../power/index.ts';
import { RigError, type StepContext } from '../../scenario.ts';
import { attachTimeline } from '../device-power.ts';
import type { DeviceProfile, PowerProfileParams } from './spec.ts';

const DAY_S = 86_400;

export function batteryStep(s: StepContext, p: DeviceProfile, params: PowerProfileParams): void {
  const u = params.usage;
  const tausPerDay = periodicTausPerDay(u.tauPeriod, u.uplinksPerDay);
  // mJ at the supply voltage → µC (µC × mV = nJ).
  const updateUc = (u.updateEnergyMj * 1e6) / p.voltageMv;
  let life: ReturnType<typeof batteryLife>;
  try {
    life = batteryLife(params.battery, {
      floorUa: p.floorUa!,
      events: [
        { name: 'periodic TAU', chargeUc: p.tauUc!, perDay: tausPerDay },
        { name: 'uplink', chargeUc: p.publishUc!, perDay: u.uplinksPerDay },
        { name: 'update', chargeUc: updateUc, perDay: u.updatesPerYear / 365 },
      ],
    });
  } catch (e) {
    if (e instanceof BatteryError) throw new RigError('configuration', e.message);
    throw e;
  }
  s.measure('batteryLife', life.years);
  s.measure('averageCurrent', life.averageUa);
  const update = life.shares.find((x) => x.name === 'update');
  s.measure('updateShare', (update?.share ?? 0) * 100);
  s.measure('updateDays', life.daysPerOccurrence.update ?? 0);
  s.note(
    `${params.battery.capacityMah} mAh × ${params.battery.derating} usable; ${round(tausPerDay)} TAU/day, ` +
      `${u.uplinksPerDay} uplinks/day, ${u.updatesPerYear} updates/year of ${u.updateEnergyMj} mJ; budget: ` +
      life.shares.map((x) => `${x.name} ${round(x.share * 100)} %`).join(', '),
  );
}

/**
 * T3412 restarts at every RRC release, so a periodic TAU only comes when no uplink came for a whole TAU
 * period. With uplinks evenly spread, a gap holds a TAU at each whole period strictly inside it.
 */
export function periodicTausPerDay(tauPeriodS: number, uplinksPerDay: number): number {
  if (uplinksPerDay <= 0) return DAY_S / tauPeriodS;
  const gap = DAY_S / uplinksPerDay;
  return uplinksPerDay * Math.max(0, Math.ceil(gap / tauPeriodS - 1e-9) - 1);
}

/** The device's current over the whole profile, with a marker per measured window. */
export function attachProfileTrace(s: StepContext, p: DeviceProfile, end: number): void {
  attachTimeline(s, p.device, {
    from: p.start,
    to: end,
    title: `${p.device.name}: current over the power profile, with the measured windows`,
    file: `power/${p.device.name}-profile.json`,
    markers: p.markers,
  });
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
