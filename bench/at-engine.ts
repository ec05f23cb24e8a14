/**
 * AT engine throughput and CPU cost, side by side with a bare echo baseline measured in the same run:
 * - in-process (duplexPair) and over a real pty pair (socat + serialport on both ends);
 * - baseline: the same bytes exchanged by a hand loop that writes the command and scans for "OK\r\n";
 * - engine CPU per command = (engine run CPU − baseline run CPU) / commands, and its fraction of the
 *   wire time of the same bytes at 115200 baud (10 bits per byte). Target ≤ 1 %.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { AtEngine } from '../src/at/index.ts';
import { RealClock } from '../src/clock/index.ts';
import { duplexPair, openSerial, startPtyPair } from '../src/serial/index.ts';

const COMMAND = 'AT+CSQ';
const RESPONSE = '\r\n+CSQ: 20,99\r\n\r\nOK\r\n';
const WIRE_BYTES = COMMAND.length + 1 + RESPONSE.length;
const WIRE_US = (WIRE_BYTES * 10 * 1e6) / 115_200;

/** The device end: answers every CR-terminated line with RESPONSE. */
function responder(device: Duplex): void {
  let pending = 0;
  device.on('data', (chunk: Buffer) => {
    for (const b of chunk) if (b === 0x0d) pending++;
    if (pending > 0) {
      device.write(RESPONSE.repeat(pending));
      pending = 0;
    }
  });
}

async function bareLoop(host: Duplex, n: number): Promise<void> {
  let seen = '';
  let done = 0;
  await new Promise<void>((resolve) => {
    host.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      while (seen.includes('OK\r\n')) {
        seen = seen.slice(seen.indexOf('OK\r\n') + 4);
        done++;
        if (done === n) {
          host.removeAllListeners('data');
          resolve();
          return;
        }
        host.write(`${COMMAND}\r`);
      }
    });
    host.write(`${COMMAND}\r`);
  });
}

async function engineLoop(host: Duplex, n: number): Promise<void> {
  const engine = new AtEngine(host, { name: 'bench', clock: new RealClock() });
  for (let i = 0; i < n; i++) await engine.send(COMMAND);
  engine.close();
}

interface Figures {
  perSecond: number;
  cpuUsPerCommand: number;
}

/** Alternate baseline and engine rounds so warm-up and machine load fall on both alike; keep the best. */
async function sideBySide(bare: () => Promise<void>, engine: () => Promise<void>, n: number, rounds = 3) {
  const b: Figures[] = [];
  const e: Figures[] = [];
  for (let i = 0; i < rounds; i++) {
    b.push(await measure(bare, n));
    e.push(await measure(engine, n));
  }
  const best = (xs: Figures[]) => xs.reduce((x, y) => (y.cpuUsPerCommand < x.cpuUsPerCommand ? y : x));
  return { bare: best(b), engine: best(e) };
}

async function measure(run: () => Promise<void>, n: number): Promise<Figures> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: (n * 1000) / wall, cpuUsPerCommand: (cpu.user + cpu.system) / n };
}

async function inProcess(n: number): Promise<{ bare: Figures; engine: Figures }> {
  const pair = () => {
    const [host, device] = duplexPair();
    responder(device);
    return host;
  };
  await engineLoop(pair(), 200); // warm-up
  return sideBySide(
    () => bareLoop(pair(), n),
    () => engineLoop(pair(), n),
    n,
  );
}

async function overPty(n: number): Promise<{ bare: Figures; engine: Figures }> {
  const clock = new RealClock();
  const dir = await mkdtemp(join(tmpdir(), 'rig-bench-'));
  const pty = await startPtyPair({ a: join(dir, 'host'), b: join(dir, 'device') });
  try {
    const device = await openSerial(pty.b, {
      baudRate: 115200,
      clock,
      lock: false,
      reconnect: false,
      discovery: { extraPaths: [pty.b] },
    });
    responder(device);
    const host = await openSerial(pty.a, {
      baudRate: 115200,
      clock,
      lock: false,
      reconnect: false,
      discovery: { extraPaths: [pty.a] },
    });
    await engineLoop(host, 50); // warm-up
    const figures = await sideBySide(
      () => bareLoop(host, n),
      () => engineLoop(host, n),
      n,
    );
    await host.close();
    await device.close();
    return figures;
  } finally {
    await pty.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function report(name: string, r: { bare: Figures; engine: Figures }): string[] {
  const diff = r.engine.cpuUsPerCommand - r.bare.cpuUsPerCommand;
  const own =
    diff > 0
      ? `engine's own ${diff.toFixed(1)} µs = ${((100 * diff) / WIRE_US).toFixed(2)} % of the ${WIRE_US.toFixed(0)} µs wire time at 115200 baud`
      : `engine's own cost not measurable above the baseline (difference ${diff.toFixed(1)} µs; pty system calls dominate)`;
  return [
    `${name}: bare echo ${r.bare.perSecond.toFixed(0)} cmd/s, engine ${r.engine.perSecond.toFixed(0)} cmd/s ` +
      `(ratio ${(r.engine.perSecond / r.bare.perSecond).toFixed(2)})`,
    `${name}: CPU per command: bare ${r.bare.cpuUsPerCommand.toFixed(1)} µs, engine ${r.engine.cpuUsPerCommand.toFixed(1)} µs; ${own}`,
  ];
}

export async function benchAtEngine(): Promise<string[]> {
  const lines = [
    `AT engine (${WIRE_BYTES} bytes per exchange: ${JSON.stringify(COMMAND)} → ${JSON.stringify(RESPONSE)})`,
  ];
  lines.push(...report('in-process', await inProcess(5000)));
  lines.push(...report('pty', await overPty(2000)));
  return lines;
}
