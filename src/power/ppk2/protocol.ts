/**
 * The PPK2's USB-serial command set and sample word layout (power.md §1.2, §1.5). Commands are raw
 * bytes with no framing, checksum or acknowledgement; only GetMetadata produces a reply.
 */

/** Opcodes, host → PPK2. */
export const Ppk2Opcode = {
  NoOp: 0x00,
  AverageStart: 0x06,
  AverageStop: 0x07,
  DeviceRunningSet: 0x0c,
  RegulatorSet: 0x0d,
  SetPowerMode: 0x11,
  SpikeFilteringOn: 0x15,
  SpikeFilteringOff: 0x16,
  GetMetadata: 0x19,
  Reset: 0x20,
  SetUserGains: 0x25,
} as const;

export type Ppk2OpcodeName = keyof typeof Ppk2Opcode;

/** USB ids of the PPK2 (lower-case hex, as sysfs writes them). */
export const PPK2_USB_VENDOR_ID = '1915';
export const PPK2_USB_PRODUCT_ID = 'c00a';

/** The PPK2 samples at a fixed 100 kS/s (10 µs per sample); the rate cannot be changed. */
export const PPK2_SAMPLE_RATE_HZ = 100_000;

/** Limits of the source regulator, mV. */
export const PPK2_VDD_MIN_MV = 800;
export const PPK2_VDD_MAX_MV = 5000;

/** Measurement ranges 0..4 (range 0 has the largest shunt, so the finest resolution). */
export const PPK2_RANGE_COUNT = 5;

/** Argument of SetPowerMode: 1 = ampere meter (external supply), 2 = source meter (PPK2 supplies the DUT). */
export const Ppk2PowerModeCode = { ampere: 1, source: 2 } as const;
export type Ppk2PowerMode = keyof typeof Ppk2PowerModeCode;

export function encodeGetMetadata(): Buffer {
  return Buffer.from([Ppk2Opcode.GetMetadata]);
}

export function encodeAverageStart(): Buffer {
  return Buffer.from([Ppk2Opcode.AverageStart]);
}

export function encodeAverageStop(): Buffer {
  return Buffer.from([Ppk2Opcode.AverageStop]);
}

/** DUT power switch (the PPK2's output in source mode, the pass-through in ampere mode). */
export function encodeDeviceRunningSet(on: boolean): Buffer {
  return Buffer.from([Ppk2Opcode.DeviceRunningSet, on ? 1 : 0]);
}

/**
 * Regulator voltage as big-endian mV. (Other drivers write it as `3 + (mV−800+32) div 256,
 * (mV−800+32) mod 256`, which is the same two bytes.) Throws RangeError outside 800..5000 mV.
 */
export function encodeRegulatorSet(mv: number): Buffer {
  if (!Number.isInteger(mv) || mv < PPK2_VDD_MIN_MV || mv > PPK2_VDD_MAX_MV) {
    throw new RangeError(
      `PPK2 regulator voltage ${mv} mV is outside ${PPK2_VDD_MIN_MV}..${PPK2_VDD_MAX_MV} mV (integer mV)`,
    );
  }
  return Buffer.from([Ppk2Opcode.RegulatorSet, mv >> 8, mv & 0xff]);
}

export function encodeSetPowerMode(mode: Ppk2PowerMode): Buffer {
  const code = Ppk2PowerModeCode[mode];
  if (code === undefined)
    throw new RangeError(`PPK2 power mode ${JSON.stringify(mode)} is not ampere or source`);
  return Buffer.from([Ppk2Opcode.SetPowerMode, code]);
}

/** User gain of one range: range byte, then the gain as float32 little-endian (as the Nordic app sends it). */
export function encodeSetUserGains(range: number, gain: number): Buffer {
  if (!Number.isInteger(range) || range < 0 || range >= PPK2_RANGE_COUNT) {
    throw new RangeError(`PPK2 user gain range ${range} is not 0..${PPK2_RANGE_COUNT - 1}`);
  }
  if (!Number.isFinite(gain) || gain <= 0) {
    throw new RangeError(`PPK2 user gain ${gain} for range ${range} is not a positive finite number`);
  }
  const bytes = Buffer.alloc(6);
  bytes[0] = Ppk2Opcode.SetUserGains;
  bytes[1] = range;
  bytes.writeFloatLE(gain, 2);
  return bytes;
}

export function encodeReset(): Buffer {
  return Buffer.from([Ppk2Opcode.Reset]);
}

/**
 * Listed by every driver's opcode table, but the Nordic app never sends them: its spike filter
 * runs on the host (convert.ts). Kept for completeness; the meter does not use them.
 */
export function encodeSpikeFiltering(on: boolean): Buffer {
  return Buffer.from([on ? Ppk2Opcode.SpikeFilteringOn : Ppk2Opcode.SpikeFilteringOff]);
}

/** Bytes per sample word on the wire. */
export const PPK2_WORD_BYTES = 4;
/** Counter modulus: the 6-bit counter wraps after 0x3F. */
export const PPK2_COUNTER_MODULUS = 64;

/**
 * One 32-bit little-endian sample word: bits 0–13 ADC value, 14–16 range, 17 unused, 18–23 a
 * 6-bit counter, 24–31 the logic port D0..D7 (bit i = Di).
 */
export interface Ppk2SampleFields {
  /** 14-bit ADC reading as sent (the conversion multiplies it by 4). */
  adc: number;
  /** 0..4 valid; 5..7 only in a corrupted or misaligned word. */
  range: number;
  counter: number;
  logic: number;
}

export function sampleAdc(word: number): number {
  return word & 0x3fff;
}

export function sampleRange(word: number): number {
  return (word >>> 14) & 0x7;
}

export function sampleCounter(word: number): number {
  return (word >>> 18) & 0x3f;
}

export function sampleLogic(word: number): number {
  return (word >>> 24) & 0xff;
}

export function decodeSampleWord(word: number): Ppk2SampleFields {
  return {
    adc: sampleAdc(word),
    range: sampleRange(word),
    counter: sampleCounter(word),
    logic: sampleLogic(word),
  };
}

/** The inverse of decodeSampleWord (for tests and stand-ins); fields are masked to their widths. */
export function encodeSampleWord(fields: Ppk2SampleFields): number {
  return (
    ((fields.adc & 0x3fff) |
      ((fields.range & 0x7) << 14) |
      ((fields.counter & 0x3f) << 18) |
      ((fields.logic & 0xff) << 24)) >>>
    0
  );
}
