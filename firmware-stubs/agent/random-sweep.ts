import { CUT_KINDS, type CutKind, type EmulatedFlash, PowerCutError } from '../flash/index.ts';
import { SeededRandom } from '../random.ts';
import type { UpdateMode } from './bootloader.ts';
import {
  cutAfterClean,
  failureOf,
  Problem,
  prepareSweep,
  recordCleanRun,
  recover,
  type SweepFailure,
  type SweepOptions,
} from './sweep.ts';

export interface RandomSweepOptions extends SweepOptions {
  /** Updates to run (default 200). */
  runs?: number;
  /** Most cuts in one update (default 3): the first in the clean scenario, the others in the recoveries. */
  maxCuts?: number;
}

/** One cut: the first counts operations from the start of the scenario, later ones from that power-up. */
export interface RandomCut {
  opIndex: number;
  cutKind: CutKind;
}

/** Replay: the same options and seed, run number `run` (its cuts follow from the seed). */
export interface RandomSweepFailure extends SweepFailure {
  run: number;
  cuts: RandomCut[];
}

export interface RandomSweepResult {
  mode: UpdateMode;
  scenario: 'upgrade' | 'revert';
  opsPerUpdate: number;
  runs: number;
  /** Cuts made, by kind, over all runs. */
  pointsByKind: Record<CutKind, number>;
  cuts: number;
  failures: RandomSweepFailure[];
}

/**
 * MCUboot's perm_with_random_fails, with tears and after-cuts: each run cuts the clean scenario at a seeded
 * operation, then cuts the recovery again (at a seeded operation among those a clean recovery would do) up
 * to maxCuts times, then recovers without a cut and checks the same invariants as sweepPowerCuts.
 */
export function sweepRandomCuts(options: RandomSweepOptions = {}): RandomSweepResult {
  const setup = prepareSweep(options);
  const { snapshots, operations } = recordCleanRun(setup);
  const runs = options.runs ?? 200;
  const maxCuts = Math.max(1, options.maxCuts ?? 3);
  const kinds = options.cutKinds ?? CUT_KINDS;
  const result: RandomSweepResult = {
    mode: setup.mode,
    scenario: setup.scenario,
    opsPerUpdate: operations.length,
    runs: 0,
    pointsByKind: { before: 0, tear: 0, after: 0 },
    cuts: 0,
    failures: [],
  };
  const { agentOptions, scenario, oldImage, newImage } = setup;
  const again = (flash: EmulatedFlash) => recover(flash, agentOptions, scenario, oldImage, newImage);
  for (let run = 0; run < runs; run++) {
    const runSeed = (setup.seed * 2_654_435_761 + run * 40_503 + 1) >>> 0;
    const random = new SeededRandom(runSeed);
    const pick = (): CutKind => kinds[random.int(0, kinds.length - 1)]!;
    const cuts: RandomCut[] = [{ opIndex: random.int(0, operations.length - 1), cutKind: pick() }];
    const wanted = random.int(1, maxCuts);
    try {
      const first = cuts[0]!;
      let flash = cutAfterClean(snapshots, operations, first.opIndex, first.cutKind, runSeed);
      while (cuts.length < wanted) {
        flash.setFaultPoint(undefined);
        flash.powerCycle();
        // How much work a clean recovery does from here: the next cut lands inside it.
        const probe = flash.clone(runSeed);
        const before = probe.opCount;
        again(probe);
        const remaining = probe.opCount - before;
        if (remaining === 0) break;
        const cut: RandomCut = { opIndex: random.int(0, remaining - 1), cutKind: pick() };
        cuts.push(cut);
        const at = flash.opCount + cut.opIndex;
        flash.setFaultPoint((op) => (op.index === at ? cut.cutKind : 'proceed'));
        try {
          again(flash);
          throw new Problem('no-cut', `recovery ended before its operation ${cut.opIndex}`);
        } catch (e) {
          if (!(e instanceof PowerCutError)) throw e;
        }
        flash = flash.clone(runSeed);
      }
      flash.setFaultPoint(undefined);
      flash.powerCycle();
      again(flash);
    } catch (e) {
      const last = cuts[cuts.length - 1]!;
      result.failures.push({ ...failureOf(e, setup.seed, last.opIndex, last.cutKind), run, cuts });
    }
    for (const cut of cuts) result.pointsByKind[cut.cutKind]++;
    result.cuts += cuts.length;
    result.runs++;
    options.onProgress?.(result.runs, runs);
  }
  return result;
}
