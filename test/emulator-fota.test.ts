import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { bootModule } from '../firmware-stubs/index.ts';
import { loadModuleProfile } from '../src/hardware/index.ts';

const BG95 = loadModuleProfile('quectel-bg95');
const PACKAGE = Buffer.concat([Buffer.from('version=BG95M3LAR02A04\n'), Buffer.alloc(20_000, 0xa5)]);

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
  const installMs = (PACKAGE.length / BG95.timing.flashWriteBytesPerS) * 1000;
  t.true(Math.abs(end.t - start.t - installMs) <= 10, `install took ${end.t - start.t} ms`);
  t.is(rdy.t - end.t, BG95.timing.bootMs);
  await m.term.waitFor('SMS DONE\r\n', { from: rdy.end });
  await m.term.command('ATE0');
  t.is(await m.term.command('AT+CGMR'), '\r\nBG95M3LAR02A04\r\n\r\nOK\r\n');
  t.regex(await m.term.command('ATI'), /\r\nRevision: BG95M3LAR02A04\r\n/);
  t.is(m.module.state.revision, 'BG95M3LAR02A04');
  t.is(m.module.timeline.at(start.t + 1).state, 'flashWrite', 'install draws flash current');
  t.is(m.module.timeline.at(end.t + 1).state, 'boot');
});

test('QFOTADL errors: no such file → END 502, not a package → END 511; no reboot, old version', async (t) => {
  await using m = await registered();
  let from = m.term.mark();
  await m.term.command('AT+QFOTADL="UFS:missing.zip"');
  await m.term.waitFor('+QIND: "FOTA","END",502\r\n', { from });
  await upload(m, 'junk.zip', Buffer.from('not a package at all'));
  from = m.term.mark();
  await m.term.command('AT+QFOTADL="UFS:junk.zip"');
  await m.term.waitFor('+QIND: "FOTA","END",511\r\n', { from });
  await m.clock.sleep(BG95.timing.bootMs * 2);
  t.false(m.term.text.slice(from).includes('RDY'));
  t.is(await m.term.command('AT+CGMR'), '\r\nBG95M3LAR02A03\r\n\r\nOK\r\n');
});

test('power cut during UPDATING keeps the old version (placeholder updater commits at the end)', async (t) => {
  await using m = await registered();
  await upload(m, 'update.zip', PACKAGE);
  const from = m.term.mark();
  await m.term.command('AT+QFOTADL="UFS:update.zip"');
  await m.term.waitFor('"UPDATING",50\r\n', { from });
  m.module.cutPower();
  m.module.powerOn();
  await m.term.waitFor('SMS DONE\r\n', { from: m.term.mark() });
  await m.term.command('ATE0');
  t.is(await m.term.command('AT+CGMR'), '\r\nBG95M3LAR02A03\r\n\r\nOK\r\n');
  t.false(m.term.text.slice(from).includes('"END"'));
});

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
  t.is(m.module.firmware.revision, 'BG95M3LAR02A04');
});
