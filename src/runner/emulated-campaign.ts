/**
 * One campaign on an emulated bench, ready-made: the fleet (emulated modules on the sim eNB), images
 * signed with the emulated bench's key for each module class, the campaign, then everything closed.
 * Used by `rig campaign`, the benchmarks and the tests.
 */
import { BENCH_UPDATE_KEYS, BENCH_VENDOR } from '../../firmware-stubs/index.ts';
import { VirtualClock } from '../clock/index.ts';
import type { EdrxRequest, PsmRequest } from '../modem/index.ts';
import {
  buildImage,
  Campaign,
  type CampaignDevice,
  type CampaignOptions,
  type CampaignResult,
} from '../update/index.ts';
import { type EmulatedDeviceSpec, type EmulatedFleet, openEmulatedFleet } from './emulated-fleet.ts';

/** The version each emulated model reports after the update (what its images carry). */
export const EMULATED_NEW_VERSION: Readonly<Record<string, string>> = {
  'quectel-bg95': '2.0.4',
  'quectel-bg96': '2.0.4',
  'quectel-bc66': '2.0.4',
  'ublox-sara-r5': '3.16.0',
  'simcom-sim7080g': '1951.17.0',
  'nordic-nrf9160': '1.3.6',
};

export interface EmulatedCampaignDevice extends EmulatedDeviceSpec {
  /** Default: binary for even positions, XML for odd ones (both forms on every bench). */
  announcement?: 'binary' | 'xml';
  /** Default: PSM with a 4 h TAU and 60 s active time; null: no PSM. */
  psm?: PsmRequest | null;
  edrx?: EdrxRequest;
}

export interface EmulatedCampaignRun {
  result: CampaignResult;
  clock: VirtualClock;
  fleet: EmulatedFleet;
  /** Wall time of the whole run, ms. */
  wallMs: number;
}

/**
 * A signed image an emulated module of this class accepts: the emulated bench's key, the module's class
 * (its profile id, unless given), security counter 1 (unless given); the payload a pattern of the given size.
 */
export function emulatedImage(
  profileId: string,
  version: string,
  payloadBytes = 12_000,
  options: { securityCounter?: number; deviceClass?: string } = {},
): Buffer {
  const payload = Buffer.alloc(payloadBytes);
  for (let i = 0; i < payloadBytes; i++) payload[i] = (i * 31 + version.length * 7) & 0xff;
  return buildImage(
    {
      vendor: BENCH_VENDOR,
      deviceClass: options.deviceClass ?? profileId,
      version,
      securityCounter: options.securityCounter ?? 1,
    },
    payload,
    BENCH_UPDATE_KEYS.privateKey,
  );
}

export async function runEmulatedCampaign(
  specs: readonly EmulatedCampaignDevice[],
  options: Partial<Omit<CampaignOptions, 'clock' | 'enb' | 'devices' | 'broker'>> & {
    broker: { host: string; port: number };
    payloadBytes?: number;
    start?: number;
  },
  hooks: {
    beforeRun?: (run: { clock: VirtualClock; fleet: EmulatedFleet }, campaign: Campaign) => void;
  } = {},
): Promise<EmulatedCampaignRun> {
  const started = performance.now();
  const clock = new VirtualClock({ start: options.start ?? Date.UTC(2026, 10, 26, 0, 0, 0) });
  const seed = options.seed ?? 1;
  const fleet = await openEmulatedFleet({ clock, seed, devices: specs, broker: options.broker });
  try {
    const images = new Map<string, Buffer>();
    const devices: CampaignDevice[] = fleet.devices.map((d, i) => {
      const spec = specs[i]!;
      const version = EMULATED_NEW_VERSION[d.profileId];
      if (!version) throw new Error(`no update version known for emulated model ${d.profileId}`);
      let bytes = images.get(d.profileId);
      if (!bytes) {
        bytes = emulatedImage(d.profileId, version, options.payloadBytes);
        images.set(d.profileId, bytes);
      }
      return {
        name: d.name,
        modem: d.modem,
        announcement: spec.announcement ?? (i % 2 === 0 ? 'binary' : 'xml'),
        ...(spec.psm === null ? {} : { psm: spec.psm ?? { periodicTauS: 4 * 3600, activeTimeS: 60 } }),
        ...(spec.edrx ? { edrx: spec.edrx } : {}),
        energy: d.energy,
        image: { deviceClass: d.profileId, version, bytes },
      };
    });
    const campaign = new Campaign({
      useCase: 'uc1',
      plannedLeadMs: 3_600_000,
      ...options,
      seed,
      clock,
      enb: fleet.enb,
      devices,
      broker: options.broker,
      verification: { publicKey: BENCH_UPDATE_KEYS.publicKey, vendor: BENCH_VENDOR },
    });
    hooks.beforeRun?.({ clock, fleet }, campaign);
    const result = await campaign.run();
    for (const d of fleet.devices) await d.client.settled();
    return { result, clock, fleet, wallMs: performance.now() - started };
  } finally {
    await fleet.close();
  }
}
