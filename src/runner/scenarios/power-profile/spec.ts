/**
 * What the power-profile scenario takes (every parameter with a default) and measures, and the record
 * one device's profile builds up from step to step.
 */
import { z } from 'zod';
import type { EpochMs } from '../../../clock/index.ts';
import type { BenchDevice, MeasurementSpec } from '../../scenario.ts';
import type { PsmSleep } from '../device-power.ts';
import { EdrxRequestParams, PsmRequestParams, Seconds } from '../params.ts';

export const PowerProfileParams = z.strictObject({
  /** A short periodic TAU, so that one comes while the profile runs. */
  psm: PsmRequestParams.prefault({ periodicTau: 300, activeTime: 10 }),
  edrx: EdrxRequestParams.prefault({ cycle: 81.92 }),
  windows: z
    .strictObject({
      floor: Seconds.default(60),
      /** eDRX sleep or RRC idle window; default two granted eDRX cycles, or 60 s without eDRX. */
      idle: Seconds.optional(),
      /** Wait after a state is reached before its window (and after PSM entry before an event ends). */
      settle: Seconds.default(5),
      /** After an uplink, before the RRC connected window (the Tx burst is not in it). */
      connectedSettle: Seconds.default(1),
      /** Without a PSM URC: PSM is taken as reached this long after the active time (and RRC tail). */
      margin: Seconds.default(60),
      /** Without an energy probe: the meter records at most this long. */
      meterWindow: Seconds.default(10),
    })
    .prefault({}),
  mqtt: z
    .strictObject({
      bytes: z.number().int().min(1).max(100_000).default(200),
      /** The device name is appended. */
      topic: z.string().min(1).default('rig/power-profile'),
      qos: z.union([z.literal(0), z.literal(1)]).default(1),
    })
    .prefault({}),
  battery: z
    .strictObject({
      capacityMah: z.number().positive().default(2600),
      nominalV: z.number().positive().default(3.6),
      selfDischargePerYear: z.number().min(0).lt(1).default(0.01),
      derating: z.number().gt(0).max(1).default(0.8),
    })
    .prefault({}),
  /** The deployment the battery life is for. */
  usage: z
    .strictObject({
      /** Periodic TAU in the field (TAUs per day follow from it). */
      tauPeriod: Seconds.refine((s) => s > 0, 'the TAU period must be positive').default(4 * 3600),
      uplinksPerDay: z.number().min(0).default(24),
      updatesPerYear: z.number().min(0).default(2),
      /** Energy of one update (a campaign's updateEnergy figure); the default is a rough 2 J. */
      updateEnergyMj: z.number().min(0).default(2000),
    })
    .prefault({}),
});
export type PowerProfileParams = z.infer<typeof PowerProfileParams>;

export const POWER_PROFILE_MEASUREMENTS: Record<string, MeasurementSpec> = {
  psmFloor: { unit: 'µA', description: 'mean current in PSM' },
  idleCurrent: {
    unit: 'µA',
    description: 'mean current in eDRX sleep (RRC idle where eDRX is not granted), PSM off',
  },
  connectedCurrent: {
    unit: 'µA',
    description: 'mean current while RRC connected with no traffic, after an uplink',
  },
  tauEnergy: { unit: 'mJ', description: 'one periodic TAU with its active time, above the PSM floor' },
  publishEnergy: {
    unit: 'mJ',
    description: 'an MQTT publish from PSM: wake, publish, RRC tail and active time, above the PSM floor',
  },
  rebootEnergy: { unit: 'mJ', description: 'a reboot through attach back into PSM, above the PSM floor' },
  batteryLife: { unit: 'years', description: 'battery life for the usage profile of the parameters' },
  averageCurrent: {
    unit: 'µA',
    description: 'average current of the usage profile (self-discharge not in it)',
  },
  updateShare: { unit: '%', description: 'share of the yearly battery budget the updates take' },
  updateDays: { unit: 'days', description: 'days of battery life one update costs' },
};

/** One device's profile as the steps build it. Instants are epoch ms on the bench clock. */
export interface DeviceProfile {
  device: BenchDevice;
  start: EpochMs;
  voltageMv: number;
  markers: { label: string; start: EpochMs; end: EpochMs }[];
  floorUa?: number;
  /** The PSM the floor was measured in: the TAU step waits for its next TAU. */
  psm?: PsmSleep;
  tauUc?: number;
  publishUc?: number;
}
