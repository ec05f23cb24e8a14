import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { SerialPort } from 'serialport';
import { createEmulatedPpk2, servePpk2Pty } from '../firmware-stubs/ppk2/index.ts';
import { RealClock } from '../src/clock/index.ts';

/** Open the link with serialport, as a driver would, and collect every byte. */
async function openPort(path: string) {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  const chunks: Buffer[] = [];
  port.on('data', (d: Buffer) => chunks.push(d));
  port.on('error', () => {});
  const bytes = () => Buffer.concat(chunks);
  return {
    bytes,
    write: (...b: number[]) =>
      new Promise<void>((resolve, reject) => port.write(Buffer.from(b), (e) => (e ? reject(e) : resolve()))),
    async until(done: (b: Buffer) => boolean, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (!done(bytes())) {
        if (Date.now() > deadline) throw new Error(`pty: condition not met; got ${bytes().length} bytes`);
        await sleep(10);
      }
    },
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}

/** Modifiers from the metadata text (written here from the reference §1.4, no emulator code). */
function modifiers(text: string) {
  const get = (key: string) => Number(new RegExp(`^${key}: (.*)$`, 'm').exec(text)?.[1]);
  const per = (p: string) => [0, 1, 2, 3, 4].map((r) => get(`${p}${r}`));
  return { r: per('R'), gs: per('GS'), gi: per('GI'), o: per('O'), s: per('S'), i: per('I'), ug: per('UG') };
}

test('over a real pty opened with serialport: metadata, DUT power, a real-time stream, stop; close removes the link', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ppk2-pty-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const link = join(dir, 'ppk2');
  const clock = new RealClock();
  await using ppk2 = createEmulatedPpk2({ clock, noiseCounts: 0, current: () => 1234.5 });
  const pty = await servePpk2Pty(ppk2, link);
  t.true(existsSync(link));
  const port = await openPort(link);

  await port.write(0x19);
  await port.until((b) => b.toString('latin1').endsWith('END\n'));
  const text = port.bytes().toString('latin1');
  t.is(text, ppk2.metadataText);
  t.true(text.startsWith('Calibrated: 0\nR0: 1003.3506\n'));
  const mod = modifiers(text);

  await port.write(0x0d, 0x0c, 0xe4); // 3300 mV
  await port.write(0x0c, 0x01);
  await port.write(0x06);
  await port.until((b) => b.length >= text.length + 20_000 * 4);
  await port.write(0x07);
  await port.until(() => !ppk2.state.streaming);
  await sleep(100); // what was on its way arrives
  const stream = port.bytes().subarray(text.length);
  t.is(stream.length, ppk2.state.bytesSent - text.length, 'every byte crossed the pty');
  t.is(stream.length % 4, 0);
  t.is(ppk2.state.vddMv, 3300);
  t.true(ppk2.state.dutPower);

  const words = [];
  for (let at = 0; at < stream.length; at += 4) words.push(stream.readUInt32LE(at));
  for (let k = 1; k < words.length; k++)
    t.is((words[k]! >>> 18) & 0x3f, (((words[k - 1]! >>> 18) & 0x3f) + 1) & 0x3f, `counter at word ${k}`);
  const w = words[words.length >> 1]!;
  const range = (w >>> 14) & 7;
  const uA = (code: number) => {
    const x = (code * 4 - mod.o[range]!) * (1.8 / 163840 / mod.r[range]!);
    return (
      mod.ug[range]! *
      (mod.gs[range]! * x * x + mod.gi[range]! * x + mod.s[range]! * 3.3 + mod.i[range]!) *
      1e6
    );
  };
  t.is(range, 1);
  t.true(Math.abs(uA(w & 0x3fff) - 1234.5) <= Math.abs(uA((w & 0x3fff) + 1) - uA(w & 0x3fff)));

  // Real time: the recording holds about one sample per 10 µs between AverageStart and AverageStop.
  const started = ppk2.commands.find((c) => c.name === 'AverageStart')!.t;
  const stopped = ppk2.commands.find((c) => c.name === 'AverageStop')!.t;
  const samples = ppk2.state.recordingSamples;
  t.true(samples <= (stopped - started + 1) * 100, `${samples} samples in ${stopped - started} ms`);
  t.true(samples >= (stopped - started - 100) * 100, `${samples} samples in ${stopped - started} ms`);

  await port.close();
  await pty.close();
  t.false(existsSync(link), 'close() removes the link');
});

test('servePpk2Pty refuses a link that already exists', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ppk2-pty-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const link = join(dir, 'ppk2');
  await using ppk2 = createEmulatedPpk2({ clock: new RealClock() });
  await using _first = await servePpk2Pty(ppk2, link);
  await t.throwsAsync(servePpk2Pty(ppk2, link), { message: /ppk2: already exists/ });
});
