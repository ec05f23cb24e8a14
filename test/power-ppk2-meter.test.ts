import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import test, { type ExecutionContext } from 'ava';
import { RealClock, VirtualClock } from '../src/clock/index.ts';
import { MeterError, type SampleBlock, type SampleGap } from '../src/power/index.ts';
import {
  encodeSampleWord,
  Ppk2Converter,
  Ppk2Meter,
  type Ppk2MeterOptions,
  parsePpk2Metadata,
} from '../src/power/ppk2/index.ts';
import { duplexPair, openSerial, type PtyPair, type SerialLink, startPtyPair } from '../src/serial/index.ts';
import { PPK2_REFERENCE_METADATA as METADATA } from './helpers/ppk2-reference.ts';

// Ppk2Meter over real pseudo-terminals (socat), with a scripted stand-in for the PPK2 on the far
// end: it answers GetMetadata with canned text and streams hand-built sample words. It is not an
// emulator of the PPK2 (that lives in firmware-stubs/ppk2); it lets each test say which bytes come.

// Argument bytes after each opcode the host sends.
const ARGUMENT_BYTES: Record<number, number> = { 12: 1, 13: 2, 17: 1, 37: 5 };

interface StandInScript {
  /** Reply to 0x19; null: stay silent. */
  metadata?: string | Buffer | null;
  /** Sent after 0x06, in chunks. */
  stream?: Buffer;
  /** Sent right after 0x07, as samples still in flight would be. */
  trailing?: Buffer;
  /** Answer anything at all with this (a shell port). */
  echo?: string;
  /** Real-time pause between stream chunks (default 1 ms; 0: none). */
  chunkDelayMs?: number;
}

/** The far end of the pty (or of an in-process pair), scripted. Records the commands as hex strings. */
function standInPpk2(link: Duplex, script: StandInScript) {
  const commands: string[] = [];
  let pending = Buffer.alloc(0);
  const send = (bytes: Buffer | string) => new Promise<void>((resolve) => link.write(bytes, () => resolve()));
  const streamOut = async (bytes: Buffer) => {
    for (let at = 0, k = 0; at < bytes.length; k++) {
      const size = 1 + ((k * 7919) % 1500); // uneven chunks, some splitting words
      await send(bytes.subarray(at, at + size));
      at += size;
      if (script.chunkDelayMs !== 0) await delay(script.chunkDelayMs ?? 1);
    }
  };
  link.on('data', (chunk: Buffer) => {
    if (script.echo !== undefined) {
      void send(script.echo);
      return;
    }
    pending = Buffer.concat([pending, chunk]);
    while (pending.length > 0) {
      const opcode = pending[0]!;
      const length = 1 + (ARGUMENT_BYTES[opcode] ?? 0);
      if (pending.length < length) break;
      commands.push(pending.subarray(0, length).toString('hex'));
      pending = pending.subarray(length);
      if (opcode === 0x19 && script.metadata != null) {
        const text = Buffer.from(script.metadata);
        void send(text.subarray(0, 300)).then(() => send(text.subarray(300)));
      }
      if (opcode === 0x06 && script.stream) void streamOut(script.stream);
      if (opcode === 0x07 && script.trailing) void send(script.trailing);
    }
  });
  return { commands, send };
}

function wordsBytes(list: readonly number[]): Buffer {
  const bytes = Buffer.alloc(list.length * 4);
  for (const [k, w] of list.entries()) bytes.writeUInt32LE(w, k * 4);
  return bytes;
}

/** Sample words with counters from 0 and a spread of ranges and ADC values. */
function sampleWords(n: number, from = 0): number[] {
  return Array.from({ length: n }, (_, j) => {
    const k = from + j;
    return encodeSampleWord({ adc: (k * 131) % 16384, range: (k >> 7) % 5, counter: k, logic: k % 3 });
  });
}

interface Bench {
  dir: string;
  lockDir: string;
  pair(name: string): Promise<PtyPair>;
  peer(pty: string): Promise<SerialLink>;
  meter(options: Partial<Ppk2MeterOptions> & { port: string }): Ppk2Meter;
}

