import { createEmulatedModule, type EmulatedModuleOptions } from '../../firmware-stubs/index.ts';
import { AtEngine } from '../../src/at/index.ts';
import { VirtualClock } from '../../src/clock/index.ts';
import { loadModuleProfile } from '../../src/hardware/index.ts';
import { Modem } from '../../src/modem/index.ts';

/** An emulated module on a VirtualClock with a real AtEngine and Modem on its UART (in-process wire). */
export async function openEmulatedModem(
  profileId: string,
  options: Partial<Omit<EmulatedModuleOptions, 'profile' | 'clock'>> = {},
) {
  const clock = new VirtualClock();
  const profile = loadModuleProfile(profileId);
  const module = createEmulatedModule({ profile, clock, seed: 7, ...options });
  const engine = new AtEngine(module.host, {
    name: `emulated:${profileId}`,
    clock,
    guardMs: profile.serial.guardMs,
  });
  module.powerOn();
  const modem = await Modem.open(engine, { clock, expect: { profileId }, contactTimeoutMs: 30_000 });
  return {
    clock,
    module,
    engine,
    modem,
    profile,
    async close() {
      modem.close();
      engine.close();
      await module.close();
    },
  };
}
