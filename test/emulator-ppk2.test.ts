import type { Duplex } from 'node:stream';
import test from 'ava';
import {
  createEmulatedPpk2,
  type EmulatedPpk2Options,
  LINEAR_CALIBRATION,
} from '../firmware-stubs/ppk2/index.ts';
import { VirtualClock } from '../src/clock/index.ts';
import { PPK2_REFERENCE_METADATA as REAL_METADATA } from './helpers/ppk2-reference.ts';

// ---- a small host written here from the reference (§1.4–1.6), independent of the emulator's code ----

type Modifiers = Record<'r' | 'gs' | 'gi' | 'o' | 's' | 'i' | 'ug', number[]>;
const DEFAULTS: Modifiers = {
  r: [1031.64, 101.65, 10.15, 0.94, 0.043],
  gs: [1, 1, 1, 1, 1],
  gi: [1, 1, 1, 1, 1],
  o: [0, 0, 0, 0, 0],
  s: [0, 0, 0, 0, 0],
  i: [0, 0, 0, 0, 0],
  ug: [1, 1, 1, 1, 1],
};

/** Metadata text → modifiers and VDD; -nan, missing keys and R = 0 fall back to the defaults. */
function parseMetadata(text: string): { mod: Modifiers; vdd: number } {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(\w+): (.*)$/.exec(line);
    if (m) values.set(m[1]!.toLowerCase(), m[2]!);
  }
  const mod = structuredClone(DEFAULTS);
  for (const key of Object.keys(mod) as (keyof Modifiers)[]) {
    for (let r = 0; r < 5; r++) {
      const v = Number(values.get(`${key}${r}`));
      if (Number.isFinite(v) && !(key === 'r' && v === 0)) mod[key][r] = v;
    }
  }
  return { mod, vdd: Number(values.get('vdd')) };
}

interface Sample {
  code: number;
  range: number;
  counter: number;
  logic: number;
}

function fields(word: number): Sample {
  return { code: word & 0x3fff, range: (word >>> 14) & 7, counter: (word >>> 18) & 0x3f, logic: word >>> 24 };
}

/** µA for an ADC code of a range: x = (4·code − O)·(1.8/163840)/R; I = UG·(GS·x² + GI·x + S·V + I0). */
function microAmps(code: number, range: number, mod: Modifiers, vddMv: number): number {
  const x = (code * 4 - mod.o[range]!) * (1.8 / 163840 / mod.r[range]!);
  const amps =
    mod.ug[range]! *
    (mod.gs[range]! * x * x + mod.gi[range]! * x + mod.s[range]! * (vddMv / 1000) + mod.i[range]!);
  return amps * 1e6;
}

function words(bytes: Buffer): Sample[] {
  const out: Sample[] = [];
  for (let at = 0; at + 4 <= bytes.length; at += 4) out.push(fields(bytes.readUInt32LE(at)));
  return out;
}

/** Records what the host end receives, with virtual arrival times. */
function capture(host: Duplex, clock: VirtualClock) {
  const chunks: { t: number; bytes: Buffer }[] = [];
  host.on('data', (bytes: Buffer) => chunks.push({ t: clock.now(), bytes }));
  return {
    chunks,
    bytes: () => Buffer.concat(chunks.map((c) => c.bytes)),
    clear: () => {
      chunks.length = 0;
    },
  };
}

function device(options: Partial<EmulatedPpk2Options> = {}) {
  const clock = new VirtualClock();
  const ppk2 = createEmulatedPpk2({ clock, ...options });
  const rx = capture(ppk2.host, clock);
  const send = (...bytes: number[]) => ppk2.host.write(Buffer.from(bytes));
  // Bytes cross the in-memory cable on later event-loop turns; a short virtual sleep lets them land.
  const settle = () => clock.sleep(1);
  return { clock, ppk2, rx, send, settle };
}

async function metadata(d: ReturnType<typeof device>): Promise<string> {
  d.rx.clear();
  d.send(0x19);
  await d.settle();
  return d.rx.bytes().toString('latin1');
}

