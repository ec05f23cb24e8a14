import test from 'ava';
import fc from 'fast-check';
import {
  airtimeMs,
  type BearerConfig,
  bearerRateBps,
  blockTimeMs,
  COVERAGE_LEVELS,
  type CoverageLevel,
  coverageLevelFor,
  DATA_REPETITIONS,
  DEFAULT_COVERAGE,
  defaultBearer,
  LTE_M_TBS_6PRB,
  NB_IOT_N_SF,
  NB_IOT_TBS,
  type Rat,
  tbsBits,
  unicastRateBps,
} from '../src/enb/sim/bearer.ts';

// Second typing of the tables, from other copies than the module's: the Rel-13 NPDSCH table as srsRAN 4G
// has it (TS 36.213 v13.2.0; 0 = no such cell in Rel-13), the Rel-14 additions from the R&S CMW-KM300
// manual's downlink TBS table (which prints 1000 at I_TBS 12 / 4 SF; 904 is what the spec copies of
// MathWorks, OAI and srsRAN-derived code agree on), and the LTE 6-PRB column from IMTAphy.
const REL13_NPDSCH: number[][] = [
  [16, 32, 56, 88, 120, 152, 208, 256],
  [24, 56, 88, 144, 176, 208, 256, 344],
  [32, 72, 144, 176, 208, 256, 328, 424],
  [40, 104, 176, 208, 256, 328, 440, 568],
  [56, 120, 208, 256, 328, 408, 552, 680],
  [72, 144, 224, 328, 424, 504, 680, 0],
  [88, 176, 256, 392, 504, 600, 0, 0],
  [104, 224, 328, 472, 584, 680, 0, 0],
  [120, 256, 392, 536, 680, 0, 0, 0],
  [136, 296, 456, 616, 0, 0, 0, 0],
  [144, 328, 504, 680, 0, 0, 0, 0],
  [176, 376, 584, 0, 0, 0, 0, 0],
  [208, 440, 680, 0, 0, 0, 0, 0],
];
/** [I_TBS, I_SF, bits] of the cells Rel-14 added. */
const REL14_ADDED: [number, number, number][] = [
  [5, 7, 872],
  [6, 6, 808],
  [6, 7, 1032],
  [7, 6, 968],
  [7, 7, 1224],
  [8, 5, 808],
  [8, 6, 1096],
  [8, 7, 1352],
  [9, 4, 776],
  [9, 5, 936],
  [9, 6, 1256],
  [9, 7, 1544],
  [10, 4, 872],
  [10, 5, 1032],
  [10, 6, 1384],
  [10, 7, 1736],
  [11, 3, 776],
  [11, 4, 1000],
  [11, 5, 1192],
  [11, 6, 1608],
  [11, 7, 2024],
  [12, 3, 904],
  [12, 4, 1128],
  [12, 5, 1352],
  [12, 6, 1800],
  [12, 7, 2280],
  ...[224, 488, 744, 1032, 1256, 1544, 2024, 2536].map((bits, iSf): [number, number, number] => [
    13,
    iSf,
    bits,
  ]),
];
const LTE_6PRB: number[] = [
  152, 208, 256, 328, 408, 504, 600, 712, 808, 936, 1032, 1192, 1352, 1544, 1736, 1800,
];

const nb = (over: Partial<BearerConfig> = {}): BearerConfig => ({
  rat: 'nb-iot',
  iTbs: 12,
  iSf: 2,
  repetitions: 1,
  pdcchRepetitions: 1,
  ...over,
});
const ltem = (over: Partial<BearerConfig> = {}): BearerConfig => ({
  rat: 'lte-m',
  iTbs: 9,
  repetitions: 1,
  pdcchRepetitions: 1,
  ...over,
});

test('NPDSCH TBS table matches the second typing cell by cell, Rel-13 and Rel-14 parts', (t) => {
  t.is(NB_IOT_TBS.length, 14);
  const added = new Map(REL14_ADDED.map(([i, s, bits]) => [`${i}/${s}`, bits]));
  for (let iTbs = 0; iTbs < 14; iTbs++) {
    t.is(NB_IOT_TBS[iTbs]!.length, 8);
    for (let iSf = 0; iSf < 8; iSf++) {
      const rel13 = REL13_NPDSCH[iTbs]?.[iSf] ?? 0;
      const want = rel13 !== 0 ? rel13 : added.get(`${iTbs}/${iSf}`);
      t.is(NB_IOT_TBS[iTbs]![iSf], want, `I_TBS ${iTbs}, I_SF ${iSf}`);
    }
  }
  t.is(added.size + REL13_NPDSCH.flat().filter((v) => v !== 0).length, 14 * 8);
});

