/**
 * MqttPublisher: the run's events on an MQTT broker, for dashboards. All messages are QoS 1 (at least once:
 * a dashboard may see a message twice, never miss one the broker acknowledged).
 *
 * Topics (<prefix> defaults to `rig`; ids are used as topic levels with `/`, `+`, `#` and NUL replaced by `_`):
 *
 *   <prefix>/run/<runId>/event                    every results-log event, as the JSON line the log holds
 *                                                 (see LogEvent in src/runner/model.ts), in log order
 *   <prefix>/run/<runId>/step/<scenario>/<step>   each finished step: the step-end event plus its `title`
 *                                                 and `device` (from step-start)
 *   <prefix>/run/<runId>/verdict                  RETAINED, at run-end: { runId, plan, bench, verdict, counts,
 *                                                 complete: true, endedWall }; a dashboard that subscribes
 *                                                 later still gets the last verdict of each run
 *
 * While the broker is away messages are buffered and sent in order once the client has reconnected
 * (mqtt.js reconnects every reconnectPeriodMs). Memory stays bounded: at most `inflight` messages are handed
 * to mqtt.js (whose store resends them after a reconnect), the rest wait here, and beyond `maxBuffered` the
 * oldest waiting message is dropped and counted (stats().dropped). close() waits for the buffer to drain up
 * to a deadline, then disconnects and says what was left undelivered.
 */
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { LogEvent } from '../model.ts';

export interface MqttPublisherOptions {
  /** Broker URL, e.g. mqtt://127.0.0.1:1883. */
  url: string;
  /** First topic level (default `rig`). */
  prefix?: string;
  /** Messages waiting beyond those in flight; the oldest is dropped past this (default 10 000). */
  maxBuffered?: number;
  /** Messages handed to the client and not yet acknowledged (default 32). */
  inflight?: number;
  /** Wait between reconnection attempts (default 1000 ms). */
  reconnectPeriodMs?: number;
  /** Anything else for mqtt.js (credentials, TLS, client id). */
  client?: IClientOptions;
}

export interface MqttPublisherStats {
  connected: boolean;
  /** Waiting here (not yet handed to the client). */
  buffered: number;
  inflight: number;
  /** Acknowledged by the broker (PUBACK). */
  delivered: number;
  /** Dropped because the buffer was full. */
  dropped: number;
  /** Handed to the client but failed (the client was ended before the broker acknowledged). */
  failed: number;
  lastError?: string;
}

interface Outgoing {
  topic: string;
  payload: string;
  retain: boolean;
}

/** A string as one topic level: no separators or wildcards, never empty. */
export function topicLevel(text: string): string {
  return text.replace(/[/+#\u0000]/g, '_') || '_';
}

export class MqttPublisher {
  readonly #client: MqttClient;
  readonly #prefix: string;
  readonly #max: number;
  readonly #window: number;
  readonly #queue: Outgoing[] = [];
  readonly #steps = new Map<string, { title: string; device?: string }>();
  #runId = 'unknown';
  #inflight = 0;
  #delivered = 0;
  #dropped = 0;
  #failed = 0;
  #lastError: string | undefined;
  #drained: (() => void)[] = [];
  #closing = false;

  constructor(options: MqttPublisherOptions) {
    this.#prefix = options.prefix ?? 'rig';
    this.#max = options.maxBuffered ?? 10_000;
    this.#window = options.inflight ?? 32;
    this.#client = connect(options.url, {
      reconnectPeriod: options.reconnectPeriodMs ?? 1000,
      connectTimeout: 10_000,
      clean: true,
      ...options.client,
    });
    this.#client.on('connect', () => this.#pump());
    this.#client.on('error', (err) => {
      this.#lastError = `MQTT broker ${options.url}: ${err.message}`;
    });
  }

  /** Follow a results log (ResultsLog.onEvent). */
  attach(log: { onEvent(listener: (e: LogEvent) => void): void }): this {
    log.onEvent((e) => this.publish(e));
    return this;
  }

  publish(e: LogEvent): void {
    if (this.#closing) return;
    if (e.t === 'run-start') this.#runId = e.runId;
    const base = `${this.#prefix}/run/${topicLevel(this.#runId)}`;
    this.#enqueue({ topic: `${base}/event`, payload: JSON.stringify(e), retain: false });
    if (e.t === 'step-start')
      this.#steps.set(`${e.scenario}\u0000${e.step}`, {
        title: e.title,
        ...(e.device ? { device: e.device } : {}),
      });
    if (e.t === 'step-end') {
      const known = this.#steps.get(`${e.scenario}\u0000${e.step}`);
      const payload = JSON.stringify({ ...e, title: known?.title ?? e.step, device: known?.device ?? null });
      const topic = `${base}/step/${topicLevel(e.scenario)}/${topicLevel(e.step)}`;
      this.#enqueue({ topic, payload, retain: false });
    }
    if (e.t === 'run-end') {
      const verdict = {
        runId: this.#runId,
        verdict: e.verdict,
        counts: e.counts,
        complete: true,
        endedWall: e.wall,
      };
      this.#enqueue({ topic: `${base}/verdict`, payload: JSON.stringify(verdict), retain: true });
    }
  }

  stats(): MqttPublisherStats {
    return {
      connected: this.#client.connected,
      buffered: this.#queue.length,
      inflight: this.#inflight,
      delivered: this.#delivered,
      dropped: this.#dropped,
      failed: this.#failed,
      ...(this.#lastError ? { lastError: this.#lastError } : {}),
    };
  }

  /**
   * Wait until everything is acknowledged or the deadline passes, then disconnect. Resolves with the final
   * counts: `buffered + inflight` is what never reached the broker.
   */
  async close(options: { deadlineMs?: number } = {}): Promise<MqttPublisherStats> {
    this.#closing = true;
    const deadlineMs = options.deadlineMs ?? 5000;
    if (!this.#idle()) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.#drained.push(resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, deadlineMs);
        }),
      ]);
      clearTimeout(timer);
    }
    const left = this.stats();
    await this.#client.endAsync(!this.#idle());
    return left;
  }

  #idle(): boolean {
    return this.#queue.length === 0 && this.#inflight === 0;
  }

  #enqueue(m: Outgoing): void {
    this.#queue.push(m);
    while (this.#queue.length > this.#max) {
      this.#queue.shift();
      this.#dropped++;
    }
    this.#pump();
  }

  #pump(): void {
    while (this.#client.connected && this.#inflight < this.#window && this.#queue.length > 0) {
      const m = this.#queue.shift()!;
      this.#inflight++;
      this.#client.publish(m.topic, m.payload, { qos: 1, retain: m.retain }, (err) => {
        this.#inflight--;
        if (err) {
          this.#failed++;
          this.#lastError = `publish to ${m.topic}: ${err.message}`;
        } else this.#delivered++;
        this.#pump();
        if (this.#idle()) for (const resolve of this.#drained.splice(0)) resolve();
      });
    }
  }
}
