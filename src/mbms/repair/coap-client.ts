/**
 * A small CoAP client (RFC 7252 confirmable exchanges, RFC 7959 Block2 download and Block1 upload) on
 * a connected UDP socket, timed by the injected Clock. Connected, so that a closed port on the far side
 * comes back as an ICMP error at once instead of a wait through every retransmission.
 *
 * While an exchange is in flight the clock is held: a VirtualClock must not jump to the retransmission
 * timer while the loopback peer is still answering.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { Clock, Timer } from '../../clock/index.ts';
import {
  type BlockOption,
  blockSize,
  type CoapMessage,
  CoapMethod,
  type CoapOption,
  CoapOptionNumber,
  CoapType,
  codeText,
  decodeBlock,
  decodeCoap,
  encodeBlock,
  encodeCoap,
  encodeUint,
  option,
} from './coap-message.ts';

export interface CoapClientOptions {
  clock: Clock;
  /** Seeded source for message IDs, tokens and retransmission jitter. */
  random: () => number;
  host: string;
  port: number;
  /** RFC 7252 ACK_TIMEOUT (2 s) and MAX_RETRANSMIT (4). */
  ackTimeoutMs?: number;
  maxRetransmit?: number;
  /** How long to wait for a separate response after an empty ACK. */
  responseTimeoutMs?: number;
}

export interface CoapRequest {
  method: keyof typeof CoapMethod;
  /** Uri-Path segments. */
  path?: readonly string[];
  /** Uri-Query arguments, one option each. */
  query?: readonly string[];
  options?: readonly CoapOption[];
  contentFormat?: number;
  payload?: Uint8Array;
  /** Ask for this one block (RFC 7959 "control usage"); with followBlocks the rest follow. */
  block2?: { num: number; szx: number };
  /** Fetch the following blocks while the server says more (default true). */
  followBlocks?: boolean;
  /** Block size exponent for Block1 uploads of larger payloads (default 6: 1024 bytes). */
  block1Szx?: number;
  signal?: AbortSignal;
}

export interface CoapResponse {
  code: number;
  /** "2.05". */
  codeText: string;
  /** Options of the first response message (ETag, Content-Format, Block2 …). */
  options: CoapOption[];
  /** The whole representation when blocks were followed, else this message's payload. */
  payload: Uint8Array;
  /** Request/response exchanges it took. */
  exchanges: number;
  /** Block2 of the first response, if the reply was block-wise. */
  block2?: BlockOption;
}

export class CoapClientError extends Error {
  override name = 'CoapClientError';
  constructor(
    readonly kind: 'timeout' | 'reset' | 'unreachable' | 'protocol' | 'aborted',
    message: string,
  ) {
    super(message);
  }
}

interface Pending {
  messageId: number;
  token: Uint8Array;
  resolve: (m: CoapMessage) => void;
  reject: (e: Error) => void;
  acked: boolean;
}

export class CoapClient implements AsyncDisposable {
  readonly #options: CoapClientOptions;
  readonly #socket: Socket;
  #messageId: number;
  #pending: Pending | undefined;
  #closed = false;