test('spot values from the spec text', (t) => {
  t.is(NB_IOT_TBS[12]![2], 680); // the Rel-13 peak: 680 bits in 3 subframes
  t.is(NB_IOT_TBS[10]![3], 680);
  t.is(NB_IOT_TBS[5]![2], 224); // OAI's copy has 244
  t.is(NB_IOT_TBS[13]![3], 1032); // OAI's copy has 1128
  t.is(NB_IOT_TBS[13]![7], 2536); // Cat NB2 maximum
  t.deepEqual([...NB_IOT_N_SF], [1, 2, 3, 4, 5, 6, 8, 10]);
  t.is(tbsBits(nb({ iTbs: 12, iSf: 2 })), 680);
});

test('LTE-M 6-PRB column matches the second typing; Cat-M1 stops at I_TBS 9 (936 ≤ 1000 < 1032)', (t) => {
  t.deepEqual([...LTE_M_TBS_6PRB], LTE_6PRB);
  t.is(tbsBits(ltem({ iTbs: 9 })), 936);
  const e = t.throws(() => tbsBits(ltem({ iTbs: 10 })), { instanceOf: RangeError });
  t.regex(e.message, /iTbs 10/);
  t.regex(e.message, /1032/);
});

test('TBS tables grow along both indices', (t) => {
  for (let i = 0; i < NB_IOT_TBS.length; i++) {
    for (let s = 0; s < 8; s++) {
      const v = NB_IOT_TBS[i]![s]!;
      t.true(v % 8 === 0, `whole bytes at ${i}/${s}`);
      if (s > 0) t.true(v > NB_IOT_TBS[i]![s - 1]!, `row ${i} grows at I_SF ${s}`);
      if (i > 0) t.true(v > NB_IOT_TBS[i - 1]![s]!, `column ${s} grows at I_TBS ${i}`);
    }
  }
  for (let i = 1; i < LTE_M_TBS_6PRB.length; i++) t.true(LTE_M_TBS_6PRB[i]! > LTE_M_TBS_6PRB[i - 1]!);
});

test('Rel-13 NB-IoT single-HARQ unicast peak: 680 bits per 26 ms, about 26 kbit/s', (t) => {
  // NPDCCH 1 + gap 4 + NPDSCH 3 + ACK gap 12 + NPUSCH F2 2 + 3 before the next NPDCCH = 25 ms, and the
  // next DCI waits for a search-space period start (G = 2, R_max = 1): 26 ms.
  const peak = nb({ delivery: 'unicast' });
  t.is(blockTimeMs(peak), 26);
  t.true(Math.abs(bearerRateBps(peak) - 26_000) / 26_000 < 0.05, `${bearerRateBps(peak)} bit/s`);
  // The other 680-bit cell, 4 subframes, fills the period exactly: same 26 ms.
  t.is(blockTimeMs(nb({ iTbs: 10, iSf: 3, delivery: 'unicast' })), 26);
  t.is(unicastRateBps(nb(), 0), bearerRateBps(peak));
});

test('Rel-13 LTE-M HD-FDD peak: about 300 kbit/s over a 3 ms cycle (FD-FDD 800 kbit/s not modelled)', (t) => {
  const peak = ltem();
  t.is(blockTimeMs(peak), 3); // MPDCCH, one idle subframe, PDSCH
  t.true(Math.abs(bearerRateBps(peak) - 300_000) / 300_000 < 0.05, `${bearerRateBps(peak)} bit/s`);
  for (let iTbs = 0; iTbs <= 9; iTbs++)
    for (const repetitions of [1, 2, 4])
      t.true(bearerRateBps(ltem({ iTbs, repetitions })) <= 1000 / 0.003, 'never above 1000 bits per 3 ms');
});

