/**
 * File repair over CoAP (TR 26.850 §7.3), on the `coap` package:
 *  - option 1: GET <repair path or file path> with Uri-Query "bytefrom=500;byteto=627";
 *  - option 2: the same range in a "Range" option, number 21 as in the TR's example ("bytes=500-627");
 *  - options 3/4: GET <file path> with Block2 NUM/M/SZX, blocks of the file itself;
 *  - the TS 26.346 symbol query carried as Uri-Query options (fileURI=…, SBN=…), replied with a
 *    simpleSymbolContainer body (Content-Format 42: the container has no CoAP number).
 * The file is named by its path, by a fileURI= query, or, as in the TR's example, by an ETag option
 * carrying the File-ETag. An ETag or If-Match that names another version gets 4.12 Precondition Failed.
 * Replies larger than one block go block-wise (Block2, RFC 7959), with the File-ETag as the CoAP ETag.
 */
import {
  OutgoingMessage as CoapOutgoing,
  createServer,
  type IncomingMessage,
  type Option,
  type Server,
} from 'coap';
import type { Clock } from '../../clock/index.ts';
import { resolveRange } from './byte-range.ts';
import {
  blockSize,
  CONTENT_FORMAT_OCTET_STREAM,
  CoapOptionNumber,
  decodeBlock,
  encodeBlock,
  encodeUint,
} from './coap-message.ts';
import { RepairCatalog, type RepairFile, type RepairService, type SymbolSource } from './repair-catalog.ts';
import { repairErrorBody } from './repair-errors.ts';
import {
  type RepairLogEntry,
  type RepairRequestKind,
  type RepairServerStats,
  summarizeRepairLog,
} from './repair-log.ts';
import { parseRepairQuery } from './symbol-query.ts';

export interface CoapRepairServerOptions {
  clock: Clock;
  files: readonly RepairFile[];
  services?: readonly RepairService[];
  symbols?: SymbolSource;
  host?: string;
  port?: number;
  /** Uri-Path of the repair script, default "/path/repair_script" as in the TR's example. */
  repairPath?: string;
  maxSymbolsPerResponse?: number;
  /** Largest block this server sends (SZX, default 6: 1024 bytes, the CoAP maximum). */
  maxSzx?: number;
}

type Reply = {
  code: string;
  payload: Uint8Array;
  options?: [string, Buffer][];
  kind: RepairRequestKind;
} & Partial<Pick<RepairLogEntry, 'symbols' | 'errorCode'>>;

export class CoapRepairServer implements AsyncDisposable {
  readonly catalog: RepairCatalog;
  readonly log: RepairLogEntry[] = [];
  readonly #server: Server;
  readonly #options: CoapRepairServerOptions;
  readonly #repairPath: string;
  #port = 0;

