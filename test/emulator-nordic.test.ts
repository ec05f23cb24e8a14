import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { connectAsync } from 'mqtt';
import { bootModule, type NetworkOptions } from '../firmware-stubs/index.ts';
import { loadModuleProfile } from '../src/hardware/index.ts';
import { benchImage } from './helpers/bench-image.ts';
import { checkSeedDeterminism } from './helpers/determinism.ts';
import { mosquittoFor } from './helpers/mosquitto.ts';

const NRF = loadModuleProfile('nordic-nrf9160');
const IMAGE = benchImage('nordic-nrf9160', '1.3.6');

/** Booted (past `Ready`) and registered: the SLM leaves the modem offline until AT+CFUN=1. */
async function registered(seed = 7, network: NetworkOptions = {}) {
  const m = await bootModule({ profile: 'nordic-nrf9160', seed, network: { attachJitter: 0, ...network } });
  await m.term.command('AT+CEREG=1');
  const from = m.term.mark();
  await m.term.command('AT+CFUN=1');
  await m.term.waitFor('+CEREG: 1\r\n', { from });
  return m;
}

test('boot: Ready after the boot time, no echo, the modem offline (CFUN=0) until the host asks', async (t) => {
  await using m = await bootModule({ profile: 'nordic-nrf9160', seed: 1 });
  t.is(m.term.text, '\r\nReady\r\n');
  t.is(await m.term.command('AT+CFUN?'), '\r\n+CFUN: 0\r\n\r\nOK\r\n', 'no echo');
  t.is(await m.term.command('AT+CEREG?'), '\r\n+CEREG: 0,0\r\n\r\nOK\r\n');
});

test('boot time: Ready comes profile.timing.bootMs after power-on', async (t) => {
  const { VirtualClock } = await import('../src/clock/index.ts');
  const clock = new VirtualClock();
  const t0 = clock.now();
  await using m = await bootModule({ profile: 'nordic-nrf9160', seed: 1, clock });
  t.is(m.term.timeAt(0) - t0, NRF.timing.bootMs);
});

test('identification: +CGMI/+CGMM/+CGMR as the profile says; ATI, ATE1 and AT+CMEE=2 answer ERROR', async (t) => {
  await using m = await bootModule({ profile: 'nordic-nrf9160', seed: 2 });
  t.is(await m.term.command('AT+CGMI'), `\r\n${NRF.identification.manufacturer}\r\n\r\nOK\r\n`);
  t.is(await m.term.command('AT+CGMM'), `\r\n${NRF.identification.model}\r\n\r\nOK\r\n`);
  t.is(await m.term.command('AT+CGMR'), `\r\n${NRF.identification.revision}\r\n\r\nOK\r\n`);
  t.is(await m.term.command('ATI'), '\r\nERROR\r\n', 'the SLM grammar check refuses basic commands');
  t.is(await m.term.command('ATE1'), '\r\nERROR\r\n');
  t.is(await m.term.command('AT'), '\r\nOK\r\n', 'still no echo');
  t.is(await m.term.command('AT+CMEE=2'), '\r\nERROR\r\n');
  t.is(await m.term.command('AT+CMEE=1'), '\r\nOK\r\n');
  t.is(await m.term.command('AT+CFUN=9'), '\r\n+CME ERROR: 50\r\n');
  t.is(await m.term.command('AT%HWVERSION'), '\r\n%HWVERSION: nRF9160 SICA B0A\r\n\r\nOK\r\n');
  t.is(await m.term.command('AT%SHORTSWVER'), '\r\n%SHORTSWVER: nrf9160_1.3.5\r\n\r\nOK\r\n');
  t.regex(
    await m.term.command('AT#XSLMVER'),
    /^\r\n#XSLMVER: "\d+\.\d+\.\d+","\d+\.\d+\.\d+"\r\n\r\nOK\r\n$/,
  );
  t.regex(
    await m.term.command('AT+CGSN'),
    new RegExp(`^\\r\\n${NRF.identification.tac}\\d{7}\\r\\n\\r\\nOK\\r\\n$`),
  );
});

