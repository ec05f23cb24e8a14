import test from 'ava';
import {
  AtAbortedError,
  AtDeviceError,
  AtPortError,
  AtRebootError,
  AtTimeoutError,
  type Urc,
} from '../src/at/index.ts';
import { enginePair, scriptedPeer } from './helpers/scripted-peer.ts';

const ceregUrc = {
  name: '+CEREG',
  match: { prefix: '+CEREG:' },
  // The read response starts with <n>,<stat> (two numbers); the URC with <stat> then a quoted tac.
  isUrc: (line: string) => !/^\+CEREG:\s*\d+,\d+/.test(line),
};

test('a plain command gets its information lines and OK', async (t) => {
  const { engine, device, clock } = enginePair();
  scriptedPeer(device, clock, (cmd) =>
    cmd === 'AT+CGMR' ? '\r\nBG95M3LAR02A03\r\n\r\nOK\r\n' : '\r\nERROR\r\n',
  );
  const r = await engine.send('AT+CGMR');
  t.deepEqual(r.lines, ['BG95M3LAR02A03']);
  t.is(r.final.kind, 'OK');
});

test('echo ending in CR alone is recognised and dropped', async (t) => {
  const { engine, device, clock } = enginePair();
  scriptedPeer(device, clock, (cmd) => `${cmd}\r\r\n+CFUN: 1\r\n\r\nOK\r\n`);
  const r = await engine.send('AT+CFUN?');
  t.deepEqual(r.lines, ['+CFUN: 1']);
  t.true(engine.transcript.entries.some((e) => e.meaning === 'echo'));
});

test('a URC with the same prefix as the read response is told apart mid-response', async (t) => {
  const { engine, device, clock } = enginePair();
  engine.urcs.add(ceregUrc);
  const urcs: Urc[] = [];
  engine.onUrc('+CEREG', (u) => urcs.push(u));
  scriptedPeer(
    device,
    clock,
    () =>
      '\r\n+CEREG: 2\r\n+CEREG: 5,1,"002F","0012BEEF",7,,,"00100001","00000110"\r\n+CEREG: 1,"002F","0012BEEF",7\r\n\r\nOK\r\n',
  );
  const r = await engine.send('AT+CEREG?');
  t.deepEqual(r.lines, ['+CEREG: 5,1,"002F","0012BEEF",7,,,"00100001","00000110"']);
  t.deepEqual(
    urcs.map((u) => u.line),
    ['+CEREG: 2', '+CEREG: 1,"002F","0012BEEF",7'],
  );
});

test('prefix-less URCs are matched whole, idle or mid-response', async (t) => {
  const { engine, device, clock } = enginePair();
  engine.urcs.add({ name: 'PSM POWER DOWN', match: { literal: 'PSM POWER DOWN' }, kind: 'power-down' });
  const seen: string[] = [];
  engine.onUrc('*', (u) => seen.push(`${u.name}/${u.kind}`));
  const peer = scriptedPeer(device, clock, () => '\r\nQuectel\r\nPSM POWER DOWN\r\nBG95-M3\r\n\r\nOK\r\n');
  const r = await engine.send('ATI');
  t.deepEqual(r.lines, ['Quectel', 'BG95-M3']);
  peer.write('\r\nPSM POWER DOWN\r\n');
  await clock.sleep(10);
  t.deepEqual(seen, ['PSM POWER DOWN/power-down', 'PSM POWER DOWN/power-down']);
});

test('+CME ERROR, numeric and verbose, rejects with a device error naming port, command and error', async (t) => {
  const { engine, device, clock } = enginePair({
    describeError: (f, c) => (f === 'CME' && c === 10 ? 'SIM not inserted' : undefined),
  });
  scriptedPeer(device, clock, (cmd) =>
    cmd === 'AT+CPIN?' ? '\r\n+CME ERROR: 10\r\n' : '\r\n+CME ERROR: operation not allowed\r\n',
  );
  const e1 = await t.throwsAsync(engine.send('AT+CPIN?'), { instanceOf: AtDeviceError });
  t.is(e1.final.code, 10);
  t.regex(e1.message, /port test0: AT\+CPIN\?: module answered \+CME ERROR: 10 \(SIM not inserted\)/);
  const e2 = await t.throwsAsync(engine.send('AT+COPS=1,2,"00101"'), { instanceOf: AtDeviceError });
  t.is(e2.final.text, 'operation not allowed');
  t.is(e2.final.kind, 'CME ERROR');
});

