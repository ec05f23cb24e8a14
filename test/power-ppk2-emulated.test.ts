/**
 * The PPK2 driver against the emulated PPK2 twin (written separately from the same protocol reference):
 * in-process on a VirtualClock, and over a real pty on real time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import {
  createEmulatedModule,
  createEmulatedPpk2,
  type Ppk2FaultSettings,
  servePpk2Pty,
} from '../firmware-stubs/index.ts';
import { RealClock, VirtualClock } from '../src/clock/index.ts';
import { MeterError, Ppk2Meter, type SampleBlock, type SampleGap } from '../src/power/index.ts';

async function record(options: {
  current: (t: number) => number;
  faults?: Ppk2FaultSettings;
  ms: number;
  seed?: number;
}) {
  const clock = new VirtualClock();
  const ppk2 = createEmulatedPpk2({
    clock,
    seed: options.seed ?? 5,
    current: options.current,
    noiseCounts: 0,
    ...(options.faults ? { faults: options.faults } : {}),
  });
  const meter = new Ppk2Meter({ transport: ppk2.host, clock, spikeFilter: false, name: 'ppk2-emulated' });
  await meter.open();
  await meter.setMode('source');
  await meter.setVoltage(3800);
  await meter.setDutPower(true);
  const blocks: SampleBlock[] = [];
  const gaps: SampleGap[] = [];
  const errors: Error[] = [];
  await meter.start({
    samples: (b) => blocks.push(b),
    gap: (g) => gaps.push(g),
    error: (e) => errors.push(e),
  });
  await clock.sleep(options.ms);
  await meter.stop();
  await meter.close();
  const values = blocks.flatMap((b) => [...b.uA]);
  return { blocks, gaps, errors, values, ppk2, clock };
}

test('a constant current in each range comes back within one ADC step', async (t) => {
  for (const uA of [3.3, 47, 820, 15_000, 180_000]) {
    const r = await record({ current: () => uA, ms: 200 });
    const step = Math.max(
      ...([0, 1, 2, 3, 4] as const)
        .map((range) => r.ppk2.resolutionMicroAmps(range))
        .filter((s) => s <= uA * 0.05 || s < 0.05),
    );
    const worst = Math.max(...r.values.map((v) => Math.abs(v - uA)));
    t.true(r.values.length >= 19_000, `${uA} µA: ${r.values.length} samples`);
    t.true(worst <= Math.max(step, uA * 0.01), `${uA} µA: worst error ${worst} µA`);
    t.deepEqual(r.gaps, []);
  }
});

test('an emulated BG95 booting and attaching: the charge measured equals its current timeline', async (t) => {
  const clock = new VirtualClock();
  const module = createEmulatedModule({ profile: 'quectel-bg95', clock, seed: 2 });
  const ppk2 = createEmulatedPpk2({
    clock,
    seed: 2,
    current: (tt) => module.timeline.at(tt).uA,
    noiseCounts: 0,
  });
  ppk2.on('dut-power', (on) => (on ? module.powerOn() : module.cutPower()));
  const meter = new Ppk2Meter({ transport: ppk2.host, clock, spikeFilter: false });
  t.teardown(() => module.close());
  await meter.open();
  await meter.setMode('source');
  const blocks: SampleBlock[] = [];
  await meter.start({ samples: (b) => blocks.push(b) });
  await meter.setDutPower(true);
  await clock.sleep(12_000);
  await meter.stop();
  await meter.close();
  const first = blocks[0]!;
  const n = blocks.reduce((s, b) => s + b.uA.length, 0);
  const measuredUc = blocks.reduce((s, b) => s + b.uA.reduce((x, y) => x + y, 0), 0) / 100_000; // µA·s
  const from = first.t0;
  const to = from + n * 0.01;
  const expectedUc = module.timeline.chargeMicroAmpMs(from, to) / 1000;
  t.true(expectedUc > 100_000, `the module drew ${expectedUc} µC`);
  t.true(
    Math.abs(measuredUc - expectedUc) / expectedUc < 0.005,
    `measured ${measuredUc} µC vs timeline ${expectedUc} µC`,
  );
});

test('fault: counter gaps are reported exactly, and a gap of 64 is found from time', async (t) => {
  const small = await record({
    current: () => 100,
    faults: { counterGap: { probability: 0.2, samples: [5, 17] } },
    ms: 500,
  });
  const lost = small.gaps.reduce((s, g) => s + g.count, 0);
  t.true(small.gaps.length > 0);
  t.true(small.gaps.every((g) => g.cause === 'counter' && (g.count === 5 || g.count === 17)));
  t.is(small.values.length + lost, small.blocks.at(-1)!.start + small.blocks.at(-1)!.uA.length);
  const sixtyFour = await record({
    current: () => 100,
    faults: { counterGap: { probability: 0.05, samples: 64 } },
    ms: 2000,
  });
  const found = sixtyFour.gaps.filter((g) => g.cause === 'wall-time').reduce((s, g) => s + g.count, 0);
  t.true(found > 0 && found % 64 === 0, `wall-time gaps found: ${found} samples`);
});

test('fault: a dropped byte is realigned and reported; invalid range bits read as NaN', async (t) => {
  const dropped = await record({ current: () => 250, faults: { dropByte: 0.05 }, ms: 1000 });
  t.true(dropped.gaps.some((g) => g.cause === 'realign'));
  t.true(dropped.values.filter((v) => !Number.isNaN(v)).every((v) => Math.abs(v - 250) < 5));
  const invalid = await record({ current: () => 250, faults: { invalidRange: 0.01 }, ms: 500 });
  const nan = invalid.values.filter((v) => Number.isNaN(v)).length;
  t.true(nan > 200 && nan < 800, `${nan} NaN samples of ${invalid.values.length}`);
});

test('fault: odd chunk splits change nothing', async (t) => {
  const plain = await record({ current: (tt) => (tt % 20 < 10 ? 50 : 5000), ms: 300, seed: 9 });
  const split = await record({
    current: (tt) => (tt % 20 < 10 ? 50 : 5000),
    faults: { splitWrites: 1 },
    ms: 300,
    seed: 9,
  });
  t.deepEqual(split.values, plain.values);
  t.deepEqual(split.gaps, []);
});

test('fault: data still arriving after stop ends with stop(); nothing is delivered after it resolves', async (t) => {
  const clock = new VirtualClock();
  const ppk2 = createEmulatedPpk2({
    clock,
    seed: 3,
    current: () => 100,
    noiseCounts: 0,
    faults: { trailingBlocks: 5 },
  });
  const meter = new Ppk2Meter({ transport: ppk2.host, clock, spikeFilter: false });
  await meter.open();
  let n = 0;
  await meter.start({ samples: (b) => (n += b.uA.length) });
  await clock.sleep(100);
  await meter.stop();
  const atStop = n;
  await clock.sleep(500);
  t.is(n, atStop);
  t.true(atStop >= 9000);
  await meter.close();
});

test('another device on the port, and a PPK2 that stops streaming, give clear errors', async (t) => {
  const clock = new VirtualClock();
  const foreign = createEmulatedPpk2({ clock, faults: { foreignDevice: true } });
  const meter = new Ppk2Meter({ transport: foreign.host, clock, name: 'ppk2-x' });
  await t.throwsAsync(meter.open(), { instanceOf: MeterError, message: /meter ppk2-x/ });
  const stalled = await record({ current: () => 100, faults: { stallAfterSamples: 30_000 }, ms: 2000 });
  t.is(stalled.errors.length, 1);
  t.true(stalled.errors[0] instanceof MeterError);
  t.true(stalled.values.length >= 30_000 - 1000, 'what came before the stall is kept');
});

test('over a real pty (socat): the PPK2 driver reads the emulated PPK2 in real time', async (t) => {
  const clock = new RealClock();
  const dir = mkdtempSync(join(tmpdir(), 'rig-ppk2-'));
  const link = join(dir, 'ppk2');
  const ppk2 = createEmulatedPpk2({ clock, seed: 1, current: () => 300, noiseCounts: 0 });
  const server = await servePpk2Pty(ppk2, link);
  t.teardown(async () => {
    await server.close();
    await ppk2.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const meter = new Ppk2Meter({
    port: link,
    clock,
    spikeFilter: false,
    lockDir: join(dir, 'locks'),
    discovery: { extraPaths: [link] },
  });
  await meter.open();
  await meter.setDutPower(true);
  const values: number[] = [];
  const gaps: SampleGap[] = [];
  await meter.start({ samples: (b) => values.push(...b.uA), gap: (g) => gaps.push(g) });
  await clock.sleep(1000);
  await meter.stop();
  await meter.close();
  // Real time over a real pty: a loaded machine may deliver fewer, but never wrong ones.
  t.true(values.length > 20_000, `${values.length} samples in 1 s`);
  const off = values.filter((v) => !(Math.abs(v - 300) < 20));
  t.deepEqual(off.slice(0, 10), [], `${off.length} samples off`); // range 2: one ADC step is 4-15 µA
  // The byte stream itself is intact (no counter or realign losses); a host stall may show as wall-time gaps.
  t.deepEqual(
    gaps.filter((g) => g.cause !== 'wall-time'),
    [],
  );
});
