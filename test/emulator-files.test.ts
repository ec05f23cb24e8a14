import test from 'ava';
import { bootModule, xor16Checksum } from '../firmware-stubs/index.ts';
import { loadModuleProfile } from '../src/hardware/index.ts';

const BG95 = loadModuleProfile('quectel-bg95');

async function booted() {
  const m = await bootModule({ profile: 'quectel-bg95', seed: 5 });
  await m.term.command('ATE0');
  return m;
}

test('xor16 checksum: XOR of big-endian 16-bit words, odd byte padded, lower-case hex', (t) => {
  t.is(xor16Checksum(Buffer.from([0x12, 0x34, 0x56, 0x78])), (0x1234 ^ 0x5678).toString(16));
  t.is(xor16Checksum(Buffer.from([0xab, 0xcd, 0xef])), (0xabcd ^ 0xef00).toString(16));
  t.is(xor16Checksum(Buffer.alloc(0)), '0');
});

test('QFUPL: CONNECT, then exactly <size> raw bytes even when they contain "OK\\r\\n", then +QFUPL: <size>,<checksum>', async (t) => {
  await using m = await booted();
  const payload = Buffer.concat([
    Buffer.from('\r\nOK\r\nAT+CFUN=0\r'),
    Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a]),
    Buffer.from('ERROR\r\n'),
  ]);
  const from = m.term.mark();
  m.term.write(`AT+QFUPL="UFS:fw.bin",${payload.length},10\r`);
  const connect = await m.term.waitFor('\r\nCONNECT\r\n', { from });
  m.term.write(payload);
  const done = await m.term.waitFor(/\+QFUPL: [^\r]*\r\n\r\nOK\r\n/, { from: connect.end });
  t.is(done.match, `+QFUPL: ${payload.length},${xor16Checksum(payload)}\r\n\r\nOK\r\n`);
  t.is(
    m.term.text.slice(connect.end),
    `\r\n+QFUPL: ${payload.length},${xor16Checksum(payload)}\r\n\r\nOK\r\n`,
    'no echo of the payload',
  );
  t.deepEqual(m.module.files.read('fw.bin'), payload);
  t.is(m.module.state.at.echo, false);
  t.is(
    await m.term.command('AT+CFUN?'),
    '\r\n+CFUN: 1\r\n\r\nOK\r\n',
    'the embedded AT+CFUN=0 was data, not a command',
  );
  // Flash write time is modelled: size / flashWriteBytesPerS.
  const expectedMs = Math.round((payload.length / BG95.timing.flashWriteBytesPerS) * 1000);
  t.true(Math.abs(done.t - connect.t - expectedMs) <= 1);
});

test('QFUPL payload written one byte at a time arrives whole', async (t) => {
  await using m = await booted();
  const data = Buffer.from('version=BG95M3LAR02A04\nrest of image\n');
  const from = m.term.mark();
  m.term.write(`AT+QFUPL="a.bin",${data.length}\r`);
  await m.term.waitFor('CONNECT\r\n', { from });
  for (const b of data) m.term.write(Buffer.from([b]));
  await m.term.waitFor('OK\r\n', { from });
  t.deepEqual(m.module.files.read('a.bin'), data);
  t.is(await m.term.command('AT+QFLST="UFS:*"'), `\r\n+QFLST: "UFS:a.bin",${data.length}\r\n\r\nOK\r\n`);
});

test('QFUPL ackmode 1: the module sends "A" after each 1024 bytes', async (t) => {
  await using m = await booted();
  const data = Buffer.alloc(2500, 0x55);
  const from = m.term.mark();
  m.term.write(`AT+QFUPL="UFS:big.bin",${data.length},5,1\r`);
  const connect = await m.term.waitFor('CONNECT\r\n', { from });
  m.term.write(data.subarray(0, 1024));
  await m.term.waitFor('A', { from: connect.end });
  m.term.write(data.subarray(1024, 2048));
  await m.term.waitFor('AA', { from: connect.end });
  m.term.write(data.subarray(2048));
  const done = await m.term.waitFor('OK\r\n', { from: connect.end });
  t.is(m.term.text.slice(connect.end, done.end), `AA\r\n+QFUPL: 2500,${xor16Checksum(data)}\r\n\r\nOK\r\n`);
});

