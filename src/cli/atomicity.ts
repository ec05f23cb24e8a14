import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { sweepPowerCuts, sweepRandomCuts } from '../../firmware-stubs/agent/index.ts';
import {
  type AtomicityReport,
  benchKeys,
  formatAtomicityReport,
  imagesForUpdate,
  moduleFlash,
  progressBar,
  runAtomicitySweep,
  type Scenario,
  type SweepEngine,
  type SweepImages,
  slotSectorsFor,
  stubImagePair,
  type UpdateMode,
} from '../update/atomicity/index.ts';
import { parsePrivateKey, parsePublicKey } from '../update/index.ts';
import { UsageError } from './main.ts';

export const ATOMICITY_USAGE = `  rig atomicity sweep --module <id> [--image <file> [--key <pem>] [--old-image <file>]] [--size BYTES]
      [--mode exhaustive|random] [--update swap|overwrite] [--scenario upgrade|revert] [--runs N] [--cuts N]
      [--seed N] [--bug image-ok-before-copy] [--json]
      Cut power at flash operations of an update on the emulated agent (the module's flash layout), let it
      recover, and check: it boots, runs the old or the new image whole, reports the right LwM2M state and
      result, trailers consistent. exhaustive: every operation × {before, torn, after}; random: --runs
      seeded updates with up to --cuts cuts each (the recovery is cut too). Without --image, stub images of
      --size payload bytes (default 262144) signed with the emulated bench key; with --image, the device
      trusts --key (default: the bench key; a public key needs --old-image signed by the same key, a private
      key signs a stub old image) and takes its vendor, class and hardware revision from the image. --bug runs a deliberately broken agent (the sweep must fail).
      Exit 0 when nothing failed, 1 otherwise; --json prints the whole result with every reproducer.
      timed: time one clean update of the module over AT, then cut its power through a switch at --points
      offsets across it; after power returns it must answer AT with the old or the new version. On the
      emulated bench the module and the switch are emulated (Quectel, u-blox, SIMCom models). On a real
      bench: --port <at port> --switch <spec> --image <new.img> --back-image <old.img> [--staging NAME]
      [--off MS]; the two images (equal security counter) alternate, so no point needs a reflash.
`;

type Out = NodeJS.WritableStream;

/** `rig atomicity …`. Usage mistakes throw UsageError; unreadable files and unusable images an Error. */
export async function runAtomicity(
  argv: string[],
  out: Out,
  progress: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'sweep')
    throw new UsageError(`rig atomicity: expected sweep, got "${sub ?? ''}"\n\n${ATOMICITY_USAGE}`);
  const values = parse(rest);
  if (!values.module) throw new UsageError('rig atomicity sweep: --module <profile id> is required');
  const mode = oneOf(values.mode, ['exhaustive', 'random', 'timed'] as const, '--mode');
  if (mode === 'timed') return timed(values, out);
  const updateMode: UpdateMode =
    oneOf(values.update, ['swap', 'overwrite'] as const, '--update') === 'swap'
      ? 'swap-scratch'
      : 'overwrite-only';
  const scenarios: Scenario[] | undefined = values.scenario
    ? [oneOf(values.scenario, ['upgrade', 'revert'] as const, '--scenario')]
    : undefined;
  if (updateMode === 'overwrite-only' && scenarios?.[0] === 'revert')
    throw new UsageError('rig atomicity sweep: overwrite-only updates cannot revert; drop --scenario revert');
  const bug =
    values.bug === undefined ? undefined : oneOf(values.bug, ['image-ok-before-copy'] as const, '--bug');
  let flash: ReturnType<typeof moduleFlash>;
  try {
    flash = moduleFlash(values.module);
  } catch (e) {
    throw new UsageError(`rig atomicity sweep: --module ${values.module}: ${(e as Error).message}`);
  }
  const seed = int(values.seed, '--seed');
  const images = await loadImages(values, flash.deviceClass, seed);
  const { module, deviceClass: _, source: __, ...geometry } = flash;
  const request = {
    module,
    mode,
    updateMode,
    ...(scenarios ? { scenarios } : {}),
    geometry,
    slotSectors: slotSectorsFor(Math.max(images.old.length, images.new.length), geometry),
    images,
    seed,
    runs: int(values.runs, '--runs'),
    maxCuts: Math.max(1, int(values.cuts, '--cuts')),
    ...(bug ? { bug } : {}),
  };
  const showProgress = progress.isTTY === true;
  const report = runAtomicitySweep(
    request,
    emulatedEngine,
    showProgress
      ? (done, total, scenario) => {
          if (done === total || done % 64 === 0)
            progress.write(
              `\r${scenario.padEnd(8)} ${progressBar(done, total)}${done === total ? '\n' : ''}`,
            );
        }
      : undefined,
  );
  out.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatAtomicityReport(report));
  return passed(report) ? 0 : 1;
}

function passed(report: AtomicityReport): boolean {
  return report.failures.length === 0;
}

/** The emulated agent's sweeps (firmware-stubs/agent), behind the engine interface src/update defines. */
export const emulatedEngine: SweepEngine = (plan, onProgress) => {
  const options = {
    mode: plan.updateMode,
    scenario: plan.scenario,
    geometry: plan.geometry,
    slotSectors: plan.slotSectors,
    seed: plan.seed,
    images: plan.images,
    ...(plan.bug ? { bug: plan.bug } : {}),
    ...(onProgress ? { onProgress } : {}),
  };
  if (plan.kind === 'random') {
    const r = sweepRandomCuts({ ...options, runs: plan.runs, maxCuts: plan.maxCuts });
    return {
      opsPerUpdate: r.opsPerUpdate,
      pointsByKind: r.pointsByKind,
      updates: r.runs,
      failures: r.failures,
    };
  }
  const r = sweepPowerCuts(options);
  return {
    opsPerUpdate: r.opsPerUpdate,
    pointsByKind: r.pointsByKind,
    updates: r.points,
    failures: r.failures,
  };
};

