/**
 * Emulated SCPI instruments for the emulated bench: a Keysight N6705C with an N6781A SMU, a Keithley
 * 2280S, and a device of another make, each on a loopback TCP port. Implements the instrument side on
 * its own (its own program-message parser, formatters and error queue): it imports nothing from
 * src/power, so a wrong codec in the driver cannot agree with itself here.
 *
 * Wiring on the emulated bench: `current` gives the DUT's µA at a clock instant (an emulated module's
 * `timeline.at(t).uA`); the instrument measures it only while its output is on, and emits
 * `'output' (on, t)` when OUTP switches, so the bench can power the emulated module up and down with it.
 */
export { definiteBlock, float32Bytes, nr3 } from './format.ts';
export {
  type CommandCall,
  type CommandDefinition,
  type CurrentSource,
  EmulatedScpiInstrument,
  type ExecutionOutcome,
  type InstrumentHost,
  type Personality,
  type Reply,
  type ScpiFaultSettings,
} from './instrument.ts';
export { type K2280sOptions, k2280s } from './k2280s.ts';
export { type N6705cOptions, n6705c } from './n6705c.ts';
export { otherDevice } from './other-device.ts';
export { HeaderPattern, type MessageUnit, parseProgramMessage, splitOutside } from './program.ts';
export { ErrorQueue, type QueuedError, SCPI_ERROR_TEXT, ScpiFailure } from './scpi-errors.ts';
export {
  type RunningScpiInstrument,
  type ScpiInstrumentOptions,
  type ScpiPersonalityName,
  startScpiInstrument,
} from './server.ts';
