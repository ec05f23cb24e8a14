import test from 'ava';
import { sweepPowerCuts } from '../firmware-stubs/agent/index.ts';

test('swap-scratch upgrade: every op × {before, tear, after} ends on the new image, correctly reported', (t) => {
  const r = sweepPowerCuts({ mode: 'swap-scratch', scenario: 'upgrade' });
  t.true(r.opsPerUpdate > 30);
  t.is(r.points, r.opsPerUpdate * 3);
  t.deepEqual(r.pointsByKind, { before: r.opsPerUpdate, tear: r.opsPerUpdate, after: r.opsPerUpdate });
  t.true(r.afterCut.old > 0 && r.afterCut.new > 0, 'cuts land on both sides of the swap');
  t.deepEqual(r.failures, []);
});

test('swap-scratch revert: every cut of a never-confirmed update ends on the old image', (t) => {
  const r = sweepPowerCuts({ mode: 'swap-scratch', scenario: 'revert' });
  t.true(r.points > 100);
  t.deepEqual(r.failures, []);
});

test('overwrite-only upgrade sweep passes', (t) => {
  const r = sweepPowerCuts({ mode: 'overwrite-only' });
  t.true(r.points > 50);
  t.deepEqual(r.failures, []);
});

for (const geometry of [
  { writeAlign: 1, erasedValue: 0x00 as const },
  { writeAlign: 4, erasedValue: 0xff as const, sectorSize: 128 },
])
  test(`swap-scratch sweep on align ${geometry.writeAlign}, erased 0x${geometry.erasedValue.toString(16)}`, (t) => {
    const r = sweepPowerCuts({ geometry, slotSectors: 8, seed: 7 });
    t.deepEqual(r.failures, []);
  });

test('the broken variant (image ok before the copy) makes the same sweep report bricks with reproducers', (t) => {
  const r = sweepPowerCuts({ bug: 'image-ok-before-copy' });
  t.true(r.failures.length > 0);
  t.true(r.failures.some((f) => f.problem === 'bricked'));
  const f = r.failures[0]!;
  t.is(typeof f.seed, 'number');
  t.true(f.opIndex >= 0 && f.opIndex < r.opsPerUpdate);
  t.true(['before', 'tear', 'after'].includes(f.cutKind));
});
