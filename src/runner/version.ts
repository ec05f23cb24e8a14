import { readFileSync } from 'node:fs';

/** The rig's version (package.json), written into every run. */
export const RIG_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