/** 0x06, run `ms` of virtual time, 0x07: returns the bytes of the recording. */
async function record(d: ReturnType<typeof device>, ms: number): Promise<Buffer> {
  d.rx.clear();
  d.send(0x06);
  await d.clock.sleep(ms);
  d.send(0x07);
  await d.settle();
  return d.rx.bytes();
}

test('metadata: 0x19 is answered with the real text, keys in the real order, ending END\\n', async (t) => {
  const d = device();
  t.teardown(() => d.ppk2.close());
  t.is(await metadata(d), REAL_METADATA);
  t.is(d.rx.chunks.length, 1, 'one write, no other bytes');
});

test('metadata: configured key order, left-out keys, -nan entries and a zero resistor', async (t) => {
  const d = device({
    calibration: { r: [1003.3506, 0, 10.3027, 0.9636, 0.0564] },
    metadata: {
      order: ['VDD', 'mode', 'R4', 'R3', 'R2', 'R1', 'R0', 'GS1', 'UG0', 'IA'],
      nan: ['GS1', 'R3'],
    },
  });
  t.teardown(() => d.ppk2.close());
  const text = await metadata(d);
  t.is(
    text,
    'VDD: 3000\nmode: 2\nR4: 0.0564\nR3: -nan\nR2: 10.3027\nR1: 0.0000\nR0: 1003.3506\nGS1: -nan\nUG0: 1.00\nIA: 56\nEND\n',
  );
  // What a correct host must end up with: defaults where the metadata gives nothing usable.
  const host = d.ppk2.hostCalibration;
  t.is(host.r[1], 101.65, 'R1 = 0 → default');
  t.is(host.r[3], 0.94, 'R3 -nan → default');
  t.is(host.r[2], 10.3027);
  t.is(host.gs[1], 1, 'GS1 -nan → default');
  t.is(host.o[0], 0, 'O0 not sent → default');
  t.deepEqual(host, { ...parseMetadata(text).mod, ug: [1, 1, 1, 1, 1] } as unknown as typeof host);
});

test('commands: split anywhere, payloads parsed, unknown opcodes ignored, only 0x19 answers', async (t) => {
  const d = device();
  t.teardown(() => d.ppk2.close());
  const gain = Buffer.alloc(4);
  gain.writeFloatLE(1.25);
  const stream = Buffer.concat([
    Buffer.from([0xff, 0x30, 0x0d, 0x0c, 0xe4]), // junk, then RegulatorSet 3300 mV (big-endian)
    Buffer.from([0x11, 0x01]), // SetPowerMode ampere
    Buffer.from([0x0c, 0x01]), // DeviceRunningSet on
    Buffer.from([0x25, 0x02]),
    gain, // SetUserGains range 2 = 1.25
    Buffer.from([0x02, 0x19]), // AvgNumSet with argument 0x19: not a GetMetadata
    Buffer.from([0x08, 0x03, 0x16]), // RangeSet 3, SpikeFilteringOff: no firmware effect
  ]);
  for (const byte of stream) {
    d.ppk2.host.write(Buffer.from([byte])); // one byte per write
    await d.settle();
  }
  t.is(d.rx.chunks.length, 0, 'no replies');
  t.deepEqual(
    d.ppk2.commands.map((c) => c.name),
    [
      'unknown',
      'unknown',
      'RegulatorSet',
      'SetPowerMode',
      'DeviceRunningSet',
      'SetUserGains',
      'AvgNumSet',
      'RangeSet',
      'SpikeFilteringOff',
    ],
  );
  const s = d.ppk2.state;
  t.is(s.vddMv, 3300);
  t.is(s.mode, 'ampere');
  t.true(s.dutPower);
  t.is(s.userGains[2], 1.25);
  const text = await metadata(d);
  t.regex(text, /\nVDD: 3300\n/);
  t.regex(text, /\nmode: 1\n/);
  t.regex(text, /\nUG2: 1\.25\n/);
  // RegulatorSet is clamped to the PPK2's 800..5000 mV.
  d.send(0x0d, 0x00, 0x10);
  await d.settle();
  t.is(d.ppk2.state.vddMv, 800);
});

