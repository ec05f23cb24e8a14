import type { KeyObject } from 'node:crypto';
import test from 'ava';
import { BENCH_UPDATE_KEY_SEED, BENCH_UPDATE_KEYS, createEmulatedModule } from '../firmware-stubs/index.ts';
import { AtEngine, AtTimeoutError } from '../src/at/index.ts';
import { VirtualClock } from '../src/clock/index.ts';
import { listModuleProfiles, loadModuleProfile } from '../src/hardware/index.ts';
import {
  DialectMismatchError,
  FotaError,
  type FotaEvent,
  type MbmsServiceEvent,
  Modem,
  type PowerSaveEvent,
} from '../src/modem/index.ts';
import { keyIdOf, signingKeysFromSeed } from '../src/update/index.ts';
import { benchImage } from './helpers/bench-image.ts';
import { openEmulatedModem } from './helpers/emulated-modem.ts';

const ALL = listModuleProfiles();

for (const id of ALL) {
  test(`${id}: identify, attach, PSM and eDRX requested vs granted, signal`, async (t) => {
    const m = await openEmulatedModem(id);
    t.teardown(() => m.close());
    const ident = m.modem.identity;
    t.is(ident.profileId, id);
    t.is(ident.dialect, m.profile.dialect);
    // +CGMR may print "Revision: …"; the identity carries the bare revision.
    t.is(ident.revision, m.profile.identification.revision.replace(/^Revision:\s*/, ''));
    t.regex(ident.imei, /^\d{15}$/);
    t.true(ident.imei.startsWith(m.profile.identification.tac));
    const reg = await m.modem.attach();
    t.true(reg.stat === 1 || reg.stat === 5);
    const psm = await m.modem.setPsm({ periodicTauS: 3600, activeTimeS: 60 });
    t.is(psm.requested.periodicTau?.seconds, 3600);
    t.is(psm.requested.activeTime?.seconds, 60);
    t.is(psm.granted?.periodicTau?.seconds, 3600);
    t.is(psm.granted?.activeTime?.seconds, 60);
    const mode = m.profile.rats.includes('lte-m') ? 'wb-s1' : 'nb-s1';
    const edrx = await m.modem.setEdrx({ mode, cycleS: 81.92 });
    t.is(edrx.decoded?.nwProvidedCycle?.seconds, 81.92);
    const signal = await m.modem.signal();
    t.true(signal.rsrpDbm !== null && signal.rsrpDbm < -40 && signal.rsrpDbm > -141);
  });
}

test('the network grants other timers than requested, and the report says so', async (t) => {
  const m = await openEmulatedModem('quectel-bg95', {
    network: { psm: { kind: 'fixed', tauS: 7200, activeTimeS: 20 } },
  });
  t.teardown(() => m.close());
  await m.modem.attach();
  const psm = await m.modem.setPsm({ periodicTauS: 3600, activeTimeS: 60 });
  t.is(psm.requested.periodicTau?.seconds, 3600);
  t.is(psm.granted?.periodicTau?.seconds, 7200);
  t.is(psm.granted?.activeTime?.seconds, 20);
});

test('power-saving events follow the module into PSM with the granted timers', async (t) => {
  const m = await openEmulatedModem('quectel-bg95');
  t.teardown(() => m.close());
  const events: PowerSaveEvent[] = [];
  m.modem.on('power-save', (e) => events.push(e));
  await m.modem.attach();
  await m.modem.setPsm({ periodicTauS: 3600, activeTimeS: 60 });
  await m.clock.sleep(120_000);
  t.deepEqual(
    events.map((e) => e.state),
    ['entering-psm', 'psm'],
  );
  const entering = events[0]!;
  t.true(entering.state === 'entering-psm' && entering.periodicTauS === 3600 && entering.activeTimeS === 60);
  t.is(m.module.state.power, 'asleep');
  t.is(m.module.timeline.segments.at(-1)?.state, 'psm');
});

test('a registration denied by the network fails attach at once with the reason', async (t) => {
  const m = await openEmulatedModem('quectel-bg95', { network: { registration: 'denied' } });
  t.teardown(() => m.close());
  await t.throwsAsync(m.modem.attach(), { name: 'RegistrationError', message: /denied/ });
});

test('no cell: attach gives up after its timeout, naming the last state seen', async (t) => {
  const m = await openEmulatedModem('quectel-bg95', { network: { registration: 'no-service' } });
  t.teardown(() => m.close());
  await t.throwsAsync(m.modem.attach({ timeoutMs: 60_000 }), {
    message: /not registered within 60 s; last \+CEREG stat 2/,
  });
});

