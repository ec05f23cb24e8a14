export {
  atString,
  type Dialect,
  type DialectContext,
  type FileOps,
  type FotaOps,
  type MqttOps,
} from './dialect.ts';
export { DIALECTS, selectDialect } from './dialects/index.ts';
export {
  DialectMismatchError,
  FotaError,
  ModemError,
  MqttError,
  RegistrationError,
  UnsupportedError,
} from './errors.ts';
export { Modem, type ModemEvents, type ModemOpenOptions } from './modem.ts';
export { checkTmgi, formatMbmsService, MBMS_URCS, parseMbmsFile, parseMbmsService } from './multicast.ts';
export type * from './types.ts';