async function bench(t: ExecutionContext): Promise<Bench> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ppk2-meter-'));
  const lockDir = path.join(dir, 'locks');
  const pairs: PtyPair[] = [];
  const links: SerialLink[] = [];
  const meters: Ppk2Meter[] = [];
  t.teardown(async () => {
    await Promise.all(meters.map((m) => m.close()));
    await Promise.all(links.map((l) => l.close()));
    for (const pair of pairs) await pair.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    dir,
    lockDir,
    async pair(name) {
      const pair = await startPtyPair({
        a: path.join(dir, `${name}-host`),
        b: path.join(dir, `${name}-ppk2`),
      });
      pairs.push(pair);
      return pair;
    },
    async peer(pty) {
      const link = await openSerial(pty, {
        baudRate: 115200,
        clock: new RealClock(),
        lockDir,
        reconnect: false,
      });
      link.on('error', () => {});
      links.push(link);
      return link;
    },
    meter(options) {
      const meter = new Ppk2Meter({ clock: new RealClock(), lockDir, spikeFilter: false, ...options });
      meters.push(meter);
      return meter;
    },
  };
}

async function until(what: string, condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(5);
  }
}

function collector() {
  const blocks: SampleBlock[] = [];
  const gaps: SampleGap[] = [];
  const errors: Error[] = [];
  const count = () => blocks.reduce((n, b) => n + b.uA.length, 0);
  return {
    blocks,
    gaps,
    errors,
    count,
    handlers: {
      samples: (b: SampleBlock): void => void blocks.push(b),
      gap: (g: SampleGap): void => void gaps.push(g),
      error: (e: Error): void => void errors.push(e),
    },
  };
}

test('scripted stand-in PPK2 on a pty: open reads metadata, settings go out as opcodes, samples and a gap come back', async (t) => {
  const b = await bench(t);
  const pair = await b.pair('p');
  const sent = sampleWords(4000);
  const kept = [...sent.slice(0, 1000), ...sent.slice(1005)]; // 5 samples lost on the way
  const peer = standInPpk2(await b.peer(pair.b), { metadata: METADATA, stream: wordsBytes(kept) });
  const meter = b.meter({ port: pair.a, name: 'bench-ppk2' });

  await meter.open();
  await until('the RegulatorSet at the stand-in', () => peer.commands.length >= 3);
  t.deepEqual(peer.commands, ['07', '19', '0d0bb8']); // drain, metadata, VDD 3000 mV from the metadata
  t.is(meter.metadata?.hw, 9173);
  t.deepEqual(meter.metadata?.warnings, []);
  t.is(meter.voltageMv, 3000);
  t.is(meter.mode, 'source');
  t.like(meter.info, { kind: 'ppk2', spec: `ppk2:${pair.a}`, model: 'PPK2 HW 9173' });
  t.is(meter.rateHz, 100_000);

  await meter.setVoltage(3300);
  await meter.setDutPower(true);
  await meter.setMode('ampere');
  await meter.setMode('source');
  await t.throwsAsync(meter.setVoltage(5500), { instanceOf: MeterError, message: /800\.\.5000 mV/ });
  const seen = collector();
  await meter.start(seen.handlers);
  await until('all samples', () => seen.count() === kept.length);
  await meter.stop();
  await until('AverageStop at the stand-in', () => peer.commands.length >= 11);
  t.deepEqual(peer.commands.slice(3), ['0d0ce4', '0c01', '1101', '0c01', '0c00', '1102', '06', '07']);

  t.deepEqual(seen.errors, []);
  t.deepEqual(
    seen.gaps.map((g) => [g.at, g.count, g.cause]),
    [[1000, 5, 'counter']],
  );
  const converter = new Ppk2Converter({
    calibration: parsePpk2Metadata(METADATA).calibration,
    vddMv: 3300,
    spikeFilter: false,
  });
  const got = seen.blocks.flatMap((block) =>
    Array.from(block.raw!, (w, j) => [block.start + j, w, block.uA[j]]),
  );
  const want = sent.map((w, k) => [k, w, converter.convert(w)]).filter(([k]) => k! < 1000 || k! >= 1005);
  t.deepEqual(got, want);
  t.is(meter.streamStats?.delivered, kept.length);
});

test('stop delivers samples still in flight after AverageStop, then nothing more', async (t) => {
  const b = await bench(t);
  const pair = await b.pair('p');
  const words = sampleWords(600);
  const peerLink = await b.peer(pair.b);
  const peer = standInPpk2(peerLink, {
    metadata: METADATA,
    stream: wordsBytes(words.slice(0, 500)),
    trailing: wordsBytes(words.slice(500)),
  });
  const meter = b.meter({ port: pair.a });
  await meter.open();
  const seen = collector();
  await meter.start(seen.handlers);
  await until('streamed samples', () => seen.count() === 500);
  await meter.stop();
  t.is(seen.count(), 600);
  await peer.send(wordsBytes(sampleWords(100, 600)));
  await delay(100);
  t.is(seen.count(), 600);
  t.deepEqual(seen.errors, []);
});

