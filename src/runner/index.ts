/** The runner: benches, plans, verdicts and reports (issue 7); for now the emulated fleet builder. */
export {
  type EmulatedDeviceSpec,
  type EmulatedFleet,
  type EmulatedFleetDevice,
  openEmulatedFleet,
} from './emulated-fleet.ts';
