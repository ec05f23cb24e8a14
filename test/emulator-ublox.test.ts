import test from 'ava';
import { connectAsync } from 'mqtt';
import { bootModule, type NetworkOptions } from '../firmware-stubs/index.ts';
import { loadModuleProfile } from '../src/hardware/index.ts';
import { benchImage } from './helpers/bench-image.ts';
import { checkSeedDeterminism } from './helpers/determinism.ts';
import { freePort, mosquittoFor } from './helpers/mosquitto.ts';

const SARA = loadModuleProfile('ublox-sara-r5');
const PACKAGE = benchImage('ublox-sara-r5', '3.16.0', { payloadBytes: 30_000 });

/** A SARA-R5 past its (silent) boot: AT answers once the boot time is over. */
async function booted(seed = 7, network: NetworkOptions = {}) {
  const m = await bootModule({ profile: 'ublox-sara-r5', seed, network: { attachJitter: 0, ...network } });
  await m.clock.sleep(SARA.timing.bootMs);
  return m;
}

async function registered(seed = 7, network: NetworkOptions = {}) {
  const m = await booted(seed, network);
  await m.term.command('ATE0');
  await m.term.command('AT+CEREG=1');
  if (m.module.state.registration.stat !== 1) await m.term.waitFor('+CEREG: 1\r\n');
  return m;
}

async function upload(m: Awaited<ReturnType<typeof booted>>, name: string, data: Buffer, tag = '') {
  const from = m.term.mark();
  m.term.write(`AT+UDWNFILE="${name}",${data.length}${tag}\r`);
  await m.term.waitFor('\r\n>', { from });
  m.term.write(data);
  return m.term.waitFor(/\r\n(OK|ERROR|\+CME ERROR: [^\r]*)\r\n/, { from });
}

test('boot is silent; AT is ignored until the boot time is over, then echoed and answered', async (t) => {
  await using m = await bootModule({ profile: 'ublox-sara-r5', seed: 1 });
  const t0 = m.clock.now();
  m.term.write('AT\r');
  await m.clock.sleep(SARA.timing.bootMs - 1);
  t.is(m.term.text, '', 'nothing before AT is ready, not even a banner');
  await m.clock.sleep(1);
  t.is(m.clock.now() - t0, SARA.timing.bootMs);
  t.is(await m.term.command('AT'), 'AT\r\r\nOK\r\n', 'echo is on by default');
  t.is(m.term.text.startsWith('AT\r\r\nOK'), true, 'still no banner after boot');
});

test('identification lines exactly as the profile says; ATI9 adds the application version', async (t) => {
  await using m = await booted();
  await m.term.command('ATE0');
  t.is(await m.term.command('AT+CGMI'), `\r\n${SARA.identification.manufacturer}\r\n\r\nOK\r\n`);
  t.is(await m.term.command('AT+CGMM'), `\r\n${SARA.identification.model}\r\n\r\nOK\r\n`);
  t.is(await m.term.command('AT+CGMR'), `\r\n${SARA.identification.revision}\r\n\r\nOK\r\n`);
  t.is(await m.term.command('ATI'), `\r\n${SARA.identification.ati.join('\r\n')}\r\n\r\nOK\r\n`);
  t.is(await m.term.command('ATI9'), '\r\n03.15,A00.01\r\n\r\nOK\r\n');
  t.regex(
    await m.term.command('AT+CGSN'),
    new RegExp(`^\\r\\n${SARA.identification.tac}\\d{7}\\r\\n\\r\\nOK\\r\\n$`),
  );
});

test('registration: +CEREG: 2 then +CEREG: 1 with TAC, cell and AcT 7 after the attach time', async (t) => {
  await using m = await booted();
  await m.term.command('ATE0;+CFUN=0');
  await m.term.command('AT+CEREG=2');
  const from = m.term.mark();
  const t0 = m.clock.now();
  await m.term.command('AT+CFUN=1');
  await m.term.waitFor('+CEREG: 2\r\n', { from });
  const reg = await m.term.waitFor('+CEREG: 1,"002F","0012BEEF",7\r\n', { from });
  t.is(reg.t - t0, SARA.timing.attachMs);
  t.is(await m.term.command('AT+COPS?'), '\r\n+COPS: 0,0,"Emulated Network",7\r\n\r\nOK\r\n');
});