test('registration after AT+CFUN=1: +CEREG: 2, then +CEREG: 1 with TAC, cell and AcT 7; %XMONITOR follows', async (t) => {
  await using m = await bootModule({ profile: 'nordic-nrf9160', seed: 3, network: { attachJitter: 0 } });
  t.is(await m.term.command('AT%XMONITOR'), '\r\n%XMONITOR: 0\r\n\r\nOK\r\n');
  await m.term.command('AT+CEREG=2');
  const from = m.term.mark();
  const t0 = m.clock.now();
  await m.term.command('AT+CFUN=1');
  await m.term.waitFor('+CEREG: 2\r\n', { from });
  const reg = await m.term.waitFor('+CEREG: 1,"002F","0012BEEF",7\r\n', { from });
  t.is(reg.t - t0, NRF.timing.attachMs);
  t.is(
    await m.term.command('AT%XMONITOR'),
    '\r\n%XMONITOR: 1,"Emulated Network","EmuNet","00101","002F",7,20,"0012BEEF",279,6300,45,35,"","11100000","11100000","01001001"\r\n\r\nOK\r\n',
  );
});

test('PSM: %XMODEMSLEEP: 1,<ms to the TAU> at entry and 1,0 at the TAU; %XMONITOR and +CEREG=5 carry the grant', async (t) => {
  await using m = await registered(4, { psm: { kind: 'fixed', tauS: 600, activeTimeS: 20 } });
  await m.term.command('AT%XMODEMSLEEP=1,0,10240');
  await m.term.command('AT+CEREG=5');
  const from = m.term.mark();
  await m.term.command('AT+CPSMS=1,,,"00000001","00001010"');
  await m.term.waitFor('+CEREG: 1,"002F","0012BEEF",7,,,"00001010","00000001"\r\n', { from });
  t.regex(await m.term.command('AT%XMONITOR'), /,"","00001010","00000001","01001001"\r\n\r\nOK\r\n$/);
  const sleep = await m.term.waitFor(/%XMODEMSLEEP: 1,(\d+)\r\n/, { from });
  const release = m.module.radio.idleSince;
  t.is(sleep.t - release, 20_000, 'PSM when the active time is over');
  t.is(sleep.match, `%XMODEMSLEEP: 1,${600_000 - 20_000}\r\n`, 'the sleep lasts until the periodic TAU');
  t.is(m.module.state.current.uA, NRF.current.psm.uA);
  const wake = await m.term.waitFor('%XMODEMSLEEP: 1,0\r\n', { from: sleep.end });
  t.is(wake.t - release, 600_000);
});

test('PSM: the modem sleeps but the SLM UART stays up, so AT is answered at once (unlike Quectel)', async (t) => {
  await using m = await registered(4, { psm: { kind: 'fixed', tauS: 600, activeTimeS: 20 } });
  await m.term.command('AT%XMODEMSLEEP=1,0,10240');
  const from = m.term.mark();
  await m.term.command('AT+CPSMS=1,,,"00000001","00001010"');
  await m.term.waitFor(/%XMODEMSLEEP: 1,\d+\r\n/, { from });
  t.is(m.module.state.current.uA, NRF.current.psm.uA);
  t.regex(await m.term.command('AT+CEREG?'), /^\r\n\+CEREG: \d,1/);
  t.is(m.module.state.current.uA, NRF.current.psm.uA, 'a local query does not wake the radio');
});

test('PSM shorter than the %XMODEMSLEEP threshold is not notified', async (t) => {
  await using m = await registered(5, { psm: { kind: 'fixed', tauS: 60, activeTimeS: 10 } });
  await m.term.command('AT%XMODEMSLEEP=1,0,100000');
  await m.term.command('AT+CPSMS=1');
  await m.clock.sleep(200_000);
  t.is(m.module.state.registration.psm?.tauS, 60);
  t.false(m.term.text.includes('%XMODEMSLEEP:'));
});

// ---- FOTA ------------------------------------------------------------------------------------------

