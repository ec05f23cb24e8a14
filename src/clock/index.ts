export {
  type Clock,
  ClockBase,
  type EpochMs,
  formatDuration,
  type Hold,
  type Milliseconds,
  type Timer,
  TimeoutError,
} from './clock.ts';
export { RealClock } from './real.ts';
export { VirtualClock, type VirtualClockOptions } from './virtual.ts';
