import test from 'ava';
import { batteryLife, currentBudgetUa } from '../src/power/battery.ts';

// A D-cell Li-SOCl2: 19 Ah, 3.6 V, 1 %/year self-discharge, 20 % margin.
const D_CELL = { capacityMah: 19_000, nominalV: 3.6, selfDischargePerYear: 0.01, derating: 0.8 };

test('the reference budget: a D cell lasts 15 years at about 94 µA (power.md §4.5)', (t) => {
  // (15.2 Ah - 15 × 0.19 Ah) / (15 × 8760 h) = 12.35 Ah / 131 400 h = 94.0 µA
  t.is(Math.round(currentBudgetUa(D_CELL, 15) * 10) / 10, 94);
  const life = batteryLife(D_CELL, { floorUa: currentBudgetUa(D_CELL, 15), events: [] });
  t.true(Math.abs(life.years - 15) < 1e-9);
});

test('a metering duty cycle: floor, daily report, TAU, and an update every 180 days', (t) => {
  const events = [
    { name: 'report', chargeUc: 60_000 * 2, perDay: 2 }, // 60 mA for 2 s = 120 000 µC
    { name: 'update', chargeUc: 3.6e6 * 5, perDay: 1 / 180 }, // 5 mAh per update
  ];
  const life = batteryLife(D_CELL, { floorUa: 3, events });
  // Per year: floor 3 µA × 8760 h = 26.28 mAh; reports 2×365×0.12 C = 87.6 C = 24.333 mAh;
  // updates 365/180 × 5 mAh = 10.139 mAh; self-discharge 190 mAh.
  const expected = 26.28 + (2 * 365 * 120_000) / 3.6e6 + (365 / 180) * 5 + 190;
  t.true(Math.abs(life.mahPerYear - expected) < 1e-9);
  t.true(Math.abs(life.years - 15_200 / expected) < 1e-9);
  t.true(Math.abs(life.shares.reduce((s, x) => s + x.share, 0) - 1) < 1e-12);
  // One update costs 5 mAh of a day's (expected / 365) mAh.
  t.true(Math.abs(life.daysPerOccurrence.update! - 5 / (expected / 365)) < 1e-9);
});

test('nonsense inputs are refused with the reason', (t) => {
  t.throws(() => batteryLife({ ...D_CELL, derating: 1.5 }, { floorUa: 3, events: [] }), {
    message: /derating must be in \(0, 1\]/,
  });
  t.throws(() => batteryLife(D_CELL, { floorUa: -1, events: [] }), { message: /floor current/ });
  t.throws(() => batteryLife({ ...D_CELL, selfDischargePerYear: 0 }, { floorUa: 0, events: [] }), {
    message: /infinite/,
  });
});
