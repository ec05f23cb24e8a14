import type { Duplex } from 'node:stream';
import test from 'ava';
import { VirtualClock } from '../src/clock/index.ts';
import {
  ampsToMicroAmps,
  decodeFloat32Block,
  formatScpiNumber,
  parseBlockHeader,
  parseErrorEntry,
  parseIdentity,
  parseNumberList,
  parseScpiAddress,
  ScpiClient,
  ScpiCommandError,
  ScpiConnectionError,
  ScpiReplyError,
  ScpiSpecError,
  ScpiTimeoutError,
} from '../src/power/scpi/index.ts';
import { duplexPair } from '../src/serial/index.ts';

/** What the canned instrument does with one command line: bytes to send back (null: nothing). */
type Canned = (line: string) => string | Buffer | null | { after: number; send: string | Buffer };

/** A client wired to a canned instrument over an in-memory cable; records every line it receives. */
function cannedLink(answer: Canned, options: { timeoutMs?: number } = {}) {
  const clock = new VirtualClock();
  const [host, device] = duplexPair({ onTransfer: () => clock.poke() });
  const received: string[] = [];
  let pending = '';
  device.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      received.push(line);
      const reply = answer(line);
      if (reply === null) continue;
      if (typeof reply === 'string' || Buffer.isBuffer(reply)) write(device, reply);
      else clock.setTimer(reply.after, () => write(device, reply.send));
    }
  });
  const client = new ScpiClient(host, {
    clock,
    label: 'canned (test)',
    timeoutMs: options.timeoutMs ?? 1000,
  });
  return { clock, client, device, received };
}

function write(device: Duplex, bytes: string | Buffer): void {
  device.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
}

function block(data: Buffer): Buffer {
  const len = String(data.length);
  return Buffer.concat([Buffer.from(`#${len.length}${len}`), data, Buffer.from('\n')]);
}

function float32Be(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  for (const [i, v] of values.entries()) b.writeFloatBE(v, i * 4);
  return b;
}

test('block header: definite, indefinite, and what is not a block', (t) => {
  t.deepEqual(parseBlockHeader('#15abcde'), { headerLength: 3, dataLength: 5 });
  t.deepEqual(parseBlockHeader('#216' + 'x'.repeat(16)), { headerLength: 4, dataLength: 16 });
  t.deepEqual(parseBlockHeader('#0raw'), { headerLength: 2, dataLength: undefined });
  t.regex(parseBlockHeader('+1.0E-3') as string, /definite-length block/);
  t.regex(parseBlockHeader('#x12') as string, /digit count/);
  t.regex(parseBlockHeader('#41') as string, /4 length digits/);
});

test('float32 blocks decode big- and little-endian (FORM:BORD NORM / SWAP)', (t) => {
  const values = [1e-3, -2.5e-6, 0.25];
  const be = float32Be(values);
  const le = Buffer.alloc(12);
  for (const [i, v] of values.entries()) le.writeFloatLE(v, i * 4);
  const fromBe = decodeFloat32Block(be, 'big');
  const fromLe = decodeFloat32Block(le, 'little');
  for (let i = 0; i < values.length; i++) {
    t.true(Math.abs(fromBe[i]! - values[i]!) < Math.abs(values[i]!) * 1e-7);
    t.is(fromLe[i], fromBe[i]);
  }
  t.throws(() => decodeFloat32Block(Buffer.alloc(6), 'big'), { message: /not whole float32/ });
});

test('ASCII number lists, error entries and *IDN? fields as instruments print them', (t) => {
  t.deepEqual(parseNumberList('+1.23456E-03,-4.5E-06,0,12'), [1.23456e-3, -4.5e-6, 0, 12]);
  t.deepEqual(parseNumberList(''), []);
  t.regex(parseNumberList('1.0,abc,3') as string, /item 2 is not a number: "abc"/);
  t.deepEqual(parseErrorEntry('-113,"Undefined header"'), { code: -113, message: 'Undefined header' });
  t.deepEqual(parseErrorEntry('+0,"No error"'), { code: 0, message: 'No error' });
  t.deepEqual(parseErrorEntry('0,"No error"'), { code: 0, message: 'No error' });
  t.is(parseErrorEntry('garbage'), undefined);
  t.deepEqual(parseIdentity('Keysight Technologies,N6705C,MY56000123,D.03.04.1351'), {
    manufacturer: 'Keysight Technologies',
    model: 'N6705C',
    serial: 'MY56000123',
    firmware: 'D.03.04.1351',
  });
  t.is(parseIdentity('only,three,fields'), undefined);
});

