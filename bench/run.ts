/** `npm run bench`: every benchmark, each printing its figures as ratios against a baseline from the same run. */
import { benchAtEngine } from './at-engine.ts';

const benches: [string, () => Promise<string[]>][] = [['at-engine', benchAtEngine]];

for (const [name, run] of benches) {
  const lines = await run();
  process.stdout.write(`## ${name}\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
}
