/**
 * One device through a campaign, as its host application drives it over AT: set-up, wait for the
 * announcement (it arrives through the module's own MQTT session when the network can reach it), sleep
 * until the session, join, wait for the file, read it back and verify it, install it through the module's
 * update path, acknowledge over MQTT, read the running version back.
 */
import type { KeyObject } from 'node:crypto';
import type { Clock, EpochMs } from '../../clock/index.ts';
import { announce } from '../../mbms/index.ts';
import type { MbmsFileEvent, MqttMessage } from '../../modem/index.ts';
import { verifyImage } from '../image/index.ts';
import { type CampaignFile, type CampaignServer, formatAck } from './server.ts';
import type { CampaignDevice, DevicePhase, DeviceRecord, HostReception, UseCase } from './types.ts';
import { nextEvent } from './wait.ts';

export interface FollowContext {
  clock: Clock;
  server: CampaignServer;
  useCase: UseCase;
  tmgi: string;
  broker: { host: string; port: number };
  wakeGuardMs: number;
  /** Longest a device waits for its file after a session's stop (repair back-off and exchange). */
  repairWindowMs: number;
  deadline: EpochMs;
  verification?: { publicKey: KeyObject; vendor?: string };
  hostReception?: HostReception;
  signal?: AbortSignal;
  onPhase(device: CampaignDevice, phase: DevicePhase, start: EpochMs, end: EpochMs): void;
}

