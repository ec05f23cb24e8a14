import test from 'ava';
import {
  bootModule,
  decodeTimer2,
  decodeTimer3,
  edrxCycleSeconds,
  encodeTimer2,
  encodeTimer3,
  ptwSeconds,
} from '../firmware-stubs/index.ts';
import { VirtualClock } from '../src/clock/index.ts';
import { loadModuleProfile } from '../src/hardware/index.ts';

const BG95 = loadModuleProfile('quectel-bg95');
const NO_JITTER = { attachJitter: 0 };

/** Bring the module to CFUN=0 with URCs enabled, so the next CFUN=1 starts a clean registration. */
async function ready(network = {}) {
  const m = await bootModule({ profile: 'quectel-bg95', seed: 3, network: { ...NO_JITTER, ...network } });
  await m.term.command('ATE0');
  await m.term.command('AT+CFUN=0');
  return m;
}

test('24.008 timer codec: worked examples of at-modules.md §2.2 and encoding "closest, not below"', (t) => {
  t.is(decodeTimer3('00000110'), 3600);
  t.is(decodeTimer2('00100001'), 60);
  t.is(decodeTimer3('10101111'), 15 * 60);
  t.is(decodeTimer3('01101100'), 24);
  t.is(decodeTimer2('01101100'), 12 * 60, 'unassigned Timer 2 unit reads as 1 minute');
  t.is(decodeTimer3('01000111'), 70 * 3600);
  t.is(decodeTimer2('11100000'), null);
  t.is(encodeTimer3(3600), '00100001');
  t.is(encodeTimer3(61), '01111111', '61 s → 31 × 2 s = 62 s, closer than 3 × 30 s');
  t.is(encodeTimer3(63), '10000011', '63 s → 3 × 30 s');
  t.is(encodeTimer2(60), '00100001');
  t.is(encodeTimer2(10), '00000101');
  t.is(encodeTimer2(null), '11100000');
  t.is(edrxCycleSeconds(0b0101, 'lte-m'), 81.92);
  t.is(edrxCycleSeconds(0b0000, 'nb-iot'), 20.48);
  t.is(ptwSeconds(3, 'lte-m'), 5.12);
  t.is(ptwSeconds(3, 'nb-iot'), 10.24);
});

test('CFUN=1: +CEREG: 2 at once, +CSCON: 1 during attach, registered after attachMs, idle after the inactivity timer', async (t) => {
  await using m = await ready();
  await m.term.command('AT+CEREG=2;+CSCON=1');
  const from = m.term.mark();
  const t0 = m.clock.now();
  await m.term.command('AT+CFUN=1');
  const searching = await m.term.waitFor('+CEREG: 2\r\n', { from });
  const connected = await m.term.waitFor('+CSCON: 1\r\n', { from });
  const registered = await m.term.waitFor('+CEREG: 1,"002F","0012BEEF",8\r\n', { from });
  const idle = await m.term.waitFor('+CSCON: 0\r\n', { from });
  t.is(searching.t - t0, 0);
  t.is(connected.t - t0, Math.round(BG95.timing.attachMs * 0.4));
  t.is(registered.t - t0, BG95.timing.attachMs);
  t.is(idle.t - registered.t, BG95.timing.rrcInactivityMs);
  t.is(await m.term.command('AT+CEREG?'), '\r\n+CEREG: 2,1,"002F","0012BEEF",8\r\n\r\nOK\r\n');
  t.is(await m.term.command('AT+COPS?'), '\r\n+COPS: 0,0,"Emulated Network",8\r\n\r\nOK\r\n');
  t.is(await m.term.command('AT+CSCON?'), '\r\n+CSCON: 1,0\r\n\r\nOK\r\n');
});

test('attach time is jittered from the seed, within ±20 %', async (t) => {
  const times: number[] = [];
  for (const seed of [1, 2, 3, 4]) {
    await using m = await bootModule({ profile: 'quectel-bg95', seed });
    await m.term.command('AT+CEREG=1');
    const t0 = m.clock.now();
    await m.term.command('AT+CFUN=0');
    await m.term.command('AT+CFUN=1');
    const reg = await m.term.waitFor('+CEREG: 1\r\n', { from: m.term.mark() });
    times.push(reg.t - t0);
  }
  for (const ms of times)
    t.true(ms >= BG95.timing.attachMs * 0.8 && ms <= BG95.timing.attachMs * 1.2, `attach ${ms} ms`);
  t.true(new Set(times).size > 1, `different seeds, different attach times: ${times}`);
});