test('overload (9.91E+37) becomes NaN, amperes become µA', (t) => {
  const uA = ampsToMicroAmps([1e-3, 9.91e37, -2e-6]);
  t.is(uA[0], 1000);
  t.true(Number.isNaN(uA[1]!));
  t.is(uA[2], -2);
});

test('numbers for commands carry no float noise', (t) => {
  t.is(formatScpiNumber(3800 / 1000), '3.8');
  t.is(formatScpiNumber(0.1 + 0.2), '0.3');
  t.is(formatScpiNumber(20.48e-6), '0.00002048');
  t.throws(() => formatScpiNumber(Number.NaN));
});

test('addresses: tcp with default port 5025, serial with baud, scpi: prefix', (t) => {
  t.deepEqual(parseScpiAddress('tcp://192.168.1.20'), {
    kind: 'tcp',
    host: '192.168.1.20',
    port: 5025,
    text: 'tcp://192.168.1.20:5025',
  });
  t.like(parseScpiAddress('scpi:tcp://127.0.0.1:40001'), { kind: 'tcp', port: 40001 });
  t.like(parseScpiAddress('serial:/dev/ttyUSB0?baud=115200'), {
    kind: 'serial',
    port: '/dev/ttyUSB0',
    baudRate: 115200,
  });
  t.like(parseScpiAddress('serial:usb:0957:0f07'), { kind: 'serial', port: 'usb:0957:0f07', baudRate: 9600 });
  t.throws(() => parseScpiAddress('gpib://7'), { instanceOf: ScpiSpecError, message: /unknown scheme/ });
  t.throws(() => parseScpiAddress('tcp://host:99999'), {
    instanceOf: ScpiSpecError,
    message: /out of range/,
  });
});

test('a binary block whose data holds newline bytes, and ends with one, comes back byte for byte', async (t) => {
  // 0.005 A as float32 is 3B A3 D7 0A: the last data byte is a newline, right before the terminator.
  const data = Buffer.concat([Buffer.from([0x0a, 0x0a, 0x00, 0x0d, 0xff]), float32Be([1e-4, 0.005])]);
  const { client } = cannedLink((line) => (line === 'FETC:ARR:CURR? (@1)' ? block(data) : null));
  const got = await client.queryBlock('FETC:ARR:CURR? (@1)');
  t.deepEqual(got, data);
});

test('a block split across many small writes is reassembled', async (t) => {
  const data = float32Be(Array.from({ length: 300 }, (_, i) => (i % 7) * 1e-3 + 0.005));
  const { client, device } = cannedLink(() => null);
  const reply = client.queryBlock('FETC:ARR:CURR? (@1)');
  const bytes = block(data);
  for (let i = 0; i < bytes.length; i += 13) write(device, bytes.subarray(i, i + 13));
  t.deepEqual(await reply, data);
});

test('a block terminated CR LF still has exactly its declared length', async (t) => {
  const data = Buffer.from('ab\ncd');
  const { client } = cannedLink(() => Buffer.concat([Buffer.from('#15'), data, Buffer.from('\r\n')]));
  t.deepEqual(await client.queryBlock('X?'), data);
});

test('an indefinite block (#0) ends at the newline', async (t) => {
  const { client } = cannedLink(() => '#0raw data\n');
  t.deepEqual(await client.queryBlock('X?'), Buffer.from('raw data'));
});

test('text where a block was due is a reply error naming the command and quoting the text', async (t) => {
  const { client } = cannedLink(() => '+1.00000E-03,+2.00000E-03\n');
  const error = await t.throwsAsync(client.queryBlock('FETC:ARR:CURR? (@1)'), { instanceOf: ScpiReplyError });
  t.regex(error.message, /^canned \(test\): FETC:ARR:CURR\? \(@1\): expected a definite-length block/);
  t.regex(error.message, /got "\+1\.00000E-03,\+2\.00000E-03"/);
});

