/**
 * One update campaign over a bench of devices, for TR 26.850's use cases (UC1 planned, UC2 unplanned with
 * a lead time beyond the longest sleep, UC3 critical with paging and repeated sessions) and the unicast
 * baseline. The server announces, opens the eNB session(s) and streams FLUTE; each device is followed by
 * its host application over AT; every phase is a span on its power trace; nothing measured is lost when
 * a device, the broker or the eNB fails: that device or resource is reported failed or errored.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { EpochMs } from '../../clock/index.ts';
import type { SimEnb } from '../../enb/index.ts';
import { announce, flute } from '../../mbms/index.ts';
import { summarizeRepairLog } from '../../mbms/repair/repair-log.ts';
import { announcementFor, flutedBytes, serviceIdOf, wakePattern } from './announcement.ts';
import {
  DevicePhaseError,
  type FollowContext,
  followDevice,
  listenForAnnouncement,
  setUpDevice,
} from './device.ts';
import { airOf, asSim, measureEnergy } from './evidence.ts';
import { type CampaignMetrics, campaignMetrics } from './metrics.ts';
import { planCampaign, type SessionWindow } from './schedule.ts';
import { CampaignServer } from './server.ts';
import type { CampaignOptions, CampaignPlan, DevicePhase, DeviceRecord } from './types.ts';

export interface CampaignResult {
  id: string;
  useCase: CampaignOptions['useCase'];
  tmgi: string;
  startedAt: EpochMs;
  endedAt: EpochMs;
  plan: CampaignPlan;
  devices: DeviceRecord[];
  metrics: CampaignMetrics;
  /** Resource-level problems: a broker that went away, an eNB that failed, a session that did not open. */
  errors: string[];
  /** UC3: outcome of the pages. */
  pages?: { device: string; at?: EpochMs; reason?: string }[];
}

export interface CampaignEvents {
  phase: [{ device: string; phase: DevicePhase; start: EpochMs; end: EpochMs }];
  session: [{ repetition: number; state: 'on-air' | 'off-air' | 'skipped'; at: EpochMs; detail?: string }];
  device: [DeviceRecord];
}

export class Campaign extends EventEmitter<CampaignEvents> {
  readonly #o: CampaignOptions & { verification?: { publicKey: KeyObject; vendor?: string } };

  constructor(options: CampaignOptions & { verification?: { publicKey: KeyObject; vendor?: string } }) {
    super();
    this.#o = options;
  }

