import { type FaultSettings, runEmulator } from '../../firmware-stubs/index.ts';
import { UsageError } from './main.ts';

/** Probabilities (0..1) per command or output write; times in ms. */
const FAULTS: Record<string, 'probability' | 'ms' | 'count'> = {
  splitWrites: 'probability',
  missingFinalCrlf: 'probability',
  garbage: 'probability',
  urcStorm: 'probability',
  urcStormSize: 'count',
  slowAnswer: 'probability',
  slowAnswerMs: 'ms',
  noAnswer: 'probability',
  duplicateOk: 'probability',
};

/** `--fault garbage=0.1 --fault slowAnswerMs=5000` → FaultSettings; unknown names and bad values are usage errors. */
export function parseFaults(specs: string[]): FaultSettings {
  const settings: Record<string, number> = {};
  for (const spec of specs) {
    const m = /^([A-Za-z]+)=([0-9.]+)$/.exec(spec);
    if (!m) throw new UsageError(`--fault ${spec}: expected NAME=VALUE, e.g. garbage=0.1`);
    const [, name, text] = m as unknown as [string, string, string];
    const kind = FAULTS[name];
    if (!kind)
      throw new UsageError(
        `--fault ${spec}: unknown fault "${name}"; known: ${Object.keys(FAULTS).join(', ')}`,
      );
    const value = Number(text);
    if (!Number.isFinite(value) || (kind === 'probability' && (value < 0 || value > 1))) {
      throw new UsageError(
        `--fault ${spec}: ${name} is a ${kind === 'probability' ? 'probability between 0 and 1' : 'number'}, got ${text}`,
      );
    }
    settings[name] = value;
  }
  return settings as FaultSettings;
}

export async function runEmulateCommand(o: {
  model: string;
  pty: string;
  seed: number;
  faults: string[];
  out: NodeJS.WritableStream;
}): Promise<number> {
  const faults = parseFaults(o.faults);
  const running = await runEmulator(o.model, {
    pty: o.pty,
    seed: o.seed,
    ...(Object.keys(faults).length > 0 ? { faults } : {}),
    log: (line) => o.out.write(`${line}\n`),
  });
  await running.closed;
  return 0;
}
