import test from 'ava';
import fc from 'fast-check';
import {
  decodeEdrxCycle,
  decodeGprsTimer2,
  decodeGprsTimer3,
  decodePtw,
  type EdrxMode,
  encodeEdrxCycle,
  encodeGprsTimer2,
  encodeGprsTimer3,
  encodePtw,
} from '../src/at/timers.ts';

// Expected values typed here from shared/reference/at-modules.md §2.3 (24.008 tables), independently of
// src/at/timer-tables.ts, so that a mistake in either shows up as a difference.

const MIN = 60;
const HOUR = 3600;
/** Table 10.5.163a, bits 8-6 → seconds per unit; null = deactivated. */
const T3_UNIT: (number | null)[] = [10 * MIN, HOUR, 10 * HOUR, 2, 30, MIN, 320 * HOUR, null];
/** Table 10.5.163 (GPRS Timer 2): 000 2 s, 001 1 min, 010 decihours, 111 off, other units read as 1 min. */
const T2_UNIT: (number | null)[] = [2, MIN, 6 * MIN, MIN, MIN, MIN, MIN, null];
const T2_ASSIGNED = new Set([0, 1, 2, 7]);

/** eDRX cycle per code in ms, WB-S1 column of §2.3. */
const EDRX_WB_MS = [
  5120, 10240, 20480, 40960, 61440, 81920, 102400, 122880, 143360, 163840, 327680, 655360, 1310720, 2621440,
  2621440, 2621440,
];
/** eDRX cycle per code in ms, NB-S1 column of §2.3. */
const EDRX_NB_MS = [
  20480, 20480, 20480, 40960, 20480, 81920, 20480, 20480, 20480, 163840, 327680, 655360, 1310720, 2621440,
  5242880, 10485760,
];
/** "treated as" entries of §2.3; every other code stands for itself. */
const EDRX_TREATED_AS: Record<EdrxMode, Record<number, number>> = {
  'wb-s1': { 14: 13, 15: 13 },
  'nb-s1': { 0: 2, 1: 2, 4: 2, 6: 2, 7: 2, 8: 2 },
};
const EDRX_MS: Record<EdrxMode, number[]> = { 'wb-s1': EDRX_WB_MS, 'nb-s1': EDRX_NB_MS };
/** PTW per code in ms from the §2.3 table (WB-S1 and NB-S1 columns). */
const PTW_MS: Record<EdrxMode, number[]> = {
  'wb-s1': [
    1280, 2560, 3840, 5120, 6400, 7680, 8960, 10240, 11520, 12800, 14080, 15360, 16640, 17920, 19200, 20480,
  ],
  'nb-s1': [
    2560, 5120, 7680, 10240, 12800, 15360, 17920, 20480, 23040, 25600, 28160, 30720, 33280, 35840, 38400,
    40960,
  ],
};
const MODES: EdrxMode[] = ['wb-s1', 'nb-s1'];

const bits = (n: number, width: number): string => n.toString(2).padStart(width, '0');

function expectedTimer(units: (number | null)[], octet: number): number | null {
  const unit = units[octet >> 5];
  return unit === null || unit === undefined ? null : unit * (octet & 31);
}

/** Every time a sender can encode with the assigned units, ascending. */
function representable(units: (number | null)[], assigned: number[]): number[] {
  const all = new Set<number>();
  for (const u of assigned) for (let v = 0; v < 32; v++) all.add(units[u]! * v);
  return [...all].sort((a, b) => a - b);
}
const T3_VALUES = representable(T3_UNIT, [0, 1, 2, 3, 4, 5, 6]);
const T2_VALUES = representable(T2_UNIT, [0, 1, 2]);

const timers = [
  {
    name: 'GPRS Timer 3',
    assigned: new Set([0, 1, 2, 3, 4, 5, 6, 7]),
    decode: decodeGprsTimer3,
    encode: encodeGprsTimer3,
    units: T3_UNIT,
    values: T3_VALUES,
  },
  {
    name: 'GPRS Timer 2',
    assigned: T2_ASSIGNED,
    decode: decodeGprsTimer2,
    encode: encodeGprsTimer2,
    units: T2_UNIT,
    values: T2_VALUES,
  },
];

