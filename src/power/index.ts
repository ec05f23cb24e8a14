export * from './battery.ts';
export * from './export/index.ts';
export {
  type Meter,
  type MeterCapabilities,
  MeterError,
  type MeterInfo,
  type MeterMode,
  type MicroAmps,
  type MilliVolts,
  type SampleBlock,
  type SampleGap,
  type StreamHandlers,
} from './meter.ts';
export { METER_KINDS, type OpenMeterOptions, openMeter } from './open.ts';
export * from './ppk2/index.ts';
export * from './recording/index.ts';
export * from './scpi/index.ts';
export * from './sim/index.ts';
