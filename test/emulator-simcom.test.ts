import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { connectAsync } from 'mqtt';
import {
  bootModule,
  createEmulatedModule,
  type NetworkOptions,
  RawTerminal,
} from '../firmware-stubs/index.ts';
import { VirtualClock } from '../src/clock/index.ts';
import { loadModuleProfile } from '../src/hardware/index.ts';
import { benchImage } from './helpers/bench-image.ts';
import { checkSeedDeterminism } from './helpers/determinism.ts';
import { mosquittoFor } from './helpers/mosquitto.ts';

const SIM = loadModuleProfile('simcom-sim7080g');
const PACKAGE = benchImage('simcom-sim7080g', '1951.17.0', { payloadBytes: 25_000 });

async function booted(seed = 7, network: NetworkOptions = {}) {
  const m = await bootModule({ profile: 'simcom-sim7080g', seed, network: { attachJitter: 0, ...network } });
  await m.term.command('ATE0');
  return m;
}

async function registered(seed = 7, network: NetworkOptions = {}) {
  const m = await booted(seed, network);
  await m.term.command('AT+CEREG=1');
  if (m.module.state.registration.stat !== 1) await m.term.waitFor('+CEREG: 1\r\n');
  return m;
}

type Booted = Awaited<ReturnType<typeof booted>>;

/** AT+CFSWFILE in chunks of at most 10240 bytes (mode 0, then 1 = append), between CFSINIT and CFSTERM. */
async function writeFile(m: Booted, dir: number, name: string, data: Buffer) {
  await m.term.command('AT+CFSINIT');
  for (let at = 0; at < data.length; at += 10_240) {
    const chunk = data.subarray(at, at + 10_240);
    const from = m.term.mark();
    m.term.write(`AT+CFSWFILE=${dir},"${name}",${at === 0 ? 0 : 1},${chunk.length},10000\r`);
    await m.term.waitFor('\r\nDOWNLOAD\r\n', { from });
    m.term.write(chunk);
    await m.term.waitFor(/\r\n(OK|ERROR)\r\n/, { from });
  }
  await m.term.command('AT+CFSTERM');
}

test('boot: RDY, +CFUN: 1, +CPIN: READY, SMS Ready after the boot time; echo on', async (t) => {
  const clock = new VirtualClock();
  const t0 = clock.now();
  await using module = createEmulatedModule({ profile: 'simcom-sim7080g', clock, seed: 1 });
  const term = new RawTerminal(module.host, clock);
  module.powerOn();
  const last = await term.waitFor('SMS Ready\r\n');
  t.is(term.text, SIM.identification.bootBanner.map((l) => `\r\n${l}\r\n`).join(''));
  t.is(term.text, '\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nSMS Ready\r\n');
  t.is(last.t - t0, SIM.timing.bootMs);
  t.is(await term.command('AT+CFUN?'), 'AT+CFUN?\r\r\n+CFUN: 1\r\n\r\nOK\r\n');
});

test('boot without a SIM: +CPIN: NOT INSERTED and no SMS Ready', async (t) => {
  const clock = new VirtualClock();
  await using module = createEmulatedModule({
    profile: 'simcom-sim7080g',
    clock,
    seed: 1,
    network: { sim: 'absent' },
  });
  const term = new RawTerminal(module.host, clock);
  module.powerOn();
  await clock.sleep(SIM.timing.bootMs * 2);
  t.is(term.text, '\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: NOT INSERTED\r\n');
});

test('identification lines exactly as the profile says', async (t) => {
  await using m = await booted(2);
  t.is(await m.term.command('AT+CGMI'), `\r\n${SIM.identification.manufacturer}\r\n\r\nOK\r\n`);
  t.is(await m.term.command('AT+CGMM'), `\r\n${SIM.identification.model}\r\n\r\nOK\r\n`);
  t.is(await m.term.command('AT+CGMR'), `\r\n${SIM.identification.revision}\r\n\r\nOK\r\n`);
  t.is(await m.term.command('ATI'), `\r\n${SIM.identification.ati.join('\r\n')}\r\n\r\nOK\r\n`);
  t.regex(
    await m.term.command('AT+SIMCOMATI'),
    /^\r\nRevision:1951B16SIM7080\r\nCSUB:[^\r]+\r\nAPRev:1951B16SIM7080\r\nQCN:[^\r]+\r\n\r\nOK\r\n$/,
  );
  t.regex(
    await m.term.command('AT+CGSN'),
    new RegExp(`^\\r\\n${SIM.identification.tac}\\d{7}\\r\\n\\r\\nOK\\r\\n$`),
  );
});

