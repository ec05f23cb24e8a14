import {
  BENCH_UPDATE_KEYS,
  BENCH_VENDOR,
  createEmulatedModule,
  type EmulatedModule,
} from '../../firmware-stubs/index.ts';
import { AtEngine } from '../at/index.ts';
import { type Clock, VirtualClock } from '../clock/index.ts';
import { loadModuleProfile } from '../hardware/index.ts';
import { DIALECTS, Modem } from '../modem/index.ts';
import { openSerial } from '../serial/index.ts';
import { EmulatedSwitch, openSwitch } from '../switch/index.ts';
import { buildImage, readImageHeader, type TimedSweepReport, timedSweep } from '../update/index.ts';
import { UsageError } from './main.ts';

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
  // Where this family's FOTA takes an uploaded package (the nRF91 SLM only fetches by URL).
  const staging = DIALECTS[profile.dialect].fota?.uploadTarget;
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
          return { source: staging, from: modem.identity.revision, to: newVersion };
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

export interface RealTimedOptions {
  /** The module's AT port (path, by-id:, usb:VID:PID). */
  port: string;
  /** The power switch in the module's supply (relay-numato:/dev/ttyACM0#0, ppk2:…, scpi:…). */
  switchSpec: string;
  /** Two signed images of equal security counter: each point updates from the one running to the other. */
  images: readonly [Uint8Array, Uint8Array];
  /** File name the module's FOTA takes an upload from (default per dialect). */
  staging?: string;
  points: number;
  offMs: number;
  baudRate?: number;
  /** Clock for everything (RealClock on a bench). */
  clock: Clock;
  /** Extra serial paths (ptys) the port may resolve to. */
  extraPaths?: string[];
}

/** The timed sweep on a real bench: a serial port, a switch and two images. */
export async function runTimedReal(o: RealTimedOptions): Promise<TimedSweepReport> {
  const versions = o.images.map((img) => readImageHeader(img).manifest.version) as [string, string];
  if (versions[0] === versions[1]) {
    throw new UsageError(
      `rig atomicity sweep --mode timed: the two images carry the same version (${versions[0]}); they must differ`,
    );
  }
  const link = await openSerial(o.port, {
    baudRate: o.baudRate ?? 115200,
    clock: o.clock,
    reconnect: { deadline: 180_000 },
    ...(o.extraPaths ? { discovery: { extraPaths: o.extraPaths } } : {}),
  });
  const engine = new AtEngine(link, { name: o.port, clock: o.clock });
  const power = await openSwitch(o.switchSpec, { clock: o.clock });
  const open = () => Modem.open(engine, { clock: o.clock, contactTimeoutMs: 120_000 });
  try {
    return await timedSweep({
      clock: o.clock,
      power,
      points: o.points,
      offMs: o.offMs,
      target: {
        prepare: open,
        async stage(modem) {
          const running = modem.identity.revision;
          const next = versions[0] === running ? 1 : 0;
          const staging = o.staging ?? modem.firmwareUploadTarget;
          if (!staging)
            throw new UsageError(
              `rig atomicity sweep --mode timed: give --staging for a ${modem.identity.dialect} module`,
            );
          await modem.uploadFile(staging, Buffer.from(o.images[next]!));
          return { source: staging, from: running, to: versions[next]! };
        },
        reopen: open,
      },
    });
  } finally {
    engine.close();
    await power.close();
    await link.close();
  }
}
