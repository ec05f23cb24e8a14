import test from 'ava';
import {
  CUT_KINDS,
  cutAtOperation,
  EmulatedFlash,
  FlashError,
  type FlashGeometry,
  PowerCutError,
} from '../firmware-stubs/flash/index.ts';

const geometry: FlashGeometry = { sectorSize: 64, sectorCount: 4, writeAlign: 8, erasedValue: 0xff };
const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);

test('a fresh flash reads erased, in both erased polarities', (t) => {
  t.true(new EmulatedFlash(geometry).isErased(0, 256));
  const zero = new EmulatedFlash({ ...geometry, erasedValue: 0x00 });
  t.deepEqual([...zero.read(0, 4)], [0, 0, 0, 0]);
});

test('a write lands, a second write to the same bytes is refused until the sector is erased', (t) => {
  const flash = new EmulatedFlash(geometry);
  flash.write(8, bytes(8, 0x12));
  t.deepEqual([...flash.read(8, 8)], Array(8).fill(0x12));
  t.throws(() => flash.write(8, bytes(8, 0xff)), { instanceOf: FlashError, message: /already written/ });
  t.throws(() => flash.write(0, bytes(16, 0x00)), { instanceOf: FlashError });
  flash.eraseSector(0);
  t.true(flash.isErased(0, 64));
  flash.write(8, bytes(8, 0x34));
  t.is(flash.read(8, 1)[0], 0x34);
});

test('writes must be aligned in start and length; ranges stay inside the flash', (t) => {
  const flash = new EmulatedFlash(geometry);
  t.throws(() => flash.write(4, bytes(8, 1)), { instanceOf: FlashError, message: /aligned/ });
  t.throws(() => flash.write(0, bytes(6, 1)), { instanceOf: FlashError, message: /aligned/ });
  t.throws(() => flash.write(256, bytes(8, 1)), { instanceOf: FlashError, message: /past the end/ });
  t.throws(() => flash.eraseSector(4), { instanceOf: FlashError });
  t.is(flash.opCount, 0, 'rule violations never reach the hardware');
});

test('every write and erase is counted and passes the fault point', (t) => {
  const seen: string[] = [];
  const flash = new EmulatedFlash(geometry, {
    faultPoint: (op) => {
      seen.push(`${op.index}:${op.kind}`);
      return 'proceed';
    },
  });
  flash.write(0, bytes(8, 1));
  flash.eraseSector(1);
  flash.read(0, 64);
  t.is(flash.opCount, 2);
  t.deepEqual(seen, ['0:write', '1:erase']);
});

test('cut before: nothing happens and the flash is unpowered until a power cycle', (t) => {
  const flash = new EmulatedFlash(geometry, { faultPoint: cutAtOperation(0, 'before') });
  t.throws(() => flash.write(0, bytes(8, 1)), { instanceOf: PowerCutError });
  t.true(flash.isErased(0, 8));
  t.throws(() => flash.write(8, bytes(8, 1)), { instanceOf: PowerCutError, message: /unpowered/ });
  flash.powerCycle();
  flash.write(0, bytes(8, 1));
  t.is(flash.read(0, 1)[0], 1);
});

test('cut after: the operation completed, then power went', (t) => {
  const flash = new EmulatedFlash(geometry, { faultPoint: cutAtOperation(0, 'after') });
  t.throws(() => flash.write(0, bytes(8, 7)), { instanceOf: PowerCutError });
  t.deepEqual([...flash.read(0, 8)], Array(8).fill(7));
  t.false(flash.powered);
});

test('a torn write lands a seeded prefix; the same seed tears the same way', (t) => {
  const tear = (seed: number) => {
    const flash = new EmulatedFlash(geometry, { seed, faultPoint: cutAtOperation(0, 'tear') });
    t.throws(() => flash.write(0, bytes(64, 0x00)), { instanceOf: PowerCutError });
    return [...flash.read(0, 64)];
  };
  const a = tear(5);
  t.deepEqual(a, tear(5));
  const full = a.indexOf(0xff) === -1 ? 64 : a.findIndex((b) => b !== 0x00);
  t.true(full < 64, 'not the whole write');
  t.true(
    a.slice(full + 1).every((b) => b === 0xff),
    'nothing after the torn byte',
  );
  const seeds = [1, 2, 3, 4, 6, 7].map((s) => JSON.stringify(tear(s)));
  t.true(new Set(seeds).size > 1, 'different seeds tear at different places');
});

test('a torn erase clears a prefix of the sector; the rest keeps its bytes and stays written', (t) => {
  const flash = new EmulatedFlash(geometry, { seed: 3 });
  flash.write(0, bytes(64, 0x00));
  flash.setFaultPoint(cutAtOperation(1, 'tear'));
  t.throws(() => flash.eraseSector(0), { instanceOf: PowerCutError });
  const data = [...flash.read(0, 64)];
  const erased = data.indexOf(0x00);
  t.true(erased > 0 && erased < 64);
  t.true(data.slice(0, erased).every((b) => b === 0xff));
  t.true(data.slice(erased).every((b) => b === 0x00));
  flash.powerCycle();
  flash.setFaultPoint(undefined);
  t.throws(() => flash.write(56, bytes(8, 1)), { instanceOf: FlashError, message: /already written/ });
});

test('a bad region fails writes with a FlashError and leaves the bytes erased', (t) => {
  const flash = new EmulatedFlash(geometry, { badRegions: [{ offset: 64, length: 16, failRate: 1 }] });
  t.throws(() => flash.write(64, bytes(8, 1)), { instanceOf: FlashError, message: /bad region/ });
  t.true(flash.isErased(64, 8));
  flash.write(80, bytes(8, 1));
  t.is(flash.read(80, 1)[0], 1);
});

test('contents survive a power cycle and a clone is independent', (t) => {
  const flash = new EmulatedFlash(geometry);
  flash.write(0, bytes(8, 9));
  flash.powerCycle();
  const copy = flash.clone();
  copy.eraseSector(0);
  t.is(flash.read(0, 1)[0], 9);
  t.true(copy.isErased(0, 8));
  t.deepEqual(CUT_KINDS, ['before', 'tear', 'after']);
});
