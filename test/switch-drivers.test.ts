/**
 * Switch drivers on virtual time: the relay drivers against the emulated relay board over an in-process
 * cable, the PPK2 and SCPI switches against their emulated instruments, the emulated switch cutting an
 * emulated module, and spec errors.
 */
import type { Duplex } from 'node:stream';
import test from 'ava';
import { createEmulatedModule, createEmulatedPpk2 } from '../firmware-stubs/index.ts';
import { EmulatedRelayBoard, type RelayProtocol } from '../firmware-stubs/relay/index.ts';
import { startScpiInstrument } from '../firmware-stubs/scpi/index.ts';
import { VirtualClock } from '../src/clock/index.ts';
import { Ppk2Meter } from '../src/power/index.ts';
import { duplexPair } from '../src/serial/index.ts';
import {
  EmulatedSwitch,
  LcusRelay,
  lcusFrame,
  NumatoRelay,
  numatoChannelToken,
  openSwitch,
  Ppk2Switch,
  parseSwitchSpec,
  SwitchError,
  SwitchReplyError,
  SwitchSpecError,
} from '../src/switch/index.ts';

function cable(protocol: RelayProtocol, channels = 4) {
  const clock = new VirtualClock();
  const [host, device] = duplexPair({ onTransfer: () => clock.poke() });
  const board = new EmulatedRelayBoard({ protocol, channels, clock });
  board.attach(device);
  return { clock, host, board };
}

test('lcusFrame: start mark, channel, state, low byte of the sum', (t) => {
  t.is(lcusFrame(1, true).toString('hex'), 'a00101a2');
  t.is(lcusFrame(1, false).toString('hex'), 'a00100a1');
  t.is(lcusFrame(4, true).toString('hex'), 'a00401a5');
  // The sum wraps: 0xA0 + 0x70 + 1 = 0x111.
  t.is(lcusFrame(0x70, true).toString('hex'), 'a0700111');
  t.throws(() => lcusFrame(0, true), { instanceOf: RangeError });
});

test('numatoChannelToken: digits, then letters from A = 10 to V = 31', (t) => {
  t.deepEqual([0, 9, 10, 15, 31].map(numatoChannelToken), ['0', '9', 'A', 'F', 'V']);
  t.throws(() => numatoChannelToken(32), { instanceOf: RangeError });
});

test('LCUS on virtual time: a 30 s cycle is 30 s on the board, and costs no wall time', async (t) => {
  const { clock, host, board } = cable('lcus');
  const relay = await LcusRelay.open({
    spec: 'relay-lcus:cable#3',
    port: 'cable',
    channel: 3,
    clock,
    transport: host,
  });
  await relay.on();
  const started = Date.now();
  await relay.cycle(30_000);
  t.true(Date.now() - started < 2000);
  const [, cut, restore] = board.changes;
  t.deepEqual([cut!.channel, cut!.energised, restore!.energised], [3, false, true]);
  t.is(restore!.t - cut!.t, 30_000);
  await relay.close();
});

test('Numato on virtual time: cycle timing exact; the channel is read back', async (t) => {
  const { clock, host, board } = cable('numato', 8);
  await using relay = await NumatoRelay.open({
    spec: 'relay-numato:cable#5',
    port: 'cable',
    channel: 5,
    clock,
    transport: host,
  });
  await relay.on();
  await relay.cycle(2_500);
  const [, cut, restore] = board.changes;
  t.is(restore!.t - cut!.t, 2_500);
  t.true(board.isEnergised(5));
});

/** A device that prints a prompt but is not a Numato board (echoes nothing, answers its own text). */
function impostor(reply: (line: string) => string) {
  const clock = new VirtualClock();
  const [host, device] = duplexPair({ onTransfer: () => clock.poke() });
  let line = '';
  (device as Duplex).on('data', (chunk: Buffer) => {
    for (const c of chunk.toString('latin1')) {
      if (c !== '\r') line += c;
      else {
        device.write(reply(line));
        line = '';
      }
    }
  });
  return { clock, host };
}

