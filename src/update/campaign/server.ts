/**
 * The network side of a campaign: the files with their FEC layout, the repair server and the reception
 * report collector on loopback, and the campaign's MQTT client (announcements out, acknowledgements in,
 * campaign events for dashboards). Topics:
 *   rig/campaign/<id>/announce/<imei>   announcement for one device (QoS 1)
 *   rig/campaign/<id>/ack/<imei>        the device's acknowledgement, sent through the module's own MQTT
 *                                       stack: received=1;install=succeeded|failed;version=<v>;at=<ms>
 *   rig/campaign/<id>/events            campaign events (JSON lines), QoS 1
 */
import { createHash } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import type { Clock, EpochMs } from '../../clock/index.ts';
import { fec, repair, report } from '../../mbms/index.ts';
import type { CampaignImage } from './types.ts';

export interface CampaignFile {
  image: CampaignImage;
  contentLocation: string;
  /** Name the module stores it under (the last path segment). */
  name: string;
  md5: string;
  oti: repair.RepairOti;
}

export interface DeviceAck {
  imei: string;
  received: boolean;
  install: 'succeeded' | 'failed';
  version: string;
  at: EpochMs;
}

export interface CampaignServerOptions {
  id: string;
  clock: Clock;
  images: readonly CampaignImage[];
  fec: 0 | 1 | 6;
  symbolLength: number;
  broker: { host: string; port: number };
}

export class CampaignServerError extends Error {
  override name = 'CampaignServerError';
}

/** Margin (real time) after the broker handed the messages on, before the clock may move. */
const BROKER_HANDOFF_MS = 30;

export class CampaignServer implements AsyncDisposable {
  readonly acks = new Map<string, { ack: DeviceAck; receivedAt: EpochMs }>();
  readonly problems: string[] = [];
  #closed = false;

  private constructor(
    readonly id: string,
    readonly clock: Clock,
    readonly files: CampaignFile[],
    readonly repairServer: repair.RepairServer,
    readonly collector: report.ReceptionReportCollector,
    readonly mqtt: MqttClient,
  ) {
    mqtt.on('message', (topic, payload) => this.#onMessage(topic, payload));
    mqtt.on('error', (e) => this.problems.push(`MQTT: ${e.message}`));
    mqtt.on('offline', () =>
      this.problems.push(`MQTT: broker went away at ${new Date(clock.now()).toISOString()}`),
    );
  }

  static async start(o: CampaignServerOptions): Promise<CampaignServer> {
    // Real sockets open here: a virtual clock must not run on while they do.
    const hold = o.clock.hold(`campaign ${o.id}: starting the server side`);
    try {
      return await CampaignServer.#start(o);
    } finally {
      hold.release();
    }
  }

  static async #start(o: CampaignServerOptions): Promise<CampaignServer> {
    const scheme = fec.fecScheme(o.fec);
    const files = o.images.map((image): CampaignFile => {
      const name = `${image.deviceClass}-${image.version}.img`;
      return {
        image,
        contentLocation: `http://bmsc.rig/${o.id}/${name}`,
        name,
        md5: createHash('md5').update(image.bytes).digest('base64'),
        oti: scheme.encoder(image.bytes, { symbolLength: o.symbolLength }).oti as repair.RepairOti,
      };
    });
    const repairServer = await repair.RepairServer.start({
      clock: o.clock,
      files: files.map((f) => ({
        contentLocation: f.contentLocation,
        content: f.image.bytes,
        contentMd5: f.md5,
        oti: f.oti,
        // Each file is also served whole under its fileURI's path (installs by URL, devices that lost every FDT).
        path: new URL(f.contentLocation).pathname,
      })),
    });
    let collector: report.ReceptionReportCollector | undefined;
    try {
      collector = await report.ReceptionReportCollector.start({ clock: o.clock });
      const url = `mqtt://${o.broker.host}:${o.broker.port}`;
      const mqtt = await connectAsync(url, {
        clientId: `rig-campaign-${o.id}`,
        reconnectPeriod: 500,
        connectTimeout: 5000,
        clean: true,
      }).catch((e: Error) => {
        throw new CampaignServerError(`campaign ${o.id}: MQTT broker ${url}: ${e.message}`);
      });
      const server = new CampaignServer(o.id, o.clock, files, repairServer, collector, mqtt);
      await mqtt.subscribeAsync(`rig/campaign/${o.id}/ack/+`, { qos: 1 });
      return server;
    } catch (e) {
      await collector?.close();
      await repairServer.close();
      throw e;
    }
  }

  fileFor(deviceClass: string): CampaignFile {
    const f = this.files.find((x) => x.image.deviceClass === deviceClass);
    if (!f) throw new CampaignServerError(`campaign ${this.id}: no image for device class ${deviceClass}`);
    return f;
  }

