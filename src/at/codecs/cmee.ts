import { formatSetCommand, ParamReader } from './reader.ts';

/** Error reporting: 0 plain `ERROR`, 1 numeric `+CME ERROR: <n>`, 2 verbose text. */
export type CmeeMode = 0 | 1 | 2;

/** `+CMEE: <n>` (also the resync probe's answer). */
export function parseCmee(line: string): CmeeMode {
  const r = ParamReader.of('+CMEE', line);
  r.countBetween(1, 1, '<n>');
  return r.int(0, '<n>', { min: 0, max: 2 }) as CmeeMode;
}

export function formatCmeeSet(mode: CmeeMode): string {
  if (![0, 1, 2].includes(mode)) throw new RangeError(`AT+CMEE: <n> must be 0..2, got ${mode}`);
  return formatSetCommand('+CMEE', [mode]);
}
