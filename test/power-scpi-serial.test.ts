import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { startScpiInstrument } from '../firmware-stubs/scpi/index.ts';
import { RealClock } from '../src/clock/index.ts';
import type { SampleBlock } from '../src/power/index.ts';
import { ScpiMeter } from '../src/power/scpi/index.ts';
import { openSerial, startPtyPair } from '../src/serial/index.ts';

// SCPI over a serial line: the meter opens one end of a pty pair (socat) with openSerial; the other
// end is bridged to the emulated instrument's TCP port, as a USB-serial cable to an RS-232 port would
// carry it. Real time throughout: socat is a real process.
test('over a serial line (pty pair bridged to the emulated N6705C): identify, configure, stream', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'scpi-serial-'));
  const clock = new RealClock();
  const pair = await startPtyPair({ a: join(dir, 'host'), b: join(dir, 'instrument') });
  const running = await startScpiInstrument({ clock, current: () => 1234, throughputBytesPerS: 0 });
  const cable = await openSerial(pair.b, { baudRate: 115200, clock, lockDir: dir, reconnect: false });
  const socket = connect(running.port, '127.0.0.1');
  await once(socket, 'connect');
  cable.pipe(socket);
  socket.pipe(cable);
  const meter = new ScpiMeter({
    spec: `serial:${pair.a}?baud=115200`,
    clock,
    acquisitionS: 0.02,
    serial: { lockDir: dir },
  });
  try {
    await meter.open();
    t.is(meter.info.spec, `scpi:serial:${pair.a}`);
    t.regex(meter.info.model!, /N6705C \+ N6781A/);
    await meter.setVoltage(3300);
    t.true(running.instrument.received.includes('VOLT 3.3,(@1)'));
    await meter.setDutPower(true);
    const blocks: SampleBlock[] = [];
    const errors: Error[] = [];
    await meter.start({ samples: (b) => blocks.push(b), error: (e) => errors.push(e) });
    await clock.sleep(150);
    await meter.stop();
    t.deepEqual(errors, []);
    t.true(blocks.length >= 2, `${blocks.length} acquisitions`);
    for (const b of blocks) t.true(b.uA.every((x) => Math.abs(x - 1234) < 1234 * 1e-6));
  } finally {
    await meter.close();
    socket.destroy();
    await cable.close();
    await running.close();
    await pair.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