test('PSM: after release and the granted active time, +QPSMTIMER with the granted values, then PSM POWER DOWN', async (t) => {
  await using m = await ready();
  await m.term.command('AT+QCFG="psm/urc",1');
  await m.term.command('AT+CPSMS=1,,,"00000110","00000101"'); // TAU 1 h, active time 10 s
  await m.term.command('AT+CEREG=4;+CSCON=1');
  const from = m.term.mark();
  await m.term.command('AT+CFUN=1');
  const reg = await m.term.waitFor(/\+CEREG: 1,[^\r]*\r\n/, { from });
  t.is(reg.match, '+CEREG: 1,"002F","0012BEEF",8,,,"00000101","00000110"\r\n');
  const idle = await m.term.waitFor('+CSCON: 0\r\n', { from });
  const timer = await m.term.waitFor('+QPSMTIMER: 3600,10\r\n\r\nPSM POWER DOWN\r\n', { from });
  t.is(timer.t - idle.t, 10_000);
  t.is(m.module.state.power, 'asleep');
  t.is(m.module.state.current.state, 'psm');
  t.is(m.module.state.current.uA, BG95.current.psm.uA);
});

test('the network policy decides the grant: clamp and fixed values, and deny (no PSM fields)', async (t) => {
  {
    await using m = await ready({ psm: { kind: 'clamp', tauS: [600, 1800], activeTimeS: [20, 60] } });
    await m.term.command('AT+QCFG="psm/urc",1;+CEREG=4');
    await m.term.command('AT+CPSMS=1,,,"00000110","00000101"');
    const from = m.term.mark();
    await m.term.command('AT+CFUN=1');
    const reg = await m.term.waitFor(/\+CEREG: 1,[^\r]*\r\n/, { from });
    t.is(reg.match, `+CEREG: 1,"002F","0012BEEF",8,,,"${encodeTimer2(20)}","${encodeTimer3(1800)}"\r\n`);
    await m.term.waitFor('+QPSMTIMER: 1800,20\r\n', { from });
  }
  {
    await using m = await ready({ psm: { kind: 'fixed', tauS: 7200, activeTimeS: 4 } });
    await m.term.command('AT+QCFG="psm/urc",1');
    await m.term.command('AT+CPSMS=1');
    const from = m.term.mark();
    await m.term.command('AT+CFUN=1');
    await m.term.waitFor('+QPSMTIMER: 7200,4\r\n', { from });
  }
  {
    await using m = await ready({ psm: { kind: 'deny' } });
    await m.term.command('AT+CPSMS=1;+CEREG=4');
    const from = m.term.mark();
    await m.term.command('AT+CFUN=1');
    const reg = await m.term.waitFor(/\+CEREG: 1[^\r]*\r\n/, { from });
    t.is(reg.match, '+CEREG: 1,"002F","0012BEEF",8\r\n');
    t.is(m.module.state.registration.psm, null);
  }
});

test('in PSM the first command is lost and wakes the module (RDY); the next one is answered', async (t) => {
  await using m = await ready();
  await m.term.command('AT+CPSMS=1,,,"00000110","00000001"');
  await m.term.command('AT+CFUN=1');
  await m.term.waitFor('PSM POWER DOWN\r\n');
  const from = m.term.mark();
  m.term.write('AT+CGMR\r');
  await m.term.waitFor('RDY\r\n', { from });
  t.is(m.term.text.slice(from), '\r\nRDY\r\n', 'the command got no echo and no answer');
  t.is(await m.term.command('AT+CGMR'), '\r\nBG95M3LAR02A03\r\n\r\nOK\r\n');
  t.is(m.module.state.registration.stat, 1, 'PSM keeps the registration');
});

test('wake() leaves PSM without losing a command; PSM comes back after the active time', async (t) => {
  await using m = await ready();
  await m.term.command('AT+CPSMS=1,,,"00000110","00000010"'); // active time 4 s
  await m.term.command('AT+CFUN=1');
  await m.term.waitFor('PSM POWER DOWN\r\n');
  const from = m.term.mark();
  m.module.wake();
  t.is(await m.term.command('AT'), '\r\nRDY\r\n\r\nOK\r\n', 'held until AT is up, then answered');
  const awake = m.term.timeAt(from);
  const again = await m.term.waitFor('PSM POWER DOWN\r\n', { from });
  t.is(again.t - awake, 4000);
});

