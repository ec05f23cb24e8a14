export {
  type Clock,
  ClockBase,
  type EpochMs,
  formatDuration,
  type Hold,
  type Milliseconds,
  TimeoutError,
  type Timer,
} from './clock.ts';
export { whileHeld, writeHeld } from './held-io.ts';
export { RealClock } from './real.ts';
export { VirtualClock, type VirtualClockOptions } from './virtual.ts';
