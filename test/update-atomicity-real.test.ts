/**
 * The timed sweep's real-bench path (serial port, relay board, two alternating images) run end to end
 * with the hardware emulated on real pseudo-terminals: a BG95 behind a pty and a Numato relay board
 * behind another, the relay's coil switching the module's supply. Real time, shortened boot.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import {
  BENCH_UPDATE_KEYS,
  BENCH_VENDOR,
  createEmulatedModule,
  EmulatedRelayBoard,
  servePty,
  serveRelayPty,
} from '../firmware-stubs/index.ts';
import { runTimedReal } from '../src/cli/atomicity-timed.ts';
import { RealClock } from '../src/clock/index.ts';
import { loadModuleProfile } from '../src/hardware/index.ts';
import { buildImage } from '../src/update/index.ts';

test('timed sweep through a real serial port and relay board (both emulated on ptys): old or new after every cut', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rig-timed-'));
  process.env.RIG_LOCK_DIR = join(dir, 'locks');
  const clock = new RealClock();
  const base = loadModuleProfile('quectel-bg95');
  const profile = { ...base, timing: { ...base.timing, bootMs: 300, attachMs: 300 } };
  const module = createEmulatedModule({ profile, clock, seed: 4, network: { tauMs: 100 } });
  const modulePty = await servePty(module, join(dir, 'bg95'));
  const board = new EmulatedRelayBoard({ protocol: 'numato', channels: 4, clock });
  // The relay is wired into the module's supply on channel 0, normally open: energised = powered.
  board.on('change', (c) => {
    if (c.channel !== 0) return;
    if (c.energised) module.powerOn();
    else module.cutPower();
  });
  const relayPty = await serveRelayPty(board, join(dir, 'relay'));
  t.teardown(async () => {
    await relayPty.close();
    await modulePty.close();
    await module.close();
    rmSync(dir, { recursive: true, force: true });
  });
  module.powerOn();
  const image = (version: string) =>
    buildImage(
      { vendor: BENCH_VENDOR, deviceClass: profile.id, version, securityCounter: 1 },
      Buffer.alloc(6000, version.length),
      BENCH_UPDATE_KEYS.privateKey,
    );
  const report = await runTimedReal({
    port: modulePty.path,
    switchSpec: `relay-numato:${relayPty.path}#0`,
    images: [image('2.0.0'), image('2.0.1')],
    points: 3,
    offMs: 300,
    clock,
    extraPaths: [modulePty.path],
  });
  t.deepEqual(report.failures, []);
  t.is(report.points.length, 3);
  t.true(report.points.every((p) => p.outcome === 'old' || p.outcome === 'new'));
  t.true(
    report.points.every(
      (p) => (p.from === '2.0.0' && p.to === '2.0.1') || (p.from === '2.0.1' && p.to === '2.0.0'),
    ),
  );
});