test('every V.250 / 27.007 final result ends the command with the right verdict', async (t) => {
  const finals: [string, boolean][] = [
    ['OK', true],
    ['CONNECT', true],
    ['CONNECT 115200', true],
    ['SEND OK', true],
    ['ERROR', false],
    ['NO CARRIER', false],
    ['BUSY', false],
    ['NO ANSWER', false],
    ['NO DIALTONE', false],
    ['SEND FAIL', false],
    ['ABORTED', false],
    ['+CMS ERROR: 500', false],
  ];
  const { engine, device, clock } = enginePair();
  let i = 0;
  scriptedPeer(device, clock, () => `\r\n${finals[i++]![0]}\r\n`);
  for (const [line, ok] of finals) {
    const outcome = await engine.send('ATD123;').then(
      (r) => r.final.ok,
      (e: AtDeviceError) => (e instanceof AtDeviceError ? false : 'other'),
    );
    t.is(outcome, ok, line);
  }
});

test('after ATV0 numeric result codes are final results', async (t) => {
  const { engine, device, clock } = enginePair();
  scriptedPeer(device, clock, (cmd) =>
    cmd === 'ATV0' ? '0\r' : cmd === 'AT+CGSN' ? '352656100367872\r\n0\r' : '4\r',
  );
  await engine.send('ATV0');
  const r = await engine.send('AT+CGSN');
  t.deepEqual(r.lines, ['352656100367872']);
  await t.throwsAsync(engine.send('AT+FOO'), { instanceOf: AtDeviceError });
});

test('a timeout names port, command and last lines; a stale OK cannot complete the next command', async (t) => {
  const { engine, device, clock } = enginePair({ resync: { quietMs: 300 } });
  let first = true;
  const peer = scriptedPeer(device, clock, (cmd) => {
    if (cmd === 'AT+COPS=?') return null; // never answers in time
    if (cmd === 'AT+CMEE?') {
      if (first) {
        first = false;
        // The late answer to COPS=? lands just as the resync query goes out.
        return ['\r\nOK\r\n', { after: 100, send: '\r\n+CMEE: 2\r\n\r\nOK\r\n' }];
      }
      return '\r\n+CMEE: 2\r\n\r\nOK\r\n';
    }
    if (cmd === 'AT+CSQ') return '\r\n+CSQ: 20,99\r\n\r\nOK\r\n';
    return '\r\nERROR\r\n';
  });
  const err = await t.throwsAsync(engine.send('AT+COPS=?', { timeoutMs: 1000 }), {
    instanceOf: AtTimeoutError,
  });
  t.regex(err.message, /^port test0: AT\+COPS=\?: timed out after 1 s; last lines:/);
  t.false(engine.inSync);
  const r = await engine.send('AT+CSQ');
  t.deepEqual(r.lines, ['+CSQ: 20,99']);
  t.true(engine.inSync);
  // The resync query went out before AT+CSQ, and AT+CSQ got its own answer.
  t.deepEqual(peer.received.slice(-2), ['AT+CMEE?', 'AT+CSQ']);
});

test('a module that never answers gives AtUnresponsiveError for queued commands, never a hang', async (t) => {
  const { engine, device, clock } = enginePair({ resync: { attempts: 2, timeoutMs: 500 } });
  scriptedPeer(device, clock, () => null);
  await t.throwsAsync(engine.send('AT', { timeoutMs: 500 }), { instanceOf: AtTimeoutError });
  const e = await t.throwsAsync(engine.send('AT+CSQ'));
  t.is(e.name, 'AtUnresponsiveError');
  t.regex(e.message, /did not answer AT\+CMEE\? after 2 attempts/);
});

test('prompt commands send their payload after ">" (no line ending) and wait for the final result', async (t) => {
  const { engine, device, clock } = enginePair();
  const peer = scriptedPeer(device, clock, (cmd) => (cmd.startsWith('AT+QMTPUB') ? '\r\n> ' : null));
  const done = engine.send('AT+QMTPUB=0,1,1,0,"dut/status",5', { prompt: { wait: ['>'], payload: 'hello' } });
  await clock.sleep(50);
  t.true(peer.raw().toString('latin1').endsWith('hello'));
  peer.write('\r\nOK\r\n\r\n+QMTPUB: 0,1,0\r\n');
  const r = await done;
  t.is(r.final.kind, 'OK');
});