  async run(): Promise<CampaignResult> {
    const o = this.#o;
    const { clock } = o;
    const id = o.id ?? `c${o.seed}`;
    // One MBMS service per campaign: its TMGI (service id + PLMN 001/01) is derived from the campaign id.
    const tmgi = (o.tmgi ?? `${serviceIdOf(id)}00F110`).toUpperCase();
    // Raptor (RFC 5053): the one FEC the TR 26.850 binary announcement can name.
    const fecId = o.fec ?? 1;
    const symbolLength = o.symbolLength ?? 512;
    const overhead = fecId === 0 ? 0 : (o.overhead ?? 0.15);
    const startedAt = clock.now();
    const errors: string[] = [];
    const logFrom = asSim(o.enb)?.sessionLog.length ?? 0;
    const images = [...new Map(o.devices.map((d) => [d.image.deviceClass, d.image])).values()];
    const server = await CampaignServer.start({
      id,
      clock,
      images,
      fec: fecId,
      symbolLength,
      broker: o.broker,
    });
    try {
      const records = o.devices.map(
        (d): DeviceRecord => ({
          image: {
            version: d.image.version,
            sha256: createHash('sha256').update(d.image.bytes).digest('hex'),
            bytes: d.image.bytes.length,
          },
          name: d.name,
          outcome: 'failed',
          announcementFormat: d.announcement,
          attended: [],
          phases: [],
        }),
      );
      const backoff = o.backoff ?? { offsetTime: 5, randomTimePeriod: 60 };
      const ctx: FollowContext = {
        clock,
        server,
        useCase: o.useCase,
        tmgi,
        broker: o.broker,
        wakeGuardMs: o.wakeGuardMs ?? 10_000,
        repairWindowMs: (backoff.offsetTime + backoff.randomTimePeriod) * 2000 + 120_000,
        deadline: Number.POSITIVE_INFINITY,
        ...(o.verification ? { verification: o.verification } : {}),
        ...(o.hostReception ? { hostReception: o.hostReception } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
        onPhase: (d, phase, start, end) => {
          records[o.devices.indexOf(d)]!.phases.push({ phase, start, end });
          this.emit('phase', { device: d.name, phase, start, end });
          server.event('phase', { device: d.name, phase, start, end });
        },
      };

      o.hostReception?.begin({ repairUri: server.repairServer.serviceUri, backoff });
      // Set-up: attach, MQTT through the module, multicast on, power saving as requested.
      const setups = await Promise.allSettled(o.devices.map((d, i) => setUpDevice(d, records[i]!, ctx)));
      const ready: number[] = [];
      for (const [i, s] of setups.entries()) {
        if (s.status === 'fulfilled') ready.push(i);
        else fail(records[i]!, s.reason);
      }

      const patterns = await Promise.all(ready.map((i) => wakePattern(o.devices[i]!, records[i]!.imei!)));
      // UC2/UC3 find a deployed fleet asleep: the announcement goes out once every device's active time is over.
      const settle =
        o.announceAfterMs ??
        (o.useCase === 'uc2' || o.useCase === 'uc3'
          ? Math.max(0, ...patterns.map((p) => p.activeTimeMs ?? 0)) + 120_000
          : 0);
      await clock.sleep(settle, o.signal);
      const ownBytes = (imei: string) => {
        const i = records.findIndex((r) => r.imei === imei);
        return flutedBytes(o.devices[i]!.image.bytes.length, symbolLength, overhead);
      };
      const sendBytes = images.reduce(
        (n, img) => n + flutedBytes(img.bytes.length, symbolLength, overhead),
        0,
      );
      const plan = await planCampaign({
        useCase: o.useCase,
        clock,
        enb: o.enb,
        tmgi,
        group: o.group ?? '239.255.1.1',
        port: o.port ?? 4000,
        bytes: sendBytes,
        unicastBytes: (imei) => ownBytes(imei),
        devices: ready.map((i) => records[i]!.imei!),
        patterns,
        plannedLeadMs: o.plannedLeadMs ?? 6 * 3_600_000,
        critical: o.critical ?? {},
      });
      ctx.deadline =
        (o.deadlineMs ? startedAt + o.deadlineMs : Math.max(...plan.windows.map((w) => w.stop))) +
        ctx.repairWindowMs +
        2 * 3_600_000;

      // Announce: every device its own message in its own format (UC3: the network also pages them).
      const pages =
        o.useCase === 'uc3'
          ? o.enb.page(
              ready.map((i) => records[i]!.imei!),
              o.signal,
            )
          : undefined;
      const listening = new Map(
        ready.map((i) => [i, listenForAnnouncement(o.devices[i]!, records[i]!, ctx)]),
      );
      const messages: { i: number; topic: string; payload: string }[] = [];
      for (const i of ready) {
        const d = o.devices[i]!;
        const imei = records[i]!.imei!;
        const windows = plan.windows.filter((w) => w.device === undefined || w.device === imei);
        try {
          const content = announcementFor(id, tmgi, plan, windows, server, d, o, backoff);
          const { bytes } = announce.encodeAnnouncementMessage(content, d.announcement);
          records[i]!.announcementBytes = bytes.length;
          // Base64 on MQTT: module MQTT receive URCs are line-framed text (u-blox +UMQTTC: 6, Quectel +QMTRECV).
          messages.push({
            i,
            topic: server.announceTopic(imei),
            payload: Buffer.from(bytes).toString('base64'),
          });
        } catch (e) {
          fail(records[i]!, new DevicePhaseError('wait-announcement', e, false));
        }
      }
      const unsent = await server.publishAll(messages);
      const announced: number[] = [];
      for (const m of messages) {
        const e = unsent.get(m.topic);
        if (e) fail(records[m.i]!, new DevicePhaseError('wait-announcement', e, true));
        else announced.push(m.i);
      }
      server.event('announced', { useCase: o.useCase, sessions: plan.windows.length });

      const followers = Promise.allSettled(
        announced.map((i) =>
          followDevice(o.devices[i]!, records[i]!, ctx, listening.get(i)!).then(
            () => {
              records[i]!.outcome = 'updated';
            },
            (e) => fail(records[i]!, e),
          ),
        ),
      );
      await this.#runSessions(
        plan.windows,
        server,
        tmgi,
        fecId,
        overhead,
        symbolLength,
        records,
        ready,
        errors,
      );
      await followers;
      // Reception reports go out after their own back-off: give it time before the collector closes.
      await clock.sleep((backoff.offsetTime + backoff.randomTimePeriod) * 1000 + 10_000, o.signal);
      await server.awaitAcks(
        ready.filter((i) => records[i]!.ack && 'at' in records[i]!.ack!).map((i) => records[i]!.imei!),
        3000,
      );
      const pageOutcomes = pages ? await pages : undefined;

      // Evidence from the server side, the air and the meters.
      for (const [i, r] of records.entries()) {
        if (!r.imei) continue;
        const ack = server.acks.get(r.imei);
        if (ack) r.ackReceivedAt = ack.receivedAt;
        const report = server.collector.reportsOf(r.imei)[0];
        if (report) r.reportReceivedAt = report.at;
        r.air = airOf(o.enb, r.imei, logFrom);
        // Repair requests name their device in their User-Agent (the MBMS client's convention).
        r.repairedBytes = server.repairServer.log
          .filter((e) => e.status === 200 && e.userAgent?.includes(`device ${r.imei}`))
          .reduce((n, e) => n + e.bytes, 0);
        await measureEnergy(o.devices[i]!, r, startedAt, clock.now());
        this.emit('device', r);
      }
      // Symbol repair; whole-file GETs are modules fetching their install by URL or devices that lost every FDT.
      const repairStats = summarizeRepairLog(server.repairServer.log.filter((e) => e.kind === 'symbols'));
      const sim = asSim(o.enb);
      // Only this campaign's sessions: the eNB may have carried earlier ones in the same run.
      const log = sim?.sessionLog.slice(logFrom) ?? [];
      const metrics = campaignMetrics(
        o.useCase,
        records,
        plan.plan.announcedAt,
        {
          multicastMs: log.filter((s) => s.mode === 'multicast').reduce((a, s) => a + s.airtimeMs, 0),
          unicastMs: log.filter((s) => s.mode === 'unicast').reduce((a, s) => a + s.airtimeMs, 0),
          unicastEstimateMs: sim
            ? records
                .filter((r) => r.imei && sim.devices.includes(r.imei))
                .reduce((a, r) => a + sim.unicastAirtimeEstimateMs(r.imei!, ownBytes(r.imei!)), 0)
            : null,
        },
        {
          requests: repairStats.requests,
          bytes: repairStats.bytesServed,
          symbols: repairStats.symbolsServed,
        },
      );
      errors.push(...server.problems);
      return {
        id,
        useCase: o.useCase,
        tmgi,
        startedAt,
        endedAt: clock.now(),
        plan: plan.plan,
        devices: records,
        metrics,
        errors,
        ...(pageOutcomes
          ? {
              pages: pageOutcomes.map((p) =>
                p.reached.ok
                  ? { device: p.device, at: p.reached.at }
                  : { device: p.device, reason: p.reached.reason },
              ),
            }
          : {}),
      };
    } finally {
      await server.close();
    }
  }

