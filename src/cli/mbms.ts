import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { RealClock } from '../clock/index.ts';
import type { FecEncodingId } from '../mbms/fec/index.ts';
import { FluteReceiver, FluteSender } from '../mbms/flute/index.ts';
import {
  type LossSpec,
  lossModel,
  parseGroup,
  UdpMulticastSink,
  UdpMulticastSource,
} from '../mbms/transport/index.ts';
import { seededRandom } from '../random/index.ts';
import { UsageError } from './main.ts';
import { parseDuration } from './power.ts';

type Out = NodeJS.WritableStream;

const FEC_NAMES: Record<string, FecEncodingId> = { none: 0, 'no-code': 0, raptor: 1, raptorq: 6 };

export function parseFec(text: string): FecEncodingId {
  const id = FEC_NAMES[text];
  if (id === undefined) throw new UsageError(`--fec: expected none, raptor or raptorq, got "${text}"`);
  return id;
}

/** "20%" or "0.2" → 0.2. */
export function parseOverhead(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(%)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--overhead: expected e.g. 20% or 0.2, got "${text}"`);
  return Number(m[1]) / (m[2] ? 100 : 1);
}

/** "30kbit", "1.5Mbit", "64000" → bit/s. */
export function parseRate(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(bit|kbit|Mbit)?(?:\/s)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`--rate: expected a bearer rate like 30kbit or 1.5Mbit, got "${text}"`);
  const unit = (m[2] ?? 'bit').toLowerCase();
  return Number(m[1]) * (unit === 'kbit' ? 1e3 : unit === 'mbit' ? 1e6 : 1);
}

export interface SendOptions {
  files: string[];
  group: string;
  iface?: string;
  ttl: number;
  fec: FecEncodingId;
  overhead: number;
  rateBps: number;
  tsi: number;
  repeat: number;
  symbolLength: number;
  json: boolean;
  stdout: Out;
}

/** `rig mbms send`: a FLUTE session of the files to a UDP multicast group, paced at the bearer rate. */
export async function runMbmsSend(o: SendOptions): Promise<number> {
  if (o.files.length === 0) throw new UsageError('rig mbms send: which files?');
  const { group, port } = parseGroup(o.group);
  const files = o.files.map((f) => ({
    contentLocation: basename(f),
    bytes: new Uint8Array(readFileSync(f)),
  }));
  const clock = new RealClock();
  const sink = await UdpMulticastSink.open({
    group,
    port,
    ttl: o.ttl,
    ...(o.iface ? { interface: o.iface } : {}),
  });
  try {
    const sender = new FluteSender({
      clock,
      sink,
      tsi: o.tsi,
      fec: o.fec,
      overhead: o.overhead,
      rateBps: o.rateBps,
      repetitions: o.repeat,
      symbolLength: o.symbolLength,
    });
    const stats = await sender.send(files);
    if (o.json) o.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
    else {
      o.stdout.write(
        `sent ${files.length} file(s) to ${group}:${port} TSI ${o.tsi}: ${stats.packets} packets (${stats.fdtPackets} FDT), ${stats.bytes} bytes in ${(stats.durationMs / 1000).toFixed(2)} s\n`,
      );
      for (const f of stats.files)
        o.stdout.write(
          `  TOI ${f.toi} ${f.contentLocation}: ${f.transferLength} bytes, ${f.sourceSymbols} source + ${f.repairSymbols} repair symbols per pass\n`,
        );
    }
    return 0;
  } finally {
    await sink.close();
  }
}

export interface ReceiveOptions {
  group: string;
  /** Simulated radio loss applied to what arrives: `uniform:0.1` or `ge:<p good→bad>,<p bad→good>`. */
  drop?: string;
  seed?: number;
  iface?: string;
  tsi?: number;
  out: string;
  /** Stop after this many files (default: 1). */
  files: number;
  timeoutMs: number;
  json: boolean;
  stdout: Out;
}

/** `rig mbms receive`: join the group, receive files into a directory until N files or the timeout. */
export async function runMbmsReceive(o: ReceiveOptions): Promise<number> {
  const { group, port } = parseGroup(o.group);
  mkdirSync(o.out, { recursive: true });
  const clock = new RealClock();
  const receiver = new FluteReceiver({ clock, ...(o.tsi !== undefined ? { tsi: o.tsi } : {}) });
  const loss = lossModel(parseLoss(o.drop ?? 'none'), seededRandom(o.seed ?? 1));
  const source = await UdpMulticastSource.open({ group, port, ...(o.iface ? { interface: o.iface } : {}) });
  const got: { contentLocation: string; bytes: number; md5: string; path: string }[] = [];
  const corrupt: string[] = [];
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, o.timeoutMs);
      receiver.on('file', (f) => {
        const path = join(o.out, basename(f.contentLocation) || `toi-${f.toi}`);
        writeFileSync(path, f.bytes);
        got.push({ contentLocation: f.contentLocation, bytes: f.bytes.length, md5: f.md5, path });
        if (!o.json)
          o.stdout.write(`received ${f.contentLocation} (${f.bytes.length} bytes, MD5 ${f.md5}) → ${path}\n`);
        if (got.length >= o.files) {
          clearTimeout(timer);
          resolve();
        }
      });
      receiver.on('corrupt', (c) => corrupt.push(c.contentLocation));
      source.on('packet', (bytes) => {
        if (!loss.lost()) receiver.push(bytes);
      });
    });
  } finally {
    await source.close();
  }
  const dropped = Object.fromEntries(receiver.dropped);
  if (o.json)
    o.stdout.write(
      `${JSON.stringify({ files: got, corrupt, packets: receiver.packets, dropped }, null, 2)}\n`,
    );
  else if (got.length < o.files)
    o.stdout.write(
      `timed out with ${got.length} of ${o.files} file(s); ${receiver.packets} packets, dropped ${JSON.stringify(dropped)}\n`,
    );
  return got.length >= o.files ? 0 : 1;
}

/** `none`, `uniform:0.1`, `ge:0.02,0.3[,lossGood,lossBad]`. */
export function parseLoss(text: string): LossSpec {
  if (text === 'none') return { kind: 'none' };
  const u = /^uniform:(\d*\.?\d+)$/.exec(text);
  if (u) return { kind: 'uniform', rate: Number(u[1]) };
  const g = /^ge:(\d*\.?\d+),(\d*\.?\d+)(?:,(\d*\.?\d+),(\d*\.?\d+))?$/.exec(text);
  if (g) {
    return {
      kind: 'gilbert-elliott',
      pGoodToBad: Number(g[1]),
      pBadToGood: Number(g[2]),
      ...(g[3] !== undefined ? { lossGood: Number(g[3]), lossBad: Number(g[4]) } : {}),
    };
  }
  throw new UsageError(
    `--drop: expected none, uniform:<rate> or ge:<p good→bad>,<p bad→good>[,<loss good>,<loss bad>], got "${text}"`,
  );
}

export { parseDuration };