test('periodic TAU wakes the module from PSM: a short RRC connection, then PSM again', async (t) => {
  await using m = await ready({ tauMs: 1500 });
  await m.term.command('AT+CPSMS=1,,,"10100010","00000101"'); // TAU 2 min, active 10 s
  await m.term.command('AT+CSCON=1;+QCFG="psm/urc",1');
  const from = m.term.mark();
  await m.term.command('AT+CFUN=1');
  const idle = await m.term.waitFor('+CSCON: 0\r\n', { from });
  const psm = await m.term.waitFor('PSM POWER DOWN\r\n', { from });
  // Nobody set CSCON after the PSM exit: the URC level is kept in RAM, PSM keeps RAM.
  const tau = await m.term.waitFor('+CSCON: 1\r\n', { from: psm.end });
  const release = await m.term.waitFor('+CSCON: 0\r\n', { from: tau.end });
  const psm2 = await m.term.waitFor('PSM POWER DOWN\r\n', { from: release.end });
  t.is(psm.t - idle.t, 10_000);
  t.is(tau.t - idle.t, 120_000, 'T3412 runs from the release');
  t.is(release.t - tau.t, 1500);
  t.is(psm2.t - release.t, 10_000);
});

test('timeline: boot, attach, connected, idle, psm with the profile currents, appended on each change', async (t) => {
  const clock = new VirtualClock();
  const t0 = clock.now();
  await using m = await bootModule({ profile: 'quectel-bg95', seed: 3, clock, network: NO_JITTER });
  const changes: string[] = [];
  m.module.timeline.on('change', (s) => changes.push(s.state));
  await m.term.command('AT+CPSMS=1,,,"00000110","00000101"');
  await m.term.waitFor('PSM POWER DOWN\r\n');
  const segments = m.module.timeline.segments.map((s) => [s.t - t0, s.state, s.uA]);
  const { bootMs, attachMs, rrcInactivityMs } = BG95.timing;
  t.deepEqual(segments, [
    [0, 'off', 0],
    [0, 'boot', BG95.current.boot.uA],
    [bootMs, 'attach', BG95.current.attach.uA],
    [bootMs + attachMs, 'connected', BG95.current.connected.uA],
    [bootMs + attachMs + rrcInactivityMs, 'idle', BG95.current.idle.uA],
    [bootMs + attachMs + rrcInactivityMs + 10_000, 'psm', BG95.current.psm.uA],
  ]);
  t.deepEqual(changes, ['connected', 'idle', 'psm']);
  const end = m.clock.now();
  t.is(m.module.timeline.at(bootMs + t0 + 1).state, 'attach');
  const charge = m.module.timeline.chargeMicroAmpMs(t0, t0 + bootMs);
  t.is(charge, BG95.current.boot.uA * bootMs);
  m.module.cutPower();
  t.is(m.module.state.current.state, 'off');
  t.is(m.module.timeline.current.t, end);
});

test('eDRX: +CEDRXS=2 gets +CEDRXP with the network values, +CEDRXRDP reads them, idle draws eDRX sleep current', async (t) => {
  await using m = await ready({ edrx: { kind: 'as-requested', ptw: 3 } });
  await m.term.command('AT+CEDRXS=2,4,"0101"');
  t.is(await m.term.command('AT+CEDRXS?'), '\r\n+CEDRXS: 4,"0101"\r\n\r\nOK\r\n');
  t.is(await m.term.command('AT+CEDRXRDP'), '\r\n+CEDRXRDP: 0\r\n\r\nOK\r\n', 'not registered: not in use');
  await m.term.command('AT+CSCON=1');
  const from = m.term.mark();
  await m.term.command('AT+CFUN=1');
  await m.term.waitFor('+CEDRXP: 4,"0101","0101","0011"\r\n', { from });
  await m.term.waitFor('+CSCON: 0\r\n', { from });
  t.is(await m.term.command('AT+CEDRXRDP'), '\r\n+CEDRXRDP: 4,"0101","0101","0011"\r\n\r\nOK\r\n');
  t.is(m.module.state.current.state, 'edrxSleep');
  t.is(m.module.state.current.uA, BG95.current.edrxSleep.uA);
});

