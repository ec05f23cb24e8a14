import test from 'ava';
import {
  AnnounceError,
  backoff,
  backoffUntil,
  criticalRepetitions,
  type DeviceWakePattern,
  devicesAtRisk,
  drawsReport,
  longestSleepMs,
  type Schedule,
  unplannedLeadTime,
  wakeWindows,
} from '../src/mbms/announce/index.ts';
import { seededRandom } from '../src/random/index.ts';

const at = (iso: string) => Date.parse(iso);
const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;

/** The first service schedule of TS 26.346 11.2A.3 Example 1: one session, three files of ten minutes. */
const fota: Schedule = {
  sessions: [{ start: at('2012-03-01T23:00:00Z'), stop: at('2012-03-01T23:30:00Z') }],
  files: ['model-1', 'model-2', 'model-3'].map((m, i) => ({
    contentLocation: `file://fota.operator.com/swupdate/oem-1/${m}.apk`,
    windows: [
      { start: at('2012-03-01T23:00:00Z') + i * 10 * MIN, stop: at('2012-03-01T23:10:00Z') + i * 10 * MIN },
    ],
  })),
  cancelled: { sessions: [], files: [] },
};

test('a device wanting one file wakes for that file’s window only, widened by the ±1 s clock tolerance', (t) => {
  const windows = wakeWindows(fota, { wantedFiles: ['file://fota.operator.com/swupdate/oem-1/model-2.apk'] });
  t.deepEqual(windows, [
    {
      start: at('2012-03-01T23:10:00Z') - S,
      stop: at('2012-03-01T23:20:00Z') + S,
      sessionIndices: [],
      files: ['file://fota.operator.com/swupdate/oem-1/model-2.apk'],
    },
  ]);
});

test('a device wanting every file stays up for the whole session: adjacent windows merge', (t) => {
  const windows = wakeWindows(fota, { preparationMs: 60 * S });
  t.is(windows.length, 1);
  t.is(windows[0]!.start, at('2012-03-01T23:00:00Z') - 61 * S);
  t.is(windows[0]!.stop, at('2012-03-01T23:30:00Z') + S);
  t.is(windows[0]!.files.length, 3);
});

test('a cancelled file costs no wake-up; an unplaced wanted file costs the whole session', (t) => {
  const cancelled = {
    ...fota,
    cancelled: { sessions: [], files: ['file://fota.operator.com/swupdate/oem-1/model-2.apk'] },
  };
  t.deepEqual(
    wakeWindows(cancelled, { wantedFiles: ['file://fota.operator.com/swupdate/oem-1/model-2.apk'] }),
    [],
  );
  const unplaced = wakeWindows(fota, { wantedFiles: ['file://elsewhere/x.bin'], clockToleranceMs: 0 });
  t.deepEqual(
    unplaced.map((w) => [w.start, w.stop]),
    [[at('2012-03-01T23:00:00Z'), at('2012-03-01T23:30:00Z')]],
  );
});

test('recurring sessions give one window each; cancelled ones none, moved ones at their new time', (t) => {
  const daily: Schedule = {
    sessions: [
      {
        start: at('2026-11-02T02:00:00Z'),
        stop: at('2026-11-02T02:30:00Z'),
        index: 1,
        recurrence: { pattern: 'daily', count: 5 },
      },
    ],
    files: [],
    cancelled: { sessions: [3], files: [] },
    rescheduled: [{ index: 4, start: at('2026-11-05T14:00:00Z'), stop: at('2026-11-05T14:20:00Z') }],
  };
  const windows = wakeWindows(daily, { clockToleranceMs: 0 });
  t.deepEqual(
    windows.map((w) => [new Date(w.start).toISOString(), w.sessionIndices]),
    [
      ['2026-11-02T02:00:00.000Z', [1]],
      ['2026-11-03T02:00:00.000Z', [2]],
      ['2026-11-05T14:00:00.000Z', [4]],
      ['2026-11-06T02:00:00.000Z', [5]],
    ],
  );
  const later = wakeWindows(
    daily,
    { clockToleranceMs: 0 },
    { from: at('2026-11-04T00:00:00Z'), until: at('2026-11-06T00:00:00Z') },
  );
  t.deepEqual(
    later.map((w) => w.sessionIndices),
    [[4]],
  );
});