  /** Server side: each session on air at its time, FLUTE streamed into it; UC3 stops once the target is reached. */
  async #runSessions(
    windows: readonly SessionWindow[],
    server: CampaignServer,
    tmgi: string,
    fecId: 0 | 1 | 6,
    overhead: number,
    symbolLength: number,
    records: DeviceRecord[],
    ready: readonly number[],
    errors: string[],
  ): Promise<void> {
    const o = this.#o;
    const { clock, enb } = o;
    const target = o.critical?.targetFraction ?? 0.95;
    const deviceClassOf = (imei: string) => {
      const i = records.findIndex((r) => r.imei === imei);
      return o.devices[i]!.image.deviceClass;
    };
    for (const w of windows) {
      await clock.sleep(Math.max(0, w.start - clock.now()), o.signal);
      if (o.useCase === 'uc3' && w.repetition > 1) {
        // The vast majority has it: the remaining repetitions are cancelled.
        const have = ready.filter((i) => records[i]!.fileStatus === 'complete').length;
        if (ready.length > 0 && have / ready.length >= target) {
          for (const rest of windows.filter((x) => x.repetition >= w.repetition)) {
            this.emit('session', {
              repetition: rest.repetition,
              state: 'skipped',
              at: clock.now(),
              detail: `${have}/${ready.length} devices have the file`,
            });
          }
          break;
        }
      }
      try {
        const session = w.device
          ? await asSimOrThrow(enb).openUnicastSession(w.device, { tmgi, group: w.group, port: w.port })
          : await enb.openSession({ tmgi, group: w.group, port: w.port }, o.signal);
        this.emit('session', { repetition: w.repetition, state: 'on-air', at: clock.now() });
        server.event('session', { repetition: w.repetition, state: 'on-air', device: w.device });
        try {
          const sender = new flute.FluteSender({
            clock,
            sink: session.ingress,
            tsi: o.tsi ?? 1,
            fec: fecId,
            overhead,
            symbolLength,
            rateBps: session.rateBps,
            repairBaseUrl: server.repairServer.origin,
            // Lossy air: the FDT often enough that a device missing some packets still learns the files.
            fdtEvery: 16,
          });
          // Unicast carries only the one device's file; multicast every class's file.
          const files = w.device ? [server.fileFor(deviceClassOf(w.device))] : server.files;
          await sender.send(
            files.map((f) => ({ contentLocation: f.contentLocation, bytes: f.image.bytes })),
            o.signal,
          );
          await clock.sleep(Math.max(0, w.stop - clock.now()), o.signal);
        } finally {
          await session.close();
          this.emit('session', { repetition: w.repetition, state: 'off-air', at: clock.now() });
        }
      } catch (e) {
        errors.push(`session ${w.repetition}${w.device ? ` to ${w.device}` : ''}: ${(e as Error).message}`);
      }
    }
  }
}

function fail(r: DeviceRecord, e: unknown): void {
  const pe = e instanceof DevicePhaseError ? e : new DevicePhaseError('setup', e, false);
  r.outcome = pe.rigFault ? 'errored' : 'failed';
  r.failure = { phase: pe.phase, message: pe.message };
}

function asSimOrThrow(enb: CampaignOptions['enb']): SimEnb {
  const sim = asSim(enb);
  if (!sim) throw new Error(`the unicast baseline needs the simulated eNB (this bench has ${enb.kind})`);
  return sim;
}