async function loadImages(values: Values, deviceClass: string, seed: number): Promise<SweepImages> {
  if (!values.image) {
    if (values.key || values['old-image'])
      throw new UsageError('rig atomicity sweep: --key and --old-image go with --image');
    const size = int(values.size, '--size');
    if (size < 1) throw new UsageError('rig atomicity sweep: --size must be at least 1 byte');
    return stubImagePair(deviceClass, size, seed);
  }
  const bytes = await readOrExplain(values.image, 'update image');
  if (!values.key) {
    // The emulated bench key: its private half is known, so the old image can be signed with it.
    const keys = benchKeys();
    const old = values['old-image']
      ? { bytes: await readOrExplain(values['old-image'], 'old image'), source: values['old-image'] }
      : { privateKey: keys.privateKey };
    return imagesForUpdate(values.image, bytes, keys.publicKey, old);
  }
  const pem = await readOrExplain(values.key, 'key');
  const publicKey = parsePublicKey(pem, values.key);
  let old: Parameters<typeof imagesForUpdate>[3];
  if (values['old-image'])
    old = { bytes: await readOrExplain(values['old-image'], 'old image'), source: values['old-image'] };
  else {
    let privateKey: ReturnType<typeof parsePrivateKey>;
    try {
      privateKey = parsePrivateKey(pem, values.key);
    } catch {
      throw new UsageError(
        `rig atomicity sweep: ${values.key} is a public key: give --old-image (signed by the same key) or the private key`,
      );
    }
    old = { privateKey };
  }
  return imagesForUpdate(values.image, bytes, publicKey, old);
}

async function readOrExplain(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new Error(`rig atomicity sweep: cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

interface Values {
  module?: string;
  image?: string;
  'old-image'?: string;
  key?: string;
  size: string;
  mode: string;
  update: string;
  scenario?: string;
  runs: string;
  cuts: string;
  points: string;
  port?: string;
  switch?: string;
  'back-image'?: string;
  staging?: string;
  off: string;
  seed: string;
  bug?: string;
  json: boolean;
}

function parse(args: string[]): Values {
  try {
    return parseArgs({
      args,
      strict: true,
      options: {
        module: { type: 'string' },
        image: { type: 'string' },
        'old-image': { type: 'string' },
        key: { type: 'string' },
        size: { type: 'string', default: '262144' },
        mode: { type: 'string', default: 'exhaustive' },
        update: { type: 'string', default: 'swap' },
        scenario: { type: 'string' },
        runs: { type: 'string', default: '200' },
        cuts: { type: 'string', default: '3' },
        points: { type: 'string', default: '10' },
        port: { type: 'string' },
        switch: { type: 'string' },
        'back-image': { type: 'string' },
        staging: { type: 'string' },
        off: { type: 'string', default: '2000' },
        seed: { type: 'string', default: '1' },
        bug: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    }).values as Values;
  } catch (e) {
    throw new UsageError(`rig atomicity sweep: ${(e as Error).message}`);
  }
}

async function timed(values: Values, out: Out): Promise<number> {
  const t = await import('./atomicity-timed.ts');
  const points = Math.max(1, int(values.points, '--points'));
  let report: Awaited<ReturnType<typeof t.runTimedEmulated>>;
  if (values.port) {
    // A real bench: the module's port, the switch in its supply, two images to alternate between.
    if (!values.switch || !values.image || !values['back-image']) {
      throw new UsageError(
        'rig atomicity sweep --mode timed --port …: needs --switch <spec>, --image <file> and --back-image <file>',
      );
    }
    const { RealClock } = await import('../clock/index.ts');
    report = await t.runTimedReal({
      port: values.port,
      switchSpec: values.switch,
      images: [readFileSync(values['back-image']), readFileSync(values.image)],
      ...(values.staging ? { staging: values.staging } : {}),
      points,
      offMs: int(values.off, '--off'),
      clock: new RealClock(),
    });
  } else {
    report = await t.runTimedEmulated({
      module: values.module!,
      points,
      seed: int(values.seed, '--seed'),
      sizeBytes: Math.min(int(values.size, '--size'), 65_536),
    });
  }
  if (values.json) out.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    out.write(
      `${values.module} timed sweep: clean update ${(report.cleanUpdateMs / 1000).toFixed(1)} s, ${report.points.length} cuts\n`,
    );
    for (const p of report.points) {
      out.write(
        `  cut at ${(p.offsetMs / 1000).toFixed(1).padStart(7)} s → ${p.outcome}${p.version ? ` (${p.version})` : ''}${p.detail ? `: ${p.detail}` : ''}\n`,
      );
    }
    out.write(
      report.failures.length === 0
        ? '  PASS\n'
        : `  FAIL: ${report.failures.length} cut(s) left the module bricked or on a wrong version\n`,
    );
  }
  return report.failures.length === 0 ? 0 : 1;
}

function oneOf<T extends string>(text: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(text))
    throw new UsageError(`rig atomicity sweep: ${what} must be ${allowed.join(' or ')}, got "${text}"`);
  return text as T;
}

function int(text: string, what: string): number {
  if (!/^\d+$/.test(text))
    throw new UsageError(`rig atomicity sweep: ${what} must be a whole number, got "${text}"`);
  return Number(text);
}