  private constructor(options: CoapClientOptions, socket: Socket) {
    this.#options = options;
    this.#socket = socket;
    this.#messageId = Math.floor(options.random() * 0x10000);
    socket.on('message', (bytes) => this.#receive(new Uint8Array(bytes)));
    socket.on('error', (error) => {
      const p = this.#pending;
      this.#pending = undefined;
      p?.reject(new CoapClientError('unreachable', `${this.endpoint}: ${error.message}`));
    });
  }

  static async connect(options: CoapClientOptions): Promise<CoapClient> {
    const socket = createSocket(options.host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(options.port, options.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new CoapClient(options, socket);
  }

  get endpoint(): string {
    return `coap://${this.#options.host}:${this.#options.port}`;
  }

  /** One request, with its block-wise continuation; resolves with the final response. */
  async request(req: CoapRequest): Promise<CoapResponse> {
    const hold = this.#options.clock.hold(`CoAP ${req.method} ${this.endpoint}`);
    try {
      const payload = req.payload ?? new Uint8Array(0);
      const szx1 = req.block1Szx ?? 6;
      if (payload.length > blockSize(szx1)) return await this.#upload(req, payload, szx1);
      return await this.#download(req);
    } finally {
      hold.release();
    }
  }

  async #download(req: CoapRequest): Promise<CoapResponse> {
    const follow = req.followBlocks ?? true;
    let block = req.block2 ? { num: req.block2.num, more: false, szx: req.block2.szx } : undefined;
    const chunks: Uint8Array[] = [];
    let first: CoapMessage | undefined;
    let firstBlock: BlockOption | undefined;
    let exchanges = 0;
    for (;;) {
      const extra = block ? [{ number: CoapOptionNumber.Block2, value: encodeBlock(block) }] : [];
      const reply = await this.#exchange(
        this.#message(req, req.payload ?? new Uint8Array(0), extra),
        req.signal,
      );
      exchanges++;
      const b2raw = option(reply, CoapOptionNumber.Block2);
      const b2 = b2raw ? decodeBlock(b2raw) : undefined;
      if (b2raw && !b2) throw new CoapClientError('protocol', `${this.endpoint}: bad Block2 option in reply`);
      if (!first) {
        first = reply;
        firstBlock = b2;
      } else if (!sameEtag(first, reply)) {
        throw new CoapClientError(
          'protocol',
          `${this.endpoint}: representation changed between blocks (ETag)`,
        );
      }
      chunks.push(reply.payload);
      if (!b2?.more || !follow || reply.code >> 5 !== 2) break;
      block = { num: b2.num + 1, more: false, szx: b2.szx };
    }
    const head = first!;
    return {
      code: head.code,
      codeText: codeText(head.code),
      options: head.options,
      payload: concatBytes(chunks),
      exchanges,
      ...(firstBlock ? { block2: firstBlock } : {}),
    };
  }

  async #upload(req: CoapRequest, payload: Uint8Array, szx: number): Promise<CoapResponse> {
    const size = blockSize(szx);
    const token = this.#token(); // one token for the whole Block1 series: the server keys reassembly on it
    let exchanges = 0;
    for (let num = 0; ; num++) {
      const chunk = payload.subarray(num * size, (num + 1) * size);
      const more = (num + 1) * size < payload.length;
      const extra: CoapOption[] = [
        { number: CoapOptionNumber.Block1, value: encodeBlock({ num, more, szx }) },
      ];
      if (num === 0) extra.push({ number: CoapOptionNumber.Size1, value: encodeUint(payload.length) });
      const reply = await this.#exchange(this.#message(req, chunk, extra, token), req.signal);
      exchanges++;
      const continueCode = reply.code === ((2 << 5) | 31); // 2.31 Continue
      if (more && continueCode) continue;
      return {
        code: reply.code,
        codeText: codeText(reply.code),
        options: reply.options,
        payload: reply.payload,
        exchanges,
      };
    }
  }

