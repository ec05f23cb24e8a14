export {
  type AgentBug,
  type BootAction,
  type BootOutcome,
  BrickedError,
  runBootloader,
  type TrustPolicy,
  type UpdateMode,
} from './bootloader.ts';
export { checkImage, type ImageCheck, type ImageHeader, type ImagePolicy } from './image.ts';
export { buildDeviceImage, type ImageSpec, stubPayload } from './image-builder.ts';
export { type FlashLayout, planLayout, readSlot, type Slot } from './layout.ts';
export { UpdateResult, UpdateState } from './lwm2m.ts';
export {
  type RandomCut,
  type RandomSweepFailure,
  type RandomSweepOptions,
  type RandomSweepResult,
  sweepRandomCuts,
} from './random-sweep.ts';
export {
  type SweepFailure,
  type SweepImages,
  type SweepOptions,
  type SweepProblem,
  type SweepResult,
  sweepPowerCuts,
} from './sweep.ts';
export { decideSwap, isRevertible, readTrailer, SwapType, type TrailerState } from './trailer.ts';
export { type AgentOptions, type AgentReport, UpdateAgent } from './update-agent.ts';
export { readUpdateLog, type UpdateLog, type UpdateRecord } from './update-log.ts';
