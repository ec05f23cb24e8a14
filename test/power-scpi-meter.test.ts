import test from 'ava';
import { type ScpiPersonalityName, startScpiInstrument } from '../firmware-stubs/scpi/index.ts';
import { VirtualClock } from '../src/clock/index.ts';
import { MeterError, type SampleBlock, type SampleGap } from '../src/power/index.ts';
import { ScpiMeter, type ScpiMeterOptions } from '../src/power/scpi/index.ts';

const ORIGIN = Date.UTC(2026, 0, 1);
const PERIOD_MS = 250;
/** Phase boundaries within a period: a 30 ms transmit burst, 50 ms connected, then PSM floor. */
const EDGES = [0, 30, 80, PERIOD_MS];

/** A module's current as the rig sees it: 250 mA burst, 25 mA tail, 3 µA sleep, every 250 ms. */
function dutCurrent(t: number): number {
  const phase = (((t - ORIGIN) % PERIOD_MS) + PERIOD_MS) % PERIOD_MS;
  if (phase < 30) return 250_000;
  if (phase < 80) return 25_000;
  return 3;
}

/** Samples too close to an edge for float rounding to say on which side they fall. */
function nearEdge(t: number): boolean {
  const phase = (((t - ORIGIN) % PERIOD_MS) + PERIOD_MS) % PERIOD_MS;
  return EDGES.some((e) => Math.abs(phase - e) < 1e-4);
}

async function rig(personality: ScpiPersonalityName, options: Partial<ScpiMeterOptions> = {}) {
  const clock = new VirtualClock({ start: ORIGIN });
  const running = await startScpiInstrument({ clock, personality, current: dutCurrent });
  const meter = new ScpiMeter({ spec: running.address, clock, acquisitionS: 0.2, ...options });
  return {
    clock,
    running,
    meter,
    async [Symbol.asyncDispose]() {
      await meter.close();
      await running.close();
    },
  };
}

interface Recorded {
  blocks: SampleBlock[];
  gaps: SampleGap[];
  errors: Error[];
}

async function record(meter: ScpiMeter, clock: VirtualClock, forMs: number): Promise<Recorded> {
  const r: Recorded = { blocks: [], gaps: [], errors: [] };
  await meter.start({
    samples: (b) => r.blocks.push(b),
    gap: (g) => r.gaps.push(g),
    error: (e) => r.errors.push(e),
  });
  await clock.sleep(forMs);
  await meter.stop();
  return r;
}

/** Every sample against the source at its own instant; returns how many were compared. */
function assertShape(
  t: import('ava').ExecutionContext,
  blocks: SampleBlock[],
  rateHz: number,
  relTol: number,
): number {
  let compared = 0;
  for (const b of blocks) {
    for (let k = 0; k < b.uA.length; k++) {
      const at = b.t0 + (k * 1000) / rateHz;
      if (nearEdge(at)) continue;
      const expected = dutCurrent(at);
      const got = b.uA[k]!;
      if (Math.abs(got - expected) > expected * relTol) {
        t.fail(
          `block ${b.start} sample ${k} at +${(at - ORIGIN).toFixed(4)} ms: ${got} µA, source ${expected} µA`,
        );
        return compared;
      }
      compared++;
    }
  }
  return compared;
}

/** Blocks and gaps tile the index line, and each block's index agrees with its time. */
function assertTiling(t: import('ava').ExecutionContext, r: Recorded, rateHz: number): void {
  let next = 0;
  const gaps = [...r.gaps];
  for (const b of r.blocks) {
    if (gaps[0]?.at === next) next += gaps.shift()!.count;
    t.is(b.start, next, 'a block starts where the previous one (and its gap) ended');
    const fromTime = ((b.t0 - r.blocks[0]!.t0) * rateHz) / 1000;
    t.true(Math.abs(fromTime - b.start) <= 1, `block ${b.start}: time says index ${fromTime}`);
    next += b.uA.length;
  }
  t.is(gaps.length, 0);
}

test('N6705C + N6781A: identified, configured, and streaming the source current back', async (t) => {
  await using r = await rig('n6705c');
  await r.meter.open();
  t.like(r.meter.info, {
    kind: 'scpi',
    model: 'Keysight Technologies N6705C + N6781A (channel 1)',
    serial: 'MY56000123',
  });
  t.is(r.meter.info.spec, `scpi:${r.running.address}`);
  // 20.48 µs asked, 20.48 µs granted (a multiple of the 5.12 µs resolution with current only).
  t.true(Math.abs(r.meter.rateHz - 1 / 20.48e-6) < 1e-6);
  const received = r.running.instrument.received;
  t.true(received.includes('SENS:FUNC:VOLT OFF,(@1)'));
  t.true(received.includes('SENS:SWE:POIN 9766,(@1)'));
  t.true(received.includes('TRIG:ACQ:SOUR BUS,(@1)'));
  t.true(received.includes('FORM REAL'));

  await r.meter.setVoltage(3800);
  t.is(r.meter.voltageMv, 3800);
  t.true(received.includes('VOLT 3.8,(@1)'));
  await r.meter.setDutPower(true);
  t.true(r.running.instrument.outputOn);

  const rec = await record(r.meter, r.clock, 1000);
  t.deepEqual(rec.errors, []);
  t.true(rec.blocks.length >= 4, `${rec.blocks.length} acquisitions`);
  t.true(rec.blocks.every((b) => b.uA.length === 9766));
  const compared = assertShape(t, rec.blocks, r.meter.rateHz, 1e-6);
  t.true(compared > 0.99 * rec.blocks.length * 9766, `${compared} samples compared`);
  // Reading a 39 kB block at the emulated 1 MB/s output rate leaves ~39 ms unsampled each time.
  t.is(rec.gaps.length, rec.blocks.length - 1);
  for (const g of rec.gaps) {
    t.is(g.cause, 'rearm');
    t.regex(g.detail!, /re-arm between acquisitions: [\d.]+ ms not sampled/);
    t.true(g.count > 1500 && g.count < 2500, `gap of ${g.count} samples`);
  }
  assertTiling(t, rec, r.meter.rateHz);

  await r.meter.setDutPower(false);
  t.false(r.running.instrument.outputOn);
});