async function imageServer(t: ExecutionContext, body: Buffer): Promise<string> {
  const server = createHttpServer((req, res) => {
    if (req.url === '/mfw.bin') res.end(body);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function progress(text: string): number[] {
  return [...text.matchAll(/#XFOTA: 1,0,(\d+)/g)].map((x) => Number(x[1]));
}

test('FOTA: #XFOTA=2 downloads (1,0,<pct>… 4,0), #XRESET applies it, Ready then #XFOTA: 5,0 and the new revision', async (t) => {
  const base = await imageServer(t, IMAGE);
  await using m = await registered(6);
  let from = m.term.mark();
  t.is(await m.term.command(`AT#XFOTA=2,"${base}/mfw.bin"`), '\r\nOK\r\n');
  const first = await m.term.waitFor('#XFOTA: 1,0,0\r\n', { from });
  const ready = await m.term.waitFor('#XFOTA: 4,0\r\n', { from });
  const steps = progress(m.term.text.slice(from, ready.index));
  t.is(steps[0], 0);
  t.is(steps[steps.length - 1], 100);
  t.deepEqual(
    [...steps].sort((a, b) => a - b),
    steps,
    'progress only grows',
  );
  const airMs = (IMAGE.length * 8) / m.module.policy.downlinkKbps;
  const flashMs = (IMAGE.length / NRF.timing.flashWriteBytesPerS) * 1000;
  t.true(Math.abs(ready.t - first.t - (airMs + flashMs)) <= 10, `download took ${ready.t - first.t} ms`);
  t.is(
    await m.term.command('AT+CGMR'),
    '\r\nmfw_nrf9160_1.3.5\r\n\r\nOK\r\n',
    'nothing changes before the reset',
  );
  t.is(
    await m.term.command('AT#XFOTA=7'),
    '\r\n#XFOTA: 368640,2621440\r\n\r\nOK\r\n',
    'the DFU area is dirty now',
  );

  from = m.term.mark();
  await m.term.command('AT#XRESET');
  const up = await m.term.waitFor('\r\nReady\r\n', { from });
  const done = await m.term.waitFor('#XFOTA: 5,0\r\n', { from });
  t.true(done.index > up.index, 'the result comes after Ready');
  t.is(await m.term.command('AT+CGMR'), '\r\n1.3.6\r\n\r\nOK\r\n');
  t.is(await m.term.command('AT%SHORTSWVER'), '\r\n%SHORTSWVER: 1.3.6\r\n\r\nOK\r\n');

  // The next download erases the dirty area first: 2,0 then 3,0.
  await m.term.command('AT+CEREG=1;+CFUN=1');
  await m.term.waitFor('+CEREG: 1\r\n', { from: done.end });
  from = m.term.mark();
  await m.term.command(`AT#XFOTA=2,"${base}/mfw.bin"`);
  const erase = await m.term.waitFor('#XFOTA: 2,0\r\n', { from });
  const erased = await m.term.waitFor('#XFOTA: 3,0\r\n', { from });
  t.true(erased.t > erase.t);
  await m.term.waitFor('#XFOTA: 4,0\r\n', { from });
});

test('FOTA errors: a 404 is #XFOTA: 0,1,1; a rejected image is #XFOTA: 5,1,<DFU result> after Ready; old revision', async (t) => {
  const base = await imageServer(t, Buffer.from('no version line here'));
  await using m = await registered(7);
  let from = m.term.mark();
  await m.term.command(`AT#XFOTA=2,"${base}/missing.bin"`);
  await m.term.waitFor('#XFOTA: 0,1,1\r\n', { from });
  t.is(await m.term.command('AT#XFOTA=2,"ftp://host/x.bin"'), '\r\nERROR\r\n');
  t.is(
    await m.term.command('AT#XFOTA=2,"https://host/x.bin"'),
    '\r\nERROR\r\n',
    'HTTPS needs a security tag',
  );
  from = m.term.mark();
  await m.term.command(`AT#XFOTA=2,"${base}/mfw.bin"`);
  await m.term.waitFor('#XFOTA: 4,0\r\n', { from });
  from = m.term.mark();
  await m.term.command('AT#XRESET');
  await m.term.waitFor(`\r\nReady\r\n\r\n#XFOTA: 5,1,${0x4400003}\r\n`, { from });
  t.is(await m.term.command('AT+CGMR'), '\r\nmfw_nrf9160_1.3.5\r\n\r\nOK\r\n');
});

test('FOTA: a power cut while the delta is applied keeps it pending; the next start applies it', async (t) => {
  const base = await imageServer(t, IMAGE);
  await using m = await registered(8);
  let from = m.term.mark();
  await m.term.command(`AT#XFOTA=2,"${base}/mfw.bin"`);
  await m.term.waitFor('#XFOTA: 4,0\r\n', { from });
  await m.term.command('AT#XRESET');
  await m.clock.sleep(100); // applying
  m.module.cutPower();
  t.is(m.module.state.revision, 'mfw_nrf9160_1.3.5');
  from = m.term.mark();
  m.module.powerOn();
  await m.term.waitFor('\r\nReady\r\n\r\n#XFOTA: 5,0\r\n', { from });
  t.is(m.module.state.revision, '1.3.6');
});

// ---- MQTT through a real broker ------------------------------------------------------------------

test('MQTT through mosquitto: #XMQTTCFG/#XMQTTCON, subscribe, #XMQTTMSG with binary payload, publish QoS 1, data mode, disconnect', async (t) => {
  const port = await mosquittoFor(t);
  const peer = await connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'peer' });
  t.teardown(() => peer.endAsync());
  await using m = await registered(9);
  t.is(await m.term.command('AT#XMQTTCFG="rig-dut-01",60,1'), '\r\nOK\r\n');
  t.is(await m.term.command('AT#XMQTTCFG?'), '\r\n#XMQTTCFG: "rig-dut-01",60,1\r\n\r\nOK\r\n');
  let from = m.term.mark();
  t.is(await m.term.command(`AT#XMQTTCON=1,"","","127.0.0.1",${port}`), '\r\nOK\r\n');
  await m.term.waitFor('#XMQTTEVT: 0,0\r\n', { from });
  t.is(
    await m.term.command('AT#XMQTTCON?'),
    `\r\n#XMQTTCON: 1,"rig-dut-01","127.0.0.1",${port}\r\n\r\nOK\r\n`,
  );
  from = m.term.mark();
  t.is(await m.term.command('AT#XMQTTSUB="fw/multicast/+",1'), '\r\nOK\r\n');
  await m.term.waitFor('#XMQTTEVT: 7,0\r\n', { from });

  const incoming = Buffer.from([0x00, 0x0d, 0x0a, 0x2b, 0xff, 0x22]);
  from = m.term.mark();
  await peer.publishAsync('fw/multicast/x', incoming, { qos: 1 });
  const expected = `\r\n#XMQTTMSG: 14,${incoming.length}\r\nfw/multicast/x\r\n${incoming.toString('latin1')}\r\n\r\n#XMQTTEVT: 2,0\r\n`;
  await m.term.waitFor(expected, { from });
  t.is(m.term.text.slice(from), expected);

  await peer.subscribeAsync('dut/#');
  const got: Buffer[] = [];
  peer.on('message', (_topic, payload) => got.push(payload));
  from = m.term.mark();
  t.is(await m.term.command('AT#XMQTTPUB="dut/status","hello",1,0'), '\r\nOK\r\n');
  await m.term.waitFor('#XMQTTEVT: 3,0\r\n', { from });

  // Data mode: an empty message, then raw bytes up to "+++"; a lone "+" inside is data.
  const binary = Buffer.from([0x01, 0x2b, 0x02, 0x2b, 0x2b, 0x0d, 0x0a, 0x4f, 0x4b]);
  from = m.term.mark();
  m.term.write('AT#XMQTTPUB="dut/bin","",1\r');
  await m.term.waitFor('\r\nOK\r\n', { from });
  m.term.write(Buffer.concat([binary, Buffer.from('+++')]));
  await m.term.waitFor('\r\n#XDATAMODE: 0\r\n', { from });
  await m.term.waitFor('#XMQTTEVT: 3,0\r\n', { from });
  for (let i = 0; i < 100 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  t.deepEqual(got, [Buffer.from('hello'), binary]);

  from = m.term.mark();
  t.is(await m.term.command('AT#XMQTTCON=0'), '\r\nOK\r\n');
  await m.term.waitFor('#XMQTTEVT: 1,0\r\n', { from });
  t.is(await m.term.command('AT#XMQTTPUB="dut/status","x"'), '\r\nERROR\r\n', 'not connected');
});

// ---- determinism -----------------------------------------------------------------------------------

async function session(seed: number) {
  await using m = await bootModule({
    profile: 'nordic-nrf9160',
    seed,
    network: { psm: { kind: 'fixed', tauS: 300, activeTimeS: 20 } },
  });
  for (const cmd of [
    'AT+CMEE=1',
    'AT+CEREG=5',
    'AT+CSCON=1',
    'AT%XMODEMSLEEP=1,0,10240',
    'AT+CPSMS=1',
    'AT+CGSN',
    'AT+CFUN=1',
  ]) {
    await m.term.command(cmd);
  }
  const first = await m.term.waitFor('%XMODEMSLEEP: 1,0\r\n');
  await m.term.waitFor('%XMODEMSLEEP: 1,0\r\n', { from: first.end });
  await m.term.command('AT%XMONITOR');
  return { transcript: m.term.transcript(0), timeline: m.module.timeline.segments.map((s) => ({ ...s })) };
}

test('same seed: byte-identical transcripts and current timelines; another seed differs', (t) =>
  checkSeedDeterminism(t, session, 31));
