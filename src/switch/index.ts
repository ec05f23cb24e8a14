/**
 * Power switches for power cycling and fault injection: serial USB relay boards (LCUS-type CH340
 * boards, Numato modules), the PPK2's DUT power output, an SCPI supply's output, and the emulated
 * switch the bench builder wires to an emulated module. See hardware/switches.md for wiring.
 */
export { type EmulatedPowerTarget, EmulatedSwitch, type EmulatedSwitchOptions } from './emulated.ts';
export {
  LCUS_BAUD,
  LCUS_MAX_CHANNEL,
  LCUS_START,
  LcusRelay,
  type LcusRelayOptions,
  lcusFrame,
} from './lcus.ts';
export {
  NUMATO_BAUD,
  NUMATO_MAX_CHANNEL,
  NumatoRelay,
  type NumatoRelayOptions,
  numatoChannelToken,
  numatoCommand,
} from './numato.ts';
export { type OpenSwitchOptions, openSwitch, SWITCH_KINDS } from './open.ts';
export { type DutPowerMeter, Ppk2Switch, type Ppk2SwitchOptions } from './ppk2.ts';
export type { RelayPortOptions } from './relay-port.ts';
export { ScpiOutputSwitch, type ScpiOutputSwitchOptions } from './scpi.ts';
export { parseSwitchSpec, type SwitchSpec } from './spec.ts';
export {
  type PowerSwitch,
  SwitchError,
  type SwitchInfo,
  type SwitchKind,
  SwitchReplyError,
  SwitchSpecError,
  type SwitchState,
  SwitchTimeoutError,
} from './switch.ts';
