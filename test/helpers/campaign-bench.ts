import {
  EMULATED_NEW_VERSION,
  type EmulatedCampaignDevice,
  type EmulatedCampaignRun,
  runEmulatedCampaign as run,
} from '../../src/runner/index.ts';
import type { Campaign, CampaignOptions } from '../../src/update/index.ts';

export const NEW_VERSION = EMULATED_NEW_VERSION;

/** A campaign on an emulated bench of these modules, the broker (a test's mosquitto) at brokerPort. */
export function runEmulatedCampaign(
  specs: readonly EmulatedCampaignDevice[],
  options: Partial<Omit<CampaignOptions, 'clock' | 'enb' | 'devices' | 'broker'>> & { brokerPort: number },
  hooks: { beforeRun?: (run: Pick<EmulatedCampaignRun, 'clock' | 'fleet'>, campaign: Campaign) => void } = {},
): Promise<EmulatedCampaignRun> {
  const { brokerPort, ...rest } = options;
  return run(specs, { ...rest, broker: { host: '127.0.0.1', port: brokerPort } }, hooks);
}
