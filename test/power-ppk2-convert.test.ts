import test from 'ava';
import {
  encodeSampleWord,
  NORDIC_SPIKE_FILTER,
  type PerRange,
  type Ppk2Calibration,
  Ppk2Converter,
} from '../src/power/ppk2/index.ts';

// The calibration of the reference's example PPK2 (power.md §1.4).
const EXAMPLE: Ppk2Calibration = {
  r: [1003.3506, 101.5865, 10.3027, 0.9636, 0.0564],
  gs: [0, 112.789, 18.0115, 2.4217, 0.0729],
  gi: [1, 0.9695, 0.9609, 0.9519, 0.9582],
  o: [112.942, 75.4627, 64.602, 50.4983, 87.2177],
  s: [0.000000048, 0.000000596, 0.000005281, 0.000062577, 0.002940743],
  i: [-0.000000104, -0.000001443, 0.000036439, -0.000374119, -0.009388455],
  ug: [1, 1, 1, 1, 1],
};

/** The reference formula, written out here independently of the driver. */
function expectedMicroAmps(adc14: number, range: number, cal: Ppk2Calibration, vddMv: number): number {
  const at = (v: PerRange) => v[range]!;
  const x = ((adc14 * 4 - at(cal.o)) * (1.8 / 163840)) / at(cal.r);
  const amps = at(cal.ug) * (at(cal.gs) * x * x + at(cal.gi) * x + at(cal.s) * (vddMv / 1000) + at(cal.i));
  return amps * 1e6;
}

function close(
  t: { true: (v: boolean, m?: string) => void },
  actual: number,
  expected: number,
  what: string,
) {
  const tolerance = Math.abs(expected) * 1e-12 + 1e-12;
  t.true(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);
}

const exact = (calibration: Ppk2Calibration, vddMv = 3000) =>
  new Ppk2Converter({ calibration, vddMv, spikeFilter: false });

test("the reference's worked words convert to its µA values (VDD 3000 mV, no spike filter)", (t) => {
  const converter = exact(EXAMPLE);
  const table: Array<[number, number]> = [
    [0x00141f40, 349.1918],
    [0x81185f40, 4692.0653],
    [0x001c8fa0, 21581.5468],
    [0x0020cbb8, 174450.932],
    [0x002503e8, 772106.5979],
  ];
  for (const [word, uA] of table) {
    t.is(converter.convert(word).toFixed(4), uA.toFixed(4), word.toString(16));
  }
});

test('each range follows UG·(GS·x² + GI·x + S·V + I) with x = (4·adc − O)·1.8/163840/R', (t) => {
  for (const vddMv of [800, 1800, 3000, 3700, 5000]) {
    const converter = exact(EXAMPLE, vddMv);
    for (let range = 0; range < 5; range++) {
      for (const adc of [0, 1, 28, 1000, 8000, 12345, 16383]) {
        const word = encodeSampleWord({ adc, range, counter: 0, logic: 0 });
        close(
          t,
          converter.convert(word),
          expectedMicroAmps(adc, range, EXAMPLE, vddMv),
          `range ${range} adc ${adc} ${vddMv} mV`,
        );
      }
    }
  }
});

test('user gains scale the whole reading of their range only', (t) => {
  const gains: PerRange = [1.05, 0.95, 1.02, 0.98, 1.1];
  const withGains: Ppk2Calibration = { ...EXAMPLE, ug: gains };
  const plain = exact(EXAMPLE);
  const gained = exact(withGains);
  for (let range = 0; range < 5; range++) {
    const word = encodeSampleWord({ adc: 9000, range, counter: 1, logic: 0 });
    close(t, gained.convert(word), expectedMicroAmps(9000, range, withGains, 3000), `range ${range}`);
    close(t, gained.convert(word), gains[range]! * plain.convert(word), `range ${range} ratio`);
  }
});

test('with the default calibration a reading is the plain shunt law: 4·adc·1.8/163840/R', (t) => {
  const defaults: Ppk2Calibration = {
    r: [1031.64, 101.65, 10.15, 0.94, 0.043],
    gs: [0, 0, 0, 0, 0],
    gi: [1, 1, 1, 1, 1],
    o: [0, 0, 0, 0, 0],
    s: [0, 0, 0, 0, 0],
    i: [0, 0, 0, 0, 0],
    ug: [1, 1, 1, 1, 1],
  };
  const converter = exact(defaults);
  // Full scale of range 0: 16383·4 counts → ~698 µA (reference §1.6).
  const fullScale = converter.convert(encodeSampleWord({ adc: 16383, range: 0, counter: 0, logic: 0 }));
  close(t, fullScale, ((16383 * 4 * 1.8) / 163840 / 1031.64) * 1e6, 'full scale');
  t.is(Math.round(fullScale), 698);
});

test('the logic byte and the counter do not change the value', (t) => {
  const converter = exact(EXAMPLE);
  const a = converter.convert(encodeSampleWord({ adc: 5000, range: 2, counter: 0, logic: 0 }));
  const b = converter.convert(encodeSampleWord({ adc: 5000, range: 2, counter: 63, logic: 0xff }));
  t.is(a, b);
});

