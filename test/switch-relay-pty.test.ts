/**
 * The relay drivers against the emulated relay board (firmware-stubs/relay, written separately from
 * the same protocol notes) over a real pseudo-terminal made by socat, on real time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test, { type ExecutionContext } from 'ava';
import { EmulatedRelayBoard, type RelayProtocol, serveRelayPty } from '../firmware-stubs/relay/index.ts';
import { RealClock } from '../src/clock/index.ts';
import { openSwitch, SwitchError, SwitchReplyError, SwitchTimeoutError } from '../src/switch/index.ts';

async function bench(t: ExecutionContext, protocol: RelayProtocol, channels = 4) {
  const dir = mkdtempSync(join(tmpdir(), 'relay-pty-'));
  const clock = new RealClock();
  const board = new EmulatedRelayBoard({ protocol, channels, clock });
  const frames: Buffer[] = [];
  const lines: string[] = [];
  board.on('received', (r) => (Buffer.isBuffer(r.raw) ? frames.push(r.raw) : lines.push(r.raw)));
  const pty = await serveRelayPty(board, join(dir, 'relay'));
  t.teardown(async () => {
    await pty.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const options = { clock, serial: { lockDir: join(dir, 'locks') }, timeoutMs: 500 };
  return { board, pty, path: pty.path, frames, lines, options, clock };
}

/** The board sees bytes a little after the driver wrote them (socat in between). */
async function until(condition: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

test('LCUS: exact four-byte frames with the sum checksum; only the named channel moves', async (t) => {
  const b = await bench(t, 'lcus');
  await using relay = await openSwitch(`relay-lcus:${b.path}#2`, b.options);
  t.is(relay.state, 'unknown'); // LCUS boards cannot be read back
  await relay.on();
  await relay.off();
  await until(() => b.frames.length === 2);
  t.deepEqual(
    b.frames.map((f) => f.toString('hex')),
    ['a00201a3', 'a00200a2'],
  );
  t.deepEqual(
    b.board.changes.map((c) => [c.channel, c.energised]),
    [
      [2, true],
      [2, false],
    ],
  );
  t.false(b.board.isEnergised(1));
  t.is(relay.state, 'off');
  t.deepEqual(relay.info, {
    kind: 'relay-lcus',
    spec: `relay-lcus:${b.path}#2`,
    channel: 2,
    model: 'LCUS (CH340)',
  });
});

test('LCUS on the NC contact: cutting the DUT energises the coil, cycle releases it after the off time', async (t) => {
  const b = await bench(t, 'lcus', 1);
  await using relay = await openSwitch(`relay-lcus:${b.path}#1?contact=nc`, b.options);
  await relay.cycle(150);
  await until(() => b.board.changes.length === 2);
  const [cut, restore] = b.board.changes;
  t.true(cut!.energised);
  t.false(restore!.energised);
  const offFor = restore!.t - cut!.t;
  t.true(offFor >= 140 && offFor < 1000, `the coil was energised for ${offFor} ms`);
  t.deepEqual(
    b.frames.map((f) => f.toString('hex')),
    ['a00101a2', 'a00100a1'],
  );
});

test('Numato: command lines, echo and prompt; the channel is read back after each switch', async (t) => {
  const b = await bench(t, 'numato', 16);
  await using relay = await openSwitch(`relay-numato:${b.path}#11`, b.options);
  t.is(relay.state, 'off'); // read at open
  t.regex(relay.info.model ?? '', /firmware 00000008/);
  await relay.on();
  t.true(b.board.isEnergised(11));
  await relay.off();
  t.false(b.board.isEnergised(11));
  t.deepEqual(b.lines, ['ver', 'relay read B', 'relay on B', 'relay read B', 'relay off B', 'relay read B']);
  t.deepEqual(
    b.board.changes.map((c) => [c.channel, c.energised]),
    [
      [11, true],
      [11, false],
    ],
  );
});

test('Numato: a cycle keeps the DUT off for the off time (real clock, short off time)', async (t) => {
  const b = await bench(t, 'numato');
  await using relay = await openSwitch(`relay-numato:${b.path}#0`, b.options);
  await relay.on();
  await relay.cycle(120);
  const [, cut, restore] = b.board.changes;
  t.false(cut!.energised);
  t.true(restore!.energised);
  const offFor = restore!.t - cut!.t;
  t.true(offFor >= 115 && offFor < 1000, `off for ${offFor} ms`);
  t.is(relay.state, 'on');
});

test('Numato: a board that does not answer fails the open, naming the switch and the port', async (t) => {
  const b = await bench(t, 'numato');
  b.board.faults = { silent: true };
  const error = await t.throwsAsync(openSwitch(`relay-numato:${b.path}#0`, b.options), {
    instanceOf: SwitchTimeoutError,
  });
  t.regex(error!.message, new RegExp(`relay-numato:${b.path}#0 \\(port ${b.path}\\): open: no prompt`));
});

test('Numato: garbage instead of answers is a reply error that shows the bytes', async (t) => {
  const b = await bench(t, 'numato');
  b.board.faults = { garbage: true };
  const error = await t.throwsAsync(openSwitch(`relay-numato:${b.path}#0`, b.options), {
    instanceOf: SwitchError,
  });
  // The noise never holds a prompt, so the driver waits it out and reports what came.
  t.regex(error!.message, /received "[^"]*\\x[0-9a-f]{2}/);
});

test('Numato: the board going silent after open fails the switch; state becomes unknown', async (t) => {
  const b = await bench(t, 'numato');
  await using relay = await openSwitch(`relay-numato:${b.path}#0`, b.options);
  b.board.faults = { silent: true };
  await t.throwsAsync(relay.on(), {
    instanceOf: SwitchTimeoutError,
    message: /: on: no prompt after "relay on 0"/,
  });
  t.is(relay.state, 'unknown');
});

test('Numato: welded contacts (coil never moves) fail the read-back', async (t) => {
  const b = await bench(t, 'numato');
  await using relay = await openSwitch(`relay-numato:${b.path}#3`, b.options);
  b.board.faults = { stuck: true };
  await t.throwsAsync(relay.on(), {
    instanceOf: SwitchReplyError,
    message: /relay 3 reads off after it was switched on/,
  });
});

test('LCUS: the board unplugged (pty gone) fails the next switch', async (t) => {
  const b = await bench(t, 'lcus');
  await using relay = await openSwitch(`relay-lcus:${b.path}#1`, b.options);
  await relay.on();
  await b.pty.close();
  await sleep(50);
  const error = await t.throwsAsync(relay.off(), { instanceOf: SwitchError });
  t.regex(error!.message, new RegExp(`port ${b.path}\\): off:`));
});

test('a port that is not there: the open error names the switch and lists what was looked for', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-none-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'nothing');
  const error = await t.throwsAsync(
    openSwitch(`relay-lcus:${path}#1`, { clock: new RealClock(), serial: { lockDir: dir } }),
    { instanceOf: SwitchError },
  );
  t.regex(error!.message, new RegExp(`switch relay-lcus:${path}#1 \\(port ${path}\\): open: .*not found`));
});