test('ASCII arrays parse; a garbled item is named', async (t) => {
  const { client } = cannedLink((line) =>
    line === 'FETC:ARR:CURR? (@1)' ? '+1.00000E-04,+5.00000E-03\n' : '+1.0E-04,\x15\xfe\n',
  );
  t.deepEqual(await client.queryNumbers('FETC:ARR:CURR? (@1)'), [1e-4, 5e-3]);
  const error = await t.throwsAsync(client.queryNumbers('OTHER?'), { instanceOf: ScpiReplyError });
  t.regex(error.message, /OTHER\?: expected a comma-separated number list \(item 2 is not a number/);
  t.regex(error.message, /\\x15\\xfe/);
});

test('a command that queues errors: every entry is drained and named with the command', async (t) => {
  const queue = ['-222,"Data out of range"', '-113,"Undefined header"'];
  const { client, received } = cannedLink((line) =>
    line === 'SYST:ERR?' ? `${queue.shift() ?? '+0,"No error"'}\n` : null,
  );
  const error = await t.throwsAsync(client.command('VOLT 99,(@1)'), { instanceOf: ScpiCommandError });
  t.deepEqual(error.errors, [
    { code: -222, message: 'Data out of range' },
    { code: -113, message: 'Undefined header' },
  ]);
  t.is(
    error.message,
    'canned (test): VOLT 99,(@1) failed: -222,"Data out of range"; -113,"Undefined header"',
  );
  t.deepEqual(received, ['VOLT 99,(@1)', 'SYST:ERR?', 'SYST:ERR?', 'SYST:ERR?']);
  await client.command('VOLT 3.8,(@1)');
  t.deepEqual(received.slice(4), ['VOLT 3.8,(@1)', 'SYST:ERR?']);
});

test('a timeout names the command and the last lines; a late reply is not taken for the next one', async (t) => {
  let eseToken = 0;
  const { client, received } = cannedLink((line) => {
    if (line === 'SLOW?') return { after: 3000, send: 'late\n' };
    if (line === 'FAST?') return 'fast\n';
    const m = /^\*ESE (\d+);\*ESE\?$/.exec(line);
    if (m) {
      eseToken = Number(m[1]);
      // The instrument answers in order: the late reply to SLOW? comes first, then the token.
      return { after: 2500, send: `${eseToken}\n` };
    }
    return null;
  });
  const error = await t.throwsAsync(client.query('SLOW?'), { instanceOf: ScpiTimeoutError });
  t.regex(error.message, /^canned \(test\): SLOW\? timed out after 1 s; last lines: > SLOW\?$/);
  t.is(await client.query('FAST?', { timeoutMs: 5000 }).catch(String), 'fast');
  t.true(eseToken >= 2);
  t.deepEqual(received, ['SLOW?', `*ESE ${eseToken};*ESE?`, '*ESE 0', 'FAST?']);
});

test('a reply error also resynchronises before the next exchange', async (t) => {
  const { client, received } = cannedLink((line) => {
    if (line === 'A?') return 'not-a-number\n';
    const m = /^\*ESE (\d+);\*ESE\?$/.exec(line);
    if (m) return `${m[1]}\n`;
    if (line === 'B?') return '+4.2E+00\n';
    return null;
  });
  await t.throwsAsync(client.queryNumber('A?'), {
    instanceOf: ScpiReplyError,
    message: /A\?: expected a number/,
  });
  t.is(await client.queryNumber('B?'), 4.2);
  t.regex(received[1]!, /^\*ESE \d+;\*ESE\?$/);
});

test('the link closing mid-query fails that query and every later one with a connection error', async (t) => {
  const { client, device } = cannedLink(() => null);
  const pending = client.query('FETC:ARR:CURR? (@1)');
  device.destroy();
  const error = await t.throwsAsync(pending, { instanceOf: ScpiConnectionError });
  t.regex(error.message, /FETC:ARR:CURR\? \(@1\): connection closed by the instrument/);
  await t.throwsAsync(client.query('*IDN?'), {
    instanceOf: ScpiConnectionError,
    message: /\*IDN\?: link lost/,
  });
});

test('exchanges never interleave: a second query waits for the first reply', async (t) => {
  const { client, received } = cannedLink((line) => ({ after: line === 'ONE?' ? 50 : 1, send: `${line}\n` }));
  const [one, two] = await Promise.all([client.query('ONE?'), client.query('TWO?')]);
  t.is(one, 'ONE?');
  t.is(two, 'TWO?');
  t.deepEqual(received, ['ONE?', 'TWO?']);
});
