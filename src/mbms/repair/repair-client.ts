/**
 * The device side of HTTP file repair (TS 26.346 §9.3): back-off, server choice, symbol-based requests
 * built from the missing symbols, byte-range requests with If-Match, and the reply cases of §9.3.7:
 * symbols (fewer than asked means ask again), 302 to another server or to a broadcast repair session,
 * 400 with its 4-digit code, 501, 503 with Retry-After, and servers that do not answer.
 */
import { Agent } from 'node:http';
import type { Clock, Milliseconds } from '../../clock/index.ts';
import {
  type ByteRange,
  boundaryOf,
  formatRangeHeader,
  mergeRanges,
  parseContentRange,
  parseMultipart,
  quoteEtag,
} from './byte-range.ts';
import { type HttpReply, httpExchange } from './http-exchange.ts';
import { parseRepairErrorBody } from './repair-errors.ts';
import { type BackoffParams, backoffDelayMs, ServerPool } from './server-pool.ts';
import {
  decodeSymbolContainer,
  type RepairSymbol,
  SYMBOL_CONTAINER_MIME,
  symbolKey,
} from './symbol-container.ts';
import { type RepairOti, SymbolLayout } from './symbol-layout.ts';
import { buildSymbolRepairUrls, type MissingSymbols, parseRepairQuery } from './symbol-query.ts';

export interface RepairClientOptions {
  clock: Clock;
  /** Seeded source for the back-off draw and the server choice. */
  random: () => number;
  /** postFileRepair@offsetTime and @randomTimePeriod (seconds). */
  backoff: BackoffParams;
  /** Longest request URL before the (SBN, ESI) list is spread over several GETs (§9.3.6.1: e.g. 256). */
  maxUrlLength?: number;
  requestTimeoutMs?: Milliseconds;
  maxRedirects?: number;
  /** Requests in one repair session before giving up (default 50). */
  maxAttempts?: number;
  /** After every server answered 503, wait for the earliest Retry-After and go on (the spec allows it). */
  waitForRetryAfter?: boolean;
  /** User-Agent of the requests (HTTP clients name themselves; a server's log can then tell devices apart). */
  userAgent?: string;
}

export type RepairClientErrorKind =
  | 'exhausted'
  | 'content-md5-not-valid'
  | 'out-of-range'
  | 'not-implemented'
  | 'bad-request'
  | 'precondition-failed'
  | 'bad-reply'
  | 'no-progress';