test('a stand-in that stops streaming: error names the meter and the port, delivered samples stay', async (t) => {
  const b = await bench(t);
  const pair = await b.pair('p');
  standInPpk2(await b.peer(pair.b), { metadata: METADATA, stream: wordsBytes(sampleWords(300)) });
  const meter = b.meter({ port: pair.a, name: 'bench-ppk2', stallTimeoutMs: 250 });
  await meter.open();
  const seen = collector();
  await meter.start(seen.handlers);
  await until('stall error', () => seen.errors.length > 0);
  const error = seen.errors[0]!;
  t.true(error instanceof MeterError);
  t.regex(error.message, new RegExp(`^meter bench-ppk2 \\(${pair.a}\\): stream stalled: no bytes for`));
  t.regex(error.message, /300 samples delivered/);
  t.is(seen.count(), 300);
  t.is(seen.errors.length, 1);
  await meter.stop(); // still usable
});

test('the port vanishes while streaming: one error, and what was delivered stays delivered', async (t) => {
  const b = await bench(t);
  const pair = await b.pair('p');
  standInPpk2(await b.peer(pair.b), { metadata: METADATA, stream: wordsBytes(sampleWords(2000)) });
  const meter = b.meter({ port: pair.a });
  await meter.open();
  const seen = collector();
  await meter.start(seen.handlers);
  await until('samples', () => seen.count() === 2000);
  await pair.stop();
  await until('lost error', () => seen.errors.length > 0);
  t.regex(seen.errors[0]!.message, new RegExp(`^meter ppk2 \\(${pair.a}\\): port lost while streaming`));
  t.regex(seen.errors[0]!.message, /2000 samples were delivered/);
  t.is(seen.count(), 2000);
  await t.throwsAsync(meter.setDutPower(false), { instanceOf: MeterError, message: /the port is gone/ });
  await meter.stop();
  await meter.close();
});

test('another device answering GetMetadata: open fails naming the text, and the port is free again', async (t) => {
  const b = await bench(t);
  const pair = await b.pair('p');
  standInPpk2(await b.peer(pair.b), { metadata: '\r\nERROR\r\nEND\r\n' });
  const meter = b.meter({ port: pair.a });
  const error = await t.throwsAsync(meter.open(), { instanceOf: MeterError });
  t.regex(error.message, new RegExp(`^meter ppk2 \\(${pair.a}\\): metadata reply is not PPK2 metadata`));
  t.true(error.message.includes('ERROR'));
  const again = await openSerial(pair.a, { baudRate: 115200, clock: new RealClock(), lockDir: b.lockDir });
  await again.close();
});

test('a silent port: open fails after the metadata timeout, saying nothing came', async (t) => {
  const b = await bench(t);
  const pair = await b.pair('p');
  standInPpk2(await b.peer(pair.b), { metadata: null });
  const meter = b.meter({ port: pair.a, metadataTimeoutMs: 300 });
  const error = await t.throwsAsync(meter.open(), { instanceOf: MeterError });
  t.regex(error.message, /no metadata reply to GetMetadata \(0x19\) within 300 ms; nothing received/);
});

/** A fake sysfs and /dev where PPK2 ports are links to ptys (no USB hardware here). */
async function fakePpk2Tree(
  root: string,
  ports: Array<{ tty: string; serial: string; iface: number; pty: string }>,
) {
  const sys = path.join(root, 'sys');
  const dev = path.join(root, 'dev');
  const classTty = path.join(sys, 'class/tty');
  await mkdir(classTty, { recursive: true });
  await mkdir(dev, { recursive: true });
  for (const [k, port] of ports.entries()) {
    const usbDev = path.join(sys, `devices/pci0000:00/usb1/1-${port.serial}`);
    await mkdir(usbDev, { recursive: true });
    for (const [name, value] of Object.entries({
      idVendor: '1915',
      idProduct: 'c00a',
      serial: port.serial,
      product: 'PPK2',
    })) {
      await writeFile(path.join(usbDev, name), `${value}\n`);
    }
    const ifDir = path.join(usbDev, `1-${port.serial}:1.${port.iface}`);
    const ttyDir = path.join(ifDir, 'tty', port.tty);
    await mkdir(ttyDir, { recursive: true });
    await writeFile(path.join(ifDir, 'bInterfaceNumber'), `0${port.iface}\n`);
    await symlink(path.relative(ttyDir, ifDir), path.join(ttyDir, 'device'));
    await symlink(path.relative(classTty, ttyDir), path.join(classTty, port.tty));
    await symlink(port.pty, path.join(dev, port.tty));
    void k;
  }
  return { sysRoot: sys, devRoot: dev };
}

