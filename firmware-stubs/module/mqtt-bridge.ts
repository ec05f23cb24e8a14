import { EventEmitter } from 'node:events';
import { type Socket, connect as tcpConnect } from 'node:net';
import { MqttClient } from 'mqtt';
import type { Clock } from '../../src/clock/index.ts';

/** Where the emulated network routes MQTT: when set, every open goes here whatever host the AT command names. */
export interface MqttRoute {
  host?: string;
  port?: number;
}

export type MqttOpenResult = { ok: true } | { ok: false; error: 'pdp' | 'dns' | 'network' | 'busy' };
export type MqttConnectResult =
  | { ok: true }
  | { ok: false; error: 'not-open' | 'refused' | 'timeout' | 'closed'; returnCode?: number };
export type MqttOpResult =
  | { ok: true; granted?: number[] }
  | { ok: false; error: 'not-connected' | 'timeout' | 'failed' };

export interface MqttSessionOptions {
  clientId: string;
  username?: string;
  password?: string;
  keepaliveS: number;
  cleanSession: boolean;
  /** 3 = MQTT 3.1, 4 = 3.1.1. */
  protocolVersion: 3 | 4;
  will?: { topic: string; payload: Buffer; qos: 0 | 1 | 2; retain: boolean };
}

export interface MqttInbound {
  client: number;
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  messageId: number;
}

export type MqttSlotState = 'closed' | 'opening' | 'open' | 'connecting' | 'connected';

interface BridgeEvents {
  message: [MqttInbound];
  /** The link died under the module: peer closed, network lost. */
  closed: [client: number, reason: 'peer' | 'network'];
}

/** What the bridge needs from the module. */
export interface MqttBridgeHost {
  readonly clock: Clock;
  readonly route: MqttRoute | undefined;
  /** A PDN connection is up (registered). */
  online(): boolean;
  /** Radio traffic (keeps or makes RRC connected). */
  activity(kind: 'uplink' | 'downlink', bytes: number): void;
  /** Run fn when the network can reach the module (eDRX paging window, after PSM). */
  whenReachable(fn: () => void): void;
}

interface Slot {
  state: MqttSlotState;
  host: string;
  port: number;
  socket?: Socket;
  client?: MqttClient;
}

/** Real-time bound on one network operation: a VirtualClock hold must never outlive a dead broker. */
const NETWORK_BOUND_MS = 15_000;

/**
 * The module's MQTT client, speaking to a real broker with the `mqtt` package. Generic: dialects map
 * their commands (Quectel QMT*, u-blox UMQTT*, SIMCom SM*, Nordic #XMQTT*) onto these operations and
 * its events onto their URCs. A network operation takes clock.hold(…) so a VirtualClock does not
 * jump ahead while real bytes are in flight; every hold is bounded by a real-time timeout.
 * Traffic counts as radio activity (RRC connected). Keepalive pings run on host time and do not.
 */
export class MqttBridge extends EventEmitter<BridgeEvents> {
  readonly #host: MqttBridgeHost;
  readonly #slots = new Map<number, Slot>();

  constructor(host: MqttBridgeHost) {
    super();
    this.#host = host;
  }

  state(client: number): MqttSlotState {
    return this.#slots.get(client)?.state ?? 'closed';
  }

  /** The broker a slot was opened to, as the command named it. */
  endpoint(client: number): { host: string; port: number } | undefined {
    const s = this.#slots.get(client);
    return s && s.state !== 'closed' ? { host: s.host, port: s.port } : undefined;
  }

