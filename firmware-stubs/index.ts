/**
 * Emulated cellular modules ("firmware stubs"): the device side of the AT link, standing in for
 * hardware on the emulated bench. Implements the device on its own: it shares pure data tables with
 * the controller (src/at/timer-tables.ts) but none of its parsers or formatters. See README.md.
 */

export { nordic } from './dialects/nordic.ts';
export { quectel, quectelVariant } from './dialects/quectel.ts';
export { DIALECTS, dialectFor } from './dialects/registry.ts';
export { simcom } from './dialects/simcom.ts';
export { ublox } from './dialects/ublox.ts';
export { type EmulatorOptions, type RunningEmulator, runEmulator } from './emulate.ts';
export {
  AgentFirmwareUpdater,
  MODULE_FLASH_GEOMETRY,
  MODULE_SLOT_SECTORS,
} from './module/agent-firmware-updater.ts';
export { AtArguments, CommandFailure } from './module/arguments.ts';
export {
  BENCH_UPDATE_KEY_LABEL,
  BENCH_UPDATE_KEY_SEED,
  BENCH_UPDATE_KEYS,
  BENCH_UPDATE_PRIVATE_KEY_PEM,
  BENCH_UPDATE_PUBLIC_KEY_PEM,
  BENCH_VENDOR,
} from './module/bench-update-key.ts';
export type { AtCommand, CommandContext, Outcome } from './module/command.ts';
export type {
  EdrxRequest,
  ModuleCore,
  NvSettings,
  PdpContext,
  PowerState,
  PsmRequest,
  VolatileSettings,
} from './module/core.ts';
export type { BootOutput, Dialect, DialectBehaviour, DialectBinding, PsmEntry } from './module/dialect.ts';
export {
  createEmulatedModule,
  EmulatedModule,
  type EmulatedModuleOptions,
  type ModuleStateSnapshot,
} from './module/emulated-module.ts';
export type { FaultControls, FaultSettings } from './module/faults.ts';
export { type FileEntry, ModuleFileSystem, xor16Checksum } from './module/file-system.ts';
export type {
  BootCause,
  FirmwareInstallResult,
  FirmwareUpdater,
  Lwm2mUpdateResult,
} from './module/firmware-updater.ts';
export {
  decodeTimer2,
  decodeTimer3,
  edrxCycleSeconds,
  encodeTimer2,
  encodeTimer3,
  ptwSeconds,
  type Rat,
} from './module/gprs-timers.ts';
export { luhnCheckDigit, type ModuleIdentity, makeImei } from './module/imei.ts';
export type { RawResult } from './module/line-framing.ts';
export type { MqttBridge, MqttRoute } from './module/mqtt-bridge.ts';
export {
  type DeliveryResult,
  type MbmsFileStatus,
  type MbmsServiceState,
  type MulticastFile,
  MulticastReceiver,
} from './module/multicast.ts';
export type {
  CellConditions,
  EdrxGrant,
  EdrxGrantPolicy,
  NetworkOptions,
  NetworkPolicy,
  OperatorInfo,
  PsmGrant,
  PsmGrantPolicy,
} from './module/network-policy.ts';
export { type PtyServer, type PtyServerOptions, servePty } from './module/pty-server.ts';
export type { RadioState } from './module/radio.ts';
export type { AttachPhase, RegistrationStatus } from './module/registration.ts';
export { CME, CME_TEXT, cme, ERROR, type FinalResult, NO_RESULT, OK } from './module/results.ts';
export { CurrentTimeline, type MicroAmps, type TimelineSegment } from './module/timeline.ts';
export * from './ppk2/index.ts';
export { SeededRandom } from './random.ts';
export * from './relay/index.ts';
export { type BootedModule, bootModule } from './testing/harness.ts';
export { RawTerminal, type ReceivedChunk } from './testing/raw-terminal.ts';
