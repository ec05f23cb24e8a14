/**
 * Atomicity sweeps: cut power at every flash operation of an update (or at seeded random ones, several per
 * update), let the device recover, and count what went wrong. The device is reached through a SweepEngine
 * the caller passes in (the CLI wires the emulated agent), so this layer never imports an emulator.
 */
export {
  benchKeys,
  imagesForUpdate,
  type SweepImages,
  stubImagePair,
  stubPayload,
} from './images.ts';
export { type FlashGeometrySpec, type ModuleFlash, moduleFlash, slotSectorsFor } from './layouts.ts';
export {
  type AtomicityFailure,
  type AtomicityReport,
  type AtomicityRequest,
  type CutKind,
  type EngineFailure,
  type EngineResult,
  formatAtomicityReport,
  progressBar,
  runAtomicitySweep,
  type Scenario,
  type SweepEngine,
  type SweepPlan,
  type UpdateMode,
} from './sweep.ts';
export {
  type TimedPoint,
  type TimedSweepOptions,
  type TimedSweepReport,
  type TimedTarget,
  timedSweep,
} from './timed.ts';
