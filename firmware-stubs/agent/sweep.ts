import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import {
  CUT_KINDS,
  type CutKind,
  EmulatedFlash,
  type FlashGeometry,
  type FlashOperation,
  PowerCutError,
} from '../flash/index.ts';
import { type AgentBug, BrickedError, type UpdateMode } from './bootloader.ts';
import { buildDeviceImage, stubPayload } from './image-builder.ts';
import { type Slot, sectorOffset } from './layout.ts';
import { UpdateResult, UpdateState } from './lwm2m.ts';
import { decideSwap, readTrailer, SwapType } from './trailer.ts';
import { type AgentOptions, UpdateAgent } from './update-agent.ts';

export interface SweepOptions {
  mode?: UpdateMode;
  /** upgrade: download, install, confirm, reset. revert: download, install, reset without confirm. */
  scenario?: 'upgrade' | 'revert';
  geometry?: Partial<FlashGeometry>;
  slotSectors?: number;
  oldPayloadSize?: number;
  newPayloadSize?: number;
  cutKinds?: readonly CutKind[];
  seed?: number;
  bug?: AgentBug;
  /** The images to update between and the device's trust (default: stub images signed with a seeded key). */
  images?: SweepImages;
  onProgress?: (done: number, total: number) => void;
}

export interface SweepImages {
  /** Factory-programmed and confirmed before the update. */
  old: Uint8Array;
  new: Uint8Array;
  publicKey: KeyObject;
  deviceClass: string;
  vendor?: string;
  hardwareRevision?: string;
}

export type SweepProblem =
  | 'bricked'
  | 'wrong-version'
  | 'partial'
  | 'wrongly-reported'
  | 'inconsistent-trailers'
  | 'not-idempotent'
  | 'no-cut'
  | 'error';

/** Replay: the same options with this seed, a cut of this kind at this op of the scenario. */
export interface SweepFailure {
  seed: number;
  opIndex: number;
  cutKind: CutKind;
  problem: SweepProblem;
  detail: string;
}

export interface SweepResult {
  mode: UpdateMode;
  scenario: 'upgrade' | 'revert';
  /** Flash writes and erases in one clean run of the scenario. */
  opsPerUpdate: number;
  points: number;
  pointsByKind: Record<CutKind, number>;
  /** What ran right after the cut, before the update was driven to its end. */
  afterCut: { old: number; new: number };
  failures: SweepFailure[];
}

const DEVICE_CLASS = 'emulated-bg95';

export class Problem extends Error {
  constructor(
    readonly problem: SweepProblem,
    detail: string,
  ) {
    super(detail);
  }
}

/** Everything a sweep needs: the provisioned flash (old image running, confirmed) and the scenario. */
export interface SweepSetup {
  mode: UpdateMode;
  scenario: 'upgrade' | 'revert';
  seed: number;
  agentOptions: AgentOptions;
  oldImage: Uint8Array;
  newImage: Uint8Array;
  base: EmulatedFlash;
  /** The scenario from the first download to the end, on the given flash. */
  run: (flash: EmulatedFlash) => void;
}

export function prepareSweep(options: SweepOptions): SweepSetup {
  const mode = options.mode ?? 'swap-scratch';
  const scenario = options.scenario ?? 'upgrade';
  if (mode === 'overwrite-only' && scenario === 'revert')
    throw new RangeError('sweepPowerCuts: overwrite-only has no revert; sweep its upgrade scenario');
  const seed = options.seed ?? 1;
  const slotSectors = options.slotSectors ?? 4;
  const partial = options.geometry ?? {};
  const geometry: FlashGeometry = {
    sectorSize: partial.sectorSize ?? 256,
    writeAlign: partial.writeAlign ?? 8,
    erasedValue: partial.erasedValue ?? 0xff,
    sectorCount: partial.sectorCount ?? 2 * slotSectors + 8,
  };
  const images = options.images ?? stubImages(seed, options);
  const agentOptions: AgentOptions = {
    publicKey: images.publicKey,
    deviceClass: images.deviceClass,
    ...(images.vendor !== undefined ? { vendor: images.vendor } : {}),
    ...(images.hardwareRevision !== undefined ? { hardwareRevision: images.hardwareRevision } : {}),
    mode,
    slotSectors,
    ...(options.bug ? { bug: options.bug } : {}),
  };
  const base = new EmulatedFlash(geometry, { seed });
  UpdateAgent.provision(base, agentOptions, images.old);
  UpdateAgent.boot(base, agentOptions).confirm();
  const newImage = images.new;
  const run = (flash: EmulatedFlash) => {
    let agent = UpdateAgent.boot(flash, agentOptions);
    const check = agent.download(newImage);
    if (!check.ok)
      throw new Error(`sweep: the device refused the new image (result ${check.result}): ${check.reason}`);
    agent = agent.install();
    if (scenario === 'upgrade') agent.confirm();
    agent.reset();
  };
  return { mode, scenario, seed, agentOptions, oldImage: images.old, newImage, base, run };
}