test('PSM: +UUPSMR: 1 after release + granted active time, +UUPSMR: 0 at the TAU; AT+UCPSMS? reads the granted timers', async (t) => {
  // The network grants 2 min TAU / 10 s active time whatever is asked.
  await using m = await registered(7, { psm: { kind: 'fixed', tauS: 120, activeTimeS: 10 } });
  await m.term.command('AT+UPSMR=1');
  await m.term.command('AT+CPSMS=1,,,"00100001","00100001"');
  t.is(
    await m.term.command('AT+CPSMS?'),
    '\r\n+CPSMS: 1,,,"00100001","00100001"\r\n\r\nOK\r\n',
    'the request',
  );
  await m.clock.sleep(5000); // the TAU carrying the request
  t.is(
    await m.term.command('AT+UCPSMS?'),
    '\r\n+UCPSMS: 1,,,"10100010","00000101",1\r\n\r\nOK\r\n',
    'the grant',
  );
  const from = m.term.mark();
  const enter = await m.term.waitFor('+UUPSMR: 1\r\n', { from });
  t.is(m.module.state.power, 'asleep');
  t.is(m.module.state.current.state, 'psm');
  t.is(m.module.state.current.uA, SARA.current.psm.uA);
  const release = m.module.radio.idleSince;
  t.is(enter.t - release, 10_000, 'PSM starts when the active time runs out');
  const exit = await m.term.waitFor('+UUPSMR: 0\r\n', { from: enter.end });
  t.is(exit.t - release, 120_000, 'the periodic TAU wakes it');
});

test('PSM wake by the host: the first command is lost, the module wakes and says +UUPSMR: 0', async (t) => {
  await using m = await registered(8, { psm: { kind: 'fixed', tauS: 3600, activeTimeS: 4 } });
  await m.term.command('AT+UPSMR=1;+CPSMS=1');
  const enter = await m.term.waitFor('+UUPSMR: 1\r\n');
  const from = m.term.mark();
  m.term.write('AT+CGMR\r');
  const exit = await m.term.waitFor('+UUPSMR: 0\r\n', { from });
  t.false(m.term.text.slice(from).includes('03.15'), 'the waking command was lost');
  t.true(exit.t > enter.t);
  t.is(await m.term.command('AT+CGMR'), '\r\n03.15\r\n\r\nOK\r\n');
  t.is(await m.term.command('AT+UPSMR?'), '\r\n+UPSMR: 1\r\n\r\nOK\r\n');
});