test('Numato: an answer with a prompt but without the echo is a reply error showing what came', async (t) => {
  const { clock, host } = impostor((line) => (line === '' ? '>' : 'ERROR\r\n>'));
  const error = await t.throwsAsync(
    NumatoRelay.open({ spec: 'relay-numato:cable#0', port: 'cable', clock, transport: host }),
    { instanceOf: SwitchReplyError },
  );
  t.regex(error!.message, /open: expected the echo of "ver", received "ERROR\\r\\n"/);
});

test('Numato: a version that is not one is refused', async (t) => {
  const { clock, host } = impostor((line) => `${line}\n\r${line === '' ? '' : 'what?!\n\r'}>`);
  await t.throwsAsync(
    NumatoRelay.open({ spec: 'relay-numato:cable#0', port: 'cable', clock, transport: host }),
    {
      instanceOf: SwitchReplyError,
      message: /"ver" answered "what\?!", not a version/,
    },
  );
});

test('PPK2: the switch drives DeviceRunningSet; the emulated PPK2 sees DUT power go and return on time', async (t) => {
  const clock = new VirtualClock();
  const ppk2 = createEmulatedPpk2({ clock, noiseCounts: 0 });
  const changes: Array<[boolean, number]> = [];
  ppk2.on('dut-power', (on) => changes.push([on, clock.now()]));
  const meter = new Ppk2Meter({ transport: ppk2.host, clock, name: 'ppk2-emulated' });
  await meter.open();
  await using power = new Ppk2Switch({ clock, meter, ownsMeter: true });
  t.is(power.info.kind, 'ppk2');
  await power.on();
  await power.cycle(1_000);
  t.deepEqual(
    changes.map(([on]) => on),
    [true, false, true],
  );
  t.is(changes[2]![1] - changes[1]![1], 1_000);
  t.is(power.state, 'on');
});

test('SCPI: OUTP OFF/ON with the channel list on an N6705C; the output follows on time', async (t) => {
  const clock = new VirtualClock();
  await using supply = await startScpiInstrument({ clock, personality: 'n6705c' });
  const outputs: Array<[boolean, number]> = [];
  supply.instrument.on('output', (on: boolean, at: number) => outputs.push([on, at]));
  await using power = await openSwitch(`scpi:${supply.address}#1`, { clock });
  t.is(power.state, 'off');
  t.regex(power.info.model ?? '', /N6705C/);
  await power.on();
  await power.cycle(5_000);
  t.deepEqual(
    outputs.map(([on]) => on),
    [true, false, true],
  );
  // The emulated supply charges the command bytes' transfer time at its line rate: a few µs.
  t.true(Math.abs(outputs[2]![1] - outputs[1]![1] - 5_000) < 1);
});

test('SCPI: a single-output supply takes OUTP without a channel; a channel it lacks is an error', async (t) => {
  const clock = new VirtualClock();
  await using supply = await startScpiInstrument({ clock, personality: 'k2280s' });
  await using power = await openSwitch(`scpi:${supply.address}`, { clock });
  await power.on();
  t.true(supply.instrument.outputOn);
  await using n6705 = await startScpiInstrument({ clock, personality: 'n6705c' });
  const wrong = await t.throwsAsync(openSwitch(`scpi:${n6705.address}#3`, { clock }), {
    instanceOf: SwitchError,
  });
  t.true(wrong!.message.startsWith(`switch scpi:${n6705.address}#3 `), wrong!.message);
});

test('emulated switch: cuts an emulated module (timeline to off) and restores it (timeline to boot, then up)', async (t) => {
  const clock = new VirtualClock();
  await using module = createEmulatedModule({ profile: 'quectel-bg95', clock, seed: 3 });
  await using power = await openSwitch('emulated:dut1', {
    clock,
    emulated: (name) => (name === 'dut1' ? module : undefined),
  });
  t.true(power instanceof EmulatedSwitch);
  await power.on();
  await clock.sleep(module.profile.timing.bootMs + 1000);
  t.not(module.timeline.current.state, 'off');
  const before = module.timeline.segments.length;
  const cutAt = clock.now();
  await power.cycle(3_000);
  const seen = module.timeline.segments.slice(before);
  t.deepEqual(
    seen.map((s) => s.state),
    ['off', 'boot'],
  );
  t.is(seen[0]!.t, cutAt);
  t.is(seen[1]!.t, cutAt + 3_000);
  await clock.sleep(module.profile.timing.bootMs + 1000);
  t.not(module.timeline.current.state, 'boot');
  t.not(module.timeline.current.state, 'off');
});

