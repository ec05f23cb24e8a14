export {
  ACCEPTED_SPEC_FORMS,
  AmbiguousPortError,
  type LockHolder,
  PortBusyError,
  PortDownError,
  PortLostError,
  PortNotFoundError,
  PortOpenError,
  PortSpecError,
  ReconnectTimeoutError,
  SerialError,
} from './errors.ts';
export {
  describePort,
  listSerialPorts,
  type PortDiscoveryOptions,
  resolvePortPath,
  type SerialPortInfo,
  type UsbPortInfo,
} from './list.ts';
export {
  acquirePortLock,
  defaultLockDir,
  lockFileFor,
  type PortLock,
  type PortLockOptions,
  readPortLock,
} from './lock.ts';
export { type DuplexPairOptions, duplexPair } from './memory.ts';
export {
  type LinkState,
  type OpenSerialOptions,
  openSerial,
  type ReconnectOptions,
  SerialLink,
} from './port.ts';
export { type PtyPair, type PtyPairOptions, startPtyPair } from './pty.ts';
export { formatPortSpec, type PortSpec, parsePortSpec } from './spec.ts';
export { formatPortTable } from './table.ts';