test('find: of the two ports with one serial number, the one answering metadata is the PPK2', async (t) => {
  const b = await bench(t);
  const shell = await b.pair('shell');
  const data = await b.pair('data');
  standInPpk2(await b.peer(shell.b), { echo: '\r\nuart:~$ ' });
  standInPpk2(await b.peer(data.b), { metadata: METADATA });
  const discovery = await fakePpk2Tree(path.join(b.dir, 'tree'), [
    { tty: 'ttyACM0', serial: 'C0FFEE', iface: 0, pty: shell.a },
    { tty: 'ttyACM1', serial: 'C0FFEE', iface: 2, pty: data.a },
  ]);
  const meter = await Ppk2Meter.find({
    clock: new RealClock(),
    lockDir: b.lockDir,
    discovery,
    probeTimeoutMs: 400,
  });
  t.teardown(() => meter.close());
  t.is(meter.info.serial, 'C0FFEE');
  t.is(meter.info.spec, 'ppk2:usb:1915:c00a:C0FFEE#if02');
  t.is(meter.metadata?.vddMv, 3000);
  await meter.open(); // already open: nothing happens
  // The shell port was closed again: it can be opened.
  const shellAgain = await openSerial(shell.a, {
    baudRate: 115200,
    clock: new RealClock(),
    lockDir: b.lockDir,
  });
  await shellAgain.close();
});

test('find: two PPK2s and no serial number in the spec is an error naming both', async (t) => {
  const b = await bench(t);
  const one = await b.pair('one');
  const two = await b.pair('two');
  const discovery = await fakePpk2Tree(path.join(b.dir, 'tree'), [
    { tty: 'ttyACM0', serial: 'AAA111', iface: 0, pty: one.a },
    { tty: 'ttyACM1', serial: 'BBB222', iface: 0, pty: two.a },
  ]);
  const error = await t.throwsAsync(Ppk2Meter.find({ clock: new RealClock(), discovery }), {
    instanceOf: MeterError,
  });
  t.regex(error.message, /2 PPK2s match usb:1915:c00a \(serial numbers AAA111, BBB222\)/);
  const none = await t.throwsAsync(
    Ppk2Meter.find({ clock: new RealClock(), discovery, spec: 'usb:1915:c00a:CCC333' }),
    { instanceOf: MeterError },
  );
  t.regex(none.message, /no port matches usb:1915:c00a:CCC333; present: .*ttyACM0 \[1915:c00a SN AAA111/);
});

test('over an in-process pair on a virtual clock (scripted stand-in): stream, stall found in virtual time, stop', async (t) => {
  const clock = new VirtualClock();
  const [host, device] = duplexPair({ onTransfer: () => clock.poke() });
  const words = sampleWords(3000);
  const peer = standInPpk2(device, { metadata: METADATA, stream: wordsBytes(words), chunkDelayMs: 0 });
  const meter = new Ppk2Meter({ transport: host, transportLabel: 'emulated', clock, spikeFilter: false });
  t.teardown(() => meter.close());
  await meter.open();
  t.is(meter.info.spec, 'ppk2:emulated');
  t.deepEqual(peer.commands, ['07', '19', '0d0bb8']);

  const started = clock.now();
  const seen = collector();
  const stalled = new Promise<void>((resolve) => {
    seen.handlers.error = (e: Error) => {
      seen.errors.push(e);
      resolve();
    };
  });
  await meter.start(seen.handlers);
  await Promise.race([stalled, clock.sleep(5000)]);
  t.is(seen.count(), 3000);
  t.deepEqual(seen.gaps, []);
  t.is(seen.errors.length, 1);
  t.regex(seen.errors[0]!.message, /^meter ppk2 \(emulated\): stream stalled: no bytes for 1 s/);
  t.is(clock.now() - started, 1000); // found after stallTimeoutMs of virtual time, not host time
  await meter.stop();
  await meter.close();
  t.true(host.destroyed);
});
