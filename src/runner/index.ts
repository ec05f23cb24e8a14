/** The runner: benches, plans, verdicts and reports (issue 7); for now the emulated bench builders. */
export {
  EMULATED_NEW_VERSION,
  type EmulatedCampaignDevice,
  type EmulatedCampaignRun,
  emulatedImage,
  runEmulatedCampaign,
} from './emulated-campaign.ts';
export {
  type EmulatedDeviceSpec,
  type EmulatedFleet,
  type EmulatedFleetDevice,
  openEmulatedFleet,
} from './emulated-fleet.ts';