test('files: UDWNFILE takes exactly <size> binary bytes after ">", appends, URDFILE returns them inside the quotes', async (t) => {
  await using m = await booted(3);
  await m.term.command('ATE0;+CMEE=2');
  const payload = Buffer.concat([
    Buffer.from('\r\nOK\r\nAT+CFUN=0\r'),
    Buffer.from([0, 1, 0x22, 0xff, 0x0d, 0x0a]),
  ]);
  const done = await upload(m, 'blob.bin', payload);
  t.is(done.match, '\r\nOK\r\n');
  t.deepEqual(m.module.files.read('blob.bin'), payload);
  t.is(await m.term.command('AT+CFUN?'), '\r\n+CFUN: 1\r\n\r\nOK\r\n', 'the embedded AT+CFUN=0 was data');
  await upload(m, 'blob.bin', Buffer.from('tail'));
  const whole = Buffer.concat([payload, Buffer.from('tail')]);
  // The data holds "\r\nOK\r\n" itself, so wait for the whole expected answer rather than the first OK.
  const expected = `\r\n+URDFILE: "blob.bin",${whole.length},"${whole.toString('latin1')}"\r\n\r\nOK\r\n`;
  const read = m.term.mark();
  m.term.write('AT+URDFILE="blob.bin"\r');
  await m.term.waitFor(expected, { from: read });
  t.is(m.term.text.slice(read), expected);
  t.is(await m.term.command('AT+URDBLOCK="blob.bin",2,2'), '\r\n+URDBLOCK: "blob.bin",2,"OK"\r\n\r\nOK\r\n');
  await upload(m, 'a.txt', Buffer.from('x'));
  t.is(await m.term.command('AT+ULSTFILE=0'), '\r\n+ULSTFILE: "a.txt","blob.bin"\r\n\r\nOK\r\n');
  t.is(await m.term.command('AT+ULSTFILE=2,"blob.bin"'), `\r\n+ULSTFILE: ${whole.length}\r\n\r\nOK\r\n`);
  t.is(await m.term.command('AT+ULSTFILE=1'), `\r\n+ULSTFILE: ${m.module.files.free}\r\n\r\nOK\r\n`);
  t.is(await m.term.command('AT+UDELFILE="blob.bin"'), '\r\nOK\r\n');
  t.is(await m.term.command('AT+URDFILE="blob.bin"'), '\r\n+CME ERROR: FILE NOT FOUND\r\n');
  await m.term.command('AT+CMEE=1');
  t.is(await m.term.command('AT+UDELFILE="blob.bin"'), '\r\n+CME ERROR: 1612\r\n');
});

test('files: a transfer that stops for 20 s ends in FFS TIMEOUT and stores nothing', async (t) => {
  await using m = await booted(4);
  await m.term.command('ATE0;+CMEE=2');
  const from = m.term.mark();
  m.term.write('AT+UDWNFILE="half.bin",100\r');
  await m.term.waitFor('>', { from });
  m.term.write(Buffer.alloc(40, 1));
  const end = await m.term.waitFor('+CME ERROR: FFS TIMEOUT\r\n', { from });
  t.false(m.module.files.list().some((f) => f.name === 'half.bin'));
  t.true(end.t - m.term.timeAt(from) >= 20_000);
});