test('start/stop: 100 kS/s in 10 ms blocks of 1000 words on the clock, nothing after 0x07', async (t) => {
  const d = device({ dutPower: true, current: () => 250 });
  t.teardown(() => d.ppk2.close());
  const bytes = await record(d, 55); // blocks at +10..+50 ms
  t.is(bytes.length, 5 * 1000 * 4);
  t.deepEqual(
    d.rx.chunks.map((c) => c.bytes.length),
    [4000, 4000, 4000, 4000, 4000],
  );
  const start = d.ppk2.state.recordingStart!;
  t.deepEqual(
    d.rx.chunks.map((c) => c.t - start),
    [10, 20, 30, 40, 50],
  );
  t.false(d.ppk2.state.streaming);
  const sent = d.ppk2.state.bytesSent;
  await d.clock.sleep(200);
  t.is(d.rx.bytes().length, bytes.length, 'silent after stop');
  t.is(d.ppk2.state.bytesSent, sent);
  t.is(d.ppk2.state.samplesSent, 5000);
});

test('sample words: counter +1 mod 64 (wrapping 63 → 0), logic byte from the provider', async (t) => {
  const d = device({
    dutPower: true,
    current: () => 10,
    logic: (t) => Math.round(t * 100) & 0xff, // the sample index, low byte
  });
  t.teardown(() => d.ppk2.close());
  const samples = words(await record(d, 25));
  t.is(samples.length, 2000);
  let wraps = 0;
  for (let k = 1; k < samples.length; k++) {
    const [a, b] = [samples[k - 1]!, samples[k]!];
    t.is(b.counter, (a.counter + 1) & 63);
    if (a.counter === 63) wraps++;
    t.is(b.logic, (a.logic + 1) & 0xff, 'logic follows the sample instants 10 µs apart');
  }
  t.true(wraps >= 31);
  t.is(samples[0]!.logic, Math.round(d.ppk2.state.recordingStart! * 100) & 0xff);
});

test('conversion: every range, decoded by the reference formulas, within one ADC step of the current', async (t) => {
  // µA; with the real calibration range 0 ends near 0.72 mA, 1 near 12.5 mA, 2 near 155 mA, 3 near 2 A.
  const currents = [0.5, 55, 690, 800, 4_700, 12_000, 20_000, 150_000, 200_000, 1_000_000, 3_000_000];
  let start = 0;
  const d = device({
    noiseCounts: 0,
    current: (t) => currents[Math.min(currents.length - 1, Math.floor((t - start) / 10))]!,
  });
  t.teardown(() => d.ppk2.close());
  const { mod, vdd } = parseMetadata(await metadata(d));
  d.send(0x0d, 0x0e, 0x42); // 3650 mV: the S·V term must follow RegulatorSet
  d.send(0x0c, 0x01);
  await d.settle();
  d.rx.clear();
  d.send(0x06);
  d.ppk2.once('streaming', () => {
    start = d.ppk2.state.recordingStart!;
  });
  await d.clock.sleep(currents.length * 10 + 5);
  d.send(0x07);
  await d.settle();
  t.is(vdd, 3000);
  const samples = words(d.rx.bytes());
  t.is(samples.length, currents.length * 1000);
  const seen = new Set<number>();
  currents.forEach((uA, k) => {
    const s = samples[k * 1000 + 500]!;
    seen.add(s.range);
    const got = microAmps(s.code, s.range, mod, 3650);
    const step = Math.abs(microAmps(s.code + 1, s.range, mod, 3650) - got);
    t.true(
      Math.abs(got - uA) <= step,
      `${uA} µA → range ${s.range} code ${s.code} → ${got} µA (step ${step})`,
    );
    // Auto-ranging: the lowest range that holds the current (the one below is full).
    if (s.range > 0) t.true(microAmps(0x3fff, s.range - 1, mod, 3650) < uA, `${uA} µA fits a lower range`);
  });
  t.deepEqual([...seen].sort(), [0, 1, 2, 3, 4]);
});

