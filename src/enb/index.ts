/**
 * Where multicast enters the radio: the EnbBackend interface, the simulated air interface of the emulated
 * bench (sim) and srsRAN 4G (srsran).
 */
export * from './backend.ts';
export type { AirDevice, AirPlacement } from './sim/air-device.ts';
export * as bearer from './sim/bearer.ts';
export type { DeviceAirStats } from './sim/device-stats.ts';
export {
  SimEnb,
  type SimEnbOptions,
  SimSession,
  type SimSessionConfig,
  type SimSessionStats,
} from './sim/sim-enb.ts';
export * as srsran from './srsran/index.ts';
