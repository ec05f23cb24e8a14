import { BENCH_UPDATE_KEYS, BENCH_VENDOR } from '../../firmware-stubs/index.ts';
import { VirtualClock } from '../../src/clock/index.ts';
import { type EmulatedDeviceSpec, openEmulatedFleet } from '../../src/runner/index.ts';
import type { EdrxRequest, PsmRequest } from '../../src/modem/index.ts';
import type { CampaignDevice, CampaignOptions } from '../../src/update/index.ts';
import { Campaign, type CampaignResult } from '../../src/update/index.ts';
import { benchImage } from './bench-image.ts';

/** New version per module model: what the module reports after the update. */
export const NEW_VERSION: Record<string, string> = {
  'quectel-bg95': '2.0.4',
  'quectel-bg96': '2.0.4',
  'quectel-bc66': '2.0.4',
  'ublox-sara-r5': '3.16.0',
  'simcom-sim7080g': '1951.17.0',
  'nordic-nrf9160': '1.3.6',
};

export interface CampaignRun {
  result: CampaignResult;
  clock: VirtualClock;
  fleet: Awaited<ReturnType<typeof openEmulatedFleet>>;
}

/** A campaign on an emulated bench of these modules, broker at port; closes everything it opened. */
export async function runEmulatedCampaign(
  specs: readonly (EmulatedDeviceSpec & {
    announcement?: 'binary' | 'xml';
    /** Default: PSM with a 4 h TAU and 60 s active time; null: no PSM. */
    psm?: PsmRequest | null;
    edrx?: EdrxRequest;
  })[],
  options: Partial<Omit<CampaignOptions, 'clock' | 'enb' | 'devices' | 'broker'>> & { brokerPort: number },
  hooks: { beforeRun?: (run: Omit<CampaignRun, 'result'>, campaign: Campaign) => void } = {},
): Promise<CampaignRun> {
  const clock = new VirtualClock({ start: Date.UTC(2026, 10, 26, 0, 0, 0) });
  const seed = options.seed ?? 1;
  const broker = { host: '127.0.0.1', port: options.brokerPort };
  const fleet = await openEmulatedFleet({ clock, seed, devices: specs, broker });
  try {
    const devices: CampaignDevice[] = fleet.devices.map((d, i) => ({
      name: d.name,
      modem: d.modem,
      announcement: specs[i]!.announcement ?? (i % 2 === 0 ? 'binary' : 'xml'),
      ...(specs[i]!.psm === null ? {} : { psm: specs[i]!.psm ?? { periodicTauS: 4 * 3600, activeTimeS: 60 } }),
      ...(specs[i]!.edrx ? { edrx: specs[i]!.edrx } : {}),
      energy: d.energy,
      image: {
        deviceClass: d.profileId,
        version: NEW_VERSION[d.profileId]!,
        bytes: benchImage(d.profileId, NEW_VERSION[d.profileId]!, { payloadBytes: 12_000 }),
      },
    }));
    const campaign = new Campaign({
      useCase: 'uc1',
      plannedLeadMs: 3_600_000,
      ...options,
      seed,
      clock,
      enb: fleet.enb,
      devices,
      broker,
      verification: { publicKey: BENCH_UPDATE_KEYS.publicKey, vendor: BENCH_VENDOR },
    });
    hooks.beforeRun?.({ clock, fleet }, campaign);
    const result = await campaign.run();
    for (const d of fleet.devices) await d.client.settled();
    return { result, clock, fleet };
  } finally {
    await fleet.close();
  }
}
