import { createServer, type Socket } from 'node:net';
import { ReadlineParser } from '@serialport/parser-readline';
import type { Clock } from '../../src/clock/index.ts';
import { writeHeld } from '../../src/clock/index.ts';
import {
  type CurrentSource,
  EmulatedScpiInstrument,
  type InstrumentHost,
  type Personality,
  type Reply,
  type ScpiFaultSettings,
} from './instrument.ts';
import { type K2280sOptions, k2280s } from './k2280s.ts';
import { type N6705cOptions, n6705c } from './n6705c.ts';
import { otherDevice } from './other-device.ts';

export type ScpiPersonalityName = 'n6705c' | 'k2280s' | 'other';

export interface ScpiInstrumentOptions {
  clock: Clock;
  /** Which instrument to be (default n6705c: an N6705C with an N6781A in channel 1). */
  personality?: ScpiPersonalityName;
  n6705c?: N6705cOptions;
  k2280s?: K2280sOptions;
  /** *IDN? reply of the 'other' personality. */
  otherIdentity?: string;
  /** DUT current in µA at a clock instant (default 0); measured only while the output is on. */
  current?: CurrentSource;
  faults?: ScpiFaultSettings;
  /** Output rate of the instrument, bytes/s (default 1 MB/s; 0 answers instantly). */
  throughputBytesPerS?: number;
  /** Loopback only (default 127.0.0.1); port 0 (default) picks a free one. */
  host?: string;
  port?: number;
}

export interface RunningScpiInstrument extends AsyncDisposable {
  readonly instrument: EmulatedScpiInstrument;
  readonly host: string;
  readonly port: number;
  /** `tcp://127.0.0.1:<port>`: what ScpiMeter takes as its spec. */
  readonly address: string;
  /** Open connections right now. */
  readonly connections: number;
  /** Closes every open connection at once, as a pulled LAN cable would. */
  dropConnections(): void;
  close(): Promise<void>;
}

function personalityFor(options: ScpiInstrumentOptions): (host: InstrumentHost) => Personality {
  switch (options.personality ?? 'n6705c') {
    case 'n6705c':
      return n6705c(options.n6705c);
    case 'k2280s':
      return k2280s(options.k2280s);
    case 'other':
      return otherDevice(options.otherIdentity);
  }
}

/**
 * Starts an emulated SCPI instrument on a loopback TCP port (the raw-socket port 5025 of a real one).
 * Each connection is a session reading newline-terminated program messages and answering in order;
 * all sessions share the instrument (settings, error queue, acquisitions), as on the real thing.
 */
export async function startScpiInstrument(options: ScpiInstrumentOptions): Promise<RunningScpiInstrument> {
  const { clock } = options;
  const instrument = new EmulatedScpiInstrument(clock, options.current ?? (() => 0), personalityFor(options));
  if (options.faults) instrument.faults.set(options.faults);
  if (options.throughputBytesPerS !== undefined) instrument.throughputBytesPerS = options.throughputBytesPerS;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveSession(socket, instrument, clock);
  });
  const host = options.host ?? '127.0.0.1';
  const hold = clock.hold('scpi emulator listen');
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
  } finally {
    hold.release();
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const dropConnections = () => {
    for (const s of sockets) s.destroy();
  };
  const close = async () => {
    dropConnections();
    instrument.shutdown();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    instrument,
    host,
    port,
    address: `tcp://${host}:${port}`,
    get connections() {
      return sockets.size;
    },
    dropConnections,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function serveSession(socket: Socket, instrument: EmulatedScpiInstrument, clock: Clock): void {
  // Replies go out as they are made: Nagle would hold one back until the previous one is acknowledged,
  // and a VirtualClock must not run ahead while bytes wait in the kernel.
  socket.setNoDelay(true);
  const parser = new ReadlineParser({ delimiter: '\n', encoding: 'latin1', readableObjectMode: true });
  socket.on('data', (chunk: Buffer) => parser.write(chunk));
  socket.on('error', () => {}); // a client that vanishes is not the instrument's problem
  const queue: string[] = [];
  let busy = false;
  // One program message at a time: a query that waits (FETCh during an acquisition) holds up the
  // parser, as on the real instrument.
  const pump = async () => {
    busy = true;
    try {
      while (queue.length > 0 && !socket.destroyed) {
        const line = queue.shift()!;
        const outcome = await instrument.execute(line);
        if (outcome.drop) {
          socket.destroy();
          return;
        }
        if (outcome.replies.length === 0) continue;
        const reply = joinReplies(outcome.replies);
        const delay = instrument.replyDelayMs(reply.length);
        if (delay > 0) await clock.sleep(delay);
        if (socket.destroyed) return;
        writeHeld(clock, socket, reply, `scpi emulator: reply to ${line.slice(0, 40)}`);
      }
    } finally {
      busy = false;
    }
  };
  parser.on('data', (line: string) => {
    queue.push(line.endsWith('\r') ? line.slice(0, -1) : line);
    if (!busy) void pump();
  });
}

/** Replies to the queries of one line, `;`-separated, newline-terminated (IEEE 488.2 §8.4). */
function joinReplies(replies: Reply[]): Buffer {
  const parts: Buffer[] = [];
  replies.forEach((r, i) => {
    if (i > 0) parts.push(Buffer.from(';'));
    parts.push(typeof r === 'string' ? Buffer.from(r, 'latin1') : r);
  });
  parts.push(Buffer.from('\n'));
  return Buffer.concat(parts);
}