  private constructor(options: CoapRepairServerOptions) {
    this.#options = options;
    this.#repairPath = options.repairPath ?? '/path/repair_script';
    this.catalog = new RepairCatalog(options.files, options.services, options.symbols);
    this.#server = createServer({ type: 'udp4' }, (req, res) => this.#handle(req, res as CoapOutgoing));
    // A socket error (an ICMP unreachable from a device that went away) is no reason to stop serving.
    this.#server.on('error', (error: Error) => {
      this.socketErrors.push(error.message);
    });
  }

  /** Socket errors seen, for diagnostics. */
  readonly socketErrors: string[] = [];

  static async start(options: CoapRepairServerOptions): Promise<CoapRepairServer> {
    const s = new CoapRepairServer(options);
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      s.#server.listen(options.port ?? 0, host, (error?: Error) => (error ? reject(error) : resolve()));
    });
    // The coap package does not expose the bound port; its socket does.
    const sock = (s.#server as unknown as { _sock: { address(): { port: number } } })._sock;
    s.#port = sock.address().port;
    return s;
  }

  get port(): number {
    return this.#port;
  }

  get host(): string {
    return this.#options.host ?? '127.0.0.1';
  }

  get repairPath(): string {
    return this.#repairPath;
  }

  stats(): RepairServerStats {
    return summarizeRepairLog(this.log);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #handle(req: IncomingMessage, res: CoapOutgoing): void {
    let reply: Reply;
    try {
      reply = this.#answer(req);
    } catch (error) {
      reply = { code: '5.00', payload: text(`repair server: ${(error as Error).message}`), kind: 'error' };
    }
    res.code = reply.code;
    for (const [name, value] of reply.options ?? []) res.setOption(name, value);
    // The package's own end() would re-cut the payload into blocks and replace the ETag with a hash of
    // its own; the Block2 handling here is ours, so send through the base class.
    CoapOutgoing.prototype.end.call(res, Buffer.from(reply.payload));
    this.log.push({
      at: this.#options.clock.now(),
      transport: 'coap',
      remote: `${req.rsinfo.address}:${req.rsinfo.port}`,
      method: String(req.method),
      url: req.url,
      status: reply.code,
      kind: reply.kind,
      bytes: reply.payload.length,
      ...(reply.symbols !== undefined ? { symbols: reply.symbols } : {}),
      ...(reply.errorCode !== undefined ? { errorCode: reply.errorCode } : {}),
    });
  }

  #answer(req: IncomingMessage): Reply {
    if (req.method !== 'GET')
      return { code: '4.05', payload: text(`method ${req.method} not allowed`), kind: 'error' };
    const opts = readOptions(req);
    const path = `/${opts.path.join('/')}`;
    const isScript = path === this.#repairPath || path === `${this.#repairPath}/`;
    const rangeQuery = opts.query.filter((q) => q.startsWith('bytefrom=') || q.startsWith('byteto='));
    if (isScript && rangeQuery.length === 0 && opts.query.length > 0) return this.#symbols(opts);

    const named = opts.query.find((q) => q.startsWith('fileURI='));
    let file: RepairFile | undefined;
    if (!isScript) file = this.catalog.byPath(path);
    else if (named) file = this.catalog.file(decodeURIComponent(named.slice('fileURI='.length)));
    else if (opts.etag !== undefined) file = this.catalog.byEtag(opts.etag);
    if (!file) return { code: '4.04', payload: text(`no file at ${path}`), kind: 'error' };

    const tags = [file.fileEtag, file.contentMd5].filter((t): t is string => t !== undefined);
    const versions = [...(opts.etag !== undefined ? [opts.etag] : []), ...opts.ifMatch];
    if (versions.some((v) => !tags.includes(v))) {
      return {
        code: '4.12',
        payload: text(`${file.contentLocation} is held as version ${tags.join(' / ')}`),
        kind: 'error',
      };
    }
    const range = byteRangeOf(rangeQuery, opts.range, file.content.length);
    if (typeof range === 'string') return { code: '4.00', payload: text(range), kind: 'error' };
    const body = range ? file.content.subarray(range.first, range.last + 1) : file.content;
    const etag = tags[0];
    return this.#blockwise(req, body, etag, range ? 'byte-range' : 'block');
  }

  #symbols(opts: RequestOptions): Reply {
    const parsed = parseRepairQuery(opts.query.join('&'));
    if (!parsed.ok) {
      const code = parsed.error.kind === 'unknown-argument' ? '5.01' : '4.00';
      return { code, payload: text(parsed.error.message), kind: 'error' };
    }
    const answer = this.catalog.answer(parsed.value, this.#options.maxSymbolsPerResponse);
    if (answer.kind === 'error') {
      return {
        code: '4.00',
        payload: text(repairErrorBody(answer.code)),
        kind: 'error',
        errorCode: answer.code,
      };
    }
    if (answer.kind === 'files') {
      if (answer.files.length !== 1) {
        return { code: '4.00', payload: text('several files: ask for each by its path'), kind: 'error' };
      }
      return this.#blockwise(opts.request, answer.files[0]!.content, answer.files[0]!.fileEtag, 'files');
    }
    const reply = this.#blockwise(opts.request, answer.body, undefined, 'symbols');
    return { ...reply, symbols: answer.symbols };
  }

  /** The reply body whole, or the block the request asked for, or block 0 when it is too big for one. */
  #blockwise(
    req: IncomingMessage,
    body: Uint8Array,
    etag: string | undefined,
    kind: RepairRequestKind,
  ): Reply {
    const options: [string, Buffer][] = [
      ['Content-Format', Buffer.from(encodeUint(CONTENT_FORMAT_OCTET_STREAM))],
    ];
    if (etag !== undefined) options.push(['ETag', Buffer.from(etag)]);
    const raw = rawOption(req, 'Block2');
    const asked = raw ? decodeBlock(raw) : undefined;
    if (raw && !asked) return { code: '4.02', payload: text('bad Block2 option'), kind: 'error' };
    const szx = Math.min(asked?.szx ?? 6, this.#options.maxSzx ?? 6);
    const size = blockSize(szx);
    if (!asked && body.length <= size) return { code: '2.05', payload: body, options, kind };
    // A smaller SZX than asked keeps the same byte offset (RFC 7959 §2.4): renumber.
    const num = asked ? Math.floor((asked.num * blockSize(asked.szx)) / size) : 0;
    if (num * size >= body.length && !(num === 0 && body.length === 0)) {
      return {
        code: '4.02',
        payload: text(`block ${num} of ${Math.ceil(body.length / size)}`),
        kind: 'error',
      };
    }
    const more = (num + 1) * size < body.length;
    options.push(['Block2', Buffer.from(encodeBlock({ num, more, szx }))]);
    if (num === 0) options.push(['Size2', Buffer.from(encodeUint(body.length))]);
    return { code: '2.05', payload: body.subarray(num * size, (num + 1) * size), options, kind };
  }
}