test('FOAT: UFWINSTALL restarts into the installer, +UUFWINSTALL: 10…100 then 128, then the new revision', async (t) => {
  await using m = await booted(5);
  await m.term.command('ATE0');
  await upload(m, 'upd.dof', PACKAGE, ',"FOAT"');
  t.is(
    await m.term.command('AT+URDFILE="upd.dof","FOAT"'),
    '\r\nERROR\r\n',
    'FOAT files cannot be read back',
  );
  const from = m.term.mark();
  t.is(await m.term.command('AT+UFWINSTALL'), '\r\nOK\r\n');
  const installing = await m.term.waitFor('+UUFWINSTALL: 10\r\n', { from });
  t.true(installing.t - m.term.timeAt(from) >= SARA.timing.bootMs, 'the installer speaks after the restart');
  const done = await m.term.waitFor('+UUFWINSTALL: 128\r\n', { from });
  const steps = [...m.term.text.slice(from, done.index).matchAll(/\+UUFWINSTALL: (\d+)/g)].map((x) =>
    Number(x[1]),
  );
  t.deepEqual(steps, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  await m.clock.sleep(SARA.timing.bootMs + 1000);
  t.is(await m.term.command('AT'), 'AT\r\r\nOK\r\n', 'restarted: echo back on, no banner');
  await m.term.command('ATE0');
  t.is(await m.term.command('AT+CGMR'), '\r\n3.16.0\r\n\r\nOK\r\n');
  t.is(await m.term.command('ATI9'), '\r\n3.16.0,A00.01\r\n\r\nOK\r\n');
  t.is(await m.term.command('AT+UFWINSTALL'), '\r\nERROR\r\n', 'the package was consumed');
  t.is(
    m.module.timeline.timeInStates(installing.t, done.t).flashWrite,
    done.t - installing.t,
    'installing draws flash-write current',
  );
});

test('FOAT: a power cut during the install leaves the installer armed; it runs again at the next boot', async (t) => {
  await using m = await booted(6);
  await m.term.command('ATE0');
  await upload(m, 'upd.dof', PACKAGE, ',"FOAT"');
  const from = m.term.mark();
  await m.term.command('AT+UFWINSTALL');
  await m.term.waitFor('+UUFWINSTALL: 50\r\n', { from });
  m.module.cutPower();
  t.is(m.module.state.revision, '03.15');
  const again = m.term.mark();
  m.module.powerOn();
  await m.term.waitFor('+UUFWINSTALL: 10\r\n', { from: again });
  await m.term.waitFor('+UUFWINSTALL: 128\r\n', { from: again });
  t.is(m.module.state.revision, '3.16.0');
});

test('FOAT: a junk package (LwM2M unsupported package type) ends in +UUFWINSTALL: 130 and the old revision', async (t) => {
  await using m = await booted(9);
  await m.term.command('ATE0');
  await upload(m, 'bad.dof', Buffer.from('not a firmware package'), ',"FOAT"');
  const from = m.term.mark();
  await m.term.command('AT+UFWINSTALL');
  // Progress (1..100) may come first; the result is a code from 128 up.
  const end = await m.term.waitFor(/\+UUFWINSTALL: (1[2-9]\d)\r\n/, { from });
  // Not an image at all (no "RIGU" magic): LwM2M Update Result 6, unsupported package type, which the
  // dialect reports as 130 (129 integrity, 130 unsupported package, 131 too large, 132 failed).
  t.is(Number(/\d+/.exec(end.match)?.[0]), 130, 'unsupported package type');
  await m.clock.sleep(SARA.timing.bootMs + 1000);
  await m.term.command('ATE0');
  t.is(await m.term.command('AT+CGMR'), '\r\n03.15\r\n\r\nOK\r\n');
});

test('AT+CFUN=16 resets silently; RAM settings return to their defaults, AT+UPSMR stays', async (t) => {
  await using m = await booted(10);
  await m.term.command('ATE0;+UPSMR=1;+CEREG=2');
  const from = m.term.mark();
  t.is(await m.term.command('AT+CFUN=16'), '\r\nOK\r\n');
  await m.clock.sleep(SARA.timing.bootMs + 10);
  t.is(m.term.text.slice(m.term.text.indexOf('OK', from) + 4), '', 'no banner after the reset');
  t.is(await m.term.command('AT+UPSMR?'), 'AT+UPSMR?\r\r\n+UPSMR: 1\r\n\r\nOK\r\n');
  t.is(await m.term.command('AT+CFUN=15'), 'AT+CFUN=15\r\r\nERROR\r\n');
});

// ---- MQTT through a real broker ------------------------------------------------------------------

test('MQTT through mosquitto: login, subscribe, message read with AT+UMQTTC=6, binary publish with ">", logout', async (t) => {
  const port = await mosquittoFor(t);
  const peer = await connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'peer' });
  t.teardown(() => peer.endAsync());
  await using m = await registered(11);
  t.is(await m.term.command('AT+UMQTT=0,"rig-dut-02"'), '\r\n+UMQTT: 0,1\r\n\r\nOK\r\n');
  t.is(await m.term.command(`AT+UMQTT=2,"127.0.0.1",${port}`), '\r\n+UMQTT: 2,1\r\n\r\nOK\r\n');
  t.is(await m.term.command('AT+UMQTT=0'), '\r\n+UMQTT: 0,"rig-dut-02"\r\n\r\nOK\r\n');
  let from = m.term.mark();
  t.is(await m.term.command('AT+UMQTTC=1'), '\r\n+UMQTTC: 1,1\r\n\r\nOK\r\n');
  await m.term.waitFor('+UUMQTTC: 1,1\r\n', { from });
  from = m.term.mark();
  t.is(await m.term.command('AT+UMQTTC=4,1,"fw/multicast/+"'), '\r\n+UMQTTC: 4,1\r\n\r\nOK\r\n');
  await m.term.waitFor('+UUMQTTC: 4,1,1,"fw/multicast/+"\r\n', { from });

  // Incoming: announced by +UUMQTTC: 6,<unread>, read back with the payload inside quotes.
  const incoming = Buffer.from([0x7b, 0x0d, 0x0a, 0x00, 0xff, 0x22, 0x7d]);
  from = m.term.mark();
  await peer.publishAsync('fw/multicast/x', incoming, { qos: 1 });
  await m.term.waitFor('+UUMQTTC: 6,1\r\n', { from });
  t.is(
    await m.term.command('AT+UMQTTC=6'),
    `\r\n+UMQTTC: 6,1,${14 + incoming.length},14,"fw/multicast/x",${incoming.length},"${incoming.toString('latin1')}"\r\n\r\nOK\r\n`,
  );

  // Outgoing binary publish: the peer receives exactly the bytes.
  await peer.subscribeAsync('dut/bin');
  const received = new Promise<Buffer>((resolve) =>
    peer.on('message', (topic, payload) => topic === 'dut/bin' && resolve(payload)),
  );
  const bin = Buffer.from([0, 1, 2, 0x0d, 0x0a, 0x4f, 0x4b, 0xfe]);
  from = m.term.mark();
  m.term.write(`AT+UMQTTC=9,1,0,"dut/bin",${bin.length}\r`);
  await m.term.waitFor('\r\n>', { from });
  m.term.write(bin);
  await m.term.waitFor('\r\n+UMQTTC: 9,1\r\n\r\nOK\r\n', { from });
  await m.term.waitFor('+UUMQTTC: 9,1\r\n', { from });
  t.deepEqual(await received, bin);

  from = m.term.mark();
  t.is(await m.term.command('AT+UMQTTC=0'), '\r\n+UMQTTC: 0,1\r\n\r\nOK\r\n');
  await m.term.waitFor('+UUMQTTC: 0,1\r\n', { from });
  t.is(
    await m.term.command('AT+UMQTTC=4,0,"x"'),
    '\r\n+UMQTTC: 4,0\r\n\r\nOK\r\n',
    'refused once logged out',
  );
});