test('SC-MTCH skips the HARQ-ACK wait on NB-IoT; LTE-M unicast costs only retransmissions', (t) => {
  t.is(blockTimeMs(nb()), 8); // NPDCCH 1 + 4 + NPDSCH 3, on the period grid of 2
  t.true(bearerRateBps(nb()) > bearerRateBps(nb({ delivery: 'unicast' })));
  t.is(unicastRateBps(ltem(), 0), bearerRateBps(ltem()));
  t.is(unicastRateBps(nb(), 0.5), unicastRateBps(nb(), 0) / 2);
  t.true(Math.abs(unicastRateBps(ltem(), 0.1) - bearerRateBps(ltem()) * 0.9) < 1e-6);
});

test('rate grows with I_TBS', (t) => {
  for (let s = 0; s < 8; s++)
    for (let i = 1; i < NB_IOT_TBS.length; i++) {
      const c = (iTbs: number) => nb({ iTbs, iSf: s, ueCategory: 'NB2' });
      t.true(bearerRateBps(c(i)) > bearerRateBps(c(i - 1)), `NB-IoT I_SF ${s}, I_TBS ${i}`);
    }
  for (let i = 1; i <= 9; i++)
    t.true(bearerRateBps(ltem({ iTbs: i })) > bearerRateBps(ltem({ iTbs: i - 1 })));
});

test('rate shrinks with repetitions (data and control)', (t) => {
  for (const make of [nb, ltem]) {
    for (const pdcchRepetitions of [1, 8, 64, 256]) {
      const rates = DATA_REPETITIONS.map((repetitions) =>
        bearerRateBps(make({ repetitions, pdcchRepetitions })),
      );
      for (let k = 1; k < rates.length; k++) t.true(rates[k]! <= rates[k - 1]!);
      t.true(rates.at(-1)! < rates[0]!);
    }
    t.true(bearerRateBps(make({ pdcchRepetitions: 64 })) < bearerRateBps(make({ pdcchRepetitions: 1 })));
  }
});

test('NB-IoT anchor carrier and k0 delay lengthen the block time', (t) => {
  // NPDCCH 1 and NPDSCH 3 counted in valid subframes (15 of 20 on the anchor): 4/3 + 4 + 4 = 9.33 → 10.
  t.is(blockTimeMs(nb({ carrier: 'anchor' })), 10);
  t.is(blockTimeMs(nb({ iDelay: 1 })), 12); // k0 = 4 when R_max < 128
  // I_Delay 4: k0 = 16 below R_max 128 (64+4+16+3 = 87 → 128), 128 from R_max 128 (128+4+128+3 → 512).
  t.is(blockTimeMs(nb({ pdcchRepetitions: 64, iDelay: 4 })), 128);
  t.is(blockTimeMs(nb({ pdcchRepetitions: 128, iDelay: 4 })), 512);
});

test('airtime: whole transport blocks with the stated headers', (t) => {
  const c = nb(); // 680 bits = 85 bytes, 81 after MAC 3 + RLC UM 1; 28 bytes of IPv4+UDP per packet
  t.is(airtimeMs(0, c), 0);
  t.is(airtimeMs(81 - 28, c), blockTimeMs(c));
  t.is(airtimeMs(82 - 28, c), 2 * blockTimeMs(c));
  t.is(airtimeMs(512, c), Math.ceil((512 + 28) / 81) * 8);
  // Unicast: 5 header bytes per block (MAC 3 + RLC AM 2), 30 per packet (+ PDCP 2).
  const u = nb({ delivery: 'unicast' });
  t.is(airtimeMs(512, u), Math.ceil((512 + 30) / 80) * 26);
});

test('airtime grows with size and is always whole blocks', (t) => {
  const configs = [
    nb(),
    nb({ delivery: 'unicast' }),
    ltem(),
    ...COVERAGE_LEVELS.map((l) => defaultBearer('nb-iot', l)),
  ];
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.constantFrom(...configs), fc.nat(20_000), fc.nat(2_000), (c, bytes, more) => {
        const a = airtimeMs(bytes, c);
        const blocks = a / blockTimeMs(c);
        return Number.isInteger(blocks) && airtimeMs(bytes + more, c) >= a && (bytes === 0) === (a === 0);
      }),
    ),
  );
});