export class RepairClientError extends Error {
  override name = 'RepairClientError';
  constructor(
    readonly kind: RepairClientErrorKind,
    message: string,
    /** The 4-digit code of a 400 body, when there was one. */
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface RepairAttempt {
  url: string;
  status: number | 'no-answer';
  at: number;
}

export type SymbolRepairResult =
  | { kind: 'symbols'; symbols: RepairSymbol[]; backoffMs: Milliseconds; attempts: RepairAttempt[] }
  /** 302 to the session description of a broadcast/multicast repair session (§9.3.7.3). */
  | { kind: 'broadcast'; sessionDescriptionUri: string; backoffMs: Milliseconds; attempts: RepairAttempt[] };

export interface SymbolRepairRequest {
  fileURI: string;
  contentMd5?: string;
  oti: RepairOti;
  missing: readonly MissingSymbols[];
  /** postFileRepair serviceURIs. */
  servers: readonly string[];
  signal?: AbortSignal;
}

export interface ByteRangeRepairRequest {
  /** Alternate-Content-Location-1 URLs, then -2 (resolved against Base-URL-1/-2). */
  acl1: readonly string[];
  acl2?: readonly string[];
  ranges: readonly ByteRange[];
  /** File-ETag, else Content-MD5: sent as If-Match. */
  entityTag?: string;
  transferLength: number;
  signal?: AbortSignal;
}

export interface ByteRangeRepairResult {
  parts: { range: ByteRange; data: Uint8Array }[];
  backoffMs: Milliseconds;
  attempts: RepairAttempt[];
}

/** One repair session: one back-off, one keep-alive connection per server, then its requests back to back. */
export class RepairClient {
  readonly #o: RepairClientOptions;

  constructor(options: RepairClientOptions) {
    this.#o = options;
  }

  async repairSymbols(req: SymbolRepairRequest): Promise<SymbolRepairResult> {
    const layout = new SymbolLayout(req.oti);
    const backoffMs = await this.#backoff(req.signal);
    const session = new Session(this.#o, [req.servers], req.signal);
    try {
      const remaining = new Map<number, Set<number>>();
      for (const m of req.missing) if (m.esis.length > 0) remaining.set(m.sbn, new Set(m.esis));
      const got: RepairSymbol[] = [];
      const accept = (symbols: readonly RepairSymbol[]) => {
        for (const s of symbols) {
          const set = remaining.get(s.sbn);
          if (set?.delete(s.esi)) {
            got.push(s);
            if (set.size === 0) remaining.delete(s.sbn);
          }
        }
      };
      while (remaining.size > 0) {
        const before = got.length;
        const server = session.pick();
        const missing = [...remaining].map(([sbn, esis]) => ({ sbn, esis: [...esis] }));
        const urls = buildSymbolRepairUrls(
          server,
          { fileURI: req.fileURI, contentMd5: req.contentMd5, missing },
          this.#o.maxUrlLength,
        );
        const outcome = await this.#symbolRound(session, server, urls, layout, accept);
        if (outcome === 'retry') continue;
        if (typeof outcome === 'object') {
          return {
            kind: 'broadcast',
            sessionDescriptionUri: outcome.uri,
            backoffMs,
            attempts: session.attempts,
          };
        }
        if (got.length === before) {
          throw new RepairClientError(
            'no-progress',
            `repair of ${req.fileURI}: a reply brought none of the missing symbols`,
          );
        }
      }
      return { kind: 'symbols', symbols: got, backoffMs, attempts: session.attempts };
    } finally {
      session.close();
    }
  }

  /** The requests for one set of URLs at one server, handing each reply's symbols to accept. */
  async #symbolRound(
    session: Session,
    server: string,
    urls: readonly string[],
    layout: SymbolLayout,
    accept: (symbols: readonly RepairSymbol[]) => void,
  ): Promise<'done' | 'retry' | { uri: string }> {
    for (const url of urls) {
      const reply = await session.get(server, url, {});
      if (reply.kind === 'retry') return 'retry';
      if (reply.kind === 'broadcast') return { uri: reply.uri };
      const { response } = reply;
      if (response.status === 400) {
        const body = parseRepairErrorBody(new TextDecoder().decode(response.body));
        if (body?.code === '0001') {
          // This server lacks the file; another may have it (§9.3.7.1).
          session.pool.markDead(server, '400 0001 File not found');
          return 'retry';
        }
        const kind =
          body?.code === '0002'
            ? 'content-md5-not-valid'
            : body?.code === '0003'
              ? 'out-of-range'
              : 'bad-request';
        throw new RepairClientError(
          kind,
          `GET ${url}: 400 ${body ? `${body.code} ${body.description}` : 'Bad Request'}`,
          body?.code,
        );
      }
      if (response.status === 501) {
        throw new RepairClientError(
          'not-implemented',
          `GET ${url}: 501 (server ${response.headers.server ?? '?'})`,
        );
      }
      if (response.status !== 200)
        throw new RepairClientError('bad-request', `GET ${url}: ${response.status}`);
      const type = response.headers['content-type'] ?? '';
      if (type.split(';')[0]!.trim().toLowerCase() !== SYMBOL_CONTAINER_MIME.toLowerCase()) {
        throw new RepairClientError(
          'bad-reply',
          `GET ${url}: 200 with Content-Type ${type}, not ${SYMBOL_CONTAINER_MIME}`,
        );
      }
      const decoded = decodeSymbolContainer(response.body, layout, { requested: requestedKeys(url) });
      if (!decoded.ok) throw new RepairClientError('bad-reply', `GET ${url}: ${decoded.error.message}`);
      accept(decoded.value);
    }
    return 'done';
  }

  /** Byte-range repair from the Alternate-Content-Locations (§9.3.6.2): the requested bytes, range by range. */
  async repairByteRanges(req: ByteRangeRepairRequest): Promise<ByteRangeRepairResult> {
    const backoffMs = await this.#backoff(req.signal);
    const session = new Session(this.#o, [req.acl1, req.acl2 ?? []], req.signal);
    try {
      const wanted = mergeRanges(req.ranges);
      const parts: { range: ByteRange; data: Uint8Array }[] = [];
      // The whole GET should stay under 2048 bytes (§9.3.6.2); 1500 for the Range value leaves room.
      for (const batch of batches(wanted, 1500)) {
        for (;;) {
          const server = session.pick();
          const headers: Record<string, string> = { Range: formatRangeHeader(batch) };
          if (req.entityTag !== undefined) headers['If-Match'] = quoteEtag(req.entityTag);
          const reply = await session.get(server, server, headers);
          if (reply.kind === 'retry') continue;
          if (reply.kind === 'broadcast') {
            throw new RepairClientError('bad-reply', `GET ${server}: redirected to a broadcast session`);
          }
          parts.push(...rangeReply(server, reply.response, batch, req.transferLength));
          break;
        }
      }
      return { parts, backoffMs, attempts: session.attempts };
    } finally {
      session.close();
    }
  }

  async #backoff(signal?: AbortSignal): Promise<Milliseconds> {
    const delay = backoffDelayMs(this.#o.backoff, this.#o.random);
    await this.#o.clock.sleep(delay, signal);
    return delay;
  }
}

/** Server selection, connections and the reply cases every request shares. */
class Session {
  readonly pool: ServerPool;
  readonly attempts: RepairAttempt[] = [];
  readonly #agents = new Map<string, Agent>();
  readonly #o: RepairClientOptions;
  readonly #signal: AbortSignal | undefined;

  constructor(
    o: RepairClientOptions,
    lists: readonly (readonly string[])[],
    signal: AbortSignal | undefined,
  ) {
    this.#o = o;
    this.pool = new ServerPool(lists, o.random);
    this.#signal = signal;
  }

  pick(): string {
    if (this.attempts.length >= (this.#o.maxAttempts ?? 50)) {
      throw new RepairClientError(
        'exhausted',
        `gave up after ${this.attempts.length} requests: ${this.pool.describe()}`,
      );
    }
    const server = this.pool.pick(this.#o.clock.now());
    if (server === undefined) {
      throw new RepairClientError('exhausted', `no repair server left: ${this.pool.describe()}`);
    }
    return server;
  }

  /**
   * GET url (at server) following 302s. 503 rests the server until Retry-After; no answer or 5xx drops
   * it (§9.3.8); both say 'retry' so the caller picks another. With waitForRetryAfter and every server
   * resting, this waits on the clock for the first to wake.
   */
  async get(
    server: string,
    url: string,
    headers: Record<string, string>,
  ): Promise<
    { kind: 'reply'; response: HttpReply } | { kind: 'broadcast'; uri: string } | { kind: 'retry' }
  > {
    const clock = this.#o.clock;
    let target = url;
    for (let hops = 0; ; hops++) {
      let response: HttpReply;
      try {
        response = await httpExchange(this.#agent(target), clock, {
          method: 'GET',
          url: target,
          headers: this.#o.userAgent ? { 'User-Agent': this.#o.userAgent, ...headers } : headers,
          timeoutMs: this.#o.requestTimeoutMs,
          signal: this.#signal,
        });
      } catch (error) {
        if (this.#signal?.aborted) throw error;
        this.attempts.push({ url: target, status: 'no-answer', at: clock.now() });
        this.pool.markDead(server, (error as Error).message);
        return this.#afterUnavailable();
      }
      this.attempts.push({ url: target, status: response.status, at: clock.now() });
      if (response.status === 302) {
        const location = response.headers.location;
        if (!location) throw new RepairClientError('bad-reply', `GET ${target}: 302 without Location`);
        const type = response.headers['content-type'] ?? '';
        if (/\.sdp($|\?)/i.test(location) || type.startsWith('application/sdp'))
          return { kind: 'broadcast', uri: location };
        if (hops >= (this.#o.maxRedirects ?? 5)) {
          throw new RepairClientError('bad-reply', `GET ${url}: more than ${hops} redirects`);
        }
        target = redirectTarget(target, location);
        continue;
      }
      if (response.status === 503) {
        const seconds = retryAfterSeconds(response.headers['retry-after'], clock.now());
        // Without Retry-After the server is out for this repair session (§9.3.7.1).
        if (seconds === undefined) this.pool.markDead(server, '503 without Retry-After');
        else this.pool.markResting(server, clock.now() + seconds * 1000, `503 Retry-After ${seconds} s`);
        return this.#afterUnavailable();
      }
      if (response.status >= 500 && response.status <= 505 && response.status !== 501) {
        this.pool.markDead(server, `${response.status}`);
        return this.#afterUnavailable();
      }
      if (response.status === 412) {
        throw new RepairClientError(
          'precondition-failed',
          `GET ${target}: 412: the server holds another version`,
        );
      }
      return { kind: 'reply', response };
    }
  }

  async #afterUnavailable(): Promise<{ kind: 'retry' }> {
    const now = this.#o.clock.now();
    if (this.pool.pick(now) === undefined && this.#o.waitForRetryAfter) {
      const wake = this.pool.nextWake(now);
      if (wake !== undefined) await this.#o.clock.sleep(wake - now, this.#signal);
    }
    return { kind: 'retry' };
  }

  #agent(url: string): Agent {
    const origin = new URL(url).origin;
    let agent = this.#agents.get(origin);
    if (!agent) {
      agent = new Agent({ keepAlive: true, maxSockets: 1 });
      this.#agents.set(origin, agent);
    }
    return agent;
  }

  close(): void {
    for (const a of this.#agents.values()) a.destroy();
  }
}

/** "Location: the URL of that repair server": keep our query unless the Location brings its own. */
function redirectTarget(current: string, location: string): string {
  const resolved = new URL(location, current);
  if (resolved.search === '') resolved.search = new URL(current).search;
  return resolved.toString();
}

/** Retry-After as delta-seconds or an HTTP date (RFC 7231 §7.1.3), in seconds from now. */
export function retryAfterSeconds(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/** The `${sbn}:${esi}` keys a repair URL asks for (explicit ESIs only: the client never asks whole blocks). */
function requestedKeys(url: string): Set<string> {
  const q = url.indexOf('?');
  const parsed = parseRepairQuery(q < 0 ? '' : url.slice(q + 1));
  const keys = new Set<string>();
  if (!parsed.ok || parsed.value.kind !== 'file') return keys;
  for (const s of parsed.value.selections) {
    if (s.kind === 'esis')
      for (const r of s.ranges) for (let e = r.from; e <= r.to; e++) keys.add(symbolKey(s.sbn, e));
    if (s.kind === 'count') for (let e = s.from; e < s.from + s.count; e++) keys.add(symbolKey(s.sbn, e));
  }
  return keys;
}

function batches(ranges: readonly ByteRange[], maxHeader: number): ByteRange[][] {
  const out: ByteRange[][] = [];
  let current: ByteRange[] = [];
  for (const r of ranges) {
    if (current.length > 0 && formatRangeHeader([...current, r]).length > maxHeader) {
      out.push(current);
      current = [];
    }
    current.push(r);
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** The parts of a byte-range reply: 206 single or multipart/byteranges, or 200 with the whole file. */
function rangeReply(
  url: string,
  response: HttpReply,
  asked: readonly ByteRange[],
  transferLength: number,
): { range: ByteRange; data: Uint8Array }[] {
  const bad = (m: string) => new RepairClientError('bad-reply', `GET ${url}: ${m}`);
  if (response.status === 200) {
    if (response.body.length !== transferLength) {
      throw bad(`200 with ${response.body.length} bytes, the file has ${transferLength}`);
    }
    return asked.map((r) => ({ range: r, data: response.body.slice(r.first, r.last + 1) }));
  }
  if (response.status !== 206) throw new RepairClientError('bad-request', `GET ${url}: ${response.status}`);
  const type = response.headers['content-type'] ?? '';
  let parts: { range: ByteRange; data: Uint8Array }[];
  if (type.toLowerCase().startsWith('multipart/byteranges')) {
    const boundary = boundaryOf(type);
    if (!boundary) throw bad('multipart/byteranges without a boundary');
    const split = parseMultipart(response.body, boundary);
    if (!split.ok) throw bad(split.error.message);
    parts = split.value.map((p) => {
      const cr = parseContentRange(p.headers['content-range'] ?? '');
      if (!cr) throw bad(`part without a usable Content-Range`);
      return { range: cr.range, data: p.body };
    });
  } else {
    const cr = parseContentRange(response.headers['content-range'] ?? '');
    if (!cr) throw bad(`206 without a usable Content-Range`);
    parts = [{ range: cr.range, data: response.body }];
  }
  for (const p of parts) {
    if (p.data.length !== p.range.last - p.range.first + 1) {
      throw bad(`range ${p.range.first}-${p.range.last} carries ${p.data.length} bytes`);
    }
  }
  const covered = asked.every((a) => parts.some((p) => p.range.first <= a.first && p.range.last >= a.last));
  if (!covered) throw bad(`reply does not cover ${formatRangeHeader(asked)}`);
  return parts;
}

/** The byte ranges of the object that the missing source symbols carry, merged. */
export function symbolsToByteRanges(oti: RepairOti, missing: readonly MissingSymbols[]): ByteRange[] {
  const layout = new SymbolLayout(oti);
  const ranges: ByteRange[] = [];
  for (const m of missing) {
    for (const esi of m.esis) {
      const span = layout.byteSpan(m.sbn, esi);
      if (!span)
        throw new RepairClientError('out-of-range', `SBN ${m.sbn} ESI ${esi} is not a source symbol`);
      ranges.push({ first: span.start, last: span.end - 1 });
    }
  }
  return mergeRanges(ranges);
}