test('a CONNECT download is read raw by length, even when the payload contains OK\\r\\n', async (t) => {
  const { engine, device, clock } = enginePair();
  const payload = Buffer.from('abc\r\nOK\r\n\x00\xff+CME ERROR: 3\r\nxyz', 'latin1');
  scriptedPeer(device, clock, () => [
    '\r\nCONNECT\r\n',
    payload,
    `\r\n+QFDWL: ${payload.length},1234\r\n\r\nOK\r\n`,
  ]);
  const r = await engine.send('AT+QFDWL="UFS:f.bin"', {
    rawAfter: (l) => (l === 'CONNECT' ? payload.length : undefined),
  });
  t.deepEqual(r.payloads, [payload]);
  t.deepEqual(r.lines, [`+QFDWL: ${payload.length},1234`]);
});

test('a URC that announces a binary payload gets it attached', async (t) => {
  const { engine, device, clock } = enginePair();
  engine.urcs.add({
    name: '#XMBMSDATA',
    match: { prefix: '#XMBMSDATA:' },
    rawLength: (l) => Number(l.split(',').at(-1)),
  });
  const got = new Promise<Urc>((resolve) => engine.onUrc('#XMBMSDATA', resolve));
  const peer = scriptedPeer(device, clock, () => null);
  peer.write('\r\n#XMBMSDATA: "00000132F610",7,6\r\nOK\r\n\r\n');
  const urc = await got;
  t.is(urc.payload?.toString('latin1'), 'OK\r\n\r\n');
});

test('abort through an AbortSignal writes the abort byte and rejects; a queued command is dropped unsent', async (t) => {
  const { engine, device, clock } = enginePair();
  const peer = scriptedPeer(device, clock, (cmd) =>
    cmd === 'AT+CMEE?' ? '\r\n+CMEE: 1\r\n\r\nOK\r\n' : cmd === 'AT' ? '\r\nOK\r\n' : null,
  );
  const ac = new AbortController();
  const queued = new AbortController();
  const inFlight = engine.send('AT+COPS=?', { signal: ac.signal, timeoutMs: 180_000 });
  const waiting = engine.send('AT+CSQ', { signal: queued.signal });
  queued.abort();
  await t.throwsAsync(waiting, { instanceOf: AtAbortedError, message: /before it was sent/ });
  ac.abort();
  await t.throwsAsync(inFlight, { instanceOf: AtAbortedError });
  await clock.sleep(1);
  t.true(peer.raw().includes(0x1b));
  await engine.send('AT');
  t.false(peer.received.includes('AT+CSQ'));
});

test('commands queue and run one at a time, in order', async (t) => {
  const { engine, device, clock } = enginePair();
  let inFlight = 0;
  let maxInFlight = 0;
  scriptedPeer(device, clock, (cmd) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    clock.setTimer(5, () => inFlight--);
    return { after: 10, send: `\r\n${cmd.slice(2)}\r\nOK\r\n` };
  });
  const results = await Promise.all(['AT1', 'AT2', 'AT3', 'AT4'].map((c) => engine.send(c)));
  t.deepEqual(
    results.map((r) => r.lines[0]),
    ['1', '2', '3', '4'],
  );
  t.is(maxInFlight, 1);
});

test('a final result with no CRLF is taken after a quiet period', async (t) => {
  const { engine, device, clock } = enginePair();
  scriptedPeer(device, clock, () => '\r\n+CSQ: 20,99\r\n\r\nOK');
  const r = await engine.send('AT+CSQ');
  t.is(r.final.kind, 'OK');
});

test('garbage and NUL bytes around the answer are dropped and recorded', async (t) => {
  const { engine, device, clock } = enginePair();
  scriptedPeer(device, clock, () =>
    Buffer.from('\x00\x00\xff\r\n\x00+CSQ: 20,99\r\n\xfe\r\nOK\r\n', 'latin1'),
  );
  const r = await engine.send('AT+CSQ');
  t.deepEqual(r.lines, ['+CSQ: 20,99']);
  t.true(engine.transcript.entries.some((e) => e.meaning === 'garbage'));
});