const day = 24 * H;
const fleet: DeviceWakePattern[] = [
  { id: 'meter-24h', psmPeriodMs: day, activeTimeMs: 10 * S },
  { id: 'meter-12h', psmPeriodMs: 12 * H },
  { id: 'tracker-edrx', edrxCycleMs: 2621.44 * S },
  { id: 'sensor-uplink', psmPeriodMs: 2 * day, uplinkPeriodMs: 6 * H },
];

test('UC2: a fleet whose longest PSM period is 24 h needs a lead time of more than 24 h', (t) => {
  t.is(longestSleepMs(fleet[3]!), 6 * H, 'a device that sends every 6 h is reachable every 6 h');
  const lead = unplannedLeadTime(fleet);
  t.is(lead.longestSleepMs, day);
  t.is(lead.limitingDevice, 'meter-24h');
  t.true(lead.leadTimeMs > day);
  t.is(
    lead.leadTimeMs,
    day + 60 * S + 2 * S,
    'plus one minute of preparation and the clock error of both ends',
  );
  t.deepEqual(devicesAtRisk(23 * H, fleet), ['meter-24h']);
  t.deepEqual(devicesAtRisk(lead.leadTimeMs, fleet), []);
});

test('UC2 cross-check: with random phases, the computed lead time tells every device in time and 23 h does not', (t) => {
  const random = seededRandom(7);
  const preparation = 60 * S;
  const lead = unplannedLeadTime([{ id: 'm', psmPeriodMs: day }]).leadTimeMs;
  let lateWithLead = 0;
  let lateWith23h = 0;
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    const firstContact = random() * day; // next TAU after the announcement
    if (firstContact + preparation + 2 * S > lead) lateWithLead++;
    if (firstContact + preparation + 2 * S > 23 * H) lateWith23h++;
  }
  t.is(lateWithLead, 0);
  t.true(Math.abs(lateWith23h / n - (1 * H + 62 * S) / day) < 0.01, `${lateWith23h / n}`);
});

test('UC3: 24 h PSM meters, first session after 1 h, every 6 h: five sessions reach 95 %', (t) => {
  const plan = criticalRepetitions([{ id: 'meter', psmPeriodMs: day, count: 1000 }], {
    targetFraction: 0.95,
    firstSessionLeadMs: H,
    intervalMs: 6 * H,
    sessionDurationMs: 30 * MIN,
  });
  t.true(plan.achieved);
  t.is(plan.repetitions, 5);
  t.deepEqual(
    plan.sessionOffsetsMs,
    [1, 7, 13, 19, 25].map((h) => h * H),
  );
  t.true(plan.reachedAfter[3]! < 0.95, 'four sessions, the last at 19 h, reach only those told within 19 h');
  t.is(plan.reachedFraction, 1);
  t.true(
    plan.informedBy.every((f, i) => i === 0 || f >= plan.informedBy[i - 1]!),
    'devices missing one are told of the next',
  );
});

test('UC3 with 10 % reception failures: 95 % still needs five sessions, 99 % needs six', (t) => {
  const options = {
    firstSessionLeadMs: H,
    intervalMs: 6 * H,
    sessionDurationMs: 30 * MIN,
    missProbability: 0.1,
  };
  const meters = [{ id: 'meter', psmPeriodMs: day }];
  t.is(criticalRepetitions(meters, { ...options, targetFraction: 0.95 }).repetitions, 5);
  const plan = criticalRepetitions(meters, { ...options, targetFraction: 0.99 });
  t.is(plan.repetitions, 6);
  // Independent check by simulation: phase uniform in the PSM period, each attended session fails 1 in 10.
  const random = seededRandom(11);
  const n = 40_000;
  const reached = new Array<number>(plan.repetitions).fill(0);
  for (let i = 0; i < n; i++) {
    const told = random() * day;
    let has = false;
    for (let k = 0; k < plan.repetitions; k++) {
      if (!has && H + k * 6 * H >= told + S && random() >= 0.1) has = true;
      if (has) reached[k]!++;
    }
  }
  for (let k = 0; k < plan.repetitions; k++) {
    t.true(
      Math.abs(reached[k]! / n - plan.reachedAfter[k]!) < 0.01,
      `session ${k}: ${reached[k]! / n} vs ${plan.reachedAfter[k]}`,
    );
  }
});

