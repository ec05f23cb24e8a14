export { FlashError, PowerCutError } from './errors.ts';
export {
  CUT_KINDS,
  type CutKind,
  cutAtOperation,
  type FaultDecision,
  type FaultPoint,
  type FlashOperation,
} from './fault-point.ts';
export { type BadRegion, EmulatedFlash, type FlashGeometry, type FlashOptions } from './flash.ts';