test('changing the PSM request while registered is carried by a TAU and the new grant is reported (+CEREG at n=4)', async (t) => {
  await using m = await ready({ tauMs: 1000 });
  await m.term.command('AT+CEREG=4;+CSCON=1');
  const from = m.term.mark();
  await m.term.command('AT+CFUN=1');
  await m.term.waitFor('+CSCON: 0\r\n', { from });
  const before = m.term.mark();
  await m.term.command('AT+CPSMS=1,,,"00000110","00100001"');
  const tau = await m.term.waitFor('+CSCON: 1\r\n', { from: before });
  const urc = await m.term.waitFor(/\+CEREG: 1,[^\r]*\r\n/, { from: before });
  t.is(urc.match, '+CEREG: 1,"002F","0012BEEF",8,,,"00100001","00000110"\r\n');
  t.is(urc.t - tau.t, 1000);
  await m.term.waitFor('+CSCON: 0\r\n', { from: urc.end });
  t.is(await m.term.command('AT+CPSMS?'), '\r\n+CPSMS: 1,,,"00000110","00100001"\r\n\r\nOK\r\n');
});

test('registration denied: +CEREG: 3 with the reject cause at n=3', async (t) => {
  await using m = await ready({ registration: 'denied', rejectCause: 7 });
  await m.term.command('AT+CEREG=3');
  const from = m.term.mark();
  await m.term.command('AT+CFUN=1');
  await m.term.waitFor('+CEREG: 3,"002F","0012BEEF",8,0,7\r\n', { from });
  t.is(await m.term.command('AT+COPS?'), '\r\n+COPS: 0\r\n\r\nOK\r\n');
});

test('roaming registers with stat 5; no-service keeps searching', async (t) => {
  {
    await using m = await ready({ registration: 'roaming' });
    await m.term.command('AT+CEREG=1');
    const from = m.term.mark();
    await m.term.command('AT+CFUN=1');
    await m.term.waitFor('+CEREG: 5\r\n', { from });
  }
  {
    await using m = await ready({ registration: 'no-service' });
    await m.term.command('AT+CFUN=1');
    await m.clock.sleep(600_000);
    t.is(await m.term.command('AT+CEREG?'), '\r\n+CEREG: 0,2\r\n\r\nOK\r\n');
    t.is(await m.term.command('AT+CESQ'), '\r\n+CESQ: 99,99,255,255,255,255\r\n\r\nOK\r\n');
    t.is(m.module.state.current.state, 'attach');
  }
});

test('+CESQ and +CSQ come from the configured cell', async (t) => {
  await using m = await ready({ cell: { rsrpDbm: -100, rsrqDb: -11 } });
  await m.term.command('AT+CEREG=1');
  const from = m.term.mark();
  await m.term.command('AT+CFUN=1');
  await m.term.waitFor('+CEREG: 1\r\n', { from });
  t.is(await m.term.command('AT+CESQ'), '\r\n+CESQ: 99,99,255,255,18,41\r\n\r\nOK\r\n');
  // RSSI = −100 + 11 + 7.8 = −81.2 dBm → (−81.2 + 113) / 2 = 15.9 → 15
  t.is(await m.term.command('AT+CSQ'), '\r\n+CSQ: 15,99\r\n\r\nOK\r\n');
  m.module.setNetwork({ cell: { rsrpDbm: -80 } });
  t.regex(await m.term.command('AT+CESQ'), /\+CESQ: 99,99,255,255,18,61\r\n/);
});

test('cutPower loses RAM settings but keeps NV (PSM request, PDP contexts); powerOn boots again', async (t) => {
  await using m = await ready();
  await m.term.command('AT+CPSMS=1,,,"00000110","00000101";+CEREG=2;+CGDCONT=1,"IP","iot.example"');
  m.module.cutPower();
  t.is(m.module.state.power, 'off');
  t.is(m.module.state.current.state, 'off');
  const from = m.term.mark();
  m.module.powerOn();
  await m.term.waitFor('+QIND: SMS DONE\r\n', { from });
  await m.term.command('ATE0');
  t.is(await m.term.command('AT+CEREG?'), '\r\n+CEREG: 0,2\r\n\r\nOK\r\n');
  t.is(await m.term.command('AT+CPSMS?'), '\r\n+CPSMS: 1,,,"00000110","00000101"\r\n\r\nOK\r\n');
  t.regex(await m.term.command('AT+CGDCONT?'), /\+CGDCONT: 1,"IP","iot.example"/);
});

test('AT+QPOWD prints POWERED DOWN and the module stays off until powered on', async (t) => {
  await using m = await ready();
  const from = m.term.mark();
  await m.term.command('AT+QPOWD=1');
  await m.term.waitFor('POWERED DOWN\r\n', { from });
  t.is(m.module.state.power, 'off');
  const q = m.term.mark();
  m.term.write('AT\r');
  await m.clock.sleep(1000);
  t.is(m.term.text.slice(q), '');
});
