/** `npm run bench`: every benchmark, each printing its figures as ratios against a baseline from the same run. */
import { benchAtEngine } from './at-engine.ts';
import { benchAtomicity } from './atomicity.ts';
import { benchCampaign } from './campaign.ts';
import { benchMbmsFec } from './mbms-fec.ts';
import { benchMbmsFlute } from './mbms-flute.ts';
import { benchNightly } from './nightly.ts';
import { benchPowerPipeline } from './power-pipeline.ts';
import { benchRaptor } from './raptor.ts';

// `npm run bench -- power-pipeline` runs one by name.
const only = process.argv.slice(2);
const benches: [string, () => Promise<string[]>][] = [
  ['at-engine', benchAtEngine],
  ['power-pipeline', benchPowerPipeline],
  ['raptor', benchRaptor],
  ['mbms-fec', benchMbmsFec],
  ['mbms-flute', benchMbmsFlute],
  ['atomicity', benchAtomicity],
  ['campaign', benchCampaign],
  ['nightly', benchNightly],
].filter(([name]) => only.length === 0 || only.includes(name as string)) as [
  string,
  () => Promise<string[]>,
][];

for (const [name, run] of benches) {
  const lines = await run();
  process.stdout.write(`## ${name}\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
}
