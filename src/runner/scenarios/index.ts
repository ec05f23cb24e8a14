/** The explicit registry of scenario kinds a plan may name (`rig list` prints it). */
import type { ScenarioKind } from '../scenario.ts';
import { atomicityScenario } from './atomicity.ts';
import { campaignScenario, comparisonScenario } from './campaign.ts';
import { certification } from './certification.ts';
import { powerProfile } from './power-profile.ts';

export const SCENARIOS: Readonly<Record<string, ScenarioKind>> = {
  campaign: campaignScenario as ScenarioKind,
  'multicast-vs-unicast': comparisonScenario as ScenarioKind,
  atomicity: atomicityScenario as ScenarioKind,
  certification: certification as ScenarioKind,
  'power-profile': powerProfile as ScenarioKind,
};
