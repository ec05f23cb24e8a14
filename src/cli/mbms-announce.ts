import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { RealClock } from '../clock/index.ts';
import {
  type AnnouncementContent,
  announcementFragments,
  encodeAnnouncement,
} from '../mbms/announce/index.ts';
import { fecScheme } from '../mbms/fec/index.ts';
import { RepairServer } from '../mbms/repair/index.ts';
import { parseGroup } from '../mbms/transport/index.ts';
import { UsageError } from './main.ts';
import { parseDuration } from './power.ts';

type Out = NodeJS.WritableStream;

export interface AnnounceOptions {
  tmgi: string;
  serviceId: string;
  group: string;
  source: string;
  tsi: number;
  /** ISO time, or "+10min" from now. */
  start: string;
  durationMs: number;
  fec: 0 | 1 | 6;
  redundancyPercent: number;
  repair?: string;
  report?: string;
  files: string[];
  out?: string;
  binary?: string;
  stdout: Out;
}

function instant(text: string, now: number): number {
  if (text.startsWith('+')) return now + parseDuration(text.slice(1), '--start');
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new UsageError(`--start: expected an ISO time or +<duration>, got "${text}"`);
  return t;
}

/**
 * `rig mbms announce`: the service announcement of one download session: USD, SDP, Schedule Description
 * and Associated Delivery Procedure Description (TS 26.346), and/or the TR 26.850 binary announcement.
 */
export async function runMbmsAnnounce(o: AnnounceOptions): Promise<number> {
  if (!o.out && !o.binary)
    throw new UsageError('rig mbms announce: say where it goes: --out <dir> and/or --binary <file>');
  const { group, port } = parseGroup(o.group);
  // SDP and the schedule carry whole seconds.
  const start = Math.ceil(instant(o.start, Date.now()) / 1000) * 1000;
  const stop = start + o.durationMs;
  const base = 'http://bmsc.example/announce';
  const procedures = {
    ...(o.repair ? { fileRepair: { serverUris: [o.repair], offsetTime: 5, randomTimePeriod: 60 } } : {}),
    ...(o.report
      ? {
          receptionReport: {
            serverUris: [o.report],
            offsetTime: 5,
            randomTimePeriod: 60,
            reportType: 'RAck' as const,
          },
        }
      : {}),
  };
  const content: AnnouncementContent = {
    validFrom: Math.floor(Date.now() / 1000) * 1000,
    validUntil: stop,
    usd: {
      serviceId: o.serviceId,
      serviceClass: 'urn:oma:bcast:ext_bsc_3gpp:exApp:FOTA',
      requiredFeatures: [22],
      deliveryMethods: [
        {
          sessionDescriptionUri: `${base}/session.sdp`,
          ...(o.repair || o.report ? { associatedProcedureDescriptionUri: `${base}/adpd.xml` } : {}),
        },
      ],
      scheduleDescriptionUri: `${base}/schedule.xml`,
    },
    session: {
      tmgi: o.tmgi,
      serviceId: o.serviceId,
      group,
      port,
      sourceAddress: o.source,
      tsi: o.tsi,
      start,
      stop,
      fec: { encodingId: o.fec, redundancyPercent: o.redundancyPercent },
      ...(Object.keys(procedures).length > 0 ? { procedures } : {}),
    },
    schedule: {
      serviceId: o.serviceId,
      sessions: [{ start, stop, index: 1 }],
      // TOIs as `rig mbms send` assigns them: 1, 2, … in the order the files are given.
      files: o.files.map((f, i) => {
        const bytes = readFileSync(f);
        return {
          contentLocation: basename(f),
          md5: createHash('md5').update(bytes).digest('base64'),
          windows: [{ start, stop }],
          fdt: { toi: i + 1, contentLength: bytes.length },
        };
      }),
      cancelled: { sessions: [], files: [] },
    },
  };
  if (o.out) {
    mkdirSync(o.out, { recursive: true });
    for (const fragment of announcementFragments(content, `${base}/usd.xml`)) {
      const path = join(o.out, basename(new URL(fragment.uri).pathname));
      writeFileSync(path, fragment.body);
      o.stdout.write(`${fragment.contentType.padEnd(48)} ${path}\n`);
    }
  }
  if (o.binary) {
    const { bytes, dropped } = encodeAnnouncement(content);
    writeFileSync(o.binary, bytes);
    o.stdout.write(
      `TR 26.850 binary announcement: ${bytes.length} bytes → ${o.binary}${dropped.length ? ` (not carried: ${dropped.join('; ')})` : ''}\n`,
    );
  }
  return 0;
}

/** `rig mbms repair-server <file…>`: serve symbol-based and byte-range repair for the files until stopped. */
export async function runMbmsRepairServer(o: {
  files: string[];
  host: string;
  port: number;
  fec: 0 | 1 | 6;
  symbolLength: number;
  stdout: Out;
}): Promise<number> {
  if (o.files.length === 0) throw new UsageError('rig mbms repair-server: which files?');
  const clock = new RealClock();
  const scheme = fecScheme(o.fec);
  const server = await RepairServer.start({
    clock,
    host: o.host,
    port: o.port,
    files: o.files.map((f) => {
      const content = new Uint8Array(readFileSync(f));
      return {
        contentLocation: basename(f),
        content,
        contentMd5: createHash('md5').update(content).digest('base64'),
        oti: scheme.encoder(content, { symbolLength: o.symbolLength }).oti,
      };
    }),
  });
  o.stdout.write(
    `repair server at ${server.serviceUri} for ${o.files.map((f) => basename(f)).join(', ')}; Ctrl-C stops\n`,
  );
  await new Promise<void>((resolve) => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => resolve());
  });
  await server.close();
  return 0;
}
