/**
 * What a device reports, by reportType (TS 26.346 §9.4.1, §9.4.3, §9.4.6; TR 26.850 §7.7):
 *  - RAck: the files complete after FEC and any repair, no statistics;
 *  - StaR: the files complete before repair, with session statistics;
 *  - StaR-all: every file with receptionSuccess (before repair) and, for files that needed repair or
 *    failed, the received/total symbol counts of the failed blocks;
 *  - StaR-only: statistics only;
 *  - RAck-IoT: each file with a status saying whether the action (the install) succeeded.
 * And whether to report at all: samplePercentage, drawn once per session from a seeded source.
 */
import { type RackIotReport, RackIotStatus } from './rack-iot.ts';
import {
  ntpSeconds,
  type QoeMetrics,
  type ReceptionReport,
  type ReportedFile,
  type ReportType,
} from './reception-report.ts';

export interface FileOutcome {
  fileURI: string;
  contentMd5?: string;
  fileEtag?: string;
  /** Complete after FEC decoding alone. */
  receivedBeforeRepair: boolean;
  /** Complete after the repair procedure (true when nothing needed repair). */
  receivedAfterRepair: boolean;
  /** Per failed source block, before repair: symbols received, symbols needed. */
  failedBlocks?: { received: number; total: number }[];
  /** RAck-IoT: how the action on the file (an install) went, if it was taken. */
  action?: 'succeeded' | 'failed';
}

export interface ReportContext {
  deviceId?: string;
  clientId?: string;
  /** "source_IP:flute-tsi". */
  sessionId?: string;
  serviceId?: string;
  serviceURI?: string;
  sessionStart?: number;
  sessionStop?: number;
}

/** The report for these outcomes, or undefined when the type leaves nothing to say (RAck with no file). */
export function buildReceptionReport(
  type: Exclude<ReportType, 'RAck-IoT'>,
  outcomes: readonly FileOutcome[],
  ctx: ReportContext = {},
): ReceptionReport | undefined {
  if (type === 'RAck') {
    const files = outcomes
      .filter((o) => o.receivedAfterRepair)
      .map(
        (o, i): ReportedFile => ({
          uri: o.fileURI,
          ...(o.contentMd5 !== undefined ? { contentMd5: o.contentMd5 } : {}),
          // Identification on the first fileURI is enough (§9.4.6).
          ...(i === 0
            ? definedOnly({ clientId: ctx.clientId, deviceId: ctx.deviceId, sessionId: ctx.sessionId })
            : {}),
        }),
      );
    return files.length === 0 ? undefined : { kind: 'acknowledgement', files };
  }
  const files: ReportedFile[] =
    type === 'StaR-only'
      ? []
      : outcomes
          .filter((o) => type === 'StaR-all' || o.receivedBeforeRepair)
          .map((o) => {
            const f: ReportedFile = { uri: o.fileURI };
            if (o.contentMd5 !== undefined) f.contentMd5 = o.contentMd5;
            if (type === 'StaR-all') {
              f.receptionSuccess = o.receivedBeforeRepair;
              if (!o.receivedBeforeRepair && o.failedBlocks && o.failedBlocks.length > 0) {
                f.receivedSymbolsForFailedBlocks = o.failedBlocks.map((b) => b.received);
                f.totalSymbolsForFailedBlocks = o.failedBlocks.map((b) => b.total);
              }
            }
            return f;
          });
  const qoe: QoeMetrics = {
    numberOfLostObjects: [outcomes.filter((o) => !o.receivedBeforeRepair).length],
    numberOfReceivedObjects: [outcomes.filter((o) => o.receivedBeforeRepair).length],
    mediaLevel: ctx.sessionId !== undefined ? [{ sessionId: ctx.sessionId }] : [],
  };
  if (ctx.sessionStart !== undefined) qoe.sessionStartTime = ntpSeconds(ctx.sessionStart);
  if (ctx.sessionStop !== undefined) qoe.sessionStopTime = ntpSeconds(ctx.sessionStop);
  return {
    kind: 'statistical',
    reports: [
      {
        sessionType: 'download',
        ...definedOnly({
          serviceId: ctx.serviceId,
          clientId: ctx.clientId,
          deviceId: ctx.deviceId,
          serviceURI: ctx.serviceURI,
        }),
        files,
        qoeMetrics: qoe,
      },
    ],
  };
}

/** RAck-IoT: every completely received file with its action status; undefined when none was received. */
export function buildRackIot(
  outcomes: readonly FileOutcome[],
  ctx: ReportContext,
): RackIotReport | undefined {
  const deviceId = ctx.deviceId ?? ctx.clientId;
  if (deviceId === undefined) throw new Error('RAck-IoT: the report needs a deviceId (IMEI) or clientId');
  const files = outcomes
    .filter((o) => o.receivedAfterRepair)
    .slice(0, 255)
    .map((o) => ({
      status:
        o.action === 'succeeded'
          ? RackIotStatus.acknowledgedAndSuccessfulAction
          : o.action === 'failed'
            ? RackIotStatus.acknowledgedAndUnsuccessfulAction
            : RackIotStatus.acknowledged,
      fileURI: o.fileURI,
      ...definedOnly({ contentMd5: o.contentMd5, fileEtag: o.fileEtag }),
    }));
  if (files.length === 0) return undefined;
  return {
    deviceId,
    ...(ctx.deviceId !== undefined && ctx.clientId !== undefined ? { clientId: ctx.clientId } : {}),
    files,
  };
}

/**
 * Whether this device reports (§9.4.3): samplePercentage (default 100) applies to StaR, StaR-all and
 * StaR-only, never to RAck; TR 26.850 applies it to RAck-IoT as well, to save battery on non-critical
 * updates. The draw U(0, 100) is made once and must be kept for the whole session by the caller.
 */
export function sampledIn(type: ReportType, samplePercentage: number | undefined, draw: number): boolean {
  if (type === 'RAck') return true;
  const p = samplePercentage ?? 100;
  if (p >= 100) return true;
  return draw * 100 < p;
}

function definedOnly<T extends Record<string, string | undefined>>(o: T): { [K in keyof T]?: string } {
  const out: { [K in keyof T]?: string } = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k as keyof T] = v;
  return out;
}
