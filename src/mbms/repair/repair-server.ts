/**
 * The HTTP file repair server of TS 26.346 §9.3: symbol-based repair on the repair script path
 * (simpleSymbolContainer replies, the 400/0001–0006 and 501 errors, complete files as multipart/related),
 * byte-range repair on each file's path (Range with If-Match / If-Range, 206, multipart/byteranges, 412,
 * 416), plus knobs to redirect (302) or to play overloaded (503 with Retry-After), and a request log.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../clock/index.ts';
import { buildMultipartByteranges, concat, ifMatchSatisfied, quoteEtag, resolveRange } from './byte-range.ts';
import { RepairCatalog, type RepairFile, type RepairService, type SymbolSource } from './repair-catalog.ts';
import { MBMS_SERVER_HEADER, repairErrorBody } from './repair-errors.ts';
import {
  type RepairLogEntry,
  type RepairRequestKind,
  type RepairServerStats,
  summarizeRepairLog,
} from './repair-log.ts';
import { SYMBOL_CONTAINER_MIME } from './symbol-container.ts';
import { parseRepairQuery } from './symbol-query.ts';

export interface RepairServerOptions {
  clock: Clock;
  files: readonly RepairFile[];
  services?: readonly RepairService[];
  /** Encoding symbols by (Content-Location, SBN, ESIs); default: source symbols cut from the content. */
  symbols?: SymbolSource;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Path of the symbol-based repair script (the serviceURI path); default "/repair". */
  repairPath?: string;
  /** Most symbols in one reply; fewer than requested makes the client ask again (§9.3.7.1). */
  maxSymbolsPerResponse?: number;
}

export class RepairServer implements AsyncDisposable {
  readonly catalog: RepairCatalog;
  readonly log: RepairLogEntry[] = [];
  /** When set, every request gets 503 with this Retry-After (seconds). */
  overload: { retryAfterSeconds: number } | undefined;
  /** When set, every request is redirected (302) to the returned URL; undefined from the function serves it. */
  redirect: ((pathAndQuery: string) => string | undefined) | undefined;
  readonly #server: Server;
  readonly #options: RepairServerOptions;
  readonly #repairPath: string;

  private constructor(server: Server, options: RepairServerOptions) {
    this.#server = server;
    this.#options = options;
    this.#repairPath = options.repairPath ?? '/repair';
    this.catalog = new RepairCatalog(options.files, options.services, options.symbols);
  }