test('N6705C with ASCII transfer: the same shape through comma lists', async (t) => {
  await using r = await rig('n6705c', { transfer: 'ascii', sampleIntervalS: 1e-4 });
  await r.meter.open();
  t.true(r.running.instrument.received.includes('FORM ASC'));
  // 100 µs asked: the instrument rounds to 20 × 5.12 µs = 102.4 µs.
  t.true(Math.abs(r.meter.rateHz - 1 / 102.4e-6) < 1e-6);
  await r.meter.setDutPower(true);
  const rec = await record(r.meter, r.clock, 600);
  t.deepEqual(rec.errors, []);
  t.true(assertShape(t, rec.blocks, r.meter.rateHz, 1e-5) > 0);
  assertTiling(t, rec, r.meter.rateHz);
});

test('N6705C: with the output off the stream reads zero', async (t) => {
  await using r = await rig('n6705c', { acquisitionS: 0.05 });
  await r.meter.open();
  await r.meter.setDutPower(false);
  const rec = await record(r.meter, r.clock, 100);
  t.true(rec.blocks.length > 0);
  t.true(rec.blocks.every((b) => b.uA.every((x) => x === 0)));
});

test('N6705C ampere mode: the SMU becomes an ammeter, the voltage is only remembered', async (t) => {
  await using r = await rig('n6705c');
  await r.meter.open();
  await r.meter.setMode('ampere');
  const before = r.running.instrument.received.length;
  await r.meter.setVoltage(3700);
  t.is(r.meter.voltageMv, 3700);
  t.true(r.running.instrument.received.includes('EMUL AMET,(@1)'));
  t.false(r.running.instrument.received.slice(before).some((l) => l.startsWith('VOLT')));
  await r.meter.setMode('source');
  t.true(r.running.instrument.received.includes('EMUL PS2Q,(@1)'));
});

test('stop() delivers the acquisition in progress, then nothing more arrives', async (t) => {
  await using r = await rig('n6705c');
  await r.meter.open();
  await r.meter.setDutPower(true);
  const blocks: SampleBlock[] = [];
  await r.meter.start({ samples: (b) => blocks.push(b) });
  await r.clock.sleep(50);
  const stopping = r.meter.stop();
  await stopping;
  t.is(blocks.length, 1, 'the acquisition armed before stop() came through');
  await r.clock.sleep(2000);
  t.is(blocks.length, 1);
  // And a new stream can start on the same connection.
  const again = await record(r.meter, r.clock, 300);
  t.true(again.blocks.length >= 1);
  t.is(again.blocks[0]!.start, 0);
});

test('Keithley 2280S: identified, buffer acquisitions back to back, interval learned from the buffer', async (t) => {
  await using r = await rig('k2280s');
  await r.meter.open();
  t.like(r.meter.info, { kind: 'scpi', model: 'KEITHLEY INSTRUMENTS 2280S-32-6', serial: '4386452' });
  // NPLC 0.002 at 50 Hz is 40 µs of aperture; the emulated unit adds 200 µs per reading.
  t.true(Math.abs(r.meter.rateHz - 1 / 240e-6) < 1e-3, `rate ${r.meter.rateHz}`);
  const received = r.running.instrument.received;
  for (const line of [
    'INIT:CONT OFF',
    'SENS:FUNC "CURR"',
    'SENS:CURR:NPLC 0.002',
    'TRAC:POIN 2500',
    'TRIG:SAMP:COUN 2500',
  ]) {
    t.true(received.includes(line), line);
  }
  await r.meter.setVoltage(3800);
  t.true(received.includes('VOLT 3.8'));
  await r.meter.setDutPower(true);
  t.true(r.running.instrument.outputOn);

  const rec = await record(r.meter, r.clock, 2000);
  t.deepEqual(rec.errors, []);
  t.true(rec.blocks.length >= 3);
  t.true(rec.blocks.every((b) => b.uA.length === 2500));
  t.true(assertShape(t, rec.blocks, r.meter.rateHz, 1e-6) > 0.99 * rec.blocks.length * 2500);
  t.is(rec.gaps.length, rec.blocks.length - 1);
  assertTiling(t, rec, r.meter.rateHz);
});

test('Keithley 2280S cannot sit in series: ampere mode is refused with a clear error', async (t) => {
  await using r = await rig('k2280s');
  await r.meter.open();
  const error = await t.throwsAsync(r.meter.setMode('ampere'), { instanceOf: MeterError });
  t.regex(
    error.message,
    /setMode\(ampere\): .*2280S-32-6.*: ampere mode: a 2280S only measures its own output/,
  );
  t.is(r.meter.mode, 'source');
});

test('a meter that is not open says so', async (t) => {
  const clock = new VirtualClock();
  const meter = new ScpiMeter({ spec: 'tcp://127.0.0.1:5025', clock });
  await t.throwsAsync(meter.setVoltage(3300), { instanceOf: MeterError, message: /setVoltage: not open/ });
  await t.throwsAsync(meter.start({ samples: () => {} }), { message: /start: not open/ });
});
