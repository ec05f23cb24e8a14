import { EventEmitter } from 'node:events';
import { type Socket, connect as tcpConnect } from 'node:net';
import { ReadlineParser } from '@serialport/parser-readline';
import type { Clock, Milliseconds, Timer } from '../../clock/index.ts';
import { whileHeld, writeHeld } from '../../clock/index.ts';
import { OtiiCommandError, OtiiConnectionError, OtiiTimeoutError } from './errors.ts';

/** The Otii automation server's default address (otii_client.py DEFAULT_HOST / DEFAULT_PORT). */
export const OTII_DEFAULT_HOST = '127.0.0.1';
export const OTII_DEFAULT_PORT = 1905;

export interface OtiiConnectOptions {
  clock: Clock;
  host?: string;
  port?: number;
  /** Deadline for the TCP connect and the server's greeting (default 5 s). */
  connectTimeoutMs?: Milliseconds;
  /** Default deadline per request (default 10 s). */
  timeoutMs?: Milliseconds;
}

/** What the server says about itself when a client connects. */
export interface OtiiServerInfo {
  otii_version?: string;
  protocol_version?: string;
  server?: string;
}

type JsonObject = Record<string, unknown>;

interface Pending {
  cmd: string;
  resolve(data: JsonObject): void;
  reject(error: Error): void;
  timer: Timer;
  deadline: Milliseconds;
}

interface ConnectionEvents {
  /** `{"type":"information",…}` messages after the greeting. */
  information: [message: JsonObject];
}

/**
 * The Otii TCP automation protocol (reference power.md §2): one JSON object per message, each ended
 * by CR LF; requests `{"type":"request","cmd","trans_id","data"}`, answered by a `response` or an
 * `error` carrying the same trans_id; `progress` messages for long commands; `information` messages,
 * the first of which greets the client on connect. Requests may overlap: answers are matched by id.
 */
export class OtiiConnection extends EventEmitter<ConnectionEvents> implements AsyncDisposable {
  readonly label: string;
  readonly server: OtiiServerInfo;
  readonly #socket: Socket;
  readonly #clock: Clock;
  readonly #timeoutMs: Milliseconds;
  readonly #pending = new Map<string, Pending>();
  #nextId = 0;
  #closedBy: Error | undefined;
  #closing = false;

  private constructor(socket: Socket, label: string, server: OtiiServerInfo, options: OtiiConnectOptions) {
    super();
    this.#socket = socket;
    this.label = label;
    this.server = server;
    this.#clock = options.clock;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Connects and waits for the server's greeting; a server that refuses the client fails here. */
  static async connect(options: OtiiConnectOptions): Promise<OtiiConnection> {
    const host = options.host ?? OTII_DEFAULT_HOST;
    const port = options.port ?? OTII_DEFAULT_PORT;
    const label = `otii ${host}:${port}`;
    const { clock } = options;
    const deadline = options.connectTimeoutMs ?? 5000;
    const parser = new ReadlineParser({ delimiter: '\r\n', encoding: 'utf8', readableObjectMode: true });
    const backlog: string[] = [];
    const { socket, greeting } = await whileHeld(
      clock,
      `otii connect ${host}:${port}`,
      () =>
        new Promise<{ socket: Socket; greeting: JsonObject }>((resolve, reject) => {
          const socket = tcpConnect({ host, port });
          const fail = (error: Error) => {
            timer.cancel();
            socket.destroy();
            reject(error);
          };
          const timer = clock.setTimer(deadline, () =>
            fail(new OtiiConnectionError(label, `no greeting within ${deadline} ms of connecting`)),
          );
          socket.once('error', (error) =>
            fail(new OtiiConnectionError(label, 'connect failed', { cause: error })),
          );
          socket.once('close', () =>
            fail(new OtiiConnectionError(label, 'closed before greeting the client')),
          );
          socket.once('connect', () => socket.setNoDelay(true));
          socket.on('data', (chunk: Buffer) => parser.write(chunk));
          let greeted = false;
          parser.on('data', (line: string) => {
            // Anything after the greeting waits for the connection object.
            if (greeted) return backlog.push(line);
            greeted = true;
            const message = parseMessage(line);
            if (!message)
              return fail(new OtiiConnectionError(label, `not an Otii server: first message ${clip(line)}`));
            if (message.type === 'error') {
              return fail(new OtiiCommandError(label, 'connect', String(message.errorcode), message.data));
            }
            if (message.type !== 'information') {
              return fail(new OtiiConnectionError(label, `expected the greeting, got ${clip(line)}`));
            }
            timer.cancel();
            socket.removeAllListeners('close');
            resolve({ socket, greeting: message });
          });
        }),
    );
    const info = (greeting.data ?? {}) as OtiiServerInfo;
    const connection = new OtiiConnection(socket, label, info, options);
    connection.#attach(parser, backlog);
    return connection;
  }

  get closed(): boolean {
    return this.#closedBy !== undefined;
  }

  /** Sends a request and resolves with the response's `data` (an empty object when it has none). */
  request<T extends JsonObject = JsonObject>(
    cmd: string,
    data?: JsonObject,
    options: { timeoutMs?: Milliseconds } = {},
  ): Promise<T> {
    if (this.#closedBy) {
      return Promise.reject(
        new OtiiConnectionError(this.label, `${cmd}: connection is closed`, { cause: this.#closedBy }),
      );
    }
    const transId = String(++this.#nextId);
    const deadline = options.timeoutMs ?? this.#timeoutMs;
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = {
        cmd,
        resolve: (d) => resolve(d as T),
        reject,
        deadline,
        timer: this.#clock.setTimer(deadline, () => this.#expire(transId)),
      };
      this.#pending.set(transId, pending);
      const message: JsonObject = { type: 'request', cmd, trans_id: transId };
      if (data !== undefined) message.data = data;
      writeHeld(this.#clock, this.#socket, `${JSON.stringify(message)}\r\n`, `otii ${cmd}`, (error) => {
        if (error)
          this.#settle(
            transId,
            new OtiiConnectionError(this.label, `sending ${cmd} failed`, { cause: error }),
          );
      });
    });
  }