test('answers split into single bytes parse the same', async (t) => {
  const { engine, device, clock } = enginePair();
  scriptedPeer(device, clock, (_cmd, peer) => {
    for (const ch of 'AT+CSQ\r\r\n+CSQ: 20,99\r\n\r\nOK\r\n') peer.write(ch);
    return null;
  });
  const r = await engine.send('AT+CSQ');
  t.deepEqual(r.lines, ['+CSQ: 20,99']);
});

test('a reboot URC mid-command fails the command with AtRebootError', async (t) => {
  const { engine, device, clock } = enginePair();
  engine.urcs.add({ name: 'RDY', match: { literal: 'RDY' }, kind: 'reboot' });
  const reboots: string[] = [];
  engine.on('reboot', (u) => reboots.push(u.line));
  scriptedPeer(device, clock, () => '\r\nRDY\r\n');
  await t.throwsAsync(engine.send('AT+CFUN=1,1'), {
    instanceOf: AtRebootError,
    message: /restarted \(RDY\)/,
  });
  t.deepEqual(reboots, ['RDY']);
});

test('closing the port rejects the command in flight and everything queued', async (t) => {
  const { engine, device, clock, host } = enginePair();
  scriptedPeer(device, clock, () => null);
  const all = ['AT+A', 'AT+B', 'AT+C'].map((c) => engine.send(c, { timeoutMs: 60_000 }));
  await clock.sleep(1);
  host.destroy();
  for (const p of all) await t.throwsAsync(p, { instanceOf: AtPortError, message: /port closed/ });
  await t.throwsAsync(engine.send('AT'), { message: /closed/ });
});

test('a port that goes down and comes back: in-flight fails, the queue waits, then resyncs', async (t) => {
  const { engine, device, clock, host } = enginePair();
  const peer = scriptedPeer(device, clock, (cmd) =>
    cmd === 'AT+SLOW' ? null : cmd === 'AT+CMEE?' ? '\r\n+CMEE: 1\r\n\r\nOK\r\n' : '\r\nOK\r\n',
  );
  const slow = engine.send('AT+SLOW', { timeoutMs: 60_000 });
  await clock.sleep(1);
  host.emit('down', new Error('ENXIO'));
  await t.throwsAsync(slow, { instanceOf: AtPortError, message: /vanished/ });
  const next = engine.send('AT');
  await clock.sleep(1000);
  t.false(peer.received.includes('AT'));
  host.emit('up');
  await next;
  t.deepEqual(peer.received.slice(-2), ['AT+CMEE?', 'AT']);
});

test('a command containing CR is refused', async (t) => {
  const { engine } = enginePair();
  await t.throwsAsync(engine.send('AT\rATZ'), { message: /must not contain CR/ });
});

test('waitForUrc times out on the clock with a clear message', async (t) => {
  const { engine, device, clock } = enginePair();
  scriptedPeer(device, clock, () => null);
  engine.urcs.add(ceregUrc);
  const e = await t.throwsAsync(engine.waitForUrc('+CEREG', { timeoutMs: 30_000, what: 'registration' }));
  t.regex(e.message, /no registration URC within 30 s/);
  t.is(clock.now(), Date.UTC(2026, 0, 1) + 30_000);
});

test('binary data inside a line (+URDFILE) is read raw by its announced length', async (t) => {
  const { engine, device, clock } = enginePair();
  const data = Buffer.from('x"\r\nOK\r\n,"', 'latin1');
  scriptedPeer(device, clock, () => [
    Buffer.from(`\r\n+URDFILE: "f.bin",${data.length},"`, 'latin1'),
    data,
    '"\r\n\r\nOK\r\n',
  ]);
  const r = await engine.send('AT+URDFILE="f.bin"', {
    rawInline: (head) => {
      const m = /^\+URDFILE: "[^"]*",(\d+),"$/.exec(head);
      return m ? Number(m[1]) : undefined;
    },
  });
  t.deepEqual(r.payloads, [data]);
  t.deepEqual(r.lines, [`+URDFILE: "f.bin",${data.length},"`]);
  t.is(r.final.kind, 'OK');
});
