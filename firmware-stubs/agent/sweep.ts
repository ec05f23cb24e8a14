import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import {
  CUT_KINDS,
  type CutKind,
  cutAtOperation,
  EmulatedFlash,
  type FlashGeometry,
  PowerCutError,
} from '../flash/index.ts';
import { type AgentBug, BrickedError, type UpdateMode } from './bootloader.ts';
import { buildDeviceImage, stubPayload } from './image-builder.ts';
import { readSlot } from './layout.ts';
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
  onProgress?: (done: number, total: number) => void;
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

class Problem extends Error {
  constructor(
    readonly problem: SweepProblem,
    detail: string,
  ) {
    super(detail);
  }
}

/**
 * The MCUboot-sim sweep, extended with torn and after-the-fact cuts: count the flash operations of one clean
 * scenario, then for every operation and cut kind replay it on a copy of the same flash, cut there, power
 * up with a fresh agent, drive the update to its end and check the invariants.
 */
export function sweepPowerCuts(options: SweepOptions = {}): SweepResult {
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
  const keys = keysFromSeed(seed);
  const agentOptions: AgentOptions = {
    publicKey: keys.publicKey,
    deviceClass: DEVICE_CLASS,
    mode,
    slotSectors,
    ...(options.bug ? { bug: options.bug } : {}),
  };
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
  const oldImage = image('1.0.0', 1, options.oldPayloadSize ?? 500);
  const newImage = image('2.0.0', 2, options.newPayloadSize ?? 600);

  const base = new EmulatedFlash(geometry, { seed });
  UpdateAgent.provision(base, agentOptions, oldImage);
  UpdateAgent.boot(base, agentOptions).confirm();

  const run = (flash: EmulatedFlash) => {
    let agent = UpdateAgent.boot(flash, agentOptions);
    agent.download(newImage);
    agent = agent.install();
    if (scenario === 'upgrade') agent.confirm();
    agent.reset();
  };
  const clean = base.clone();
  run(clean);
  const opsPerUpdate = clean.opCount - base.opCount;

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
      const flash = base.clone(pointSeed);
      flash.setFaultPoint(cutAtOperation(base.opCount + opIndex, cutKind));
      try {
        try {
          run(flash);
          throw new Problem('no-cut', 'the scenario finished without reaching the cut');
        } catch (e) {
          if (!(e instanceof PowerCutError)) throw e;
        }
        flash.setFaultPoint(undefined);
        flash.powerCycle();
        const ranNew = recover(flash, agentOptions, scenario, oldImage, newImage);
        result.afterCut[ranNew ? 'new' : 'old']++;
      } catch (e) {
        const problem = e instanceof Problem ? e.problem : e instanceof BrickedError ? 'bricked' : 'error';
        result.failures.push({ seed, opIndex, cutKind, problem, detail: (e as Error).message });
      }
      result.points++;
      result.pointsByKind[cutKind]++;
      options.onProgress?.(result.points, total);
    }
  return result;
}

/** Power back on after the cut: check what is reported, drive the update to its end, check the end state. */
function recover(
  flash: EmulatedFlash,
  options: AgentOptions,
  scenario: 'upgrade' | 'revert',
  oldImage: Buffer,
  newImage: Buffer,
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

function whichImage(agent: UpdateAgent, oldImage: Buffer, newImage: Buffer): 'old' | 'new' {
  const slot = Buffer.from(
    readSlot(agent.flash, agent.layout, agent.layout.primary, Math.max(oldImage.length, newImage.length)),
  );
  if (slot.subarray(0, newImage.length).equals(newImage)) return 'new';
  if (slot.subarray(0, oldImage.length).equals(oldImage)) return 'old';
  throw new Problem('partial', `primary slot holds neither image (running ${agent.runningVersion})`);
}

/** Old running: Idle (0 or 8) or Downloaded. New running: Updating while revertible, else Idle/Success. */
function checkReport(agent: UpdateAgent, oldImage: Buffer, newImage: Buffer): boolean {
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
  oldImage: Buffer,
  newImage: Buffer,
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
    const other = Buffer.from(readSlot(flash, layout, layout.secondary, oldImage.length));
    if (!other.equals(oldImage))
      throw new Problem('partial', 'the secondary slot does not hold the old image');
  }
}

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