  close(): Promise<void> {
    this.#closing = true;
    return new Promise((resolve) => {
      if (this.#closedBy) return resolve();
      this.#socket.once('close', () => resolve());
      this.#socket.destroy();
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #attach(parser: ReadlineParser, backlog: string[]): void {
    parser.removeAllListeners('data');
    for (const line of backlog) this.#onLine(line);
    parser.on('data', (line: string) => this.#onLine(line));
    let lastError: Error | undefined;
    this.#socket.removeAllListeners('error');
    this.#socket.on('error', (error) => {
      lastError = error;
    });
    this.#socket.on('close', () => this.#onClosed(lastError));
  }

  #onLine(line: string): void {
    if (line.trim() === '') return;
    const message = parseMessage(line);
    if (!message) {
      // Framing is lost; no answer can be trusted to belong to its request any more.
      this.#failAll(new OtiiConnectionError(this.label, `unparseable message ${clip(line)}`));
      this.#socket.destroy();
      return;
    }
    const transId = typeof message.trans_id === 'string' ? message.trans_id : undefined;
    switch (message.type) {
      case 'response':
        if (transId) this.#settle(transId, (message.data ?? {}) as JsonObject);
        return;
      case 'error': {
        // An error without trans_id (a request the server could not parse) belongs to the only request waiting.
        const id = transId ?? (this.#pending.size === 1 ? [...this.#pending.keys()][0] : undefined);
        if (!id) return;
        const cmd = typeof message.cmd === 'string' ? message.cmd : (this.#pending.get(id)?.cmd ?? '?');
        this.#settle(id, new OtiiCommandError(this.label, cmd, String(message.errorcode), message.data));
        return;
      }
      case 'progress':
        // Long commands (saving, opening) report progress: the server is alive, restart its deadline.
        if (transId) this.#refresh(transId);
        return;
      case 'information':
        this.emit('information', message);
        return;
    }
  }

  #settle(transId: string, outcome: JsonObject | Error): void {
    const pending = this.#pending.get(transId);
    if (!pending) return; // answered after its deadline: nobody waits for it any more
    this.#pending.delete(transId);
    pending.timer.cancel();
    if (outcome instanceof Error) pending.reject(outcome);
    else pending.resolve(outcome);
  }

  #refresh(transId: string): void {
    const pending = this.#pending.get(transId);
    if (!pending) return;
    pending.timer.cancel();
    pending.timer = this.#clock.setTimer(pending.deadline, () => this.#expire(transId));
  }

  #expire(transId: string): void {
    const pending = this.#pending.get(transId);
    if (!pending) return;
    this.#settle(transId, new OtiiTimeoutError(this.label, pending.cmd, pending.deadline));
  }

  #onClosed(cause: Error | undefined): void {
    if (this.#closedBy) return;
    const what = this.#closing ? 'connection closed' : 'connection closed by the Otii server';
    this.#closedBy = new OtiiConnectionError(this.label, what, cause ? { cause } : undefined);
    for (const [id, p] of this.#pending) {
      this.#settle(
        id,
        new OtiiConnectionError(this.label, `${p.cmd}: ${what}`, cause ? { cause } : undefined),
      );
    }
  }

  #failAll(error: Error): void {
    for (const id of [...this.#pending.keys()]) this.#settle(id, error);
  }
}

function parseMessage(line: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const message = value as JsonObject;
    return typeof message.type === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}

function clip(text: string, max = 100): string {
  const shown = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(shown);
}
