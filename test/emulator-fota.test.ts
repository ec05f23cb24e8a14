import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { bootModule } from '../firmware-stubs/index.ts';
import { loadModuleProfile } from '../src/hardware/index.ts';
import { benchImage } from './helpers/bench-image.ts';

const BG95 = loadModuleProfile('quectel-bg95');
const PACKAGE = benchImage('quectel-bg95', '2.0.4');

async function registered() {
  const m = await bootModule({ profile: 'quectel-bg95', seed: 31 });
  await m.term.command('ATE0;+CEREG=1');
  await m.term.waitFor('+CEREG: 1\r\n');
  return m;
}

async function upload(m: Awaited<ReturnType<typeof registered>>, name: string, data: Buffer) {
  const from = m.term.mark();
  m.term.write(`AT+QFUPL="UFS:${name}",${data.length}\r`);
  await m.term.waitFor('CONNECT\r\n', { from });
  m.term.write(data);
  await m.term.waitFor('OK\r\n', { from });
}

test('QFOTADL from UFS: START, UPDATING steps, END 0, reboot; +CGMR and ATI report the new version', async (t) => {
  await using m = await registered();
  await upload(m, 'update.zip', PACKAGE);
  const from = m.term.mark();
  t.is(await m.term.command('AT+QFOTADL="UFS:update.zip"'), '\r\nOK\r\n');
  const start = await m.term.waitFor('+QIND: "FOTA","START"\r\n', { from });
  const end = await m.term.waitFor('+QIND: "FOTA","END",0\r\n', { from });
  const rdy = await m.term.waitFor('\r\nRDY\r\n', { from: end.end });
  const steps = [...m.term.text.slice(from, end.index).matchAll(/"UPDATING",(\d+)/g)].map((x) =>
    Number(x[1]),
  );
  t.deepEqual(steps, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  // Download (erase + write the secondary slot) and the swap (three sector copies each way): more than one
  // image write, within a few.
  const writeMs = (PACKAGE.length / BG95.timing.flashWriteBytesPerS) * 1000;
  t.true(
    end.t - start.t >= 2 * writeMs && end.t - start.t <= 10 * writeMs,
    `install took ${end.t - start.t} ms`,
  );
  t.is(rdy.t - end.t, BG95.timing.bootMs);
  await m.term.waitFor('SMS DONE\r\n', { from: rdy.end });
  await m.term.command('ATE0');
  t.is(await m.term.command('AT+CGMR'), '\r\n2.0.4\r\n\r\nOK\r\n');
  t.regex(await m.term.command('ATI'), /\r\nRevision: 2.0.4\r\n/);
  t.is(m.module.state.revision, '2.0.4');
  t.is(m.module.timeline.at(start.t + 1).state, 'flashWrite', 'install draws flash current');
  t.is(m.module.timeline.at(end.t + 1).state, 'boot');
});

test('QFOTADL errors: no file → END 502, not an image → 512, tampered → 511, other class → 512; no reboot, old version', async (t) => {
  await using m = await registered();
  let from = m.term.mark();
  await m.term.command('AT+QFOTADL="UFS:missing.zip"');
  await m.term.waitFor('+QIND: "FOTA","END",502\r\n', { from });
  const tampered = Buffer.from(PACKAGE);
  tampered[tampered.length - 100]! ^= 0x01;
  const bad: [string, Buffer, number][] = [
    ['junk.zip', Buffer.from('not a package at all'), 512],
    ['tampered.zip', tampered, 511],
    ['class.zip', benchImage('quectel-bg95', '2.0.4', { deviceClass: 'quectel-bg96' }), 512],
  ];
  for (const [name, data, err] of bad) {
    await upload(m, name, data);
    from = m.term.mark();
    await m.term.command(`AT+QFOTADL="UFS:${name}"`);
    const end = await m.term.waitFor(/\+QIND: "FOTA","END",(\d+)\r\n/, { from });
    t.is(Number(/END",(\d+)/.exec(end.match)?.[1]), err, name);
    await m.clock.sleep(BG95.timing.bootMs * 2);
    t.false(m.term.text.slice(from).includes('RDY'), `${name}: no reboot`);
    t.is(await m.term.command('AT+CGMR'), '\r\nBG95M3LAR02A03\r\n\r\nOK\r\n');
  }
});

test('a confirmed update raises the security counter: an image with an older counter then ends with END 510', async (t) => {
  await using m = await registered();
  await upload(m, 'new.zip', benchImage('quectel-bg95', '2.0.4', { securityCounter: 3 }));
  let from = m.term.mark();
  await m.term.command('AT+QFOTADL="UFS:new.zip"');
  await m.term.waitFor('"END",0\r\n', { from });
  await m.term.waitFor('SMS DONE\r\n', { from });
  await m.clock.sleep(BG95.timing.bootMs); // up long enough: confirmed
  await m.term.command('ATE0');
  await upload(m, 'old.zip', benchImage('quectel-bg95', '2.0.5', { securityCounter: 2 }));
  from = m.term.mark();
  await m.term.command('AT+QFOTADL="UFS:old.zip"');
  await m.term.waitFor('+QIND: "FOTA","END",510\r\n', { from });
  t.is(await m.term.command('AT+CGMR'), '\r\n2.0.4\r\n\r\nOK\r\n');
});

for (const [at, expected, why] of [
  [20, 'BG95M3LAR02A03', 'in the download: the old version runs'],
  [60, '2.0.4', 'in the swap: the bootloader resumes it from flash'],
] as const) {
  test(`power cut at UPDATING ${at} (${why})`, async (t) => {
    await using m = await registered();
    await upload(m, 'update.zip', PACKAGE);
    const from = m.term.mark();
    await m.term.command('AT+QFOTADL="UFS:update.zip"');
    await m.term.waitFor(`"UPDATING",${at}\r\n`, { from });
    m.module.cutPower();
    m.module.powerOn();
    await m.term.waitFor('SMS DONE\r\n', { from: m.term.mark() });
    await m.term.command('ATE0');
    t.is(await m.term.command('AT+CGMR'), `\r\n${expected}\r\n\r\nOK\r\n`);
    t.false(m.term.text.slice(from).includes('"END"'));
  });
}

test('QFOTADL from an HTTP URL on loopback: HTTPSTART, HTTPEND 0, install, new version; a 404 gives HTTPEND 701', async (t) => {
  const server = createServer((req, res) => {
    if (req.url === '/delta.zip') res.end(PACKAGE);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  await using m = await registered();
  let from = m.term.mark();
  await m.term.command(`AT+QFOTADL="http://127.0.0.1:${port}/nope.zip"`);
  await m.term.waitFor('+QIND: "FOTA","HTTPSTART"\r\n', { from });
  await m.term.waitFor('+QIND: "FOTA","HTTPEND",701\r\n', { from });
  from = m.term.mark();
  await m.term.command(`AT+QFOTADL="http://127.0.0.1:${port}/delta.zip"`);
  const httpStart = await m.term.waitFor('"HTTPSTART"\r\n', { from });
  const httpEnd = await m.term.waitFor('"HTTPEND",0\r\n', { from });
  const downloadMs = (PACKAGE.length * 8) / m.module.policy.downlinkKbps;
  t.true(Math.abs(httpEnd.t - httpStart.t - downloadMs) <= 1, 'air time at the downlink rate, not host time');
  await m.term.waitFor('"END",0\r\n', { from });
  await m.term.waitFor('SMS DONE\r\n', { from });
  t.is(m.module.firmware.revision, '2.0.4');
});
