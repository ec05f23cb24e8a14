/**
 * SCPI instruments as meters: a line-oriented SCPI client over TCP (port 5025) or serial, and
 * ScpiMeter for the Keysight N6705B/C with an N6781A/N6782A SMU and the Keithley 2280S/2281S.
 */
export { type QueryOptions, ScpiClient, type ScpiClientOptions } from './client.ts';
export {
  ampsToMicroAmps,
  type BlockHeader,
  type ByteOrder,
  channelList,
  decodeFloat32Block,
  formatScpiNumber,
  parseBlockHeader,
  parseErrorEntry,
  parseIdentity,
  parseNumberList,
  parseScpiNumber,
  SCPI_NAN,
  type ScpiIdentity,
} from './codec.ts';
export {
  formatErrorEntry,
  ScpiCommandError,
  ScpiConnectionError,
  ScpiError,
  type ScpiErrorEntry,
  ScpiReplyError,
  ScpiTimeoutError,
} from './errors.ts';
export type { Acquisition, FetchedAcquisition, ScpiAcquisitionSettings, ScpiFamily } from './family.ts';
export { isKeithley2280, KEITHLEY_2280_BUFFER, Keithley2280 } from './keithley-2280.ts';
export { isKeysightN6705, KeysightN6705 } from './keysight-n6705.ts';
export { ScpiMeter, type ScpiMeterOptions } from './scpi-meter.ts';
export {
  connectScpi,
  openScpiStream,
  parseScpiAddress,
  SCPI_TCP_PORT,
  type ScpiAddress,
  type ScpiConnectOptions,
  ScpiSpecError,
} from './transport.ts';
