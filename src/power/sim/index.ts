export { type CurrentSource, SimulatedMeter, type SimulatedMeterOptions } from './meter.ts';