test('registration: +CEREG: 2 then +CEREG: 1 with TAC, cell and AcT 7 after the attach time', async (t) => {
  await using m = await booted(3);
  await m.term.command('AT+CFUN=0');
  await m.term.command('AT+CEREG=2');
  const from = m.term.mark();
  const t0 = m.clock.now();
  await m.term.command('AT+CFUN=1');
  await m.term.waitFor('+CEREG: 2\r\n', { from });
  const reg = await m.term.waitFor('+CEREG: 1,"002F","0012BEEF",7\r\n', { from });
  t.is(reg.t - t0, SIM.timing.attachMs);
});

test('PSM: +CPSMSTATUS: "ENTER PSM" after release + granted active time, "EXIT PSM" at the TAU; AT+CPSMRDP in seconds', async (t) => {
  await using m = await registered(4, { psm: { kind: 'fixed', tauS: 1800, activeTimeS: 30 } });
  t.is(
    await m.term.command('AT+CPSMRDP'),
    '\r\n+CPSMRDP: 0,60,3600,0,0,3240\r\n\r\nOK\r\n',
    'PSM not requested yet',
  );
  await m.term.command('AT+CPSMSTATUS=1');
  await m.term.command('AT+CPSMS=1,,,"00100010","00000101"'); // asks for 2 h / 10 s
  await m.clock.sleep(3000);
  t.is(
    await m.term.command('AT+CPSMRDP'),
    '\r\n+CPSMRDP: 1,10,7200,30,1800,3240\r\n\r\nOK\r\n',
    'requested vs granted',
  );
  const from = m.term.mark();
  const enter = await m.term.waitFor('+CPSMSTATUS: "ENTER PSM"\r\n', { from });
  const release = m.module.radio.idleSince;
  t.is(enter.t - release, 30_000);
  t.is(m.module.state.current.uA, SIM.current.psm.uA);
  const exit = await m.term.waitFor('+CPSMSTATUS: "EXIT PSM"\r\n', { from: enter.end });
  t.is(exit.t - release, 1_800_000);
});

test('files: CFSWFILE takes exactly <size> binary bytes after DOWNLOAD, mode 1 appends, CFSRFILE returns them raw', async (t) => {
  await using m = await booted(5);
  const data = Buffer.concat([Buffer.from('\r\nOK\r\nAT+CFUN=0\r'), Buffer.from([0, 1, 0x22, 0xff])]);
  t.is(await m.term.command('AT+CFSGFIS=3,"blob.bin"'), '\r\nERROR\r\n', 'nothing works before AT+CFSINIT');
  await writeFile(m, 3, 'blob.bin', data);
  t.deepEqual(m.module.files.read('blob.bin'), data, '/customer/ is the user file system');
  t.is(await m.term.command('AT+CFUN?'), '\r\n+CFUN: 1\r\n\r\nOK\r\n', 'the embedded AT+CFUN=0 was data');
  await m.term.command('AT+CFSINIT');
  t.is(await m.term.command('AT+CFSINIT'), '\r\nERROR\r\n', 'the buffer is already held');
  let from = m.term.mark();
  m.term.write('AT+CFSWFILE=3,"blob.bin",1,4,10000\r');
  await m.term.waitFor('DOWNLOAD\r\n', { from });
  m.term.write('tail');
  await m.term.waitFor('\r\nOK\r\n', { from });
  const whole = Buffer.concat([data, Buffer.from('tail')]);
  t.is(await m.term.command('AT+CFSGFIS=3,"blob.bin"'), `\r\n+CFSGFIS: ${whole.length}\r\n\r\nOK\r\n`);
  const expected = Buffer.concat([
    Buffer.from(`\r\n+CFSRFILE: ${whole.length}\r\n`),
    whole,
    Buffer.from('\r\nOK\r\n'),
  ]).toString('latin1');
  from = m.term.mark();
  m.term.write(`AT+CFSRFILE=3,"blob.bin",0,${whole.length},0\r`);
  await m.term.waitFor(expected, { from });
  t.is(m.term.text.slice(from), expected);
  t.is(
    await m.term.command('AT+CFSRFILE=3,"blob.bin",1,4,6'),
    '\r\n+CFSRFILE: 4\r\nAT+C\r\nOK\r\n',
    'from a position',
  );
  t.is(
    await m.term.command('AT+CFSWFILE=3,"big.bin",0,10241,10000'),
    '\r\nERROR\r\n',
    'at most 10240 bytes per write',
  );
  t.is(await m.term.command('AT+CFSDFILE=3,"blob.bin"'), '\r\nOK\r\n');
  t.is(await m.term.command('AT+CFSGFIS=3,"blob.bin"'), '\r\nERROR\r\n');
  await m.term.command('AT+CFSTERM');
});