  /** URL a module that installs only from http(s) fetches the image from. */
  urlOf(file: CampaignFile): string {
    return `${this.repairServer.origin}${new URL(file.contentLocation).pathname}`;
  }

  announceTopic(imei: string): string {
    return `rig/campaign/${this.id}/announce/${imei}`;
  }

  ackTopic(imei: string): string {
    return `rig/campaign/${this.id}/ack/${imei}`;
  }

  /**
   * Publish messages (QoS 1) and keep a virtual clock still until the broker has passed them on: the
   * server subscribes to the same topics and waits for its own copies (the broker forwards to every
   * subscriber in one pass), plus a short margin. Returns the topics that could not be published.
   */
  async publishAll(
    messages: readonly { topic: string; payload: Uint8Array | string }[],
  ): Promise<Map<string, Error>> {
    const failed = new Map<string, Error>();
    if (messages.length === 0) return failed;
    const hold = this.clock.hold(`MQTT publish of ${messages.length} message(s)`);
    const pending = new Set(messages.map((m) => m.topic));
    const onEcho = (topic: string) => pending.delete(topic);
    this.mqtt.on('message', onEcho);
    try {
      const topics = [...pending];
      await this.mqtt.subscribeAsync(topics, { qos: 0 });
      await Promise.all(
        messages.map((m) =>
          this.mqtt.publishAsync(m.topic, Buffer.from(m.payload), { qos: 1 }).catch((e: Error) => {
            failed.set(m.topic, e);
            pending.delete(m.topic);
          }),
        ),
      );
      const end = Date.now() + BROKER_HANDOFF_MS * 10;
      while (pending.size > 0 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 2));
      await new Promise((resolve) => setTimeout(resolve, BROKER_HANDOFF_MS));
      await this.mqtt.unsubscribeAsync(topics).catch(() => {});
    } finally {
      this.mqtt.off('message', onEcho);
      hold.release();
    }
    return failed;
  }

  /** A campaign event for dashboards; a broker that is away queues it (mqtt.js offline queue). */
  event(kind: string, detail: Record<string, unknown>): void {
    const body = JSON.stringify({ kind, at: this.clock.now(), campaign: this.id, ...detail });
    this.mqtt.publish(`rig/campaign/${this.id}/events`, body, { qos: 1 }, (e) => {
      if (e && !this.#closed) this.problems.push(`MQTT event ${kind}: ${e.message}`);
    });
  }

  /** Wait (real time, clock held) until acks from these devices arrived, or the wait ends. */
  async awaitAcks(imeis: readonly string[], realMs: number): Promise<void> {
    const hold = this.clock.hold('waiting for MQTT acknowledgements');
    try {
      const end = Date.now() + realMs;
      while (Date.now() < end && imeis.some((i) => !this.acks.has(i))) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      hold.release();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const hold = this.clock.hold(`campaign ${this.id}: closing the server side`);
    try {
      await this.mqtt.endAsync(true).catch(() => {});
      await this.collector.close();
      await this.repairServer.close();
    } finally {
      hold.release();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #onMessage(topic: string, payload: Buffer): void {
    const m = /^rig\/campaign\/[^/]+\/ack\/([^/]+)$/.exec(topic);
    if (!m) return;
    try {
      const ack = parseAck(m[1]!, payload.toString('latin1'));
      this.acks.set(m[1]!, { ack, receivedAt: this.clock.now() });
    } catch (e) {
      this.problems.push(`ack on ${topic}: ${(e as Error).message}`);
    }
  }
}

/** The acknowledgement as a device sends it: `received=1;install=succeeded;version=2.0.4;at=…`. */
export function formatAck(a: Omit<DeviceAck, 'imei'>): string {
  if (/[;="\\]/.test(a.version))
    throw new CampaignServerError(`version ${JSON.stringify(a.version)} cannot go in an ack`);
  return `received=${a.received ? 1 : 0};install=${a.install};version=${a.version};at=${Math.round(a.at)}`;
}

/** Parses an acknowledgement; throws naming what is wrong. */
export function parseAck(imei: string, text: string): DeviceAck {
  const fields = new Map<string, string>();
  for (const part of text.trim().split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`not key=value: "${part.slice(0, 40)}" in "${text.slice(0, 120)}"`);
    fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const install = fields.get('install');
  const version = fields.get('version');
  if (install !== 'succeeded' && install !== 'failed')
    throw new Error(`install must be succeeded or failed, got ${JSON.stringify(install)}`);
  if (version === undefined) throw new Error(`no version in "${text.slice(0, 120)}"`);
  return { imei, received: fields.get('received') === '1', install, version, at: Number(fields.get('at')) };
}
