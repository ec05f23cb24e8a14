import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import {
  createEmulatedModule,
  DIALECTS,
  type EmulatedModuleOptions,
  servePty,
} from '../firmware-stubs/index.ts';
import { AtEngine, AtPortError } from '../src/at/index.ts';
import { RealClock } from '../src/clock/index.ts';
import { loadModuleProfile, type ModuleProfile } from '../src/hardware/index.ts';
import { Modem } from '../src/modem/index.ts';
import { openSerial } from '../src/serial/index.ts';

// Over a real pty the emulator runs on real time: shorten the modelled boot and attach so a test
// takes a second, not the module's real 5-10 s. Everything else is the profile as shipped.
function quick(id: string): ModuleProfile {
  const p = loadModuleProfile(id);
  return { ...p, timing: { ...p.timing, bootMs: 300, attachMs: 300 } };
}

const EMULATED = [
  'quectel-bg95',
  'quectel-bg96',
  'quectel-bc66',
  'ublox-sara-r5',
  'nordic-nrf9160',
  'simcom-sim7080g',
].filter((id) => DIALECTS[loadModuleProfile(id).dialect] !== undefined);

async function onPty(
  t: import('ava').ExecutionContext,
  id: string,
  options: Partial<EmulatedModuleOptions> = {},
) {
  const clock = new RealClock();
  const dir = mkdtempSync(join(tmpdir(), 'rig-pty-'));
  const link = join(dir, id);
  const profile = quick(id);
  const module = createEmulatedModule({ profile, clock, seed: 3, network: { tauMs: 100 }, ...options });
  const server = await servePty(module, link);
  module.powerOn();
  const serial = await openSerial(link, {
    baudRate: profile.serial.baud,
    clock,
    lockDir: join(dir, 'locks'),
    reconnect: { pollInterval: 50, deadline: 10_000 },
    discovery: { extraPaths: [link] },
  });
  const engine = new AtEngine(serial, { name: link, clock, guardMs: profile.serial.guardMs });
  t.teardown(async () => {
    engine.close();
    await serial.close();
    await server.close();
    await module.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { clock, module, server, serial, engine, link, profile };
}

for (const id of EMULATED) {
  test(`over a real pty (socat): ${id} is identified, attaches and reports its PSM grant`, async (t) => {
    const { engine, clock } = await onPty(t, id);
    const modem = await Modem.open(engine, { clock, expect: { profileId: id }, contactTimeoutMs: 10_000 });
    t.is(modem.identity.profileId, id);
    const reg = await modem.attach({ timeoutMs: 10_000 });
    t.true(reg.stat === 1 || reg.stat === 5);
    const psm = await modem.setPsm({ periodicTauS: 3600, activeTimeS: 60 }, { grantWaitMs: 3000 });
    t.is(psm.granted?.periodicTau?.seconds, 3600);
    modem.close();
  });
}

test('over a pty, the port vanishing mid-command fails that command; after it returns the engine resyncs and goes on', async (t) => {
  const { engine, clock, module, serial } = await onPty(t, 'quectel-bg95');
  const modem = await Modem.open(engine, { clock, contactTimeoutMs: 10_000 });
  const events: string[] = [];
  serial.on('down', () => events.push('down'));
  serial.on('up', () => events.push('up'));
  module.faults.set({ slowAnswer: 1, slowAnswerMs: 2000, portVanish: { at: clock.now() + 300, forMs: 700 } });
  await t.throwsAsync(engine.send('AT+CSQ', { timeoutMs: 5000 }), {
    instanceOf: AtPortError,
    message: /vanished/,
  });
  module.faults.set({ slowAnswer: undefined });
  const r = await engine.send('AT+CGMR', { timeoutMs: 5000 });
  t.deepEqual(r.lines, [modem.identity.revision]);
  t.deepEqual(events, ['down', 'up']);
  t.true(engine.inSync);
});