test('conversion: the ADC step per range matches the reference LSB figures (default resistors, linear)', async (t) => {
  const d = device({ calibration: LINEAR_CALIBRATION });
  t.teardown(() => d.ppk2.close());
  // §1.6: LSB in range 0 ≈ 42.6 nA; full scale ~698 µA, ~7.08 mA, ~70.9 mA, ~766 mA.
  t.true(Math.abs(d.ppk2.resolutionMicroAmps(0) - 0.0426) < 0.0005);
  const fullScale = [698, 7080, 70_900, 766_000];
  fullScale.forEach((uA, r) => {
    const got = d.ppk2.resolutionMicroAmps(r as 0 | 1 | 2 | 3) * 0x3fff;
    t.true(Math.abs(got - uA) / uA < 0.01, `range ${r}: ${got}`);
  });
});

test('DUT power off: the current provider is not consulted, the samples read 0 µA plus noise', async (t) => {
  let calls = 0;
  const d = device({
    current: () => {
      calls++;
      return 5000;
    },
  });
  t.teardown(() => d.ppk2.close());
  const { mod, vdd } = parseMetadata(await metadata(d));
  const off = words(await record(d, 15));
  t.is(calls, 0);
  t.is(off.length, 1000);
  const values = off.map((s) => microAmps(s.code, s.range, mod, vdd));
  t.true(
    off.every((s) => s.range === 0),
    'range 0',
  );
  t.true(Math.max(...values.map(Math.abs)) < 0.5, 'within a few ADC counts of 0');
  t.true(new Set(off.map((s) => s.code)).size > 1, 'noise moves the code');
  d.send(0x0c, 0x01);
  const on = words(await record(d, 15));
  t.true(calls >= 1000);
  const mean = on.reduce((a, s) => a + microAmps(s.code, s.range, mod, vdd), 0) / on.length;
  t.true(Math.abs(mean - 5000) < 5, `mean ${mean}`);
});

test('reset (0x20): streaming stops, DUT power off, power-up settings; user gains kept', async (t) => {
  const d = device({ current: () => 1 });
  t.teardown(() => d.ppk2.close());
  const gain = Buffer.alloc(4);
  gain.writeFloatLE(0.95);
  d.send(0x0c, 0x01);
  d.send(0x0d, 0x0c, 0xe4);
  d.ppk2.host.write(Buffer.concat([Buffer.from([0x25, 0x00]), gain]));
  d.send(0x06);
  await d.clock.sleep(25);
  d.send(0x20);
  await d.settle();
  const received = d.rx.bytes().length;
  await d.clock.sleep(50);
  t.is(d.rx.bytes().length, received);
  const s = d.ppk2.state;
  t.false(s.streaming);
  t.false(s.dutPower);
  t.is(s.vddMv, 3000);
  t.is(Math.fround(s.userGains[0]!), Math.fround(0.95));
});

test('determinism: same seed and faults on a VirtualClock give identical bytes and chunks; another seed does not', async (t) => {
  const run = async (seed: number) => {
    const d = device({
      seed,
      dutPower: true,
      current: (t) => 100 + 50 * Math.sin(t / 3),
      faults: {
        splitWrites: 0.5,
        dropByte: 0.2,
        counterGap: { probability: 0.3, samples: [5, 64] },
        invalidRange: 0.01,
      },
    });
    const bytes = await record(d, 205);
    const chunks = d.rx.chunks.map((c) => [c.t, c.bytes.length]);
    d.ppk2.close();
    return { bytes, chunks };
  };
  const a = await run(7);
  const b = await run(7);
  const c = await run(8);
  t.true(a.bytes.length > 70_000);
  t.true(a.bytes.equals(b.bytes));
  t.deepEqual(a.chunks, b.chunks);
  t.false(a.bytes.equals(c.bytes));
});