for (const timer of timers) {
  test(`${timer.name}: every 8-bit code decodes as the 24.008 table says, as text and as a byte`, (t) => {
    for (let octet = 0; octet < 256; octet++) {
      const want = expectedTimer(timer.units, octet);
      const fromText = timer.decode(bits(octet, 8));
      const fromByte = timer.decode(octet);
      t.deepEqual(fromByte, fromText);
      t.is(fromText.seconds, want, `code ${bits(octet, 8)}`);
      t.is(fromText.deactivated, want === null);
      t.is(fromText.value, octet & 31);
      t.is(fromText.bits, bits(octet, 8));
      t.is(fromText.assignedUnit, timer.assigned.has(octet >> 5));
    }
  });

  test(`${timer.name}: decode→encode gives the same time, and the encoder's codes are fixed points`, (t) => {
    for (let octet = 0; octet < 256; octet++) {
      const decoded = timer.decode(octet);
      const again = timer.encode(decoded.seconds ?? 'deactivated');
      t.is(again.seconds, decoded.seconds);
      t.true(again.assignedUnit);
      t.is(timer.encode(again.seconds ?? 'deactivated').bits, again.bits);
    }
  });

  test(`${timer.name}: encode picks the smallest representable value not below the request`, (t) => {
    const requests = new Set<number>([0, 0.5, 1]);
    for (const v of timer.values)
      for (const d of [-1, -0.25, 0, 0.25, 1]) if (v + d >= 0) requests.add(v + d);
    const max = timer.values.at(-1)!;
    for (const want of requests) {
      if (want > max) continue;
      const got = timer.encode(want).seconds!;
      const best = timer.values.find((v) => v >= want);
      t.is(got, best!, `request ${want} s`);
    }
    fc.assert(
      fc.property(fc.double({ min: 0, max, noNaN: true }), (want) => {
        // A value under 1 µs short of the request meets it (so 3 × 1.28 s is 3.84 s).
        const got = timer.encode(want).seconds!;
        return got >= want - 1e-6 && !timer.values.some((v) => v >= want && v < got);
      }),
    );
    t.throws(() => timer.encode(max + 1), { instanceOf: RangeError });
  });

  test(`${timer.name}: nearest rounding picks the closest value on either side`, (t) => {
    const max = timer.values.at(-1)!;
    fc.assert(
      fc.property(fc.double({ min: 0, max: max * 1.5, noNaN: true }), (want) => {
        const got = timer.encode(want, 'nearest').seconds!;
        const distance = Math.abs(got - want);
        // 1 µs slack as above: a request a hair off a midpoint may round either way.
        return timer.values.every((v) => Math.abs(v - want) >= distance - 1e-6);
      }),
    );
    t.is(timer.encode(max * 10, 'nearest').seconds, max);
  });

  test(`${timer.name}: deactivated encodes as unit 111 and rejects malformed input`, (t) => {
    const off = timer.encode('deactivated');
    t.is(off.bits, '11100000');
    t.true(off.deactivated);
    t.is(off.seconds, null);
    for (const bad of ['0010001', '001000011', '0010002x', '', 256, -1, 1.5]) {
      t.throws(() => timer.decode(bad), { instanceOf: RangeError });
    }
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      t.throws(() => timer.encode(bad), { instanceOf: RangeError });
    }
  });
}

test('worked examples of §2.2 decode as the reference says', (t) => {
  t.is(decodeGprsTimer3('00000110').seconds, 60 * MIN);
  t.is(decodeGprsTimer2('00100001').seconds, 60);
  t.is(decodeGprsTimer3('10101111').seconds, 15 * MIN);
  t.is(decodeGprsTimer3('01101100').seconds, 24);
  // 011 is unassigned in GPRS Timer 2 and read as minutes.
  const unassigned = decodeGprsTimer2('01101100');
  t.is(unassigned.seconds, 12 * MIN);
  t.false(unassigned.assignedUnit);
  t.is(decodeGprsTimer3('01000111').seconds, 70 * HOUR);
  t.true(decodeGprsTimer2('11100000').deactivated);
});

