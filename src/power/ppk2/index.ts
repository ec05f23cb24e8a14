export {
  adcToMicroAmps,
  NORDIC_SPIKE_FILTER,
  PPK2_VOLTS_PER_COUNT,
  Ppk2Converter,
  type Ppk2ConverterOptions,
  type Ppk2SpikeFilter,
} from './convert.ts';
export { type Ppk2PortCandidate, ppk2PortCandidates } from './find.ts';
export {
  type CalibrationKey,
  defaultCalibration,
  extractMetadataText,
  findMetadataEnd,
  type PerRange,
  type Ppk2Calibration,
  type Ppk2Metadata,
  parsePpk2Metadata,
} from './metadata.ts';
export { type Ppk2FindOptions, Ppk2Meter, type Ppk2MeterOptions } from './meter.ts';
export {
  decodeSampleWord,
  encodeAverageStart,
  encodeAverageStop,
  encodeDeviceRunningSet,
  encodeGetMetadata,
  encodeRegulatorSet,
  encodeReset,
  encodeSampleWord,
  encodeSetPowerMode,
  encodeSetUserGains,
  encodeSpikeFiltering,
  PPK2_COUNTER_MODULUS,
  PPK2_RANGE_COUNT,
  PPK2_SAMPLE_RATE_HZ,
  PPK2_USB_PRODUCT_ID,
  PPK2_USB_VENDOR_ID,
  PPK2_VDD_MAX_MV,
  PPK2_VDD_MIN_MV,
  PPK2_WORD_BYTES,
  Ppk2Opcode,
  type Ppk2OpcodeName,
  type Ppk2PowerMode,
  Ppk2PowerModeCode,
  type Ppk2SampleFields,
  sampleAdc,
  sampleCounter,
  sampleLogic,
  sampleRange,
} from './protocol.ts';
export { Ppk2StreamDecoder, type Ppk2StreamDecoderOptions, type Ppk2StreamStats } from './stream.ts';
export { WallTimeCheck, type WallTimeCheckOptions, type WallTimeLoss } from './wall-time.ts';