test('UC3 mixed fleet: 900 PSM meters and 100 eDRX trackers, paged within 44 min, need 24 hourly sessions', (t) => {
  const plan = criticalRepetitions(
    [
      { id: 'meter', psmPeriodMs: day, count: 900 },
      { id: 'tracker', edrxCycleMs: 2621.44 * S, count: 100 },
    ],
    { targetFraction: 0.95, firstSessionLeadMs: 10 * MIN, intervalMs: H, sessionDurationMs: 20 * MIN },
  );
  t.is(plan.repetitions, 24);
  t.true(
    plan.informedBy[0]! > (0.1 * (10 * MIN - S)) / (2621.44 * S) - 1e-9,
    'trackers are told within their eDRX cycle',
  );
  t.true(plan.reachedAfter[22]! < 0.95 && plan.reachedAfter[23]! >= 0.95);
});

test('UC3 refuses overlapping repetitions and reports an unreachable target', (t) => {
  const err = t.throws(
    () =>
      criticalRepetitions(fleet, {
        targetFraction: 0.9,
        firstSessionLeadMs: 0,
        intervalMs: 10 * MIN,
        sessionDurationMs: 30 * MIN,
      }),
    { instanceOf: AnnounceError },
  );
  t.regex(err.message, /intervalMs must be at least the session duration/);
  const hopeless = criticalRepetitions(fleet, {
    targetFraction: 1,
    firstSessionLeadMs: 0,
    intervalMs: H,
    sessionDurationMs: H,
    missProbability: 0.5,
    maxRepetitions: 30,
  });
  t.false(hopeless.achieved);
  t.is(hopeless.repetitions, 30);
  t.true(hopeless.reachedFraction < 1);
});

test('back-off is offsetTime + U(0, randomTimePeriod) and repeats with the seed', (t) => {
  const draw = (seed: number) => {
    const random = seededRandom(seed);
    return Array.from({ length: 10_000 }, () => backoff(5, 10, random));
  };
  const a = draw(3);
  t.deepEqual(a, draw(3));
  t.notDeepEqual(a, draw(4));
  t.true(a.every((x) => x >= 5 && x < 15));
  const mean = a.reduce((s, x) => s + x, 0) / a.length;
  t.true(Math.abs(mean - 10) < 0.1, `mean ${mean}`);
  t.is(
    backoffUntil(at('2026-11-02T02:30:00Z'), { offsetTime: 5, randomTimePeriod: 10 }, () => 0.5),
    at('2026-11-02T02:30:10Z'),
  );
  t.is(
    backoffUntil(0, { randomTimePeriod: 0 }, () => 0.99),
    0,
    'no offset and no period: right at the end',
  );
  t.throws(() => backoff(5, 10, () => 1), { instanceOf: AnnounceError });
  t.throws(() => backoff(-1, 10, () => 0), { instanceOf: AnnounceError });
});

test('sampling: a 30 % samplePercentage makes about 30 % of devices report; absent means all', (t) => {
  const random = seededRandom(5);
  const n = 20_000;
  let reporting = 0;
  for (let i = 0; i < n; i++) if (drawsReport(30, random)) reporting++;
  t.true(Math.abs(reporting / n - 0.3) < 0.015, `${reporting / n}`);
  t.true(Array.from({ length: 100 }, () => drawsReport(undefined, random)).every(Boolean));
});