test('the encoder prefers the finest unit when several codes give the same time', (t) => {
  t.is(encodeGprsTimer3(3600).bits, '00000110'); // 6 × 10 min (1 h × 1 is coarser)
  t.is(encodeGprsTimer3(60).bits, '01111110'); // 30 × 2 s
  t.is(encodeGprsTimer2(60).bits, '00011110'); // 30 × 2 s
  t.is(encodeGprsTimer2(61).bits, '00011111'); // 31 × 2 s = 62 s
  t.is(encodeGprsTimer2(63).bits, '00100010'); // 2 × 1 min: 2 s units end at 62 s
});

for (const mode of MODES) {
  test(`eDRX cycle (${mode}): every 4-bit code decodes per §2.3, with its "treated as" code`, (t) => {
    for (let code = 0; code < 16; code++) {
      const decoded = decodeEdrxCycle(bits(code, 4), mode);
      t.is(decoded.seconds, EDRX_MS[mode][code]! / 1000, `code ${bits(code, 4)}`);
      t.is(decoded.treatedAs, EDRX_TREATED_AS[mode][code] ?? code);
      t.deepEqual(decodeEdrxCycle(code, mode), decoded);
    }
  });

  test(`eDRX cycle (${mode}): encode uses only codes valid for the mode, minimal and at least the request`, (t) => {
    const valid = [...Array(16).keys()].filter((c) => EDRX_TREATED_AS[mode][c] === undefined);
    const validMs = valid.map((c) => EDRX_MS[mode][c]!);
    for (let code = 0; code < 16; code++) {
      const decoded = decodeEdrxCycle(code, mode);
      t.is(encodeEdrxCycle(decoded.seconds, mode).code, decoded.treatedAs);
    }
    const maxS = Math.max(...validMs) / 1000;
    fc.assert(
      fc.property(fc.double({ min: 0, max: maxS, noNaN: true }), (want) => {
        const up = encodeEdrxCycle(want, mode);
        const near = encodeEdrxCycle(want, mode, 'nearest');
        const upMs = up.seconds * 1000;
        const wantMs = want * 1000;
        const nearDistance = Math.abs(near.seconds * 1000 - wantMs);
        return (
          valid.includes(up.code) &&
          valid.includes(near.code) &&
          upMs >= wantMs - 0.001 &&
          !validMs.some((ms) => ms >= wantMs && ms < upMs) &&
          validMs.every((ms) => Math.abs(ms - wantMs) >= nearDistance - 0.001)
        );
      }),
    );
    t.throws(() => encodeEdrxCycle(maxS + 1, mode), { instanceOf: RangeError });
  });

  test(`paging time window (${mode}): every code decodes per §2.3 and round-trips`, (t) => {
    for (let code = 0; code < 16; code++) {
      const decoded = decodePtw(bits(code, 4), mode);
      t.is(decoded.seconds, PTW_MS[mode][code]! / 1000);
      t.is(encodePtw(decoded.seconds, mode).code, code);
      t.is(encodePtw(decoded.seconds, mode, 'nearest').code, code);
    }
  });
}

test('nearest rounding breaks a tie towards the longer value', (t) => {
  t.is(encodeGprsTimer2(1, 'nearest').seconds, 2);
  t.is(encodeGprsTimer3(1, 'nearest').seconds, 2);
  t.is(encodePtw(1.92, 'wb-s1', 'nearest').seconds, 2.56);
  t.is(encodeEdrxCycle(30.72, 'wb-s1', 'nearest').seconds, 40.96);
  t.is(encodeGprsTimer2(0.9, 'nearest').seconds, 0);
});

test('decimal cycle lengths encode to their own code despite binary floating point', (t) => {
  t.is(encodePtw(3.84, 'wb-s1').code, 2);
  t.is(encodePtw(3 * 1.28, 'wb-s1').code, 2);
  t.is(encodePtw(7.68, 'nb-s1').code, 2);
  t.is(encodeEdrxCycle(61.44, 'wb-s1').code, 4);
  t.is(encodeEdrxCycle(61.44, 'nb-s1').code, 5);
});

test('PTW bases are not swapped between modes (a known transcription error elsewhere)', (t) => {
  t.is(decodePtw('0000', 'wb-s1').seconds, 1.28);
  t.is(decodePtw('0000', 'nb-s1').seconds, 2.56);
});
