/**
 * Emulated Nordic Power Profiler Kit II: the device side of its USB-serial protocol (opcodes, metadata
 * text, 4-byte sample words at 100 kS/s on the injected clock, fault knobs), in-process or on a pty.
 * Implements the device on its own from /work/shared/reference/power.md §1; it shares nothing with the
 * PPK2 driver in src/power, so a wrong codec on either side shows up in tests.
 *
 * ```ts
 * const ppk2 = createEmulatedPpk2({
 *   clock, seed: 7,
 *   current: (t) => module.timeline.at(t).uA, // consulted only while DUT power is on
 *   logic: (t) => 0,                            // D0..D7
 *   faults: { counterGap: { probability: 0.01, samples: [1, 64] } },
 * });
 * ppk2.host;                                  // the driver's Duplex, or:
 * await servePpk2Pty(ppk2, '/tmp/ppk2');      // a real pty (RealClock benches)
 * ppk2.on('dut-power', (on) => (on ? module.powerOn() : module.cutPower()));
 * ```
 *
 * Behaviour worth knowing:
 * - Samples are encoded by inverting the host formula with `hostCalibration` (the printed metadata, with
 *   host defaults where a key is missing, `-nan` or R = 0), so a correct driver gets the current back
 *   within one ADC step (noiseCounts: 0); `resolutionMicroAmps(range, code)` says how much that is.
 * - Auto-ranging: the lowest range whose code fits (≤ rangeCeilingCode, default 16383).
 * - SetUserGains is stored and reported in the metadata, but does not change the samples: the gains are
 *   applied by the host, the raw codes depend on the hardware only.
 * - The 6-bit counter runs free across recordings (reset only at power-up, Reset, recover()).
 * - Blocks of blockMs (10 ms = 1000 words) are written at start + k·blockMs; a stop (0x07) ends the stream
 *   at once unless the trailing-blocks fault says otherwise. A streaming device keeps a VirtualClock busy
 *   (its block timer is referenced) until it is stopped or closed.
 * - Commands are framed from a byte stream with fixed payload lengths; a byte that is no opcode is skipped.
 */

export { ADC_MAX, ADC_MULT, SAMPLES_PER_MS } from './adc.ts';
export {
  EXAMPLE_CALIBRATION,
  HOST_DEFAULT_CALIBRATION,
  LINEAR_CALIBRATION,
  METADATA_ORDER,
  type MetadataKey,
  type MetadataSettings,
  type PerRange,
  type Ppk2Calibration,
  type RangeIndex,
} from './calibration.ts';
export { OPCODES, type OpcodeName, type Ppk2Command } from './commands.ts';
export {
  type CurrentProvider,
  createEmulatedPpk2,
  EmulatedPpk2,
  type EmulatedPpk2Options,
  type LogicProvider,
  type Ppk2PowerMode,
  type Ppk2State,
  type ReceivedCommand,
} from './device.ts';
export { FOREIGN_DEVICE_TEXT, type Ppk2FaultControls, type Ppk2FaultSettings } from './faults.ts';
export { type Ppk2PtyOptions, type Ppk2PtyServer, servePpk2Pty } from './pty-server.ts';
