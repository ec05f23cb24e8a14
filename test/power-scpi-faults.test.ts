import { createServer } from 'node:net';
import test from 'ava';
import { type ScpiInstrumentOptions, startScpiInstrument } from '../firmware-stubs/scpi/index.ts';
import { VirtualClock } from '../src/clock/index.ts';
import { MeterError, type SampleBlock } from '../src/power/index.ts';
import { connectScpi, ScpiMeter, type ScpiMeterOptions, ScpiTimeoutError } from '../src/power/scpi/index.ts';

const ORIGIN = Date.UTC(2026, 0, 1);
/** 1 mA for the first 10 ms of every 100 ms, 10 µA otherwise. */
const current = (t: number) => ((t - ORIGIN) % 100 < 10 ? 1000 : 10);

async function rig(instrument: Partial<ScpiInstrumentOptions> = {}, meter: Partial<ScpiMeterOptions> = {}) {
  const clock = new VirtualClock({ start: ORIGIN });
  const running = await startScpiInstrument({ clock, current, ...instrument });
  const scpi = new ScpiMeter({ spec: running.address, clock, acquisitionS: 0.1, timeoutMs: 2000, ...meter });
  return {
    clock,
    running,
    meter: scpi,
    async [Symbol.asyncDispose]() {
      await scpi.close();
      await running.close();
    },
  };
}

/** Streams until the meter reports an error (or the clock passes forMs), then stops. */
async function streamUntilError(meter: ScpiMeter, clock: VirtualClock, forMs = 5000) {
  const blocks: SampleBlock[] = [];
  const errors: Error[] = [];
  await meter.start({ samples: (b) => blocks.push(b), error: (e) => errors.push(e) });
  for (let waited = 0; errors.length === 0 && waited < forMs; waited += 50) await clock.sleep(50);
  await meter.stop();
  return { blocks, errors };
}

function assertValues(t: import('ava').ExecutionContext, blocks: SampleBlock[], rateHz: number): void {
  for (const b of blocks) {
    for (let k = 0; k < b.uA.length; k++) {
      const at = b.t0 + (k * 1000) / rateHz;
      const phase = (at - ORIGIN) % 100;
      if (Math.abs(phase - 10) < 1e-4 || phase < 1e-4 || phase > 100 - 1e-4) continue;
      const expected = current(at);
      if (Math.abs(b.uA[k]! - expected) > expected * 1e-6) {
        t.fail(`block ${b.start} sample ${k}: ${b.uA[k]} µA, expected ${expected}`);
        return;
      }
    }
  }
  t.pass();
}

test('another device answers *IDN?: open fails naming what answered, and lets go of the link', async (t) => {
  await using r = await rig({ personality: 'other' });
  const error = await t.throwsAsync(r.meter.open(), { instanceOf: MeterError });
  t.regex(error.message, /^meter scpi:tcp:\/\/127\.0\.0\.1:\d+: open: /);
  t.regex(
    error.message,
    /\*IDN\? answered "RIGOL TECHNOLOGIES,DP832,DP8C000000001,00\.01\.16": not an instrument/,
  );
  t.regex(error.message, /Keysight N6705B\/C with an N6781A\/N6782A SMU, Keithley 2280S\/2281S/);
  await r.clock.sleep(10);
  t.is(r.running.connections, 0);
});

test('an N6705C whose channel 1 holds a plain supply module is refused (errors use the bench name)', async (t) => {
  await using r = await rig({ n6705c: { module: 'N6731B' } }, { name: 'analyser' });
  await t.throwsAsync(r.meter.open(), {
    instanceOf: MeterError,
    message:
      /^meter analyser \(scpi:tcp:\/\/127\.0\.0\.1:\d+\): open: .*channel 1 holds N6731B; the current stream needs an N6781A or N6782A SMU there$/,
  });
});

test('connection dropped mid-acquisition: a clear MeterError, the blocks already delivered stay valid', async (t) => {
  await using r = await rig({ faults: { dropOn: { command: 'FETC:ARR:CURR?', skip: 2 } } });
  await r.meter.open();
  await r.meter.setDutPower(true);
  const { blocks, errors } = await streamUntilError(r.meter, r.clock);
  t.is(blocks.length, 2);
  t.is(errors.length, 1);
  t.true(errors[0] instanceof MeterError);
  t.regex(
    errors[0]!.message,
    /^meter scpi:tcp:\/\/127\.0\.0\.1:\d+: stream: Keysight Technologies N6705C \(tcp:\/\/127\.0\.0\.1:\d+\): FETC:ARR:CURR\? \(@1\): connection closed by the instrument$/,
  );
  assertValues(t, blocks, r.meter.rateHz);
  const delivered = blocks.length;
  await r.clock.sleep(1000);
  t.is(blocks.length, delivered, 'nothing arrives after the error');
  await t.throwsAsync(r.meter.setDutPower(false), { instanceOf: MeterError, message: /link lost/ });
});