function stubImages(seed: number, options: SweepOptions): SweepImages {
  const keys = keysFromSeed(seed);
  const image = (version: string, counter: number, size: number) =>
    buildDeviceImage(
      {
        deviceClass: DEVICE_CLASS,
        version,
        securityCounter: counter,
        payload: stubPayload(`${seed}:${version}`, size),
      },
      keys.privateKey,
    );
  return {
    old: image('1.0.0', 1, options.oldPayloadSize ?? 500),
    new: image('2.0.0', 2, options.newPayloadSize ?? 600),
    publicKey: keys.publicKey,
    deviceClass: DEVICE_CLASS,
  };
}

/**
 * The MCUboot-sim sweep, extended with torn and after-the-fact cuts: count the flash operations of one clean
 * scenario, then for every operation and cut kind start from the flash as it was just before that operation,
 * cut there, power up with a fresh agent, drive the update to its end and check the invariants.
 *
 * The clean run snapshots the flash (copy-on-write) before each operation, so a point does not replay the
 * scenario up to its cut: the agent is deterministic and keeps nothing but flash across a cut, so the
 * snapshot plus the cut operation is exactly the state a replay would reach (tears draw from the point's
 * seed as in a replay, since nothing draws before the cut).
 */
export function sweepPowerCuts(options: SweepOptions = {}): SweepResult {
  const setup = prepareSweep(options);
  const { mode, scenario, seed } = setup;
  const { snapshots, operations } = recordCleanRun(setup);
  const opsPerUpdate = operations.length;

  const kinds = options.cutKinds ?? CUT_KINDS;
  const result: SweepResult = {
    mode,
    scenario,
    opsPerUpdate,
    points: 0,
    pointsByKind: { before: 0, tear: 0, after: 0 },
    afterCut: { old: 0, new: 0 },
    failures: [],
  };
  const total = opsPerUpdate * kinds.length;
  for (let opIndex = 0; opIndex < opsPerUpdate; opIndex++)
    for (const cutKind of kinds) {
      const pointSeed = (seed * 1_000_003 + opIndex * 3 + CUT_KINDS.indexOf(cutKind)) >>> 0;
      try {
        const flash = cutAfterClean(snapshots, operations, opIndex, cutKind, pointSeed);
        flash.setFaultPoint(undefined);
        flash.powerCycle();
        const ranNew = recover(flash, setup.agentOptions, scenario, setup.oldImage, setup.newImage);
        result.afterCut[ranNew ? 'new' : 'old']++;
      } catch (e) {
        result.failures.push(failureOf(e, seed, opIndex, cutKind));
      }
      result.points++;
      result.pointsByKind[cutKind]++;
      options.onProgress?.(result.points, total);
    }
  return result;
}

export function failureOf(e: unknown, seed: number, opIndex: number, cutKind: CutKind): SweepFailure {
  const problem = e instanceof Problem ? e.problem : e instanceof BrickedError ? 'bricked' : 'error';
  return { seed, opIndex, cutKind, problem, detail: (e as Error).message };
}

/** The clean scenario on a copy of the base flash, with a snapshot before each operation and one after all. */
export function recordCleanRun(setup: SweepSetup): {
  snapshots: EmulatedFlash[];
  operations: FlashOperation[];
} {
  const clean = setup.base.clone();
  const snapshots: EmulatedFlash[] = [];
  const operations: FlashOperation[] = [];
  clean.setFaultPoint((op) => {
    snapshots.push(clean.clone());
    operations.push(op);
    return 'proceed';
  });
  setup.run(clean);
  clean.setFaultPoint(undefined);
  snapshots.push(clean.clone());
  return { snapshots, operations };
}

/** The flash just after a cut of this kind at operation opIndex of the clean run (left unpowered). */
export function cutAfterClean(
  snapshots: EmulatedFlash[],
  operations: FlashOperation[],
  opIndex: number,
  cutKind: CutKind,
  pointSeed: number,
): EmulatedFlash {
  // Before and after: the flash as the clean run had it (power is restored at once, so its state is moot).
  if (cutKind === 'before') return snapshots[opIndex]!.clone(pointSeed);
  if (cutKind === 'after') return snapshots[opIndex + 1]!.clone(pointSeed);
  const op = operations[opIndex]!;
  const flash = snapshots[opIndex]!.clone(pointSeed);
  // Taken inside the fault point, the snapshot already counts its operation: the replayed one is the next.
  const at = flash.opCount;
  flash.setFaultPoint((o) => (o.index === at ? cutKind : 'proceed'));
  try {
    if (op.kind === 'erase') flash.eraseSector(op.offset / flash.geometry.sectorSize);
    else flash.write(op.offset, snapshots[opIndex + 1]!.read(op.offset, op.length));
  } catch (e) {
    if (e instanceof PowerCutError) return flash;
    throw e;
  }
  throw new Problem('no-cut', `operation ${opIndex} completed without the cut`);
}