test('range bits 5, 6 and 7 give NaN and are counted', (t) => {
  const converter = exact(EXAMPLE);
  t.true(Number.isNaN(converter.convert(encodeSampleWord({ adc: 100, range: 5, counter: 0, logic: 0 }))));
  t.true(Number.isNaN(converter.convert(encodeSampleWord({ adc: 100, range: 6, counter: 1, logic: 0 }))));
  t.false(Number.isNaN(converter.convert(encodeSampleWord({ adc: 100, range: 4, counter: 2, logic: 0 }))));
  t.true(Number.isNaN(converter.convert(encodeSampleWord({ adc: 100, range: 7, counter: 3, logic: 0 }))));
  t.is(converter.invalidRangeCount, 3);
});

/** The spike filter's rule as the reference states it, for an expected sequence. */
function filterByHand(values: Array<[number, number]>): number[] {
  const { alpha, alpha5, samples } = NORDIC_SPIKE_FILTER;
  let a: number | undefined;
  let a5: number | undefined;
  let prev: number | undefined;
  let left = 0;
  let run = 0;
  const out: number[] = [];
  for (const [v, range] of values) {
    const [pa, pa5] = [a, a5];
    a = a === undefined ? v : alpha * v + (1 - alpha) * a;
    a5 = a5 === undefined ? v : alpha5 * v + (1 - alpha5) * a5;
    if (prev !== undefined && prev !== range) {
      left = samples;
      run = 0;
    } else if (left > 0) {
      run += 1;
    } else {
      out.push(v);
      prev = range;
      continue;
    }
    prev = range;
    left -= 1;
    if (range === 4) {
      if (run < 2) [a, a5] = [pa, pa5];
      out.push(a5!);
    } else {
      out.push(a!);
    }
  }
  return out;
}

test('spike filter: after a range switch the switching reading and the next two are the running average', (t) => {
  const ranges = [1, 1, 1, 1, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1];
  const adcs = [4000, 4100, 3900, 4050, 9000, 1200, 1300, 1250, 1280, 15000, 5000, 5100, 5050, 4990];
  const words = ranges.map((range, k) => encodeSampleWord({ adc: adcs[k]!, range, counter: k, logic: 0 }));
  const raw = words.map((w) => exact(EXAMPLE).convert(w));
  const filtered = new Ppk2Converter({ calibration: EXAMPLE, vddMv: 3000 });
  const got = words.map((w) => filtered.convert(w));
  const want = filterByHand(raw.map((v, k) => [v, ranges[k]!]));
  for (let k = 0; k < got.length; k++) close(t, got[k]!, want[k]!, `sample ${k}`);
  // Unchanged outside the windows, replaced inside them.
  t.deepEqual(
    got.map((v, k) => v === raw[k]),
    [true, true, true, true, false, false, false, true, true, false, false, false, true, true],
  );
});

test('spike filter: entering range 4 repeats the pre-switch average for two readings', (t) => {
  const ranges = [3, 3, 3, 4, 4, 4, 4, 4];
  const adcs = [8000, 8100, 8050, 3000, 3100, 3050, 3080, 3070];
  const words = ranges.map((range, k) => encodeSampleWord({ adc: adcs[k]!, range, counter: k, logic: 0 }));
  const raw = words.map((w) => exact(EXAMPLE).convert(w));
  const filtered = new Ppk2Converter({ calibration: EXAMPLE, vddMv: 3000, spikeFilter: true });
  const got = words.map((w) => filtered.convert(w));
  const want = filterByHand(raw.map((v, k) => [v, ranges[k]!]));
  for (let k = 0; k < got.length; k++) close(t, got[k]!, want[k]!, `sample ${k}`);
  t.is(got[3], got[4], 'the first two range-4 readings both repeat the average from before the switch');
  t.not(got[5], got[4]);
  t.is(got[6], raw[6]);
});

test('spike filter off: every reading is the exact conversion; resetFilter forgets the history', (t) => {
  const words = [1, 2, 1, 4, 0].map((range, k) =>
    encodeSampleWord({ adc: 7000, range, counter: k, logic: 0 }),
  );
  const off = exact(EXAMPLE);
  t.deepEqual(
    words.map((w) => off.convert(w)),
    words.map((w) => expectedMicroAmps(7000, (w >>> 14) & 7, EXAMPLE, 3000)),
  );
  const on = new Ppk2Converter({ calibration: EXAMPLE, vddMv: 3000 });
  words.map((w) => on.convert(w));
  on.resetFilter();
  // After a reset the first reading has no predecessor: passed through unchanged.
  t.is(on.convert(words[3]!), off.convert(words[3]!));
});

test('spike filter settings are checked', (t) => {
  t.throws(() => new Ppk2Converter({ calibration: EXAMPLE, vddMv: 3000, spikeFilter: { alpha: 0 } }), {
    instanceOf: RangeError,
  });
  t.throws(() => new Ppk2Converter({ calibration: EXAMPLE, vddMv: 3000, spikeFilter: { samples: 0 } }), {
    instanceOf: RangeError,
  });
});
