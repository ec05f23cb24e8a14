import { connect, type Socket } from 'node:net';
import test from 'ava';
import { startScpiInstrument } from '../firmware-stubs/scpi/index.ts';
import { VirtualClock } from '../src/clock/index.ts';

/**
 * A bare TCP line client, independent of src/power, so the emulator is checked against the SCPI
 * rules as written here and not against the driver's own codec.
 */
class RawSession {
  #buffer = Buffer.alloc(0);
  #waiter: (() => void) | undefined;
  #closed = false;

  constructor(
    readonly clock: VirtualClock,
    readonly socket: Socket,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      clock.poke();
      this.#waiter?.();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#waiter?.();
    });
  }

  static async open(clock: VirtualClock, port: number): Promise<RawSession> {
    const hold = clock.hold('test connect');
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.setNoDelay(true); // Nagle would hold a second line back while the clock runs ahead
    hold.release();
    return new RawSession(clock, socket);
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(line: string): void {
    const hold = this.clock.hold(`test send ${line}`);
    this.socket.write(`${line}\n`, () => releaseAfterTurns(hold.release, 5));
  }

  /** The next reply line, or null when nothing came within timeoutMs of clock time. */
  async line(timeoutMs = 10_000): Promise<string | null> {
    const bytes = await this.#take((b) => {
      const nl = b.indexOf(0x0a);
      return nl < 0 ? undefined : nl + 1;
    }, timeoutMs);
    return bytes === null ? null : bytes.toString('latin1').replace(/\r?\n$/, '');
  }

  /** A definite-length block reply: its data, after checking header and terminator. */
  async block(timeoutMs = 10_000): Promise<Buffer | null> {
    const bytes = await this.#take((b) => {
      if (b.length < 2) return undefined;
      const digits = b[1]! - 48;
      if (b.length < 2 + digits) return undefined;
      const len = Number(b.subarray(2, 2 + digits).toString('latin1'));
      const total = 2 + digits + len + 1;
      return b.length >= total ? total : undefined;
    }, timeoutMs);
    if (bytes === null) return null;
    if (bytes[0] !== 0x23 || bytes[bytes.length - 1] !== 0x0a)
      throw new Error(`not a block: ${bytes.toString('latin1', 0, 20)}`);
    const digits = bytes[1]! - 48;
    return bytes.subarray(2 + digits, bytes.length - 1);
  }

  async query(line: string, timeoutMs?: number): Promise<string | null> {
    this.send(line);
    return this.line(timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }

  async #take(complete: (b: Buffer) => number | undefined, timeoutMs: number): Promise<Buffer | null> {
    const timer = this.clock.setTimer(timeoutMs, () => this.#waiter?.());
    const deadline = this.clock.now() + timeoutMs;
    try {
      for (;;) {
        const n = complete(this.#buffer);
        if (n !== undefined) {
          const out = this.#buffer.subarray(0, n);
          this.#buffer = this.#buffer.subarray(n);
          return out;
        }
        if (this.#closed || this.clock.now() >= deadline) return null;
        await new Promise<void>((resolve) => {
          this.#waiter = resolve;
        });
        this.#waiter = undefined;
      }
    } finally {
      timer.cancel();
    }
  }
}

function releaseAfterTurns(release: () => void, turns: number): void {
  if (turns <= 0) release();
  else setImmediate(() => releaseAfterTurns(release, turns - 1));
}

async function bench(personality: 'n6705c' | 'k2280s' | 'other', current?: (t: number) => number) {
  const clock = new VirtualClock();
  const running = await startScpiInstrument({ clock, personality, current, throughputBytesPerS: 0 });
  const session = await RawSession.open(clock, running.port);
  return {
    clock,
    running,
    session,
    async [Symbol.asyncDispose]() {
      session.close();
      await running.close();
    },
  };
}

test('N6705C: *IDN?, module query, and an empty error queue', async (t) => {
  await using b = await bench('n6705c');
  t.regex((await b.session.query('*IDN?'))!, /^Keysight Technologies,N6705C,[^,]+,[^,]+$/);
  t.is(await b.session.query('SYST:CHAN:MOD? (@1)'), 'N6781A');
  t.is(await b.session.query('SYST:ERR?'), '+0,"No error"');
});

test('unknown header: -113 queued, no reply; the queue empties oldest first', async (t) => {
  await using b = await bench('n6705c');
  b.session.send('SENS:BOGUS 1');
  b.session.send('VOLT 99,(@1)');
  b.session.send('VOLT');
  b.session.send('VOLT 1,2,(@1)');
  t.is(await b.session.query('SYST:ERR?'), '-113,"Undefined header"');
  t.is(await b.session.query('SYST:ERR?'), '-222,"Data out of range"');
  t.is(await b.session.query('SYST:ERR?'), '-109,"Missing parameter"');
  t.is(await b.session.query('SYST:ERR?'), '-108,"Parameter not allowed"');
  t.is(await b.session.query('SYST:ERR?'), '+0,"No error"');
});

test('a query that fails sends nothing back: FETCh before any acquisition is -230', async (t) => {
  await using b = await bench('n6705c');
  t.is(await b.session.query('FETC:ARR:CURR? (@1)', 1000), null);
  t.is(await b.session.query('SYST:ERR?'), '-230,"Data corrupt or stale"');
});

test('long and short forms, any case, compound commands continue at the same level', async (t) => {
  await using b = await bench('n6705c');
  b.session.send('sense:sweep:points 100,(@1);TINT 1E-4,(@1)');
  t.is(await b.session.query('SENS:SWE:POIN? (@1);TINT? (@1)'), '100;+1.024000E-04');
  b.session.send(':SOURce:VOLTage:LEVel:IMMediate:AMPLitude 3.8,(@1)');
  t.is(await b.session.query('volt? (@1)'), '+3.800000E+00');
  t.is(await b.session.query('SYST:ERR?'), '+0,"No error"');
});

test('interval resolution: 5.12 µs with current only, 10.24 µs with current and voltage', async (t) => {
  await using b = await bench('n6705c');
  b.session.send('SENS:SWE:TINT 7E-6,(@1)');
  t.is(await b.session.query('SENS:SWE:TINT? (@1)'), '+1.024000E-05');
  b.session.send('SENS:FUNC:VOLT OFF,(@1)');
  t.is(await b.session.query('SENS:SWE:TINT? (@1)'), '+5.120000E-06');
});

test('channel 2 holds no module: -241', async (t) => {
  await using b = await bench('n6705c');
  b.session.send('OUTP ON,(@2)');
  t.is(await b.session.query('SYST:ERR?'), '-241,"Hardware missing"');
});

test('error queue overflow: the last entry becomes -350', async (t) => {
  await using b = await bench('n6705c');
  for (let i = 0; i < 35; i++) b.session.send(`NOPE${i}`);
  const seen: string[] = [];
  for (let i = 0; i < 31; i++) seen.push((await b.session.query('SYST:ERR?'))!);
  t.is(seen.filter((s) => s === '-113,"Undefined header"').length, 29);
  t.is(seen[29], '-350,"Queue overflow"');
  t.is(seen[30], '+0,"No error"');
});

test('acquisition: INIT twice is -213, a trigger without INIT is -211', async (t) => {
  await using b = await bench('n6705c');
  b.session.send('TRIG:ACQ (@1)');
  b.session.send('INIT:ACQ (@1)');
  b.session.send('INIT:ACQ (@1)');
  t.is(await b.session.query('SYST:ERR?'), '-211,"Trigger ignored"');
  t.is(await b.session.query('SYST:ERR?'), '-213,"Init ignored"');
  t.is(await b.session.query('SYST:ERR?'), '+0,"No error"');
});

test('acquisition: FETCh waits for the sweep, then returns the current the source gave, as float32 blocks', async (t) => {
  const clock0 = Date.UTC(2026, 0, 1);
  // 1 mA for the first 2 ms, then 250 mA: in amperes on the wire.
  await using b = await bench('n6705c', (tMs) => (tMs - clock0 < 2 ? 1000 : 250_000));
  b.session.send('OUTP ON,(@1)');
  b.session.send('SENS:FUNC:VOLT OFF,(@1);:SENS:SWE:TINT 5.12E-5,(@1);POIN 100,(@1)');
  b.session.send('FORM REAL');
  b.session.send('INIT:ACQ (@1)');
  b.session.send('TRIG:ACQ (@1)');
  const t0 = b.clock.now();
  b.session.send('FETC:ARR:CURR? (@1)');
  const data = (await b.session.block())!;
  // Epoch-ms doubles near 1.7e12 resolve about 0.25 µs.
  t.true(Math.abs(b.clock.now() - t0 - 100 * 5.12e-2) < 1e-3);
  t.is(data.length, 400);
  const amps = Array.from({ length: 100 }, (_, k) => data.readFloatBE(k * 4));
  amps.forEach((a, k) => {
    const expected = (t0 + k * 5.12e-2 - clock0 < 2 ? 1000 : 250_000) * 1e-6;
    t.true(Math.abs(a - expected) <= expected * 1e-7, `sample ${k}: ${a} vs ${expected}`);
  });
  b.session.send('FORM:BORD SWAP');
  b.session.send('FETC:ARR:CURR? (@1)');
  const swapped = (await b.session.block())!;
  t.is(swapped.readFloatLE(0), data.readFloatBE(0));
  b.session.send('FORM ASC');
  const ascii = (await b.session.query('FETC:ARR:CURR? (@1)'))!.split(',');
  t.is(ascii.length, 100);
  t.is(ascii[0], '+1.00000E-03');
  t.is(ascii[99], '+2.50000E-01');
});

test('output off: the DUT draws nothing the meter could see; the output event fires with its time', async (t) => {
  await using b = await bench('n6705c', () => 5000);
  const events: [boolean, number][] = [];
  b.running.instrument.on('output', (on, at) => events.push([on, at]));
  b.session.send('FORM ASC');
  b.session.send('SENS:SWE:POIN 10,(@1)');
  b.session.send('INIT:ACQ (@1);:TRIG:ACQ (@1)');
  const off = (await b.session.query('FETC:ARR:CURR? (@1)'))!.split(',');
  t.true(off.every((v) => v === '+0.00000E+00'));
  b.session.send('OUTP ON,(@1)');
  t.is(await b.session.query('OUTP? (@1)'), '1');
  b.session.send('INIT:ACQ (@1);:TRIG:ACQ (@1)');
  const on = (await b.session.query('FETC:ARR:CURR? (@1)'))!.split(',');
  t.true(on.every((v) => v === '+5.00000E-03'));
  t.deepEqual(events, [[true, b.clock.now() - 10 * 20.48e-3]]);
});

test('2280S: identity, continuous initiation refused, buffer limit, readings with relative times', async (t) => {
  await using b = await bench('k2280s', () => 2500);
  t.regex((await b.session.query('*IDN?'))!, /^KEITHLEY INSTRUMENTS,MODEL 2280S-32-6,/);
  t.is(await b.session.query('SYST:LFR?'), '50');
  b.session.send('INIT');
  b.session.send('TRAC:POIN 3000');
  t.is(await b.session.query('SYST:ERR?'), '-213,"Init ignored"');
  t.is(await b.session.query('SYST:ERR?'), '-222,"Data out of range"');
  t.is(await b.session.query('SYST:ERR?'), '0,"No error"');
  b.session.send('OUTP ON');
  b.session.send('INIT:CONT OFF;:SENS:FUNC "CURR";:SENS:CURR:NPLC 0.002;:TRAC:POIN 50;:TRIG:SAMP:COUN 50');
  b.session.send('INIT');
  const started = b.clock.now();
  t.is(await b.session.query('*OPC?'), '1');
  t.true(Math.abs(b.clock.now() - started - 50 * (0.002 / 50 + 0.2e-3) * 1000) < 1e-3);
  const list = (await b.session.query('TRAC:DATA? "READ,REL"'))!.split(',');
  t.is(list.length, 100);
  t.is(list[0], '+2.500000E-03');
  t.is(list[1], '0.000000');
  t.is(list[3], '0.000240');
  t.is(await b.session.query('TRAC:POIN:ACT?'), '50');
});

test('another make on the address answers *IDN? and refuses the rest', async (t) => {
  await using b = await bench('other');
  t.regex((await b.session.query('*IDN?'))!, /^RIGOL TECHNOLOGIES,DP832/);
  b.session.send('SENS:SWE:POIN 100,(@1)');
  t.is(await b.session.query('SYST:ERR?'), '-113,"Undefined header"');
});

test('*ESE round trip (what a client resynchronises with)', async (t) => {
  await using b = await bench('k2280s');
  t.is(await b.session.query('*ESE 77;*ESE?'), '77');
});

test('fault: garbage instead of a reply, once', async (t) => {
  await using b = await bench('n6705c');
  b.running.instrument.faults.set({ garbageOn: { command: '*IDN?' } });
  t.regex((await b.session.query('*IDN?'))!, /garbage/);
  t.regex((await b.session.query('*IDN?'))!, /^Keysight/);
});

test('fault: the connection drops when the named command arrives, after the skipped ones', async (t) => {
  await using b = await bench('n6705c');
  b.running.instrument.faults.set({ dropOn: { command: 'SYST:CHAN:MOD?', skip: 1 } });
  t.is(await b.session.query('SYST:CHAN:MOD? (@1)'), 'N6781A');
  t.is(await b.session.query('SYST:CHAN:MOD? (@1)'), null);
  t.true(b.session.closed);
});

test('fault: slow answers arrive late by the clock', async (t) => {
  await using b = await bench('n6705c');
  b.running.instrument.faults.set({ slowReplyMs: 4000 });
  const sent = b.clock.now();
  t.regex((await b.session.query('*IDN?'))!, /^Keysight/);
  t.is(b.clock.now() - sent, 4000);
});

test('output rate: a long reply takes clock time in proportion to its bytes', async (t) => {
  const clock = new VirtualClock();
  await using running = await startScpiInstrument({ clock, throughputBytesPerS: 100_000 });
  const session = await RawSession.open(clock, running.port);
  session.send('FORM REAL;:SENS:SWE:POIN 1000,(@1);:INIT:ACQ (@1);:TRIG:ACQ (@1)');
  const sent = clock.now();
  session.send('FETC:ARR:CURR? (@1)');
  t.is((await session.block())!.length, 4000);
  const bytes = 4000 + '#44000\n'.length;
  t.true(Math.abs(clock.now() - sent - (1000 * 20.48e-3 + bytes / 100)) < 1e-3);
  session.close();
});