test('files: a binary upload containing OK\\r\\n reads back byte for byte', async (t) => {
  const m = await openEmulatedModem('quectel-bg95');
  t.teardown(() => m.close());
  const bytes = Buffer.concat([
    Buffer.from('head\r\nOK\r\n+CME ERROR: 3\r\n'),
    Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff)),
  ]);
  await m.modem.uploadFile('blob.bin', bytes);
  t.deepEqual(await m.modem.listFiles(), [{ name: 'blob.bin', size: bytes.length }]);
  t.deepEqual(await m.modem.readFile('blob.bin'), bytes);
  await m.modem.deleteFile('blob.bin');
  t.deepEqual(await m.modem.listFiles(), []);
});

test('module firmware update: progress events, reboot, new revision read back', async (t) => {
  const m = await openEmulatedModem('quectel-bg95');
  t.teardown(() => m.close());
  await m.modem.attach();
  await m.modem.uploadFile('fw.bin', benchImage('quectel-bg95', '2.0.4'));
  const events: FotaEvent[] = [];
  m.modem.on('fota', (e) => events.push(e));
  const reboots: string[] = [];
  m.modem.on('reboot', (u) => reboots.push(u.line));
  const revision = await m.modem.firmwareUpdate('fw.bin');
  t.is(revision, '2.0.4');
  t.is(m.modem.identity.revision, '2.0.4');
  t.is(events.at(-1)?.stage, 'done');
  t.true(events.some((e) => e.stage === 'installing' && (e.percent ?? 0) > 0));
  t.deepEqual(reboots, ['RDY']);
});

test('module firmware update: a power cut after any UPDATING step leaves a module that answers with the old or the new revision', async (t) => {
  const oldRevision = loadModuleProfile('quectel-bg95').identification.revision;
  const newRevision = '2.0.4';
  const seen: string[] = [];
  // One run per moment: cut right after +QIND: "FOTA","UPDATING",<pct> reaches the host.
  for (const percent of [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]) {
    const m = await openEmulatedModem('quectel-bg95');
    try {
      await m.modem.attach();
      await m.modem.uploadFile('fw.bin', benchImage('quectel-bg95', newRevision));
      const cut = new Promise<void>((resolve) =>
        m.modem.on('fota', (e) => {
          if (e.stage !== 'installing' || e.percent !== percent) return;
          m.module.cutPower();
          resolve();
        }),
      );
      // The update never ends for this Modem: its module lost power. It gives up after its timeout.
      const update = m.modem.firmwareUpdate('fw.bin', { timeoutMs: 10 * 60_000 });
      update.catch(() => {});
      await cut;
      m.modem.close();
      m.module.powerOn();
      const modem = await Modem.open(m.engine, {
        clock: m.clock,
        expect: { profileId: 'quectel-bg95' },
        contactTimeoutMs: 30_000,
      });
      try {
        t.deepEqual((await m.engine.send('AT')).lines, [], `cut at ${percent}%: AT answers OK`);
        const revision = modem.identity.revision;
        t.true(
          revision === oldRevision || revision === newRevision,
          `cut at ${percent}%: revision ${revision}, expected ${oldRevision} or ${newRevision}`,
        );
        t.is(m.module.state.revision, revision, `cut at ${percent}%: +CGMR says what runs`);
        seen.push(`${percent}%: ${revision}`);
      } finally {
        modem.close();
      }
    } finally {
      await m.close();
    }
  }
  t.log(seen.join(', '));
});

test("the emulator's bench update key is src/update's signingKeysFromSeed(BENCH_UPDATE_KEY_SEED)", (t) => {
  const derived = signingKeysFromSeed(BENCH_UPDATE_KEY_SEED);
  const bench = rawEd25519(BENCH_UPDATE_KEYS.publicKey);
  t.is(bench.length, 32);
  t.deepEqual(rawEd25519(derived.publicKey), bench);
  t.deepEqual(keyIdOf(derived.publicKey), keyIdOf(BENCH_UPDATE_KEYS.publicKey));
});

/** The raw 32-byte Ed25519 public key (the JWK "x" member). */
function rawEd25519(key: KeyObject): Buffer {
  return Buffer.from(key.export({ format: 'jwk' }).x ?? '', 'base64url');
}

test("module firmware update from a bad file fails with the module's error", async (t) => {
  const m = await openEmulatedModem('quectel-bg95');
  t.teardown(() => m.close());
  await m.modem.uploadFile('bad.bin', Buffer.from('no version line here'));
  await t.throwsAsync(m.modem.firmwareUpdate('bad.bin'), {
    instanceOf: FotaError,
    message: /\+QIND: "FOTA","END",\d+/,
  });
  t.is(m.modem.identity.revision, m.profile.identification.revision);
});

