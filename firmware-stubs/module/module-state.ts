import type { Clock, EpochMs } from '../../src/clock/index.ts';
import type { ModuleProfile } from '../../src/hardware/index.ts';
import type { ModuleCore, PowerState } from './core.ts';
import type { Dialect } from './dialect.ts';
import type { FaultSettings } from './faults.ts';
import type { FirmwareUpdater } from './firmware-updater.ts';
import type { MqttRoute } from './mqtt-bridge.ts';
import type { NetworkOptions } from './network-policy.ts';

export interface EmulatedModuleOptions {
  /** A profile, or the id of one under hardware/modules/. */
  profile: ModuleProfile | string;
  clock: Clock;
  /** The only source of randomness: same seed, same transcript, timings and current timeline. */
  seed: number | string;
  network?: NetworkOptions;
  /** The IMEI's 6-digit serial number (default: drawn from the seed); a fleet numbers its modules. */
  imeiSerial?: number;
  faults?: FaultSettings;
  /** Route every MQTT connection of the module to this broker (the emulated network's routing). */
  mqtt?: MqttRoute;
  /** User file system size; default per dialect. */
  fileSystemBytes?: number;
  /** Use this dialect instead of the registry's choice for profile.dialect. */
  dialect?: Dialect;
  /** Replace the default firmware updater (AgentFirmwareUpdater: the A/B update agent on emulated flash). */
  firmwareUpdater?: (module: ModuleCore) => FirmwareUpdater;
}

/** A snapshot of the module's state for tests and diagnostics. */
export interface ModuleStateSnapshot {
  t: EpochMs;
  power: PowerState;
  cfun: 0 | 1 | 4;
  registration: {
    stat: number;
    phase: string;
    rat: string;
    psm: { tauS: number; activeTimeS: number; tauBits: string; activeBits: string } | null;
    edrx: { cycle: number; ptw: number } | null;
  };
  radio: string;
  current: { state: string; uA: number; since: EpochMs };
  revision: string;
  multicast: { tmgi: string; state: number }[];
  at: { echo: boolean; cmee: number; ceregN: number; csconN: number };
}

/** The snapshot of a module's state. */
export function snapshotOf(core: ModuleCore): ModuleStateSnapshot {
  const reg = core.registration;
  const cur = core.timeline.current;
  const s = core.settings;
  return {
    t: core.clock.now(),
    power: core.power,
    cfun: core.cfun,
    registration: {
      stat: reg.stat,
      phase: reg.phase,
      rat: core.policy.rat,
      psm: reg.psmGrant ? { ...reg.psmGrant } : null,
      edrx: reg.edrxGrant ? { ...reg.edrxGrant } : null,
    },
    radio: core.radio.state,
    current: { state: cur.state, uA: cur.uA, since: cur.t },
    revision: core.firmware.revision,
    multicast: core.multicast.services(),
    at: { echo: s.echo, cmee: s.cmee, ceregN: s.ceregN, csconN: s.csconN },
  };
}