/** Power back on after the cut: check what is reported, drive the update to its end, check the end state. */
export function recover(
  flash: EmulatedFlash,
  options: AgentOptions,
  scenario: 'upgrade' | 'revert',
  oldImage: Uint8Array,
  newImage: Uint8Array,
): boolean {
  let agent = UpdateAgent.boot(flash, options);
  const ranNew = checkReport(agent, oldImage, newImage);
  for (let step = 0; step < 4; step++) {
    const running = whichImage(agent, oldImage, newImage);
    if (scenario === 'upgrade') {
      if (running === 'new' && agent.state === UpdateState.Idle) break;
      if (running === 'new') agent.confirm();
      else if (agent.state === UpdateState.Downloaded) agent = agent.install();
      else {
        agent.download(newImage);
        agent = agent.install();
      }
    } else {
      if (running === 'new' && agent.report.confirmed)
        throw new Problem('wrong-version', 'the never-confirmed image became permanent');
      if (running === 'old' && agent.state === UpdateState.Idle) break;
      if (agent.state === UpdateState.Downloaded) agent = agent.install();
      else agent = agent.reset();
    }
    checkReport(agent, oldImage, newImage);
  }
  agent = agent.reset();
  checkEnd(agent, scenario, oldImage, newImage);
  const again = agent.opsOf(() => {
    agent = agent.reset();
  });
  if (again !== 0) throw new Problem('not-idempotent', `a further boot did ${again} flash operations`);
  return ranNew;
}

function whichImage(agent: UpdateAgent, oldImage: Uint8Array, newImage: Uint8Array): 'old' | 'new' {
  if (slotHolds(agent, agent.layout.primary, newImage)) return 'new';
  if (slotHolds(agent, agent.layout.primary, oldImage)) return 'old';
  throw new Problem('partial', `primary slot holds neither image (running ${agent.runningVersion})`);
}

/** Old running: Idle (0 or 8) or Downloaded. New running: Updating while revertible, else Idle/Success. */
function checkReport(agent: UpdateAgent, oldImage: Uint8Array, newImage: Uint8Array): boolean {
  const running = whichImage(agent, oldImage, newImage);
  const { state, result, confirmed } = agent.report;
  const seen = `running ${running}, state ${state}, result ${result}, confirmed ${confirmed}`;
  const ok =
    running === 'new'
      ? confirmed
        ? state === UpdateState.Idle && result === UpdateResult.Success
        : state === UpdateState.Updating && result === UpdateResult.Initial
      : (state === UpdateState.Idle &&
          (result === UpdateResult.Initial || result === UpdateResult.UpdateFailed)) ||
        (state === UpdateState.Downloaded && result === UpdateResult.Initial);
  if (!ok) throw new Problem('wrongly-reported', seen);
  return running === 'new';
}

function checkEnd(
  agent: UpdateAgent,
  scenario: 'upgrade' | 'revert',
  oldImage: Uint8Array,
  newImage: Uint8Array,
): void {
  const { flash, layout } = agent;
  const running = whichImage(agent, oldImage, newImage);
  const want = scenario === 'upgrade' ? 'new' : 'old';
  if (running !== want) throw new Problem('wrong-version', `ended on the ${running} image, expected ${want}`);
  const expectedResult: number[] =
    scenario === 'upgrade' ? [UpdateResult.Success] : [UpdateResult.UpdateFailed, UpdateResult.Initial];
  if (agent.state !== UpdateState.Idle || !expectedResult.includes(agent.result))
    throw new Problem('wrongly-reported', `ended reporting state ${agent.state}, result ${agent.result}`);
  const primary = readTrailer(flash, layout, layout.primary);
  const secondary = readTrailer(flash, layout, layout.secondary);
  const canonical = primary.magic === 'good' && primary.imageOk === 'set' && primary.copyDone === 'set';
  if (!canonical || decideSwap(primary, secondary, agent.options.mode) !== SwapType.None)
    throw new Problem(
      'inconsistent-trailers',
      `primary ${JSON.stringify(primary)}, secondary ${JSON.stringify(secondary)}`,
    );
  if (scenario === 'upgrade' && agent.options.mode === 'swap-scratch') {
    if (!slotHolds(agent, layout.secondary, oldImage))
      throw new Problem('partial', 'the secondary slot does not hold the old image');
  }
}

/** The slot starts with exactly these bytes (compared in flash, no copy). */
function slotHolds(agent: UpdateAgent, slot: Slot, image: Uint8Array): boolean {
  const { layout, flash } = agent;
  if (image.length > layout.imageBytes) return false;
  const at = sectorOffset(layout, slot.firstSector);
  // Unchanged bytes (same content key) need no second comparison.
  const key = flash.contentKey(at, image.length);
  let known = matchCache.get(image);
  const seen = known?.get(key);
  if (seen !== undefined) return seen;
  const same = flash.matches(at, image);
  if (!known) {
    known = new Map();
    matchCache.set(image, known);
  }
  if (known.size >= 4096) known.clear();
  known.set(key, same);
  return same;
}

const matchCache = new WeakMap<Uint8Array, Map<string, boolean>>();

// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function keysFromSeed(seed: number): { privateKey: KeyObject; publicKey: KeyObject } {
  const raw = createHash('sha256').update(`sweep-key:${seed}`).digest();
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, raw]),
    format: 'der',
    type: 'pkcs8',
  });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}