  static async start(options: RepairServerOptions): Promise<RepairServer> {
    const server = createServer();
    const repair = new RepairServer(server, options);
    server.on('request', (req, res) => repair.#handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return repair;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get origin(): string {
    const a = this.#server.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}`;
  }

  /** The serviceURI to put in the ADPD's postFileRepair. */
  get serviceUri(): string {
    return `${this.origin}${this.#repairPath}`;
  }

  /** The byte-range URL (an Alternate-Content-Location) of a file. */
  urlOf(contentLocation: string): string {
    const path = this.catalog.pathOf(contentLocation);
    if (path === undefined) throw new Error(`repair server ${this.origin}: no file ${contentLocation}`);
    return `${this.origin}${path}`;
  }

  stats(): RepairServerStats {
    return summarizeRepairLog(this.log);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const send = (
      status: number,
      kind: RepairRequestKind,
      headers: Record<string, string | number>,
      body: Uint8Array | string = '',
      extra: Partial<RepairLogEntry> = {},
    ) => {
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      res.writeHead(status, { ...headers, 'Content-Length': bytes.length });
      res.end(req.method === 'HEAD' ? undefined : bytes);
      this.log.push({
        at: this.#options.clock.now(),
        transport: 'http',
        remote: `${req.socket.remoteAddress}:${req.socket.remotePort}`,
        method: req.method ?? '?',
        url,
        status,
        kind,
        bytes: bytes.length,
        ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
        ...extra,
      });
    };
    // Drain any request body so the connection stays usable for the next request of the session.
    req.resume();
    try {
      if (this.overload) {
        send(503, 'overload', { 'Retry-After': String(this.overload.retryAfterSeconds) });
        return;
      }
      const location = this.redirect?.(url);
      if (location !== undefined) {
        send(302, 'redirect', { Location: location });
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(
          405,
          'error',
          { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' },
          `method ${req.method} not allowed\r\n`,
        );
        return;
      }
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      if (path === this.#repairPath) {
        this.#symbolRepair(q < 0 ? '' : url.slice(q + 1), send);
        return;
      }
      const file = this.catalog.byPath(decodeURIComponentSafe(path));
      if (!file) {
        send(404, 'error', { 'Content-Type': 'text/plain' }, `no file at ${path}\r\n`);
        return;
      }
      this.#byteRange(req, file, send);
    } catch (error) {
      send(500, 'error', { 'Content-Type': 'text/plain' }, `repair server: ${(error as Error).message}\r\n`);
    }
  }

  #symbolRepair(query: string, send: Sender): void {
    const parsed = parseRepairQuery(query);
    if (!parsed.ok) {
      if (parsed.error.kind === 'unknown-argument') {
        send(
          501,
          'error',
          { Server: MBMS_SERVER_HEADER, 'Content-Type': 'text/plain' },
          `${parsed.error.message}\r\n`,
        );
      } else {
        send(400, 'error', { 'Content-Type': 'text/plain' }, `${parsed.error.message}\r\n`);
      }
      return;
    }
    const answer = this.catalog.answer(parsed.value, this.#options.maxSymbolsPerResponse);
    if (answer.kind === 'error') {
      send(400, 'error', { 'Content-Type': 'text/plain' }, repairErrorBody(answer.code), {
        errorCode: answer.code,
      });
      return;
    }
    if (answer.kind === 'files') {
      const boundary = `mbms-files-${this.log.length}`;
      send(
        200,
        'files',
        { 'Content-Type': `multipart/related; boundary=${boundary}` },
        multipartRelated(answer.files, boundary),
      );
      return;
    }
    send(200, 'symbols', { 'Content-Type': SYMBOL_CONTAINER_MIME }, answer.body, { symbols: answer.symbols });
  }

  #byteRange(req: IncomingMessage, file: RepairFile, send: Sender): void {
    const tags = [file.fileEtag, file.contentMd5].filter((t): t is string => t !== undefined);
    const etag = tags[0];
    const headers: Record<string, string> = {
      'Content-Type': file.contentType ?? 'application/octet-stream',
      'Accept-Ranges': 'bytes',
    };
    if (etag !== undefined) headers.ETag = quoteEtag(etag);
    const ifMatch = single(req.headers['if-match']);
    if (ifMatch !== undefined && !ifMatchSatisfied(ifMatch, tags)) {
      send(412, 'byte-range', etag !== undefined ? { ETag: quoteEtag(etag) } : {});
      return;
    }
    let rangeHeader: string | undefined = req.headers.range;
    const ifRange = single(req.headers['if-range']);
    // If-Range with a stale tag: the client wants the current file whole rather than pieces of an old one.
    if (ifRange !== undefined && !ifMatchSatisfied(ifRange, tags)) rangeHeader = undefined;
    const content = file.content;
    const range = resolveRange(rangeHeader, content.length);
    if (range.kind === 'none') {
      send(200, 'byte-range', headers, content);
      return;
    }
    if (range.kind === 'unsatisfiable') {
      send(416, 'byte-range', { 'Content-Range': `bytes */${content.length}` });
      return;
    }
    const [only, ...more] = range.ranges;
    if (more.length === 0 && only) {
      send(
        206,
        'byte-range',
        { ...headers, 'Content-Range': `bytes ${only.first}-${only.last}/${content.length}` },
        content.subarray(only.first, only.last + 1),
      );
      return;
    }
    const boundary = `mbms-ranges-${this.log.length}`;
    send(
      206,
      'byte-range',
      { ...headers, 'Content-Type': `multipart/byteranges; boundary=${boundary}` },
      buildMultipartByteranges(content, range.ranges, headers['Content-Type']!, boundary),
    );
  }
}

type Sender = (
  status: number,
  kind: RepairRequestKind,
  headers: Record<string, string | number>,
  body?: Uint8Array | string,
  extra?: Partial<RepairLogEntry>,
) => void;

/** Complete files for §9.3.7.4: multipart/related, each part naming its Content-Location. */
function multipartRelated(files: readonly RepairFile[], boundary: string): Uint8Array {
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [];
  for (const f of files) {
    let head = `--${boundary}\r\nContent-Location: ${f.contentLocation}\r\nContent-Type: ${f.contentType ?? 'application/octet-stream'}\r\n`;
    if (f.contentMd5) head += `Content-MD5: ${f.contentMd5}\r\n`;
    chunks.push(enc.encode(`${head}\r\n`), f.content, enc.encode('\r\n'));
  }
  chunks.push(enc.encode(`--${boundary}--\r\n`));
  return concat(chunks);
}

function single(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h.join(', ') : h;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
