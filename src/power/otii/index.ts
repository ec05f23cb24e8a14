/**
 * Qoitech Otii Arc / Ace as a meter, through the Otii application's TCP JSON automation server
 * (default 127.0.0.1:1905).
 */
export {
  OTII_DEFAULT_HOST,
  OTII_DEFAULT_PORT,
  OtiiConnection,
  type OtiiConnectOptions,
  type OtiiServerInfo,
} from './connection.ts';
export {
  OtiiCommandError,
  OtiiConnectionError,
  OtiiError,
  OtiiReplyError,
  OtiiTimeoutError,
} from './errors.ts';
export { OtiiMeter, type OtiiMeterOptions } from './otii-meter.ts';
export { ARC_CURRENT_RATE_HZ, type OtiiDevice } from './setup.ts';
