import test from 'ava';
import { VirtualClock } from '../src/clock/index.ts';
import type { SampleBlock } from '../src/power/index.ts';
import { SimulatedMeter } from '../src/power/sim/index.ts';

const square = (t0: number) => ({ at: (t: number) => (Math.floor((t - t0) / 100) % 2 === 0 ? 1000 : 10) });

test('the simulated meter samples the source at its rate, in virtual time, without noise exactly', async (t) => {
  const clock = new VirtualClock();
  const meter = new SimulatedMeter({
    spec: 'sim:square',
    clock,
    source: square(clock.now()),
    rateHz: 10_000,
  });
  const blocks: SampleBlock[] = [];
  await meter.start({ samples: (b) => blocks.push(b) });
  // The block covering the last 10 ms arrives at 1000 ms; stop just after it.
  await clock.sleep(1001);
  await meter.stop();
  const n = blocks.reduce((s, b) => s + b.uA.length, 0);
  t.is(n, 10_000);
  t.deepEqual(
    blocks.map((b) => b.start),
    blocks.map((_, i) => i * 100),
  );
  // Half the time at 1000 µA, half at 10 µA: mean 505 µA.
  const sum = blocks.reduce((s, b) => s + b.uA.reduce((x, y) => x + y, 0), 0);
  t.is(sum / n, 505);
});

test('the same seed gives the same noisy samples; another seed does not', async (t) => {
  const run = async (seed: number) => {
    const clock = new VirtualClock();
    const meter = new SimulatedMeter({
      spec: 'sim',
      clock,
      source: { at: () => 100 },
      rateHz: 1000,
      seed,
      noise: { relative: 0.01, floorUa: 0.1 },
    });
    const values: number[] = [];
    await meter.start({ samples: (b) => values.push(...b.uA) });
    await clock.sleep(100);
    await meter.stop();
    return values;
  };
  t.deepEqual(await run(1), await run(1));
  t.notDeepEqual(await run(1), await run(2));
});

test('a bad source voltage is refused naming the meter', async (t) => {
  const meter = new SimulatedMeter({ spec: 'sim:x', clock: new VirtualClock(), source: { at: () => 0 } });
  await t.throwsAsync(meter.setVoltage(12_000), {
    message: /meter sim:x: source voltage 12000 mV is outside/,
  });
});
