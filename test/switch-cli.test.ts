/** `rig power-cycle`: on the emulated module (virtual time) and on an emulated relay board over a pty. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import test from 'ava';
import { EmulatedRelayBoard, serveRelayPty } from '../firmware-stubs/relay/index.ts';
import { UsageError } from '../src/cli/main.ts';
import { runPowerCycle } from '../src/cli/power-cycle.ts';
import { SwitchTimeoutError } from '../src/switch/index.ts';

async function run(argv: string[]) {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => {
    text += d.toString();
  });
  const code = await runPowerCycle(argv, out);
  return { code, text };
}

test('emulated module: each cycle takes it off, then through boot again; JSON has the timings', async (t) => {
  const { code, text } = await run([
    'emulated:quectel-bg95',
    '--off',
    '3s',
    '--on',
    '6s',
    '--times',
    '2',
    '--json',
  ]);
  t.is(code, 0);
  const result = JSON.parse(text);
  t.is(result.ok, true);
  t.is(result.switch.kind, 'emulated');
  t.is(result.cycles.length, 2);
  for (const c of result.cycles) {
    t.is(c.onAt - c.offAt, 3000);
    t.deepEqual(c.states.slice(0, 2), ['off', 'boot']);
  }
  t.is(result.cycles[1].offAt - result.cycles[0].onAt, 6000);
});

test('emulated: a name that is no module profile is an open error', async (t) => {
  await t.throwsAsync(run(['emulated:toaster-9000']), { message: /no module named "toaster-9000"/ });
});

test('a Numato board on a pty is cycled N times; the text output says when it switched', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-cli-'));
  const board = new EmulatedRelayBoard({ protocol: 'numato', channels: 2 });
  board.on('received', () => {});
  const pty = await serveRelayPty(board, join(dir, 'relay'));
  t.teardown(async () => {
    await pty.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const { code, text } = await run([
    `relay-numato:${pty.path}#1`,
    '--off',
    '80ms',
    '--on',
    '20ms',
    '--times',
    '3',
  ]);
  t.is(code, 0, text);
  t.is(text.trim().split('\n').length, 3);
  t.regex(text, /^cycle 1\/3: off at \+0 ms, on at \+\d+ ms \(off \d+ ms\)$/m);
  // The channel starts released (DUT off with contact=no): the first cut changes nothing on the board.
  t.deepEqual(
    board.changes.map((c) => c.energised),
    [true, false, true, false, true],
  );
});

test('a board that does not answer: the command fails naming the switch and port', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-cli-'));
  const board = new EmulatedRelayBoard({ protocol: 'numato', faults: { silent: true } });
  const pty = await serveRelayPty(board, join(dir, 'relay'));
  t.teardown(async () => {
    await pty.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await t.throwsAsync(run([`relay-numato:${pty.path}#0`]), {
    instanceOf: SwitchTimeoutError,
    message: new RegExp(`relay-numato:${pty.path}#0 \\(port ${pty.path}\\): open: no prompt`),
  });
});

test('usage errors: no switch, a bad count, a bad duration', async (t) => {
  await t.throwsAsync(run([]), { instanceOf: UsageError, message: /which switch\?/ });
  await t.throwsAsync(run(['emulated:x', '--times', '0']), { instanceOf: UsageError, message: /--times/ });
  await t.throwsAsync(run(['emulated:x', '--off', 'soon']), { instanceOf: UsageError, message: /--off/ });
});
