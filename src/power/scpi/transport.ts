import { type Socket, connect as tcpConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Clock, Milliseconds } from '../../clock/index.ts';
import { whileHeld } from '../../clock/index.ts';
import { openSerial, type PortDiscoveryOptions } from '../../serial/index.ts';
import { ScpiClient } from './client.ts';
import { ScpiConnectionError, ScpiError } from './errors.ts';

/** The raw-socket SCPI port of LXI instruments (Keysight N6705C, Keithley 2280S). */
export const SCPI_TCP_PORT = 5025;
const DEFAULT_BAUD = 9600;

export type ScpiAddress =
  | { kind: 'tcp'; host: string; port: number; text: string }
  | { kind: 'serial'; port: string; baudRate: number; text: string };

/** A spec that does not parse. */
export class ScpiSpecError extends ScpiError {
  override name = 'ScpiSpecError';
  constructor(spec: string, problem: string) {
    super(
      `SCPI address ${JSON.stringify(spec)}`,
      `${problem}; accepted forms: tcp://<host>[:<port>] (port ${SCPI_TCP_PORT} by default), ` +
        'serial:<port spec>[?baud=<n>] (e.g. serial:/dev/ttyUSB0?baud=115200)',
    );
  }
}

/**
 * `tcp://192.168.1.20`, `tcp://127.0.0.1:5025`, `serial:/dev/ttyUSB0?baud=115200`,
 * `serial:usb:0957:0f07`; a leading `scpi:` (as in a bench's meter spec) is accepted.
 */
export function parseScpiAddress(spec: string): ScpiAddress {
  const text = spec.startsWith('scpi:') ? spec.slice(5) : spec;
  if (text.startsWith('tcp://')) {
    const rest = text.slice(6).replace(/\/$/, '');
    const m = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(rest);
    if (!m) throw new ScpiSpecError(spec, 'expected tcp://<host>[:<port>]');
    const port = m[2] === undefined ? SCPI_TCP_PORT : Number(m[2]);
    if (!(port > 0 && port < 65536)) throw new ScpiSpecError(spec, `port ${m[2]} out of range`);
    const host = m[1]!.replace(/^\[|\]$/g, '');
    return { kind: 'tcp', host, port, text: `tcp://${m[1]}:${port}` };
  }
  if (text.startsWith('serial:')) {
    const [port, query] = text.slice(7).split('?', 2) as [string, string | undefined];
    if (port === '') throw new ScpiSpecError(spec, 'no port after serial:');
    let baudRate = DEFAULT_BAUD;
    if (query !== undefined) {
      const m = /^baud=(\d+)$/.exec(query);
      if (!m) throw new ScpiSpecError(spec, `unknown option ${JSON.stringify(query)}`);
      baudRate = Number(m[1]);
    }
    return { kind: 'serial', port, baudRate, text: `serial:${port}` };
  }
  throw new ScpiSpecError(spec, 'unknown scheme');
}

export interface ScpiConnectOptions {
  clock: Clock;
  /** Deadline for the TCP connect (default 5 s). */
  connectTimeoutMs?: Milliseconds;
  /** Default deadline per query (default 5 s). */
  timeoutMs?: Milliseconds;
  /** Serial only: the rig's port lock (default true) and where to find ports. */
  serial?: { lock?: boolean; lockDir?: string; discovery?: PortDiscoveryOptions };
}

/** Opens the byte stream to an instrument: a TCP socket (port 5025) or a serial port via openSerial. */
export async function openScpiStream(address: ScpiAddress, options: ScpiConnectOptions): Promise<Duplex> {
  if (address.kind === 'serial') {
    try {
      return await openSerial(address.port, {
        baudRate: address.baudRate,
        clock: options.clock,
        // An instrument that vanishes mid-measurement is an error for the run, not something to wait out.
        reconnect: false,
        name: 'SCPI instrument',
        lock: options.serial?.lock,
        lockDir: options.serial?.lockDir,
        discovery: options.serial?.discovery,
      });
    } catch (error) {
      throw new ScpiConnectionError(address.text, 'open failed', { cause: error });
    }
  }
  const { clock } = options;
  const deadline = options.connectTimeoutMs ?? 5000;
  // A VirtualClock is held while the OS connects, so the deadline is real-world only on a RealClock;
  // loopback connects (the emulated bench) answer at once either way.
  return whileHeld(
    clock,
    `scpi connect ${address.text}`,
    () =>
      new Promise<Socket>((resolve, reject) => {
        const socket = tcpConnect({ host: address.host, port: address.port });
        const timer = clock.setTimer(deadline, () => {
          socket.destroy();
          reject(new ScpiConnectionError(address.text, `connect timed out after ${deadline} ms`));
        });
        socket.once('connect', () => {
          timer.cancel();
          // Small lines, one exchange at a time: Nagle would only add latency, and would keep bytes in
          // the kernel after their write completed, where a VirtualClock hold cannot see them.
          socket.setNoDelay(true);
          resolve(socket);
        });
        socket.once('error', (error) => {
          timer.cancel();
          reject(new ScpiConnectionError(address.text, 'connect failed', { cause: error }));
        });
      }),
  );
}

/** Connects and returns a client named after the address (identify() and the meter rename it). */
export async function connectScpi(
  spec: string | ScpiAddress,
  options: ScpiConnectOptions,
): Promise<ScpiClient> {
  const address = typeof spec === 'string' ? parseScpiAddress(spec) : spec;
  const stream = await openScpiStream(address, options);
  return new ScpiClient(stream, { clock: options.clock, label: address.text, timeoutMs: options.timeoutMs });
}
