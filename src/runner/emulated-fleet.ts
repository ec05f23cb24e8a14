/**
 * The emulated bench's fleet: emulated modules (firmware-stubs) with an AtEngine and a Modem on each
 * in-process UART, an MBMS client per module on the simulated eNB's air, and an energy probe reading each
 * module's current timeline. This is the one place that wires emulators to the controller.
 */
import {
  createEmulatedModule,
  type EmulatedModule,
  type FaultSettings,
  type NetworkOptions,
} from '../../firmware-stubs/index.ts';
import { MbmsClient } from '../../firmware-stubs/mbms-client/index.ts';
import { AtEngine } from '../at/index.ts';
import type { Clock, VirtualClock } from '../clock/index.ts';
import { type bearer, type EnbBackend, SimEnb } from '../enb/index.ts';
import { loadModuleProfile, type ModuleProfile } from '../hardware/index.ts';
import type { LossSpec } from '../mbms/transport/index.ts';
import { Modem } from '../modem/index.ts';
import { seededRandom } from '../random/index.ts';
import type { EnergyProbe } from '../update/index.ts';

export interface EmulatedDeviceSpec {
  name: string;
  profileId: string;
  coverage?: bearer.CoverageLevel;
  loss?: LossSpec;
  network?: NetworkOptions;
}

export interface EmulatedFleetDevice {
  name: string;
  profileId: string;
  module: EmulatedModule;
  client: MbmsClient;
  engine: AtEngine;
  modem: Modem;
  energy: EnergyProbe;
}

export interface EmulatedFleet extends AsyncDisposable {
  enb: SimEnb;
  devices: EmulatedFleetDevice[];
  close(): Promise<void>;
}

/**
 * One emulated module on the emulated network: its MQTT routed to the bench's broker, a numbered IMEI
 * (drawn ones may collide in a fleet: six digits of serial), its MBMS client on the simulated air when
 * there is one, and an energy probe reading its exact current timeline. Not yet powered.
 */
export function createAirModule(o: {
  name: string;
  profileId: string;
  index: number;
  clock: Clock;
  seed: number;
  broker: { host: string; port: number };
  enb?: EnbBackend;
  coverage?: bearer.CoverageLevel;
  loss?: LossSpec;
  network?: NetworkOptions;
  faults?: FaultSettings;
}): { module: EmulatedModule; client: MbmsClient; profile: ModuleProfile; energy: EnergyProbe } {
  const profile = loadModuleProfile(o.profileId);
  const module = createEmulatedModule({
    profile,
    clock: o.clock,
    seed: `${o.seed}:${o.name}`,
    mqtt: { host: o.broker.host, port: o.broker.port },
    imeiSerial: o.index + 1,
    ...(o.network ? { network: o.network } : {}),
    ...(o.faults ? { faults: o.faults } : {}),
  });
  const client = new MbmsClient({
    module,
    id: module.identity.imei,
    clock: o.clock,
    random: seededRandom(o.seed * 1000 + o.index),
  });
  if (o.enb instanceof SimEnb) {
    o.enb.attach(client, {
      ...(o.coverage !== undefined ? { coverage: o.coverage } : {}),
      ...(o.loss ? { loss: o.loss } : {}),
    });
  }
  const voltageMv = profile.supply.nominalV * 1000;
  const energy: EnergyProbe = {
    voltageMv,
    chargeUc: (from, to) => module.timeline.chargeMicroAmpMs(from, to) / 1000,
  };
  return { module, client, profile, energy };
}

export async function openEmulatedFleet(o: {
  clock: VirtualClock;
  seed: number;
  devices: readonly EmulatedDeviceSpec[];
  rat?: bearer.Rat;
  /** Where the modules' MQTT connections go, whatever host the AT command names. */
  broker: { host: string; port: number };
}): Promise<EmulatedFleet> {
  const enb = new SimEnb({ clock: o.clock, seed: o.seed, ...(o.rat ? { rat: o.rat } : {}) });
  await enb.start();
  const devices: EmulatedFleetDevice[] = [];
  const close = async () => {
    for (const d of devices) {
      d.modem.close();
      d.engine.close();
      await d.module.close();
    }
    await enb.stop();
  };
  try {
    for (const [i, spec] of o.devices.entries()) {
      const { module, client, profile, energy } = createAirModule({
        name: spec.name,
        profileId: spec.profileId,
        index: i,
        clock: o.clock,
        seed: o.seed,
        broker: o.broker,
        enb,
        ...(spec.coverage !== undefined ? { coverage: spec.coverage } : {}),
        ...(spec.loss ? { loss: spec.loss } : {}),
        ...(spec.network ? { network: spec.network } : {}),
      });
      const engine = new AtEngine(module.host, {
        name: `emulated:${spec.name}`,
        clock: o.clock,
        guardMs: profile.serial.guardMs,
      });
      module.powerOn();
      const modem = await Modem.open(engine, {
        clock: o.clock,
        expect: { profileId: spec.profileId },
        contactTimeoutMs: 60_000,
      });
      devices.push({
        name: spec.name,
        profileId: spec.profileId,
        module,
        client,
        engine,
        modem,
        energy,
      });
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { enb, devices, close, [Symbol.asyncDispose]: close };
}
