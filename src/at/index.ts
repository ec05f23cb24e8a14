export * from './codecs/index.ts';
export {
  type AtCommand,
  AtEngine,
  type AtEngineEvents,
  type AtEngineOptions,
  type AtResponse,
  derivePrefixes,
  verboseSetting,
} from './engine.ts';
export {
  AtAbortedError,
  AtClosedError,
  AtDeviceError,
  AtError,
  AtPortError,
  AtRebootError,
  AtTimeoutError,
  AtUnresponsiveError,
} from './errors.ts';
export { cleanText, escapeBytes, Framer, type Token } from './framer.ts';
export { classifyFinal, describeFinal, type FinalKind, type FinalResult } from './results.ts';
export * from './timers.ts';
export {
  type Direction,
  formatEntry,
  type Meaning,
  Transcript,
  type TranscriptEntry,
  type TranscriptSink,
} from './transcript.ts';
export { type Urc, type UrcKind, UrcRegistry, type UrcSpec } from './urc.ts';
