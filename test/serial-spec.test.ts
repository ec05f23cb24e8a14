import test from 'ava';
import { formatPortSpec, PortSpecError, parsePortSpec } from '../src/serial/index.ts';

test('a device path is a path spec', (t) => {
  t.like(parsePortSpec('/dev/ttyUSB2'), { kind: 'path', path: '/dev/ttyUSB2' });
  t.like(parsePortSpec('./rig/pty/dut1'), { kind: 'path', path: './rig/pty/dut1' });
});

test('by-id: and /dev/serial/by-id/ name the same link', (t) => {
  const name = 'usb-Quectel_EG95_0123-if02-port0';
  t.like(parsePortSpec(`by-id:${name}`), { kind: 'by-id', name });
  t.like(parsePortSpec(`/dev/serial/by-id/${name}`), { kind: 'by-id', name });
});

test('usb:VID:PID with optional serial number and interface', (t) => {
  t.deepEqual(parsePortSpec('usb:2c7c:0700'), {
    kind: 'usb',
    text: 'usb:2c7c:0700',
    vendorId: '2c7c',
    productId: '0700',
  });
  t.like(parsePortSpec('usb:2C7C:700:A1B2C3'), {
    vendorId: '2c7c',
    productId: '0700',
    serialNumber: 'A1B2C3',
  });
  const withIf = parsePortSpec('usb:2c7c:0700:A1B2C3#if02');
  t.like(withIf, { serialNumber: 'A1B2C3', interfaceNumber: 2 });
  t.like(parsePortSpec('usb:2c7c:0700#if0a'), { interfaceNumber: 10 }); // hex, as sysfs writes it
  t.like(parsePortSpec('usb:2c7c:0700@3'), { interfaceNumber: 3 });
  t.false('serialNumber' in parsePortSpec('usb:2c7c:0700@3'));
  t.is(formatPortSpec(withIf), 'usb:2c7c:0700:A1B2C3#if02');
});

const malformed: Array<[string, RegExp]> = [
  ['', /empty/],
  ['ttyUSB2', /did you mean \/dev\/ttyUSB2/],
  ['COM3', /not a path, by-id name or USB id/],
  ['by-id:', /by-id name is empty/],
  ['by-id:a/b', /contains "\/"/],
  ['usb:2c7c', /expected usb:<vid>:<pid>/],
  ['usb:2c7c:', /expected usb:<vid>:<pid>/],
  ['usb:xyz1:0700', /vendor id "xyz1" is not 1-4 hex digits/],
  ['usb:2c7c:07000', /product id "07000" is not 1-4 hex digits/],
  ['usb:2c7c:0700:', /serial number after the last ":" is empty/],
  ['usb:2c7c:0700#ifzz', /bad interface suffix "#ifzz"/],
  ['usb:2c7c:0700@x', /bad interface suffix "@x"/],
];

for (const [text, problem] of malformed) {
  test(`malformed spec ${JSON.stringify(text)} is rejected, naming what was seen and the accepted forms`, (t) => {
    const error = t.throws(() => parsePortSpec(text), { instanceOf: PortSpecError });
    t.regex(error.message, problem);
    t.true(error.message.includes(JSON.stringify(text)));
    t.regex(error.message, /accepted forms: .*by-id:<name>.*usb:<vid>:<pid>/);
  });
}