test('bad inputs are RangeErrors naming the parameter and the value seen', (t) => {
  const cases: [string, () => unknown, RegExp][] = [
    ['I_TBS above the table', () => tbsBits(nb({ iTbs: 14, ueCategory: 'NB2' })), /iTbs 14/],
    ['negative I_TBS', () => tbsBits(nb({ iTbs: -1 })), /iTbs -1/],
    ['fractional I_TBS', () => tbsBits(ltem({ iTbs: 1.5 })), /iTbs 1\.5/],
    ['Cat NB1 has no I_TBS 13', () => tbsBits(nb({ iTbs: 13, iSf: 0 })), /iTbs 13/],
    ['Cat NB1 TBS above 680', () => tbsBits(nb({ iTbs: 5, iSf: 7 })), /iTbs 5.*872/],
    ['I_SF above 7', () => tbsBits(nb({ iSf: 8 })), /iSf 8/],
    [
      'NB-IoT without I_SF',
      () => tbsBits({ rat: 'nb-iot', iTbs: 0, repetitions: 1, pdcchRepetitions: 1 }),
      /iSf/,
    ],
    ['I_SF on LTE-M', () => tbsBits(ltem({ iSf: 0 })), /iSf 0/],
    ['repetitions not in the set', () => bearerRateBps(nb({ repetitions: 3 })), /repetitions 3/],
    ['NPDCCH repetitions', () => bearerRateBps(nb({ pdcchRepetitions: 3 })), /pdcchRepetitions 3/],
    ['MPDCCH above r256', () => bearerRateBps(ltem({ pdcchRepetitions: 512 })), /pdcchRepetitions 512/],
    ['search-space G', () => blockTimeMs(nb({ pdcchPeriodFactor: 3 })), /pdcchPeriodFactor 3/],
    ['I_Delay', () => blockTimeMs(nb({ iDelay: 8 })), /iDelay 8/],
    ['ACK repetitions', () => blockTimeMs(nb({ ackRepetitions: 3 })), /ackRepetitions 3/],
    ['RAT', () => tbsBits(nb({ rat: 'gsm' as Rat })), /rat gsm/],
    ['BLER of 1', () => unicastRateBps(nb(), 1), /blockErrorRate 1/],
    ['BLER NaN', () => unicastRateBps(nb(), Number.NaN), /blockErrorRate NaN/],
    ['negative bytes', () => airtimeMs(-1, nb()), /bytes -1/],
    ['fractional bytes', () => airtimeMs(1.5, nb()), /bytes 1\.5/],
    ['a block too small for its headers', () => airtimeMs(10, nb({ iTbs: 0, iSf: 0 })), /iTbs 0.*16-bit/],
    ['MCL not a number', () => coverageLevelFor(Number.NaN), /mclDb.*NaN/],
  ];
  for (const [what, run, message] of cases) {
    const e = t.throws(run, { instanceOf: RangeError }, what);
    t.regex(e.message, message, what);
  }
});

test('CE levels by coupling loss: 144 / 154 / 164 dB, beyond that out of coverage', (t) => {
  const seen: [number, CoverageLevel | null][] = [
    [100, 0],
    [144, 0],
    [144.1, 1],
    [154, 1],
    [154.5, 2],
    [164, 2],
    [164.1, null],
  ];
  for (const [mcl, level] of seen) t.is(coverageLevelFor(mcl), level, `${mcl} dB`);
});

test('default coverage settings are valid and get slower with each CE level', (t) => {
  for (const rat of ['nb-iot', 'lte-m'] as const) {
    let previous = Number.POSITIVE_INFINITY;
    for (const level of COVERAGE_LEVELS) {
      const c = DEFAULT_COVERAGE[rat][level];
      t.true(c.blerTarget > 0 && c.blerTarget < 1);
      const rate = bearerRateBps(defaultBearer(rat, level));
      t.true(rate < previous, `${rat} level ${level}: ${rate} bit/s`);
      t.true(unicastRateBps(defaultBearer(rat, level), c.blerTarget) < rate);
      previous = rate;
    }
    // CE mode A keeps PDSCH repetitions within 32 on LTE-M levels 0 and 1.
    if (rat === 'lte-m') t.true(DEFAULT_COVERAGE[rat][1].repetitions <= 32);
  }
});
