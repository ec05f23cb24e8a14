export { Campaign, type CampaignEvents, type CampaignResult } from './campaign.ts';
export { DevicePhaseError, installPath, RIG_FAULTS, stagedPath } from './device.ts';
export { type CampaignMetrics, campaignMetrics, percentile } from './metrics.ts';
export { planCampaign, type SessionWindow } from './schedule.ts';
export { type CampaignFile, CampaignServer, type DeviceAck } from './server.ts';
export type * from './types.ts';
