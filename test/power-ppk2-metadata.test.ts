import test from 'ava';
import { MeterError } from '../src/power/index.ts';
import {
  defaultCalibration,
  extractMetadataText,
  findMetadataEnd,
  parsePpk2Metadata,
} from '../src/power/ppk2/index.ts';
import { PPK2_REFERENCE_METADATA as EXAMPLE } from './helpers/ppk2-reference.ts';

test('the reference example parses into its calibration, VDD, HW, mode and IA, with no warnings', (t) => {
  const m = parsePpk2Metadata(EXAMPLE);
  t.deepEqual(m.calibration, {
    r: [1003.3506, 101.5865, 10.3027, 0.9636, 0.0564],
    gs: [0, 112.789, 18.0115, 2.4217, 0.0729],
    gi: [1, 0.9695, 0.9609, 0.9519, 0.9582],
    o: [112.942, 75.4627, 64.602, 50.4983, 87.2177],
    s: [0.000000048, 0.000000596, 0.000005281, 0.000062577, 0.002940743],
    i: [-0.000000104, -0.000001443, 0.000036439, -0.000374119, -0.009388455],
    ug: [1, 1, 1, 1, 1],
  });
  t.is(m.calibrated, false);
  t.is(m.vddMv, 3000);
  t.is(m.hw, 9173);
  t.is(m.mode, 'source');
  t.is(m.ia, 56);
  t.is(m.fields['GS1'], '112.7890');
  t.deepEqual(m.warnings, []);
});

test('other values seen on PPK2s: VDD 3300, HW 34504, mode 1 (ampere), IA 57', (t) => {
  const text = EXAMPLE.replace('VDD: 3000', 'VDD: 3300')
    .replace('HW: 9173', 'HW: 34504')
    .replace('mode: 2', 'mode: 1')
    .replace('IA: 56', 'IA: 57');
  const m = parsePpk2Metadata(text);
  t.like(m, { vddMv: 3300, hw: 34504, mode: 'ampere', ia: 57 });
});

test('key order does not matter, CRLF is accepted, keys are case-insensitive', (t) => {
  const lines = EXAMPLE.trim().split('\n');
  const end = lines.pop();
  // A fixed shuffle: reversed, with every third line moved to the front.
  const reversed = lines.reverse();
  const shuffled = [...reversed.filter((_, k) => k % 3 === 0), ...reversed.filter((_, k) => k % 3 !== 0)];
  const text = `${[...shuffled.map((l) => l.replace(/^GS/, 'gs')), end].join('\r\n')}\r\n`;
  const m = parsePpk2Metadata(text);
  const reference = parsePpk2Metadata(EXAMPLE);
  t.deepEqual(m.calibration, reference.calibration);
  t.is(m.vddMv, 3000);
  t.deepEqual(m.warnings, []);
});

test('-nan and nan values fall back to the defaults and are named in the warnings', (t) => {
  const text = EXAMPLE.replace('GI3: 0.9519', 'GI3: -nan').replace('O1: 75.4627', 'O1: nan');
  const m = parsePpk2Metadata(text);
  t.is(m.calibration.gi[3], 1);
  t.is(m.calibration.o[1], 0);
  t.is(m.calibration.gi[2], 0.9609);
  t.true(m.warnings.some((w) => w.includes('GI3') && w.includes('-nan')));
  t.true(m.warnings.some((w) => w.includes('O1') && w.includes('nan')));
});

test('zero resistors fall back to the documented defaults, with a warning each', (t) => {
  const text = EXAMPLE.replace('R0: 1003.3506', 'R0: 0.0000').replace('R4: 0.0564', 'R4: 0');
  const m = parsePpk2Metadata(text);
  t.deepEqual(m.calibration.r, [1031.64, 101.5865, 10.3027, 0.9636, 0.043]);
  t.is(m.warnings.filter((w) => /^R[04] is 0/.test(w)).length, 2);
  // A zero GS or offset is a real value, kept as is.
  t.is(m.calibration.gs[0], 0);
});

test('missing keys take the defaults and are listed', (t) => {
  const text = EXAMPLE.split('\n')
    .filter((l) => !/^(S\d|UG4|VDD):/.test(l))
    .join('\n');
  const m = parsePpk2Metadata(text);
  t.deepEqual(m.calibration.s, defaultCalibration().s);
  t.is(m.calibration.ug[4], 1);
  t.is(m.vddMv, undefined);
  const missing = m.warnings.find((w) => w.startsWith('missing'));
  t.truthy(missing);
  t.regex(missing!, /S0, S1, S2, S3, S4, UG4/);
});

test('unknown keys (later firmware) are kept but do not fail; an out-of-range VDD is ignored', (t) => {
  const text = EXAMPLE.replace('IA: 56', 'IA: 56\nFW: 1.2.4 (db16a94)').replace('VDD: 3000', 'VDD: 12');
  const m = parsePpk2Metadata(text);
  t.is(m.fields['FW'], '1.2.4 (db16a94)');
  t.is(m.vddMv, undefined);
  t.true(m.warnings.some((w) => w.includes('FW')));
  t.true(m.warnings.some((w) => w.startsWith('VDD is 12')));
});

test('another device answering is a MeterError that names the meter and quotes the text', (t) => {
  const shell = 'uart:~$ \u0019\r\nuart:~$ END\r\n';
  const error = t.throws(() => parsePpk2Metadata(shell, 'ppk2 (/dev/ttyACM1)'), { instanceOf: MeterError });
  t.regex(error.message, /^meter ppk2 \(\/dev\/ttyACM1\): metadata reply is not PPK2 metadata/);
  t.true(error.message.includes('uart:~$'));

  const modem = '\r\nERROR\r\nEND\r\n';
  t.regex(
    t.throws(() => parsePpk2Metadata(modem), { instanceOf: MeterError }).message,
    /"ERROR" is not "KEY: value"/,
  );

  const wrongValue = EXAMPLE.replace('R2: 10.3027', 'R2: ten');
  t.regex(t.throws(() => parsePpk2Metadata(wrongValue)).message, /R2 has the value "ten", not a number/);

  const noKnownKey = 'Name: foo\nEND\n';
  t.regex(t.throws(() => parsePpk2Metadata(noKnownKey)).message, /none of the PPK2 keys/);

  t.regex(t.throws(() => parsePpk2Metadata('R0: 1000\n')).message, /no END line/);
});

test('findMetadataEnd: END on a line of its own, with or without a newline after it', (t) => {
  t.is(findMetadataEnd('R0: 1\nEN'), -1);
  t.is(findMetadataEnd('R0: 1\nEND\n'), 10);
  t.is(findMetadataEnd('R0: 1\r\nEND\r\n'), 12);
  t.is(findMetadataEnd('R0: 1\nEND'), 9);
  t.is(findMetadataEnd('R0: 1\nENDING: 2\n'), -1);
});

test('extractMetadataText drops sample words still in flight before the text', (t) => {
  const stale = Buffer.from([0x40, 0x1f, 0x14, 0x00, 0x40, 0x1f, 0x18, 0x00, 0x52, 0x31]); // ends in "R1"
  const bytes = Buffer.concat([stale, Buffer.from(`\n${EXAMPLE}`, 'latin1')]);
  const found = extractMetadataText(bytes);
  t.truthy(found);
  t.is(found!.text, EXAMPLE);
  t.is(found!.skippedBytes, stale.length + 1);
  t.is(extractMetadataText(Buffer.from(EXAMPLE.slice(0, 100))), undefined);
});
