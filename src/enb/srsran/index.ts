/**
 * srsRAN 4G (23.04) as the multicast bearer of a real bench: config generation, process supervision,
 * FLUTE injection into srsmbms' SGi-mb TUN, and a host check for a doctor command.
 */
export { SrsranEnb, type SrsranEnbOptions, srsranBearerRateBps } from './backend.ts';
export { type MbsfnCapacityInput, mbsfnCapacityBps, pmchTransportBlockBits } from './capacity.ts';
export {
  type ComponentSpec,
  type ComponentState,
  type ComponentStatus,
  type ExitInfo,
  SupervisorError,
  type SupervisorEvents,
  type SupervisorOptions,
} from './component.ts';
export {
  bandOfDlEarfcn,
  hssSubscribers,
  N_PRB_VALUES,
  type NPrb,
  parseSrsranConfig,
  type SrsranBinaries,
  type SrsranConfig,
  type SrsranConfigInput,
  SrsranConfigSchema,
  type SrsranSubscriber,
} from './config.ts';
export {
  checkSrsranBinaries,
  type SrsranDoctorOptions,
  type SrsranFinding,
  srsranAvailable,
} from './doctor.ts';
export {
  READY_LINES,
  renderSrsranFiles,
  type SrsranComponent,
  type SrsranFileKey,
  srsranCommandLine,
  srsranComponentSpecs,
  srsranComponents,
  writeSrsranFiles,
} from './files.ts';
export { type SrsranPaths, srsranPaths } from './paths.ts';
export { ProcessSupervisor } from './supervisor.ts';