test('cable pulled while the instrument is acquiring: the next exchange reports the lost link', async (t) => {
  await using r = await rig();
  await r.meter.open();
  const blocks: SampleBlock[] = [];
  const errors: Error[] = [];
  await r.meter.start({ samples: (b) => blocks.push(b), error: (e) => errors.push(e) });
  await r.clock.sleep(150);
  r.running.dropConnections();
  await r.clock.sleep(500);
  t.is(errors.length, 1);
  t.regex(errors[0]!.message, /stream: .*(connection closed by the instrument|link lost)/);
  t.true(blocks.length >= 1);
});

test('garbage instead of the data block: MeterError quoting it; earlier blocks intact', async (t) => {
  await using r = await rig({ faults: { garbageOn: { command: 'FETC:ARR:CURR?', skip: 1 } } });
  await r.meter.open();
  await r.meter.setDutPower(true);
  const { blocks, errors } = await streamUntilError(r.meter, r.clock);
  t.is(blocks.length, 1);
  t.is(errors.length, 1);
  t.regex(
    errors[0]!.message,
    /FETC:ARR:CURR\? \(@1\): expected a definite-length block #<n><len><data>; got "\\x15\\xfe\?\? 3\.7e\+\\x07 garbage"/,
  );
  assertValues(t, blocks, r.meter.rateHz);
});

test('garbage instead of *IDN?: open fails saying what an identity looks like', async (t) => {
  await using r = await rig({ faults: { garbageOn: { command: '*IDN?' } } });
  await t.throwsAsync(r.meter.open(), {
    instanceOf: MeterError,
    message: /\*IDN\?: expected "<manufacturer>,<model>,<serial>,<firmware>"; got "\\x15/,
  });
});

test('garbage in a Keithley buffer read names that query', async (t) => {
  await using r = await rig({
    personality: 'k2280s',
    faults: { garbageOn: { command: 'TRAC:DATA?', skip: 2 } },
  });
  await r.meter.open();
  const { blocks, errors } = await streamUntilError(r.meter, r.clock);
  t.is(blocks.length, 1, 'open() used the first buffer read to learn the interval; the stream got one more');
  t.regex(errors[0]!.message, /TRAC:DATA\? "READ,REL": expected a comma-separated number list/);
});

test('an instrument too slow to answer: open fails with the timed-out command', async (t) => {
  await using r = await rig({ faults: { slowReplyMs: 10_000 } });
  const error = await t.throwsAsync(r.meter.open(), { instanceOf: MeterError });
  t.regex(
    error.message,
    /open: tcp:\/\/127\.0\.0\.1:\d+: \*IDN\? timed out after 2 s; last lines: > \*IDN\?$/,
  );
  t.true(error.cause instanceof ScpiTimeoutError);
});

test('after a timeout the client resynchronises with the instrument, the late reply is discarded', async (t) => {
  const clock = new VirtualClock({ start: ORIGIN });
  await using running = await startScpiInstrument({ clock, faults: { slowReplyMs: 3000 } });
  await using client = await connectScpi(running.address, { clock, timeoutMs: 1000 });
  await t.throwsAsync(client.query('*IDN?'), { instanceOf: ScpiTimeoutError });
  running.instrument.faults.clear();
  t.is(await client.query('SYST:CHAN:MOD? (@1)', { timeoutMs: 5000 }), 'N6781A');
  t.is(await client.query('*ESE?'), '0');
});

test('a setting the instrument refuses: its error number and text, with the command', async (t) => {
  await using r = await rig();
  await r.meter.open();
  await t.throwsAsync(r.meter.setVoltage(25_000), {
    instanceOf: MeterError,
    message:
      /setVoltage\(25000 mV\): Keysight Technologies N6705C \(tcp:\/\/127\.0\.0\.1:\d+\): VOLT 25,\(@1\) failed: -222,"Data out of range"$/,
  });
  t.is(r.meter.voltageMv, 0);
});

test('nobody listening on the address: open fails with the connect error', async (t) => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const meter = new ScpiMeter({ spec: `tcp://127.0.0.1:${port}`, clock: new VirtualClock() });
  await t.throwsAsync(meter.open(), {
    instanceOf: MeterError,
    message: /open: tcp:\/\/127\.0\.0\.1:\d+: connect failed: .*ECONNREFUSED/,
  });
});