interface RequestOptions {
  request: IncomingMessage;
  path: string[];
  query: string[];
  etag?: string;
  ifMatch: string[];
  range?: string;
}

function readOptions(req: IncomingMessage): RequestOptions {
  const out: RequestOptions = { request: req, path: [], query: [], ifMatch: [] };
  for (const o of optionsOf(req)) {
    const value = Buffer.isBuffer(o.value) ? o.value.toString('utf8') : String(o.value);
    const name = String(o.name);
    if (name === 'Uri-Path') out.path.push(value);
    else if (name === 'Uri-Query') out.query.push(value);
    else if (name === 'ETag') out.etag = value;
    else if (name === 'If-Match') out.ifMatch.push(value);
    else if (name === String(CoapOptionNumber.Range)) out.range = value;
  }
  if (out.path.length > 0 && out.path[out.path.length - 1] === '') out.path.pop();
  return out;
}

// The package sets the parsed options on the message without declaring them in its types.
function optionsOf(req: IncomingMessage): Option[] {
  return (req as unknown as { options?: Option[] }).options ?? [];
}

function rawOption(req: IncomingMessage, name: string): Uint8Array | undefined {
  const o = optionsOf(req).find((x) => String(x.name) === name);
  if (!o) return undefined;
  return Buffer.isBuffer(o.value) ? new Uint8Array(o.value) : undefined;
}

/**
 * "bytefrom=500;byteto=627" (one Uri-Query or two) or Range "bytes=500-627": one range per request
 * (TR 26.850 table 7.3.1.1-1: several ranges are split into several requests).
 */
function byteRangeOf(
  query: readonly string[],
  rangeOption: string | undefined,
  length: number,
): { first: number; last: number } | undefined | string {
  if (query.length > 0) {
    const fields = new Map<string, string>();
    for (const q of query) {
      for (const part of q.split(';')) {
        const [k, v, extra] = part.split('=');
        if (extra !== undefined || !k || v === undefined || !/^[0-9]{1,15}$/.test(v))
          return `bad byte range "${q}"`;
        fields.set(k, v);
      }
    }
    const from = fields.get('bytefrom');
    if (from === undefined) return 'byteto without bytefrom';
    const first = Number(from);
    const to = fields.get('byteto');
    const last = to === undefined ? length - 1 : Math.min(Number(to), length - 1);
    if (first >= length || last < first)
      return `byte range ${first}-${to ?? ''} outside the ${length}-byte file`;
    return { first, last };
  }
  if (rangeOption !== undefined) {
    const r = resolveRange(rangeOption, length);
    if (r.kind === 'none') return `bad Range option "${rangeOption}"`;
    if (r.kind === 'unsatisfiable') return `Range ${rangeOption} outside the ${length}-byte file`;
    if (r.ranges.length !== 1) return 'one range per request';
    return r.ranges[0];
  }
  return undefined;
}

function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