test('multicast (non-standard #XMBMS set): join, session, file delivered, leave', async (t) => {
  const m = await openEmulatedModem('quectel-bg95');
  t.teardown(() => m.close());
  await m.modem.attach();
  const tmgi = '00000100F110';
  const states: MbmsServiceEvent[] = [];
  m.modem.on('mbms', (e) => states.push(e));
  const file = new Promise<unknown>((resolve) => m.modem.on('mbms-file', resolve));
  await m.modem.multicastEnable();
  await m.modem.multicastJoin(tmgi);
  m.module.multicast.sessionStarted(tmgi);
  await m.clock.sleep(10);
  t.deepEqual(await m.modem.multicastServices(), [{ tmgi, state: 'receiving' }]);
  await m.module.multicast.deliverFile(tmgi, {
    contentLocation: 'http://bmsc.example/fw/update.bin',
    bytes: Buffer.alloc(512, 1),
    status: 0,
  });
  t.deepEqual(await file, {
    tmgi,
    contentLocation: 'http://bmsc.example/fw/update.bin',
    size: 512,
    status: 'complete',
  });
  m.module.multicast.sessionEnded(tmgi);
  await m.modem.multicastLeave(tmgi);
  await m.clock.sleep(10);
  t.deepEqual(
    states.map((s) => s.state),
    ['activated', 'receiving', 'ended', 'deactivated'],
  );
  t.true((await m.modem.listFiles()).some((f) => f.name === 'update.bin' && f.size === 512));
});

test('reboot: boot banner seen, set-up applied again, module answers', async (t) => {
  const m = await openEmulatedModem('quectel-bg95');
  t.teardown(() => m.close());
  await m.modem.reboot();
  t.is(await m.modem.functionality(), 1);
  t.is((await m.engine.send('AT+CEREG?')).lines[0]?.startsWith('+CEREG: 5,'), true);
});

test('the same seed gives the same transcript, to the millisecond; another seed does not', async (t) => {
  const run = async (seed: number) => {
    const m = await openEmulatedModem('quectel-bg95', { seed });
    await m.modem.attach();
    await m.modem.setPsm({ periodicTauS: 3600, activeTimeS: 60 });
    await m.clock.sleep(200_000);
    const transcript = m.engine.transcript.entries.map((e) => `${e.t} ${e.dir} ${e.text}`);
    const timeline = m.module.timeline.segments.map((s) => `${s.t} ${s.uA}`);
    await m.close();
    return { transcript, timeline, imei: m.modem.identity.imei };
  };
  const a = await run(11);
  const b = await run(11);
  const c = await run(12);
  t.deepEqual(a.transcript, b.transcript);
  t.deepEqual(a.timeline, b.timeline);
  t.notDeepEqual(a.transcript, c.transcript);
});

test('a module of another dialect than the bench says is refused, naming what answered', async (t) => {
  const clock = new VirtualClock();
  const module = createEmulatedModule({ profile: 'quectel-bg95', clock, seed: 1 });
  const engine = new AtEngine(module.host, { name: 'dut3', clock });
  t.teardown(async () => {
    engine.close();
    await module.close();
  });
  module.powerOn();
  const e = await t.throwsAsync(Modem.open(engine, { clock, expect: { dialect: 'ublox' } }), {
    instanceOf: DialectMismatchError,
  });
  t.regex(
    e.message,
    /port dut3: the bench expects a ublox module, but the module identifies as Quectel BG95-M3 \(quectel dialect\)/,
  );
});

test('with split writes, garbage, URC storms and duplicate OKs the modem still comes up right', async (t) => {
  const m = await openEmulatedModem('quectel-bg95', {
    faults: { splitWrites: 1, garbage: 0.3, urcStorm: 0.3, duplicateOk: 0.2 },
  });
  t.teardown(() => m.close());
  t.is(m.modem.identity.revision, m.profile.identification.revision);
  await m.modem.attach();
  const psm = await m.modem.setPsm({ periodicTauS: 3600, activeTimeS: 60 });
  t.is(psm.granted?.periodicTau?.seconds, 3600);
  t.true(m.engine.transcript.entries.some((e) => e.meaning === 'garbage'));
});

test('a swallowed command times out, the engine resyncs, and the next command works', async (t) => {
  const m = await openEmulatedModem('quectel-bg95');
  t.teardown(() => m.close());
  m.module.faults.set({ noAnswer: 1 });
  await t.throwsAsync(m.engine.send('AT+CSQ', { timeoutMs: 2000 }), { instanceOf: AtTimeoutError });
  m.module.faults.set({ noAnswer: undefined });
  const r = await m.engine.send('AT+CSQ');
  t.regex(r.lines[0] ?? '', /^\+CSQ: \d+,\d+$/);
});