  /** Open the TCP link to the broker. */
  async open(client: number, host: string, port: number): Promise<MqttOpenResult> {
    if (this.state(client) !== 'closed') return { ok: false, error: 'busy' };
    if (!this.#host.online()) return { ok: false, error: 'pdp' };
    const route = this.#host.route;
    const target = { host: route?.host ?? host, port: route?.port ?? port };
    const slot: Slot = { state: 'opening', host, port };
    this.#slots.set(client, slot);
    this.#host.activity('uplink', 60);
    const result = await this.#bounded<MqttOpenResult>(
      `mqtt connect ${target.host}:${target.port}`,
      { ok: false, error: 'network' },
      () =>
        new Promise((resolve) => {
          const socket = tcpConnect(target);
          socket.once('connect', () => {
            socket.removeAllListeners('error');
            slot.socket = socket;
            resolve({ ok: true });
          });
          socket.once('error', (e: NodeJS.ErrnoException) => {
            socket.destroy();
            resolve({
              ok: false,
              error: e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN' ? 'dns' : 'network',
            });
          });
        }),
    );
    if (this.#slots.get(client) !== slot) {
      slot.socket?.destroy();
      return { ok: false, error: 'network' };
    }
    if (!result.ok) {
      this.#slots.delete(client);
      return result;
    }
    slot.state = 'open';
    slot.socket!.on('error', () => {});
    slot.socket!.once('close', () => this.#lost(client, slot));
    return result;
  }

  /** MQTT CONNECT over the open link. */
  async connect(client: number, options: MqttSessionOptions): Promise<MqttConnectResult> {
    const slot = this.#slots.get(client);
    const socket = slot?.state === 'open' ? slot.socket : undefined;
    if (!slot || !socket) return { ok: false, error: 'not-open' };
    slot.state = 'connecting';
    this.#host.activity('uplink', 40 + options.clientId.length);
    const mqtt = new MqttClient(() => socket, {
      clientId: options.clientId,
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      keepalive: options.keepaliveS,
      clean: options.cleanSession,
      protocolVersion: options.protocolVersion,
      protocolId: options.protocolVersion === 3 ? 'MQIsdp' : 'MQTT',
      reconnectPeriod: 0,
      connectTimeout: NETWORK_BOUND_MS,
      ...(options.will ? { will: options.will } : {}),
    });
    slot.client = mqtt;
    const result = await this.#bounded<MqttConnectResult>(
      `mqtt CONNECT ${options.clientId}`,
      { ok: false, error: 'timeout' },
      () =>
        new Promise((resolve) => {
          mqtt.once('connect', () => resolve({ ok: true }));
          mqtt.once('error', (e: Error & { code?: number | string }) =>
            resolve({
              ok: false,
              error: 'refused',
              ...(typeof e.code === 'number' ? { returnCode: e.code } : {}),
            }),
          );
          mqtt.once('close', () => resolve({ ok: false, error: 'closed' }));
        }),
    );
    if (this.#slots.get(client) !== slot) return { ok: false, error: 'closed' };
    if (!result.ok) {
      this.#drop(client, slot);
      return result;
    }
    this.#host.activity('downlink', 4);
    slot.state = 'connected';
    mqtt.on('error', () => {});
    mqtt.on('message', (topic, payload, packet) => {
      this.#host.whenReachable(() => {
        if (this.#slots.get(client) !== slot) return;
        this.#host.activity('downlink', payload.length + topic.length + 4);
        this.emit('message', {
          client,
          topic,
          payload: Buffer.from(payload),
          qos: packet.qos,
          retain: packet.retain,
          messageId: packet.messageId ?? 0,
        });
      });
    });
    return result;
  }

