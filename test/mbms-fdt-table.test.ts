import test from 'ava';
import fc from 'fast-check';
import { VirtualClock } from '../src/clock/index.ts';
import {
  FdtError,
  type FdtInstance,
  FdtTable,
  isNewerFdtInstanceId,
  MAX_FDT_INSTANCE_ID,
  ntpSecondsFromEpochMs,
} from '../src/mbms/fdt/index.ts';

const START = Date.UTC(2026, 0, 1);

function setup() {
  const clock = new VirtualClock({ start: START, autoAdvance: false });
  return { clock, table: new FdtTable(clock) };
}

/** An instance expiring `seconds` after the clock's start, describing `files` as TOI → Content-Location. */
function instance(
  seconds: number,
  files: Record<number, string>,
  extra: Partial<FdtInstance> = {},
): FdtInstance {
  return {
    expires: ntpSecondsFromEpochMs(START) + seconds,
    files: Object.entries(files).map(([toi, contentLocation]) => ({ toi: Number(toi), contentLocation })),
    ...extra,
  };
}

test('an instance whose Expires has passed is ignored; one expiring this very second is used', async (t) => {
  const { clock, table } = setup();
  await clock.advance(10_500);
  t.deepEqual(table.accept(1, instance(9, { 1: 'a' })), { accepted: false, reason: 'expired' });
  t.is(table.byToi(1), undefined);
  const result = table.accept(2, instance(10, { 1: 'a' }));
  t.true(result.accepted);
  t.is(table.byToi(1)?.fdtInstanceId, 2);
});

test('per TOI the description from the highest FDT Instance ID wins, whatever the arrival order', (t) => {
  const { table } = setup();
  table.accept(5, instance(60, { 1: 'fw-v1.bin' }));
  const newer = table.accept(6, instance(60, { 1: 'fw-v2.bin' }));
  t.like(newer, { accepted: true, replaced: [1], added: [] });
  const late = table.accept(4, instance(60, { 1: 'fw-v0.bin', 2: 'notes.txt' }));
  t.like(late, { accepted: true, added: [2], superseded: [1] });
  t.is(table.byToi(1)?.file.contentLocation, 'fw-v2.bin');
  t.is(table.byToi(1)?.fdtInstanceId, 6);
  t.is(table.byToi(2)?.fdtInstanceId, 4, 'an older instance still adds TOIs nobody newer describes');
});

test('instance IDs wrap at 2^20: 0 and 1 are newer than 1048575', (t) => {
  const { table } = setup();
  table.accept(MAX_FDT_INSTANCE_ID - 1, instance(60, { 1: 'a' }));
  table.accept(MAX_FDT_INSTANCE_ID, instance(60, { 1: 'b' }));
  table.accept(0, instance(60, { 1: 'c' }));
  t.is(table.byToi(1)?.file.contentLocation, 'c');
  table.accept(MAX_FDT_INSTANCE_ID, instance(60, { 1: 'stale repeat of b' }));
  t.is(table.byToi(1)?.file.contentLocation, 'c', 'a repetition of a pre-wrap instance does not win');

  t.true(isNewerFdtInstanceId(0, MAX_FDT_INSTANCE_ID));
  t.false(isNewerFdtInstanceId(MAX_FDT_INSTANCE_ID, 0));
  t.false(isNewerFdtInstanceId(7, 7));
  t.true(isNewerFdtInstanceId(2 ** 19 - 1, 0));
  t.false(isNewerFdtInstanceId(2 ** 19, 0), 'half the space apart: neither is newer');
  t.false(isNewerFdtInstanceId(0, 2 ** 19));
});

test('the same ID again is a repetition that refreshes its descriptions', async (t) => {
  const { clock, table } = setup();
  table.accept(3, instance(10, { 1: 'a' }));
  const again = table.accept(3, instance(100, { 1: 'a' }));
  t.like(again, { accepted: true, repeated: true, replaced: [1] });
  await clock.advance(50_000);
  t.is(table.byToi(1)?.file.contentLocation, 'a', 'the repetition extended Expires');
});

test('lookup by Content-Location picks the newest instance when a file moved to a new TOI', (t) => {
  const { table } = setup();
  table.accept(1, instance(60, { 10: 'fw.bin', 11: 'manifest.json' }));
  table.accept(2, instance(60, { 12: 'fw.bin' }));
  t.is(table.byContentLocation('fw.bin')?.toi, 12);
  t.is(table.byContentLocation('manifest.json')?.toi, 11);
  t.is(table.byContentLocation('nothing'), undefined);
});

test('descriptions vanish when their instance expires, and prune reports them', async (t) => {
  const { clock, table } = setup();
  table.accept(1, instance(10, { 1: 'short.bin' }));
  table.accept(2, instance(100, { 2: 'long.bin' }));
  t.is(table.size, 2);
  await clock.advance(10_999);
  t.truthy(table.byToi(1), 'still valid through its Expires second');
  await clock.advance(1);
  t.is(table.byToi(1), undefined);
  t.is(table.byContentLocation('short.bin'), undefined);
  t.deepEqual(table.prune(), [1]);
  t.deepEqual(
    table.entries().map((entry) => entry.toi),
    [2],
  );
  // Once the old instance is gone, its TOI may be reused by anyone (TS 26.346 7.2.9 NOTE 2).
  t.like(table.accept(0, instance(200, { 1: 'reused.bin' })), { added: [1] });
});

test('a newest FullFDT instance drops TOIs it does not list; an older one does not', (t) => {
  const { table } = setup();
  table.accept(1, instance(60, { 1: 'a', 2: 'b' }));
  const full = table.accept(2, instance(60, { 2: 'b', 3: 'c' }, { fullFdt: true }));
  t.like(full, { removed: [1] });
  t.deepEqual(
    table.entries().map((entry) => entry.toi),
    [2, 3],
  );
  const olderFull = table.accept(0, instance(60, { 9: 'z' }, { fullFdt: true }));
  t.like(olderFull, { removed: [], added: [9] });
});

test('FDT Instance IDs outside 20 bits and bad Expires are refused with FdtError', (t) => {
  const { table } = setup();
  for (const id of [-1, MAX_FDT_INSTANCE_ID + 1, 1.5]) {
    const error = t.throws(() => table.accept(id, instance(60, { 1: 'a' })), { instanceOf: FdtError });
    t.true(error.message.includes('FDT Instance ID'));
  }
  t.throws(() => table.accept(1, { expires: 2 ** 32, files: [] }), {
    instanceOf: FdtError,
    message: /Expires/,
  });
});

test('property: each TOI is described by the serially newest instance that listed it, across the wrap', (t) => {
  const base = MAX_FDT_INSTANCE_ID - 20;
  const arrival = fc.array(
    fc.record({
      offset: fc.integer({ min: 0, max: 40 }),
      tois: fc.uniqueArray(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
    }),
    { minLength: 1, maxLength: 25 },
  );
  fc.assert(
    fc.property(arrival, (instances) => {
      const { table } = setup();
      const newest = new Map<number, number>();
      for (const { offset, tois } of instances) {
        const id = (base + offset) % (MAX_FDT_INSTANCE_ID + 1);
        table.accept(id, instance(3600, Object.fromEntries(tois.map((toi) => [toi, `${toi}@${offset}`]))));
        for (const toi of tois) newest.set(toi, Math.max(newest.get(toi) ?? -1, offset));
      }
      for (const [toi, offset] of newest) {
        t.is(table.byToi(toi)?.file.contentLocation, `${toi}@${offset}`);
      }
      t.is(table.size, newest.size);
    }),
    { numRuns: 200 },
  );
});
