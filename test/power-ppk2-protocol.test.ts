import test from 'ava';
import {
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
} from '../src/power/ppk2/index.ts';

const hex = (b: Buffer) => b.toString('hex');

test('single-byte commands carry their opcode and nothing else', (t) => {
  t.is(hex(encodeGetMetadata()), '19');
  t.is(hex(encodeAverageStart()), '06');
  t.is(hex(encodeAverageStop()), '07');
  t.is(hex(encodeReset()), '20');
  t.is(hex(encodeSpikeFiltering(true)), '15');
  t.is(hex(encodeSpikeFiltering(false)), '16');
});

test('DeviceRunningSet and SetPowerMode take one argument byte', (t) => {
  t.is(hex(encodeDeviceRunningSet(true)), '0c01');
  t.is(hex(encodeDeviceRunningSet(false)), '0c00');
  t.is(hex(encodeSetPowerMode('ampere')), '1101');
  t.is(hex(encodeSetPowerMode('source')), '1102');
});

test('RegulatorSet is big-endian mV, equal to the (3 + (mV-800+32) div 256, mod 256) form of other drivers', (t) => {
  t.is(hex(encodeRegulatorSet(3300)), '0d0ce4');
  t.is(hex(encodeRegulatorSet(800)), '0d0320');
  t.is(hex(encodeRegulatorSet(5000)), '0d1388');
  for (let mv = 800; mv <= 5000; mv += 37) {
    const d = mv - 800 + 32;
    t.deepEqual([...encodeRegulatorSet(mv)], [0x0d, 3 + Math.floor(d / 256), d % 256], `${mv} mV`);
  }
});

test('RegulatorSet refuses voltages outside 800..5000 mV and fractions', (t) => {
  for (const mv of [799, 5001, 0, -3300, 3300.5, Number.NaN]) {
    const error = t.throws(() => encodeRegulatorSet(mv), { instanceOf: RangeError });
    t.regex(error.message, /800\.\.5000 mV/);
  }
});

test('SetUserGains sends the range and the gain as float32 little-endian', (t) => {
  const bytes = encodeSetUserGains(3, 1.25);
  t.is(bytes.length, 6);
  t.is(bytes[0], 0x25);
  t.is(bytes[1], 3);
  t.is(hex(bytes.subarray(2)), '0000a03f'); // 1.25f = 0x3fa00000
  t.is(bytes.readFloatLE(2), 1.25);
  t.throws(() => encodeSetUserGains(5, 1), { instanceOf: RangeError });
  t.throws(() => encodeSetUserGains(0, 0), { instanceOf: RangeError });
  t.throws(() => encodeSetUserGains(0, Number.POSITIVE_INFINITY), { instanceOf: RangeError });
});

test('sample word fields: ADC bits 0-13, range 14-16, counter 18-23, logic 24-31', (t) => {
  // The reference's worked words.
  t.deepEqual(decodeSampleWord(0x00141f40), { adc: 8000, range: 0, counter: 5, logic: 0 });
  t.deepEqual(decodeSampleWord(0x81185f40), { adc: 8000, range: 1, counter: 6, logic: 0x81 });
  t.deepEqual(decodeSampleWord(0x002503e8), { adc: 1000, range: 4, counter: 9, logic: 0 });
  // Bit 17 belongs to no field.
  t.deepEqual(decodeSampleWord(1 << 17), { adc: 0, range: 0, counter: 0, logic: 0 });
  t.deepEqual(decodeSampleWord(0xffffffff), { adc: 0x3fff, range: 7, counter: 63, logic: 255 });
  for (const word of [0x00141f40, 0x81185f40, 0xfffdffff, 0x12345678 & ~(1 << 17)]) {
    t.is(encodeSampleWord(decodeSampleWord(word)), word >>> 0);
  }
});