/** A device error with the phase it happened in. */
export class DevicePhaseError extends Error {
  override name = 'DevicePhaseError';
  constructor(
    readonly phase: DevicePhase,
    override readonly cause: unknown,
    readonly rigFault: boolean,
  ) {
    super(`${phase}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** Errors of the rig or its infrastructure, not of the device (LAVA's line between ERROR and FAIL). */
export const RIG_FAULTS: ReadonlySet<string> = new Set([
  'AtPortError',
  'AtClosedError',
  'TransportError',
  'CampaignServerError',
  'BrokerError',
  'EnbError',
]);

async function phase<T>(
  d: CampaignDevice,
  ctx: FollowContext,
  name: DevicePhase,
  work: () => Promise<T>,
): Promise<T> {
  const start = ctx.clock.now();
  try {
    return await work();
  } catch (e) {
    if (e instanceof DevicePhaseError) throw e;
    throw new DevicePhaseError(name, e, RIG_FAULTS.has((e as Error).name));
  } finally {
    ctx.onPhase(d, name, start, ctx.clock.now());
  }
}

export async function setUpDevice(d: CampaignDevice, rec: DeviceRecord, ctx: FollowContext): Promise<void> {
  const m = d.modem;
  await phase(d, ctx, 'setup', async () => {
    rec.imei = m.identity.imei;
    rec.model = m.identity.model;
    rec.versionBefore = m.identity.revision;
    // A module asleep since the last campaign loses the first command: wake it; and close an MQTT session
    // an earlier campaign may have left open.
    await m.wake();
    await m.attach({ timeoutMs: 300_000 });
    await m.mqttDisconnect().catch(() => {});
    await m.mqttConnect({ host: ctx.broker.host, port: ctx.broker.port, clientId: `rig-dut-${rec.imei}` });
    await m.mqttSubscribe(ctx.server.announceTopic(rec.imei), 1);
    await m.multicastEnable(true);
    if (d.edrx) await m.setEdrx(d.edrx);
    if (d.psm) await m.setPsm(d.psm);
  });
}

/** Start listening for the device's announcement before it is published (it may arrive at once). */
export function listenForAnnouncement(
  d: CampaignDevice,
  rec: DeviceRecord,
  ctx: FollowContext,
): Promise<MqttMessage> {
  const imei = rec.imei ?? d.modem.identity.imei;
  const p = nextEvent<MqttMessage>(
    d.modem,
    'mqtt-message',
    (msg) => msg.topic === ctx.server.announceTopic(imei),
    ctx.clock,
    Math.max(0, ctx.deadline - ctx.clock.now()),
    `${d.name}: the announcement`,
    ctx.signal,
  );
  p.catch(() => {});
  return p;
}

export async function followDevice(
  d: CampaignDevice,
  rec: DeviceRecord,
  ctx: FollowContext,
  announcement: Promise<MqttMessage>,
): Promise<void> {
  const { clock } = ctx;
  const m = d.modem;
  const file = ctx.server.fileFor(d.image.deviceClass);
  const message = await phase(d, ctx, 'wait-announcement', () => announcement);
  rec.announcedAt = clock.now();
  let content: announce.AnnouncementContent;
  try {
    content = announce.decodeAnnouncementMessage(
      Buffer.from(message.payload.toString('latin1'), 'base64'),
    ).content;
  } catch (e) {
    throw new DevicePhaseError('wait-announcement', e, false);
  }
  const windows = [...content.schedule.sessions].sort((a, b) => a.start - b.start);

  if (d.reception === 'host') return finishHostReceived(d, rec, ctx, file, windows);

  let received: MbmsFileEvent | undefined;
  for (const [i, w] of windows.entries()) {
    if (w.start - ctx.wakeGuardMs < clock.now() && w.stop - clock.now() < 1000) continue; // already over
    if (w.start < clock.now()) continue; // joining mid-session would miss its start: take the next one
    await phase(d, ctx, 'sleep-until-session', () =>
      clock.sleep(Math.max(0, w.start - ctx.wakeGuardMs - clock.now()), ctx.signal),
    );
    received = await phase(d, ctx, 'reception', async () => {
      const fileEvent = nextEvent<MbmsFileEvent>(
        m,
        'mbms-file',
        (f) => f.contentLocation === file.contentLocation,
        clock,
        Math.max(0, w.stop + ctx.repairWindowMs - clock.now()),
        `${d.name}: ${file.name} from session ${i + 1}`,
        ctx.signal,
      );
      fileEvent.catch(() => {});
      await m.wake();
      await m.multicastJoin(ctx.tmgi);
      const tunedAt = clock.now();
      rec.attended.push({
        repetition: i + 1,
        scheduledStart: w.start,
        tunedAt,
        alignmentErrorMs: tunedAt - w.start,
      });
      try {
        return await fileEvent;
      } catch (e) {
        if ((e as Error).name === 'CampaignTimeout') return undefined;
        throw e;
      } finally {
        await m.multicastLeave(ctx.tmgi).catch(() => {});
      }
    });
    if (received?.status === 'complete') break;
  }
  rec.fileAt = received ? clock.now() : undefined;
  rec.fileStatus = received?.status ?? 'not received';
  if (received?.status !== 'complete') {
    throw new DevicePhaseError(
      'reception',
      new Error(
        windows.length === 0
          ? 'the announcement lists no session'
          : received
            ? `${file.name} arrived ${received.status} after ${rec.attended.length} session(s)`
            : `${file.name} not received in ${rec.attended.length} attended session(s) of ${windows.length}`,
      ),
      false,
    );
  }

  await installAndAcknowledge(d, rec, ctx, file, undefined);
}

/** Host reception: the session is received on the module's behalf; the module sleeps through it. */
async function finishHostReceived(
  d: CampaignDevice,
  rec: DeviceRecord,
  ctx: FollowContext,
  file: CampaignFile,
  windows: readonly { start: EpochMs; stop: EpochMs }[],
): Promise<void> {
  const host = ctx.hostReception;
  if (!host)
    throw new DevicePhaseError(
      'reception',
      new Error('host reception asked for, but the bench has no host receiver'),
      true,
    );
  const last = windows[windows.length - 1];
  if (!last) throw new DevicePhaseError('reception', new Error('the announcement lists no session'), false);
  const bytes = await phase(d, ctx, 'reception', () =>
    host.file(file.contentLocation, last.stop + ctx.repairWindowMs, ctx.signal),
  );
  rec.fileAt = bytes ? ctx.clock.now() : undefined;
  rec.fileStatus = bytes ? 'complete' : 'not received';
  if (!bytes)
    throw new DevicePhaseError(
      'reception',
      new Error(`${file.name}: the host did not receive it (srsUE)`),
      true,
    );
  await installAndAcknowledge(d, rec, ctx, file, bytes);
}

/**
 * The file is on the module (module reception) or in hand (host reception): verify, install, acknowledge
 * over MQTT, read the version back.
 */
async function installAndAcknowledge(
  d: CampaignDevice,
  rec: DeviceRecord,
  ctx: FollowContext,
  file: CampaignFile,
  received: Uint8Array | undefined,
): Promise<void> {
  const { clock } = ctx;
  const m = d.modem;
  const imei = rec.imei ?? m.identity.imei;
  const path = received ? stagedPath(m.identity.dialect) : installPath(m.identity.dialect);
  const bytes = await phase(d, ctx, 'verification', async () => {
    if (path === 'url' && !received) return undefined; // no file system over AT: the module's agent verifies on install
    const read = received ?? (await m.readFile(file.name));
    if (ctx.verification) {
      const v = verifyImage(read, {
        publicKey: ctx.verification.publicKey,
        ...(ctx.verification.vendor ? { vendor: ctx.verification.vendor } : {}),
        deviceClass: d.image.deviceClass,
        hardwareRevision: '',
        minSecurityCounter: 0,
        maxSize: Number.MAX_SAFE_INTEGER,
      });
      rec.verified = v.ok;
      if (!v.ok) throw new Error(`${file.name} does not verify: ${v.error.message}`);
    }
    return read;
  });

  let installError: unknown;
  await phase(d, ctx, 'install', async () => {
    try {
      rec.versionAfter = await install(m, file, path, ctx, bytes);
      const ok = rec.versionAfter === d.image.version || rec.versionAfter.includes(d.image.version);
      rec.install = {
        result: ok ? 'succeeded' : 'failed',
        at: clock.now(),
        path,
        ...(ok ? {} : { detail: `running ${rec.versionAfter}, expected ${d.image.version}` }),
      };
    } catch (e) {
      installError = e;
      rec.install = { result: 'failed', at: clock.now(), path, detail: (e as Error).message };
    }
  });

  await phase(d, ctx, 'acknowledgement', async () => {
    try {
      // The module restarted into its new image: its MQTT session is gone.
      await m.wake();
      await m.attach({ timeoutMs: 300_000 });
      await m.mqttConnect({ host: ctx.broker.host, port: ctx.broker.port, clientId: `rig-dut-${imei}` });
      // key=value;… : no quotes or braces, so every module's text-mode publish can carry it.
      const body = formatAck({
        received: true,
        install: rec.install?.result ?? 'failed',
        version: rec.versionAfter ?? rec.versionBefore ?? '',
        at: clock.now(),
      });
      await m.mqttPublish(ctx.server.ackTopic(imei), body, 1);
      rec.ack = { at: clock.now() };
    } catch (e) {
      rec.ack = { failed: (e as Error).message };
    }
  });

  await phase(d, ctx, 'readback', async () => {
    const lines = await m.engine.send('AT+CGMR');
    const text = lines.lines.join(' ');
    if (rec.install?.result === 'succeeded' && !text.includes(d.image.version))
      throw new Error(`AT+CGMR reads "${text}", expected ${d.image.version}`);
  });
  // Leave the module as the campaign found it: no MQTT session left open.
  await m.mqttDisconnect().catch(() => {});
  if (installError)
    throw new DevicePhaseError('install', installError, RIG_FAULTS.has((installError as Error).name));
  if (rec.install?.result !== 'succeeded')
    throw new DevicePhaseError('install', new Error(rec.install?.detail ?? 'install failed'), false);
  rec.updatedAt = rec.install.at;
}

/** How a module takes an image that arrived by multicast into its file system. */
export function installPath(dialect: string): 'module-file' | 'upload' | 'url' {
  if (dialect === 'quectel') return 'module-file'; // AT+QFOTADL="UFS:<name>"
  if (dialect === 'ublox') return 'upload'; // FOAT: the package must be written under the FOAT tag
  return 'url'; // SIMCom and nRF91 SLM fetch their update over HTTP
}

/** How a module takes an image the host stages onto it over AT (SIMCom could take an upload too; by URL it
 * downloads the package itself, as it does in the field). */
export function stagedPath(dialect: string): 'upload' | 'url' {
  return dialect === 'quectel' || dialect === 'ublox' ? 'upload' : 'url';
}

async function install(
  m: CampaignDevice['modem'],
  file: CampaignFile,
  path: 'module-file' | 'upload' | 'url',
  ctx: FollowContext,
  bytes: Uint8Array | undefined,
): Promise<string> {
  if (path === 'module-file') return m.firmwareUpdate(file.name, { timeoutMs: 30 * 60_000 });
  if (path === 'upload') {
    if (!bytes) throw new Error('no image bytes to stage');
    const target = m.firmwareUploadTarget;
    if (!target) throw new Error(`the ${m.identity.dialect} dialect takes no uploaded update package`);
    await m.uploadFile(target, Buffer.from(bytes));
    return m.firmwareUpdate(target, { timeoutMs: 30 * 60_000 });
  }
  return m.firmwareUpdate(ctx.server.urlOf(file), { timeoutMs: 30 * 60_000 });
}