test('MQTT: a login to a port nobody listens on ends in +UUMQTTC: 1,0 and +UMQTTER tells why', async (t) => {
  const port = await freePort();
  await using m = await registered(12);
  await m.term.command(`AT+UMQTT=2,"127.0.0.1",${port}`);
  const from = m.term.mark();
  await m.term.command('AT+UMQTTC=1');
  await m.term.waitFor('+UUMQTTC: 1,0\r\n', { from });
  t.regex(await m.term.command('AT+UMQTTER'), /^\r\n\+UMQTTER: 1,\d+\r\n\r\nOK\r\n$/);
});

// ---- determinism -----------------------------------------------------------------------------------

async function session(seed: number) {
  await using m = await booted(seed, {
    attachJitter: 0.2,
    psm: { kind: 'fixed', tauS: 300, activeTimeS: 20 },
  });
  for (const cmd of [
    'ATE0',
    'AT+CMEE=2',
    'AT+CEREG=5;+CSCON=1',
    'AT+UPSMR=1',
    'AT+CPSMS=1',
    'ATI9',
    'AT+CGSN',
    'AT+UCPSMS?',
  ]) {
    await m.term.command(cmd);
  }
  await upload(m, 'x.bin', Buffer.from([1, 2, 3]));
  const first = await m.term.waitFor('+UUPSMR: 1');
  await m.term.waitFor('+UUPSMR: 1', { from: first.end });
  return { transcript: m.term.transcript(0), timeline: m.module.timeline.segments.map((s) => ({ ...s })) };
}

test('same seed: byte-identical transcripts and current timelines; another seed differs', (t) =>
  checkSeedDeterminism(t, session, 21));
