import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { SerialPort } from 'serialport';
import { createEmulatedModule, runEmulator, servePty } from '../firmware-stubs/index.ts';
import { VirtualClock } from '../src/clock/index.ts';

/** Open a serial port and collect what it reads. */
async function openPort(path: string) {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  let text = '';
  port.on('data', (d: Buffer) => {
    text += d.toString('latin1');
  });
  port.on('error', () => {});
  return {
    port,
    get text() {
      return text;
    },
    async until(s: string, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (!text.includes(s)) {
        if (Date.now() > deadline) throw new Error(`pty: "${s}" not seen; got ${JSON.stringify(text)}`);
        await sleep(10);
      }
    },
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}

test('servePty: a real pseudo-terminal opened with serialport sees the banner and the Quectel ATI lines', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'emu-pty-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const link = join(dir, 'bg95');
  const clock = new VirtualClock();
  await using module = createEmulatedModule({ profile: 'quectel-bg95', clock, seed: 1 });
  const pty = await servePty(module, link);
  t.true(existsSync(link));
  const serial = await openPort(link);
  module.powerOn();
  await serial.until('+QIND: SMS DONE\r\n');
  t.true(serial.text.startsWith('\r\nRDY\r\n'));
  serial.port.write('ATI\r');
  await serial.until('\r\nOK\r\n');
  t.true(serial.text.includes('ATI\r\r\nQuectel\r\nBG95-M3\r\nRevision: BG95M3LAR02A03\r\n\r\nOK\r\n'));
  await serial.close();
  await pty.close();
  t.false(existsSync(link), 'close() removes the link');
});

test('servePty: the port vanishes (socat stops, link gone) and returns on the same link', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'emu-pty-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const link = join(dir, 'bg95');
  const clock = new VirtualClock();
  await using module = createEmulatedModule({ profile: 'quectel-bg95', clock, seed: 1 });
  await using pty = await servePty(module, link);
  const first = await openPort(link);
  module.powerOn();
  await first.until('SMS DONE\r\n');
  const gone = new Promise<void>((resolve) => module.once('port-vanished', () => resolve()));
  const back = new Promise<void>((resolve) => module.once('port', () => resolve()));
  module.faults.vanishPort(3000);
  await gone;
  await back;
  const deadline = Date.now() + 5000;
  while (pty.starts < 2 || !existsSync(link)) {
    if (Date.now() > deadline) t.fail('socat did not come back');
    await sleep(20);
  }
  await first.close();
  const second = await openPort(link);
  second.port.write('AT+CGMM\r');
  await second.until('OK\r\n');
  t.is(second.text, 'AT+CGMM\r\r\nBG95-M3\r\n\r\nOK\r\n');
  await second.close();
});

test('runEmulator (what `rig emulate` runs): says where it listens, serves the link on real time, stops cleanly', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'emu-pty-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const link = join(dir, 'bg95');
  const log: string[] = [];
  const emulator = await runEmulator('quectel-bg95', {
    pty: link,
    seed: 5,
    handleSignals: false,
    log: (l) => log.push(l),
  });
  t.true(existsSync(link));
  t.regex(
    log[0]!,
    new RegExp(`quectel-bg95: emulated Quectel BG95-M3 listening on ${link} \\(seed 5, IMEI \\d{15}`),
  );
  t.is(emulator.module.clock.kind, 'real');
  t.is(emulator.module.state.power, 'booting');
  await emulator.close();
  await emulator.closed;
  t.false(existsSync(link));
  t.is(emulator.module.state.power, 'off');
  t.regex(log[log.length - 1]!, /stopped/);
});
