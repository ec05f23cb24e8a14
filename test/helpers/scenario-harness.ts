/**
 * A stand-in for the runner, for scenario tests: a bench of emulated modules (openEmulatedFleet: Modem,
 * energy probe, the sim eNB) with an emulated power switch per device; runScenario (scenario-run.ts) is a
 * minimal ScenarioContext and StepContext over it that collects steps, judges measurements against their
 * limits and writes evidence to a temporary run directory. Devices may be given a profile object (a raised
 * PSM current, say) or a dialect; those are wired here the way the fleet wires the others, since the fleet
 * takes neither.
 */
import { createEmulatedModule, type Dialect, type EmulatedModule } from '../../firmware-stubs/index.ts';
import { MbmsClient } from '../../firmware-stubs/mbms-client/index.ts';
import { AtEngine } from '../../src/at/index.ts';
import { VirtualClock } from '../../src/clock/index.ts';
import { loadModuleProfile, type ModuleProfile } from '../../src/hardware/index.ts';
import { Modem } from '../../src/modem/index.ts';
import { SimulatedMeter } from '../../src/power/index.ts';
import { seededRandom } from '../../src/random/index.ts';
import type { BenchSpec, ModuleSpec } from '../../src/runner/bench-spec.ts';
import { openEmulatedFleet } from '../../src/runner/index.ts';
import type { BenchDevice, BuiltBench } from '../../src/runner/scenario.ts';
import { EmulatedSwitch } from '../../src/switch/index.ts';

export interface HarnessDeviceSpec {
  name: string;
  profileId: string;
  /** The emulated module draws this profile's currents (the scenario still judges by profileId's file). */
  profile?: ModuleProfile;
  /** The emulated module speaks this dialect (a test's deliberately non-conforming one). */
  dialect?: Dialect;
  /** An emulated power switch cutting the module (default true). */
  switch?: boolean;
  /** How current is measured: the exact energy probe (default) or only a simulated meter. */
  measurement?: 'probe' | 'meter';
}

export interface ScenarioBench extends AsyncDisposable {
  bench: BuiltBench;
  clock: VirtualClock;
  modules: Map<string, EmulatedModule>;
  close(): Promise<void>;
}

const START = Date.UTC(2026, 10, 26, 0, 0, 0);

export async function openScenarioBench(o: {
  devices: readonly HarnessDeviceSpec[];
  broker: { host: string; port: number };
  seed?: number;
}): Promise<ScenarioBench> {
  const seed = o.seed ?? 1;
  const clock = new VirtualClock({ start: START });
  const fleet = await openEmulatedFleet({
    clock,
    seed,
    broker: o.broker,
    devices: o.devices
      .filter((d) => !d.profile && !d.dialect)
      .map((d) => ({ name: d.name, profileId: d.profileId })),
  });
  const extras: { module: EmulatedModule; engine: AtEngine; device: BenchDevice }[] = [];
  const modules = new Map<string, EmulatedModule>();
  const close = async () => {
    for (const x of extras) {
      x.device.modem?.close();
      x.engine.close();
      await x.module.close();
    }
    await fleet.close();
  };
  const devices: BenchDevice[] = [];
  try {
    for (const [i, spec] of o.devices.entries()) {
      let module: EmulatedModule;
      let engine: AtEngine;
      let modem: Modem;
      const wired = fleet.devices.find((f) => f.name === spec.name);
      if (wired) {
        ({ module, engine, modem } = wired);
      } else {
        const profile = spec.profile ?? loadModuleProfile(spec.profileId);
        module = createEmulatedModule({
          profile,
          ...(spec.dialect ? { dialect: spec.dialect } : {}),
          clock,
          seed: `${seed}:${spec.name}`,
          mqtt: o.broker,
          imeiSerial: 100 + i,
        });
        engine = new AtEngine(module.host, {
          name: `emulated:${spec.name}`,
          clock,
          guardMs: profile.serial.guardMs,
        });
        module.powerOn();
        modem = await Modem.open(engine, {
          clock,
          expect: { profileId: spec.profileId },
          contactTimeoutMs: 60_000,
        });
        const client = new MbmsClient({
          module,
          id: modem.identity.imei,
          clock,
          random: seededRandom(seed * 1000 + i),
        });
        fleet.enb.attach(client);
      }
      modules.set(spec.name, module);
      const device = benchDevice(spec, module, engine, modem, clock);
      if (!wired) extras.push({ module, engine, device });
      devices.push(device);
    }
  } catch (e) {
    await close();
    throw e;
  }
  const bench: BuiltBench = {
    spec: benchSpec(o.devices),
    file: 'test/helpers/scenario-harness.ts',
    clock,
    seed,
    emulated: true,
    enb: fleet.enb,
    broker: o.broker,
    devices,
    close,
  };
  return { bench, clock, modules, close, [Symbol.asyncDispose]: close };
}

function benchDevice(
  spec: HarnessDeviceSpec,
  module: EmulatedModule,
  engine: AtEngine,
  modem: Modem,
  clock: VirtualClock,
): BenchDevice {
  const voltageMv = module.profile.supply.nominalV * 1000;
  const device: BenchDevice = {
    name: spec.name,
    spec: moduleSpec(spec),
    profileId: spec.profileId,
    modem,
    engine,
    bringUp: { state: 'at-ready' },
    timeline: (from, to) => ({
      start: from,
      voltageMv,
      segments: module.timeline.segments
        .filter((s, i, all) => (all[i + 1]?.t ?? Number.POSITIVE_INFINITY) > from && s.t < to)
        .map((s): [number, number] => [Math.max(s.t, from), s.uA]),
    }),
  };
  if ((spec.measurement ?? 'probe') === 'probe') {
    device.energy = { voltageMv, chargeUc: (from, to) => module.timeline.chargeMicroAmpMs(from, to) / 1000 };
  } else {
    const meter = new SimulatedMeter({
      spec: `sim:${spec.name}`,
      clock,
      source: { at: (t) => module.timeline.at(t).uA },
      rateHz: 1000,
      noise: { relative: 0, floorUa: 0 },
    });
    device.meter = async () => meter;
  }
  if (spec.switch ?? true) {
    const sw = new EmulatedSwitch({ clock, name: spec.name, target: module, initial: 'on' });
    device.switch = async () => sw;
  }
  return device;
}

function moduleSpec(d: HarnessDeviceSpec): ModuleSpec {
  return {
    name: d.name,
    profile: d.profileId,
    emulated: true,
    announcement: 'binary',
    ...((d.switch ?? true) ? { switch: `switch-${d.name}` } : {}),
  };
}

function benchSpec(devices: readonly HarnessDeviceSpec[]): BenchSpec {
  return {
    name: 'scenario-harness',
    clock: 'virtual',
    modules: devices.map(moduleSpec),
    meters: [],
    switches: devices
      .filter((d) => d.switch ?? true)
      .map((d) => ({ name: `switch-${d.name}`, spec: `emulated:${d.name}` })),
    enb: { kind: 'sim', rat: 'nb-iot' },
  };
}

export { type HarnessRun, type HarnessStep, runScenario } from './scenario-run.ts';