test('emulated switch: a name the bench lacks, and no bench at all, are open errors', async (t) => {
  const clock = new VirtualClock();
  await t.throwsAsync(openSwitch('emulated:dut9', { clock, emulated: () => undefined }), {
    instanceOf: SwitchError,
    message: /emulated:dut9: open: the emulated bench has no module named "dut9"/,
  });
  await t.throwsAsync(openSwitch('emulated:dut1', { clock }), { message: /needs the emulated bench/ });
});

test('cycle refuses a negative off time and reports an abort during the off time as leaving the DUT off', async (t) => {
  const clock = new VirtualClock();
  const calls: string[] = [];
  const power = new EmulatedSwitch({
    clock,
    name: 'x',
    target: { powerOn: () => calls.push('on'), cutPower: () => calls.push('off') },
  });
  await t.throwsAsync(power.cycle(-1), { message: /off time must be ≥ 0 ms/ });
  const abort = new AbortController();
  clock.setTimer(100, () => abort.abort(new Error('stop')));
  await t.throwsAsync(power.cycle(1000, abort.signal), {
    message: /aborted during the off time; the DUT is left off/,
  });
  t.deepEqual(calls, ['off']);
  await power.close();
  await t.throwsAsync(power.on(), { message: /switch is closed/ });
});

test('specs: channels, options, and the port spec’s own #ifNN', (t) => {
  t.like(parseSwitchSpec('relay-lcus:/dev/ttyUSB0#1'), {
    kind: 'relay-lcus',
    where: '/dev/ttyUSB0',
    channel: 1,
  });
  t.like(parseSwitchSpec('relay-numato:usb:2a19:0c05#if00#7?contact=nc'), {
    where: 'usb:2a19:0c05#if00',
    channel: 7,
    options: { contact: 'nc' },
  });
  t.like(parseSwitchSpec('scpi:tcp://10.0.0.5:5025#2'), { where: 'tcp://10.0.0.5:5025', channel: 2 });
  t.is(parseSwitchSpec('ppk2:/dev/ttyACM0').channel, undefined);
});

test('bad specs are refused before anything is opened, each saying what is wrong', async (t) => {
  const clock = new VirtualClock();
  const bad: Array<[string, RegExp]> = [
    ['/dev/ttyUSB0', /expected <kind>:<where>/],
    ['relay-foo:/dev/ttyUSB0#1', /unknown switch kind "relay-foo"; known: relay-lcus:, relay-numato:/],
    ['relay-lcus:/dev/ttyUSB0#x', /channel after # must be a whole number, got "x"/],
    ['relay-lcus:/dev/ttyUSB0#0', /LCUS channels are 1\.\.8 \(as printed on the board\), got 0/],
    ['relay-lcus:/dev/ttyUSB0#9', /got 9/],
    ['relay-numato:/dev/ttyACM0#32', /Numato channels are 0\.\.31, got 32/],
    ['relay-lcus:/dev/ttyUSB0#1?contact=maybe', /contact must be no or nc/],
    ['relay-lcus:/dev/ttyUSB0#1?contcat=nc', /unknown option "contcat" for relay-lcus/],
    ['relay-lcus:#1', /nothing after "relay-lcus:"/],
    ['ppk2:/dev/ttyACM0#1', /ppk2 has no channels/],
    ['emulated:dut#2', /emulated has no channels/],
  ];
  for (const [spec, message] of bad) {
    const error = await t.throwsAsync(openSwitch(spec, { clock }), { instanceOf: SwitchSpecError }, spec);
    t.regex(error?.message ?? '', message, spec);
  }
});