  async subscribe(
    client: number,
    subscriptions: readonly { topic: string; qos: 0 | 1 | 2 }[],
  ): Promise<MqttOpResult> {
    const mqtt = this.#connected(client);
    if (!mqtt) return { ok: false, error: 'not-connected' };
    this.#host.activity(
      'uplink',
      subscriptions.reduce((n, s) => n + s.topic.length + 3, 4),
    );
    const map: Record<string, { qos: 0 | 1 | 2 }> = {};
    for (const s of subscriptions) map[s.topic] = { qos: s.qos };
    return this.#bounded<MqttOpResult>(
      `mqtt SUBSCRIBE ${subscriptions.map((s) => s.topic).join(',')}`,
      { ok: false, error: 'timeout' },
      () =>
        new Promise((resolve) => {
          mqtt.subscribe(map, (err, granted) => {
            if (err) resolve({ ok: false, error: 'failed' });
            else {
              this.#host.activity('downlink', 5);
              resolve({ ok: true, granted: (granted ?? []).map((g) => g.qos) });
            }
          });
        }),
    );
  }

  async unsubscribe(client: number, topics: readonly string[]): Promise<MqttOpResult> {
    const mqtt = this.#connected(client);
    if (!mqtt) return { ok: false, error: 'not-connected' };
    this.#host.activity(
      'uplink',
      topics.reduce((n, t) => n + t.length + 2, 4),
    );
    return this.#bounded<MqttOpResult>(
      `mqtt UNSUBSCRIBE ${topics.join(',')}`,
      { ok: false, error: 'timeout' },
      () =>
        new Promise((resolve) => {
          mqtt.unsubscribe([...topics], (err) =>
            resolve(err ? { ok: false, error: 'failed' } : { ok: true }),
          );
        }),
    );
  }

  async publish(
    client: number,
    topic: string,
    payload: Buffer,
    opts: { qos: 0 | 1 | 2; retain: boolean },
  ): Promise<MqttOpResult> {
    const mqtt = this.#connected(client);
    if (!mqtt) return { ok: false, error: 'not-connected' };
    this.#host.activity('uplink', payload.length + topic.length + 4);
    return this.#bounded<MqttOpResult>(
      `mqtt PUBLISH ${topic}`,
      { ok: false, error: 'timeout' },
      () =>
        new Promise((resolve) => {
          mqtt.publish(topic, payload, { qos: opts.qos, retain: opts.retain }, (err) =>
            resolve(err ? { ok: false, error: 'failed' } : { ok: true }),
          );
        }),
    );
  }

  /** MQTT DISCONNECT and close the link. */
  async disconnect(client: number): Promise<MqttOpResult> {
    const slot = this.#slots.get(client);
    if (!slot || slot.state === 'closed') return { ok: false, error: 'not-connected' };
    this.#slots.delete(client);
    const mqtt = slot.client;
    if (!mqtt) {
      slot.socket?.destroy();
      return { ok: true };
    }
    this.#host.activity('uplink', 2);
    await this.#bounded<void>(
      `mqtt DISCONNECT ${slot.host}`,
      undefined,
      () => new Promise((resolve) => mqtt.end(false, () => resolve())),
    );
    slot.socket?.destroy();
    return { ok: true };
  }

  /** Close the link without DISCONNECT. */
  close(client: number): boolean {
    const slot = this.#slots.get(client);
    if (!slot) return false;
    this.#drop(client, slot);
    return true;
  }

  /** The network went away (deregistration): open links die and say so. */
  networkLost(): void {
    for (const [client, slot] of [...this.#slots]) {
      this.#drop(client, slot);
      this.emit('closed', client, 'network');
    }
  }

  /** Power lost: everything goes, silently. */
  dropAll(): void {
    for (const [client, slot] of [...this.#slots]) this.#drop(client, slot);
  }

  #connected(client: number): MqttClient | undefined {
    const slot = this.#slots.get(client);
    return slot?.state === 'connected' ? slot.client : undefined;
  }

  #lost(client: number, slot: Slot): void {
    if (this.#slots.get(client) !== slot) return;
    this.#slots.delete(client);
    slot.client?.end(true);
    this.emit('closed', client, 'peer');
  }

  #drop(client: number, slot: Slot): void {
    if (this.#slots.get(client) === slot) this.#slots.delete(client);
    slot.client?.end(true);
    slot.socket?.destroy();
  }

  // Hold the clock while real I/O is in flight, never longer than NETWORK_BOUND_MS of host time.
  async #bounded<T>(reason: string, onTimeout: T, work: () => Promise<T>): Promise<T> {
    const hold = this.#host.clock.hold(reason);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        work(),
        new Promise<T>((resolve) => {
          timer = setTimeout(() => resolve(onTimeout), NETWORK_BOUND_MS); // deliberate host time: a safety bound
        }),
      ]);
    } finally {
      clearTimeout(timer);
      hold.release();
    }
  }
}