test('QFUPL input timeout: +CME ERROR: 421 after <timeout> s without data, nothing stored, AT works again', async (t) => {
  await using m = await booted();
  const from = m.term.mark();
  m.term.write('AT+QFUPL="UFS:slow.bin",100,3\r');
  const connect = await m.term.waitFor('CONNECT\r\n', { from });
  m.term.write('only ten b');
  const err = await m.term.waitFor('+CME ERROR: 421\r\n', { from: connect.end });
  t.is(err.t - connect.t, 3000);
  t.false(m.module.files.has('slow.bin'));
  t.is(await m.term.command('AT'), '\r\nOK\r\n');
});

test('QFUPL refuses an existing name (407) and a file larger than the free space (403/423)', async (t) => {
  await using m = await bootModule({ profile: 'quectel-bg95', seed: 5, fileSystemBytes: 1000 });
  await m.term.command('ATE0');
  m.module.files.write('x', Buffer.alloc(600));
  t.is(await m.term.command('AT+QFUPL="UFS:x",10'), '\r\n+CME ERROR: 407\r\n');
  t.is(await m.term.command('AT+QFUPL="UFS:y",500'), '\r\n+CME ERROR: 403\r\n');
  t.is(await m.term.command('AT+QFUPL="UFS:y",5000'), '\r\n+CME ERROR: 423\r\n');
  t.is(await m.term.command('AT+QFLDS="UFS"'), '\r\n+QFLDS: 400,1000\r\n\r\nOK\r\n');
});

test('QFDWL sends CONNECT, the file bytes, then +QFDWL: <size>,<checksum>; QFDEL removes; QFLST lists', async (t) => {
  await using m = await booted();
  const data = Buffer.from('\x00\x01OK\r\nbinary\xff', 'latin1');
  m.module.files.write('report.bin', data);
  m.module.files.write('b.txt', Buffer.from('hi'));
  t.is(
    await m.term.command('AT+QFLST="*"'),
    `\r\n+QFLST: "b.txt",2\r\n+QFLST: "report.bin",${data.length}\r\n\r\nOK\r\n`,
  );
  const from = m.term.mark();
  m.term.write('AT+QFDWL="UFS:report.bin"\r');
  const done = await m.term.waitFor(/\+QFDWL: [^\r]*\r\n\r\nOK\r\n/, { from });
  t.is(
    m.term.text.slice(from, done.end),
    `\r\nCONNECT\r\n${data.toString('latin1')}\r\n+QFDWL: ${data.length},${xor16Checksum(data)}\r\n\r\nOK\r\n`,
  );
  t.is(await m.term.command('AT+QFDEL="UFS:report.bin"'), '\r\nOK\r\n');
  t.is(await m.term.command('AT+QFDEL="UFS:report.bin"'), '\r\n+CME ERROR: 405\r\n');
  t.is(await m.term.command('AT+QFDWL="UFS:report.bin"'), '\r\n+CME ERROR: 405\r\n');
  t.is(await m.term.command('AT+QFLST'), '\r\n+QFLST: "b.txt",2\r\n\r\nOK\r\n');
});

test('files live in flash: they survive a power cut', async (t) => {
  await using m = await booted();
  m.module.files.write('keep.bin', Buffer.from('data'));
  m.module.cutPower();
  m.module.powerOn();
  await m.term.waitFor('SMS DONE\r\n', { from: m.term.mark() });
  t.regex(await m.term.command('AT+QFLST'), /\+QFLST: "keep.bin",4/);
});

test('upload draws flash-write current while the bytes are written', async (t) => {
  await using m = await booted();
  await m.term.command('AT+CFUN=0'); // keep the radio quiet
  const data = Buffer.alloc(50_000, 1);
  const from = m.term.mark();
  m.term.write(`AT+QFUPL="UFS:f.bin",${data.length}\r`);
  const connect = await m.term.waitFor('CONNECT\r\n', { from });
  m.term.write(data);
  await m.term.waitFor('OK\r\n', { from: connect.end });
  const flash = m.module.timeline.segments.filter((s) => s.state === 'flashWrite');
  t.is(flash.length, 1);
  const after = m.module.timeline.segments[m.module.timeline.segments.indexOf(flash[0]!) + 1]!;
  t.is(after.t - flash[0]!.t, (data.length / BG95.timing.flashWriteBytesPerS) * 1000);
  t.is(flash[0]!.uA, BG95.current.flashWrite.uA);
});