  #message(req: CoapRequest, payload: Uint8Array, extra: CoapOption[], token = this.#token()): CoapMessage {
    const options: CoapOption[] = [];
    const enc = new TextEncoder();
    for (const p of req.path ?? []) options.push({ number: CoapOptionNumber.UriPath, value: enc.encode(p) });
    for (const q of req.query ?? [])
      options.push({ number: CoapOptionNumber.UriQuery, value: enc.encode(q) });
    if (req.contentFormat !== undefined) {
      options.push({ number: CoapOptionNumber.ContentFormat, value: encodeUint(req.contentFormat) });
    }
    options.push(...(req.options ?? []), ...extra);
    this.#messageId = (this.#messageId + 1) & 0xffff;
    return {
      type: CoapType.CON,
      code: CoapMethod[req.method],
      messageId: this.#messageId,
      token,
      options,
      payload,
    };
  }

  #token(): Uint8Array {
    const r = this.#options.random;
    return Uint8Array.from({ length: 4 }, () => Math.floor(r() * 256));
  }

  /** A confirmable exchange: retransmit until ACK (RFC 7252 §4.2), then wait for a separate reply if needed. */
  #exchange(message: CoapMessage, signal?: AbortSignal): Promise<CoapMessage> {
    if (this.#closed)
      return Promise.reject(new CoapClientError('aborted', `${this.endpoint}: client closed`));
    if (this.#pending)
      return Promise.reject(new CoapClientError('protocol', `${this.endpoint}: exchange in flight`));
    const { clock } = this.#options;
    const bytes = encodeCoap(message);
    const ackTimeout = this.#options.ackTimeoutMs ?? 2000;
    const maxRetransmit = this.#options.maxRetransmit ?? 4;
    return new Promise<CoapMessage>((resolve, reject) => {
      let timer: Timer | undefined;
      let attempts = 0;
      const done = () => {
        timer?.cancel();
        signal?.removeEventListener('abort', onAbort);
        this.#pending = undefined;
      };
      const onAbort = () => {
        done();
        reject(new CoapClientError('aborted', `${this.endpoint}: aborted`));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const pending: Pending = {
        messageId: message.messageId,
        token: message.token,
        acked: false,
        resolve: (m) => {
          done();
          resolve(m);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      };
      this.#pending = pending;
      let timeout = ackTimeout * (1 + 0.5 * this.#options.random());
      const transmit = () => {
        this.#socket.send(bytes);
        timer = clock.setTimer(timeout, () => {
          if (pending.acked) return;
          if (attempts >= maxRetransmit) {
            pending.reject(
              new CoapClientError('timeout', `${this.endpoint}: no ACK after ${attempts + 1} transmissions`),
            );
            return;
          }
          attempts++;
          timeout *= 2;
          transmit();
        });
      };
      transmit();
      if (signal?.aborted) onAbort();
    });
  }

  #receive(bytes: Uint8Array): void {
    const decoded = decodeCoap(bytes);
    const p = this.#pending;
    if (!decoded.ok || !p) return;
    const m = decoded.value;
    if (m.type === CoapType.ACK || m.type === CoapType.RST) {
      if (m.messageId !== p.messageId) return;
      if (m.type === CoapType.RST) {
        p.reject(new CoapClientError('reset', `${this.endpoint}: request reset by the server`));
        return;
      }
      if (m.code === 0) {
        // Empty ACK: the reply comes separately; stop retransmitting, keep waiting on the token.
        p.acked = true;
        this.#awaitSeparate(p);
        return;
      }
      if (sameBytes(m.token, p.token)) p.resolve(m);
      return;
    }
    if (!sameBytes(m.token, p.token)) return;
    if (m.type === CoapType.CON) {
      this.#socket.send(
        encodeCoap({
          type: CoapType.ACK,
          code: 0,
          messageId: m.messageId,
          token: new Uint8Array(0),
          options: [],
          payload: new Uint8Array(0),
        }),
      );
    }
    p.resolve(m);
  }

  #awaitSeparate(p: Pending): void {
    const limit = this.#options.responseTimeoutMs ?? 30_000;
    const timer = this.#options.clock.setTimer(limit, () => {
      if (this.#pending === p) {
        p.reject(new CoapClientError('timeout', `${this.endpoint}: no separate response within ${limit} ms`));
      }
    });
    const resolve = p.resolve;
    const reject = p.reject;
    p.resolve = (m) => {
      timer.cancel();
      resolve(m);
    };
    p.reject = (e) => {
      timer.cancel();
      reject(e);
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#pending?.reject(new CoapClientError('aborted', `${this.endpoint}: client closed`));
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameEtag(a: CoapMessage, b: CoapMessage): boolean {
  const x = option(a, CoapOptionNumber.ETag);
  const y = option(b, CoapOptionNumber.ETag);
  if (!x || !y) return x === y;
  return sameBytes(x, y);
}

function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
