import test from 'ava';
import { sweepPowerCuts } from '../firmware-stubs/agent/index.ts';
import { failureOf, prepareSweep, recover, type SweepOptions } from '../firmware-stubs/agent/sweep.ts';
import { CUT_KINDS, cutAtOperation, EmulatedFlash, PowerCutError } from '../firmware-stubs/flash/index.ts';

/** The sweep as first written: replay the scenario from the base flash up to each cut, on a full copy. */
function replaySweep(options: SweepOptions) {
  const setup = prepareSweep(options);
  const clean = setup.base.clone();
  setup.run(clean);
  const ops = clean.opCount - setup.base.opCount;
  const afterCut = { old: 0, new: 0 };
  const failures = [];
  for (let opIndex = 0; opIndex < ops; opIndex++)
    for (const cutKind of CUT_KINDS) {
      const pointSeed = (setup.seed * 1_000_003 + opIndex * 3 + CUT_KINDS.indexOf(cutKind)) >>> 0;
      const flash = setup.base.clone(pointSeed);
      flash.setFaultPoint(cutAtOperation(setup.base.opCount + opIndex, cutKind));
      try {
        try {
          setup.run(flash);
          throw new Error('no cut');
        } catch (e) {
          if (!(e instanceof PowerCutError)) throw e;
        }
        flash.setFaultPoint(undefined);
        flash.powerCycle();
        const ranNew = recover(flash, setup.agentOptions, setup.scenario, setup.oldImage, setup.newImage);
        afterCut[ranNew ? 'new' : 'old']++;
      } catch (e) {
        failures.push(failureOf(e, setup.seed, opIndex, cutKind));
      }
    }
  return { opsPerUpdate: ops, afterCut, failures };
}

for (const options of [
  { scenario: 'upgrade' as const },
  { scenario: 'revert' as const, geometry: { writeAlign: 1, erasedValue: 0x00 as const }, seed: 7 },
  { mode: 'overwrite-only' as const, seed: 3 },
  { bug: 'image-ok-before-copy' as const, seed: 2 },
])
  test(`the snapshot sweep finds exactly what replaying every point finds: ${JSON.stringify(options)}`, (t) => {
    const fast = sweepPowerCuts(options);
    const slow = replaySweep(options);
    t.is(fast.opsPerUpdate, slow.opsPerUpdate);
    t.deepEqual(fast.afterCut, slow.afterCut);
    t.deepEqual(fast.failures, slow.failures);
  });

const geometry = { sectorSize: 64, sectorCount: 4, writeAlign: 8, erasedValue: 0xff as const };

test('copy-on-write flash: clones share sectors until one side changes them, and stay independent', (t) => {
  const a = new EmulatedFlash(geometry);
  a.write(0, new Uint8Array(64).fill(1));
  const b = a.clone();
  t.is(b.contentKey(0, 64), a.contentKey(0, 64));
  b.eraseSector(0);
  b.write(0, new Uint8Array(8).fill(2));
  t.is(a.read(0, 1)[0], 1);
  t.is(b.read(0, 1)[0], 2);
  t.not(b.contentKey(0, 64), a.contentKey(0, 64));
  a.write(64, new Uint8Array(8).fill(3));
  t.true(b.isErased(64, 64));
  t.throws(() => b.write(0, new Uint8Array(8).fill(4)), { message: /already written/ });
});

test('copySector is an erase and a write (counted, faultable) that leaves equal bytes with an equal content key', (t) => {
  const flash = new EmulatedFlash(geometry);
  flash.write(
    0,
    Uint8Array.from({ length: 64 }, (_, i) => i),
  );
  const before = flash.opCount;
  flash.copySector(0, 2);
  t.is(flash.opCount - before, 2);
  t.deepEqual(flash.read(128, 64), flash.read(0, 64));
  t.is(flash.contentKey(128, 64).split(':').pop(), flash.contentKey(0, 64).split(':').pop());
  t.true(flash.matches(128, flash.read(0, 64)));
  t.throws(() => flash.write(128, new Uint8Array(8)), { message: /already written/ });
  // A torn copy: the source stays whole, the target holds a prefix of it and reads as changed.
  const torn = flash.clone(5);
  torn.setFaultPoint(cutAtOperation(torn.opCount + 1, 'tear'));
  t.throws(() => torn.copySector(0, 3), { instanceOf: PowerCutError });
  torn.powerCycle();
  t.deepEqual(torn.read(0, 64), flash.read(0, 64));
  t.false(torn.matches(192, flash.read(0, 64)));
  t.not(torn.contentKey(192, 64).split(':').pop(), flash.contentKey(0, 64).split(':').pop());
});
