import { createEmulatedModule, type EmulatedModule } from '../../firmware-stubs/index.ts';
import { AtEngine } from '../at/index.ts';
import { formatDuration, VirtualClock } from '../clock/index.ts';
import { listModuleProfiles, loadModuleProfile } from '../hardware/index.ts';
import { Modem } from '../modem/index.ts';

/**
 * `rig demo` (and `npm start` until the nightly runner lands): on the emulated bench, in virtual time,
 * bring each module up the way a test would and show what it reports. The CLI is the one place that
 * wires emulators to the controller; the Modem below does not know it talks to an emulator.
 */
export async function runDemo(o: {
  seed: number;
  models?: string[] | undefined;
  out: NodeJS.WritableStream;
}): Promise<number> {
  const say = (s: string) => o.out.write(`${s}\n`);
  const models = o.models ?? listModuleProfiles();
  const request = { periodicTauS: 3600, activeTimeS: 60 };
  say(
    `emulated bench, seed ${o.seed}, virtual time; requesting PSM TAU ${request.periodicTauS} s / active ${request.activeTimeS} s and eDRX 81.92 s\n`,
  );
  let failures = 0;
  const wall0 = performance.now();
  for (const id of models) {
    const clock = new VirtualClock();
    const profile = loadModuleProfile(id);
    let module: EmulatedModule;
    try {
      module = createEmulatedModule({ profile, clock, seed: o.seed });
    } catch (e) {
      failures++;
      say(`${id}: FAILED: ${(e as Error).message}\n`);
      continue;
    }
    const engine = new AtEngine(module.host, {
      name: `emulated:${id}`,
      clock,
      guardMs: profile.serial.guardMs,
    });
    try {
      module.powerOn();
      const t0 = clock.now();
      const modem = await Modem.open(engine, { clock, expect: { profileId: id }, contactTimeoutMs: 30_000 });
      const ident = modem.identity;
      const reg = await modem.attach({ timeoutMs: 300_000 });
      const attachedAfter = clock.now() - t0;
      const psm = await modem.setPsm(request);
      const mode = profile.rats.includes('lte-m') ? 'wb-s1' : 'nb-s1';
      const edrx = await modem.setEdrx({ mode, cycleS: 81.92 }).catch((e: Error) => e);
      const signal = await modem.signal();
      say(
        `${id}: ${ident.manufacturer} ${ident.model}, revision ${ident.revision}, IMEI ${ident.imei} (dialect ${ident.dialect})`,
      );
      say(
        `  registered (stat ${reg.stat}, TAC ${reg.tac ?? '?'}, cell ${reg.ci ?? '?'}) after ${formatDuration(attachedAfter)} of virtual time`,
      );
      say(
        `  PSM requested: TAU ${psm.requested.periodicTau?.seconds ?? '?'} s, active ${psm.requested.activeTime?.seconds ?? '?'} s`,
      );
      say(
        psm.granted
          ? `  PSM granted:   TAU ${psm.granted.periodicTau?.seconds ?? 'off'} s, active ${psm.granted.activeTime?.seconds ?? 'off'} s (from ${psm.grantedFrom})`
          : '  PSM granted:   not reported',
      );
      say(
        edrx instanceof Error
          ? `  eDRX: ${edrx.message.split('\n')[0]}`
          : `  eDRX requested ${edrx.decoded?.requestedCycle?.seconds ?? '?'} s, network ${edrx.decoded?.nwProvidedCycle?.seconds ?? 'none'} s, PTW ${edrx.decoded?.ptw?.seconds ?? '?'} s`,
      );
      say(`  signal: RSRP ${signal.rsrpDbm ?? '?'} dBm, RSRQ ${signal.rsrqDb ?? '?'} dB\n`);
      modem.close();
    } catch (e) {
      failures++;
      say(`${id}: FAILED: ${(e as Error).message}\n`);
    } finally {
      engine.close();
      await module.close();
    }
  }
  say(
    `${models.length - failures}/${models.length} modules up; wall time ${formatDuration(performance.now() - wall0)}`,
  );
  return failures === 0 ? 0 : 1;
}