test('files: a write whose bytes stop coming ends in ERROR after the input time and stores nothing', async (t) => {
  await using m = await booted(6);
  await m.term.command('AT+CFSINIT');
  const from = m.term.mark();
  m.term.write('AT+CFSWFILE=0,"half.bin",0,100,2000\r');
  await m.term.waitFor('DOWNLOAD\r\n', { from });
  m.term.write(Buffer.alloc(10, 1));
  const end = await m.term.waitFor('\r\nERROR\r\n', { from });
  t.true(end.t - m.term.timeAt(from) >= 2000);
  t.is(await m.term.command('AT+CFSGFIS=0,"half.bin"'), '\r\nERROR\r\n');
});

test('FOTA: AT+CFOTA=1 with /fota/update.zip: Start, Updating 10…100, success, restart with RDY and the new revision', async (t) => {
  await using m = await booted(8);
  t.is(await m.term.command('AT+CFOTA=1'), '\r\nOK\r\n');
  await m.term.waitFor('+CFOTA: "No update package"\r\n');
  await writeFile(m, 1, 'update.zip', PACKAGE);
  const from = m.term.mark();
  t.is(await m.term.command('AT+CFOTA=1'), '\r\nOK\r\n');
  const start = await m.term.waitFor('+CFOTA: "Start to update"\r\n', { from });
  const done = await m.term.waitFor('+CFOTA: "Update successfully, please wait for reset"\r\n', { from });
  const steps = [...m.term.text.slice(start.end, done.index).matchAll(/\+CFOTA: "Updating",(\d+)/g)].map(
    (x) => Number(x[1]),
  );
  t.deepEqual(steps, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  const rdy = await m.term.waitFor('\r\nRDY\r\n', { from: done.end });
  await m.term.waitFor('SMS Ready\r\n', { from: rdy.end });
  t.true(rdy.t - done.t >= SIM.timing.bootMs);
  await m.term.command('ATE0');
  t.is(await m.term.command('AT+CGMR'), '\r\nRevision:1951.17.0\r\n\r\nOK\r\n');
  t.is(
    m.module.timeline.timeInStates(start.t, done.t).flashWrite,
    done.t - start.t,
    'the install draws flash-write current',
  );
});

test('FOTA: a package that is not one ends in "Update failed, please wait for reset" and the old revision', async (t) => {
  await using m = await booted(9);
  await writeFile(m, 1, 'update.zip', Buffer.from('garbage'));
  const from = m.term.mark();
  await m.term.command('AT+CFOTA=1');
  const failed = await m.term.waitFor('+CFOTA: "Update failed, please wait for reset"\r\n', { from });
  await m.term.waitFor('SMS Ready\r\n', { from: failed.end });
  await m.term.command('ATE0');
  t.is(await m.term.command('AT+CGMR'), '\r\nRevision:1951B16SIM7080\r\n\r\nOK\r\n');
});

test('HTTPTOFS fetches the package into /fota/ once AT+CNACT is up, then AT+CFOTA=1 installs it', async (t) => {
  const server = createHttpServer((req, res) =>
    req.url === '/delta.zip' ? res.end(PACKAGE) : res.writeHead(404).end(),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await using m = await registered(10);
  t.is(
    await m.term.command(`AT+HTTPTOFS="${base}/delta.zip","/fota/update.zip"`),
    '\r\nERROR\r\n',
    'no application network yet',
  );
  let from = m.term.mark();
  t.is(await m.term.command('AT+CNACT=0,1'), '\r\nOK\r\n');
  await m.term.waitFor('+APP PDP: 0,ACTIVE\r\n', { from });
  t.regex(
    await m.term.command('AT+CNACT?'),
    /^\r\n\+CNACT: 0,1,"10\.\d+\.\d+\.\d+"\r\n\+CNACT: 1,0,"0\.0\.0\.0"\r\n/,
  );
  from = m.term.mark();
  await m.term.command(`AT+HTTPTOFS="${base}/nope.zip","/fota/update.zip"`);
  await m.term.waitFor('+HTTPTOFS: 404,0\r\n', { from });
  from = m.term.mark();
  await m.term.command(`AT+HTTPTOFS="${base}/delta.zip","/fota/update.zip"`);
  await m.term.waitFor(`+HTTPTOFS: 200,${PACKAGE.length}\r\n`, { from });
  from = m.term.mark();
  await m.term.command('AT+CFOTA=1');
  await m.term.waitFor('+CFOTA: "Update successfully, please wait for reset"\r\n', { from });
  await m.term.waitFor('SMS Ready\r\n', { from });
  t.is(m.module.state.revision, '1951.17.0');
});

test('AT+CPOWD=1 says NORMAL POWER DOWN and switches off', async (t) => {
  await using m = await booted(12);
  const from = m.term.mark();
  await m.term.command('AT+CPOWD=1');
  await m.term.waitFor('\r\nNORMAL POWER DOWN\r\n', { from });
  t.is(m.module.state.power, 'off');
});

// ---- MQTT through a real broker ------------------------------------------------------------------

test('MQTT through mosquitto: CNACT, SMCONF, SMCONN, SMSUB with +SMSUB delivery, SMPUB binary after ">", SMDISC', async (t) => {
  const port = await mosquittoFor(t);
  const peer = await connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'peer' });
  t.teardown(() => peer.endAsync());
  await using m = await registered(11);
  t.is(await m.term.command(`AT+SMCONF="URL","127.0.0.1",${port}`), '\r\nOK\r\n');
  t.is(await m.term.command('AT+SMCONF="CLIENTID","rig-dut-03"'), '\r\nOK\r\n');
  t.is(await m.term.command('AT+SMCONN'), '\r\nERROR\r\n', 'the application network is not up yet');
  const up = m.term.mark();
  await m.term.command('AT+CNACT=0,1');
  await m.term.waitFor('+APP PDP: 0,ACTIVE\r\n', { from: up });
  t.is(await m.term.command('AT+SMCONN'), '\r\nOK\r\n');
  t.is(await m.term.command('AT+SMSTATE?'), '\r\n+SMSTATE: 1\r\n\r\nOK\r\n');
  t.is(await m.term.command('AT+SMSUB="fw/multicast/+",1'), '\r\nOK\r\n');

  const from = m.term.mark();
  await peer.publishAsync('fw/multicast/x', Buffer.from('{"v":"1.2.3"}'), { qos: 1 });
  await m.term.waitFor('\r\n+SMSUB: "fw/multicast/x","{"v":"1.2.3"}"\r\n', { from });

  await peer.subscribeAsync('dut/bin');
  const received = new Promise<Buffer>((resolve) =>
    peer.on('message', (topic, payload) => topic === 'dut/bin' && resolve(payload)),
  );
  const bin = Buffer.from([0, 0x0d, 0x0a, 0x4f, 0x4b, 0x0d, 0x0a, 0xff]);
  const pub = m.term.mark();
  m.term.write(`AT+SMPUB="dut/bin",${bin.length},1,0\r`);
  await m.term.waitFor('\r\n> ', { from: pub });
  m.term.write(bin);
  await m.term.waitFor(/\r\n> \r\nOK\r\n$/, { from: pub });
  t.deepEqual(await received, bin);

  t.is(await m.term.command('AT+SMDISC'), '\r\nOK\r\n');
  t.is(await m.term.command('AT+SMSTATE?'), '\r\n+SMSTATE: 0\r\n\r\nOK\r\n');
  t.is(await m.term.command('AT+SMSUB="x",0'), '\r\nERROR\r\n');
});

// ---- determinism -----------------------------------------------------------------------------------

async function session(seed: number) {
  await using m = await bootModule({
    profile: 'simcom-sim7080g',
    seed,
    network: { psm: { kind: 'fixed', tauS: 300, activeTimeS: 20 } },
  });
  for (const cmd of [
    'ATE0',
    'AT+CMEE=2',
    'AT+CEREG=5;+CSCON=1',
    'AT+CPSMSTATUS=1',
    'AT+CPSMS=1',
    'ATI',
    'AT+CGSN',
  ]) {
    await m.term.command(cmd);
  }
  await writeFile(m, 3, 'x.bin', Buffer.from([1, 2, 3]));
  const first = await m.term.waitFor('"ENTER PSM"');
  await m.term.waitFor('"ENTER PSM"', { from: first.end });
  return { transcript: m.term.transcript(0), timeline: m.module.timeline.segments.map((s) => ({ ...s })) };
}

test('same seed: byte-identical transcripts and current timelines; another seed differs', (t) =>
  checkSeedDeterminism(t, session, 41));
