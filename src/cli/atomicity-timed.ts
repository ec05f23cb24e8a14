import {
  BENCH_UPDATE_KEYS,
  BENCH_VENDOR,
  createEmulatedModule,
  type EmulatedModule,
} from '../../firmware-stubs/index.ts';
import { AtEngine } from '../at/index.ts';
import { VirtualClock } from '../clock/index.ts';
import { loadModuleProfile } from '../hardware/index.ts';
import { Modem } from '../modem/index.ts';
import { EmulatedSwitch } from '../switch/index.ts';
import { buildImage, type TimedSweepReport, timedSweep } from '../update/index.ts';
import { UsageError } from './main.ts';

/** Where each family's FOTA takes an uploaded package from (the nRF91 SLM only fetches by URL). */
const STAGING: Record<string, string> = {
  quectel: 'fw.bin',
  ublox: 'update.dof',
  simcom: '/fota/update.zip',
};

/**
 * `rig atomicity sweep --mode timed` on the emulated bench: the real timed sweep (Modem over AT, cuts
 * through a power switch at offsets swept across a clean update), with an emulated module behind an
 * emulated switch, on virtual time. On a real bench the same sweep runs with a serial port and a relay.
 */
export async function runTimedEmulated(o: {
  module: string;
  points: number;
  seed: number;
  sizeBytes: number;
}): Promise<TimedSweepReport> {
  const profile = loadModuleProfile(o.module);
  const staging = STAGING[profile.dialect];
  if (!staging) {
    throw new UsageError(
      `rig atomicity sweep --mode timed: on the emulated bench ${o.module} (${profile.dialect}) takes its update by URL only; use a Quectel, u-blox or SIMCom model`,
    );
  }
  const clock = new VirtualClock();
  const newVersion = '9.9.9';
  const payload = Buffer.alloc(o.sizeBytes);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 131 + o.seed) & 0xff;
  const image = buildImage(
    { vendor: BENCH_VENDOR, deviceClass: profile.id, version: newVersion, securityCounter: 1 },
    payload,
    BENCH_UPDATE_KEYS.privateKey,
  );
  let current: { module: EmulatedModule; engine: AtEngine } | undefined;
  const power = new EmulatedSwitch({
    clock,
    name: o.module,
    target: { powerOn: () => current?.module.powerOn(), cutPower: () => current?.module.cutPower() },
  });
  const openModem = (engine: AtEngine) => Modem.open(engine, { clock, contactTimeoutMs: 60_000 });
  try {
    return await timedSweep({
      clock,
      power,
      points: o.points,
      target: {
        oldVersion: profile.identification.revision.replace(/^Revision:\s*/, ''),
        newVersion,
        async prepare() {
          await close();
          const module = createEmulatedModule({ profile, clock, seed: o.seed });
          const engine = new AtEngine(module.host, {
            name: `emulated:${o.module}`,
            clock,
            guardMs: profile.serial.guardMs,
          });
          current = { module, engine };
          module.powerOn();
          const modem = await openModem(engine);
          await modem.attach();
          return modem;
        },
        async stage(modem) {
          await modem.uploadFile(staging, image);
          return staging;
        },
        reopen: () => openModem(current!.engine),
      },
    });
  } finally {
    await close();
  }

  async function close() {
    if (!current) return;
    current.engine.close();
    await current.module.close();
    current = undefined;
  }
}
