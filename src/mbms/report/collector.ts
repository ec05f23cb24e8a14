/**
 * The BM-SC side of reception reporting: an HTTP endpoint for receptionReport XML (TS 26.346 §9.4.6,
 * POST application/mbms-reception-report+xml, or multipart/mixed aggregates of them; 200 OK, §9.4.7)
 * and a CoAP endpoint for RAck-IoT (TR 26.850 §7.7, POST Content-Format 42; 2.04 Changed). Every report
 * is validated before it is stored under the device that sent it; refusals are kept too, with reasons.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type IncomingMessage as CoapIncoming,
  OutgoingMessage as CoapOutgoing,
  type Server as CoapServer,
  createServer as createCoapServer,
  type Option,
} from 'coap';
import type { Clock, EpochMs } from '../../clock/index.ts';
import { boundaryOf, parseMultipart } from '../repair/index.ts';
import { decodeRackIot, type RackIotReport } from './rack-iot.ts';
import { RECEPTION_REPORT_MIME, type ReceptionReport, reporterOf } from './reception-report.ts';
import { parseReceptionReport } from './report-xml.ts';

export type StoredReportBody =
  | { format: 'xml'; report: ReceptionReport }
  | { format: 'rack-iot'; report: RackIotReport };

export interface StoredReport {
  at: EpochMs;
  transport: 'http' | 'coap';
  remote: string;
  /** deviceId, else clientId, else the sender's address. */
  device: string;
  body: StoredReportBody;
}

export interface RefusedReport {
  at: EpochMs;
  transport: 'http' | 'coap';
  remote: string;
  status: string;
  reason: string;
}

export interface CollectorOptions {
  clock: Clock;
  host?: string;
  /** 0 (default): a free port. */
  httpPort?: number;
  /** 0 (default): a free port; null: no CoAP endpoint. */
  coapPort?: number | null;
  /** Path of the HTTP serviceURI (default "/report"); the CoAP endpoint takes any path. */
  path?: string;
  maxBodyBytes?: number;
}

const XML_TYPES = new Set([RECEPTION_REPORT_MIME, 'text/xml', 'application/xml']);

export class ReceptionReportCollector implements AsyncDisposable {
  readonly stored: StoredReport[] = [];
  readonly refused: RefusedReport[] = [];
  readonly socketErrors: string[] = [];
  readonly #o: CollectorOptions;
  readonly #http: Server;
  #coap: CoapServer | undefined;
  #coapPort = 0;

  private constructor(o: CollectorOptions) {
    this.#o = o;
    this.#http = createHttpServer((req, res) => this.#onHttp(req, res));
  }

  static async start(o: CollectorOptions): Promise<ReceptionReportCollector> {
    const c = new ReceptionReportCollector(o);
    const host = o.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      c.#http.once('error', reject);
      c.#http.listen(o.httpPort ?? 0, host, () => resolve());
    });
    if (o.coapPort !== null) {
      const coap = createCoapServer({ type: 'udp4' }, (req, res) => c.#onCoap(req, res as CoapOutgoing));
      // A socket error (an ICMP unreachable from a device that went away) is no reason to stop collecting.
      coap.on('error', (error: Error) => {
        c.socketErrors.push(error.message);
      });
      await new Promise<void>((resolve, reject) => {
        coap.listen(o.coapPort ?? 0, host, (error?: Error) => (error ? reject(error) : resolve()));
      });
      c.#coap = coap;
      c.#coapPort = (coap as unknown as { _sock: { address(): { port: number } } })._sock.address().port;
    }
    return c;
  }

  /** The postReceptionReport serviceURI for HTTP reports. */
  get serviceUri(): string {
    const a = this.#http.address() as AddressInfo;
    return `http://${a.address}:${a.port}${this.#o.path ?? '/report'}`;
  }

  /** coap://host:port/report for RAck-IoT. */
  get coapUri(): string {
    if (!this.#coap) throw new Error('reception report collector: started without a CoAP endpoint');
    return `coap://${this.#o.host ?? '127.0.0.1'}:${this.#coapPort}/report`;
  }

  /** Reports per device, in arrival order. */
  byDevice(): Map<string, StoredReport[]> {
    const out = new Map<string, StoredReport[]>();
    for (const r of this.stored) out.set(r.device, [...(out.get(r.device) ?? []), r]);
    return out;
  }

  reportsOf(device: string): StoredReport[] {
    return this.stored.filter((r) => r.device === device);
  }

  async close(): Promise<void> {
    this.#http.closeAllConnections();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
    const coap = this.#coap;
    if (coap) await new Promise<void>((resolve) => coap.close(() => resolve()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #onHttp(req: IncomingMessage, res: ServerResponse): void {
    const remote = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    const answer = (status: number, text: string) => {
      if (status !== 200) {
        this.refused.push({
          at: this.#o.clock.now(),
          transport: 'http',
          remote,
          status: String(status),
          reason: text,
        });
      }
      res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      answer(405, `method ${req.method} not allowed\r\n`);
      req.resume();
      return;
    }
    if ((req.url ?? '').split('?')[0] !== (this.#o.path ?? '/report')) {
      answer(404, `no reception report endpoint at ${req.url}\r\n`);
      req.resume();
      return;
    }
    const limit = this.#o.maxBodyBytes ?? 64 * 1024;
    const declared = Number(req.headers['content-length'] ?? 0);
    // Too big: answer, then drop the connection once the answer is out rather than read the rest.
    const refuseTooBig = (text: string) => {
      res.setHeader('Connection', 'close');
      res.on('finish', () => req.destroy());
      answer(413, text);
    };
    if (declared > limit) {
      refuseTooBig(`report of ${declared} bytes, at most ${limit}\r\n`);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        if (!res.headersSent) refuseTooBig(`report over ${limit} bytes\r\n`);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (size > limit) return;
      const result = this.#acceptHttpBody(
        req.headers['content-type'] ?? '',
        new Uint8Array(Buffer.concat(chunks)),
        remote,
      );
      answer(result.status, result.text);
    });
  }

  #acceptHttpBody(contentType: string, body: Uint8Array, remote: string): { status: number; text: string } {
    const type = contentType.split(';')[0]!.trim().toLowerCase();
    const documents: Uint8Array[] = [];
    if (XML_TYPES.has(type)) {
      documents.push(body);
    } else if (type === 'multipart/mixed') {
      const boundary = boundaryOf(contentType);
      if (!boundary) return { status: 400, text: 'multipart/mixed without a boundary\r\n' };
      const parts = parseMultipart(body, boundary);
      if (!parts.ok) return { status: 400, text: `${parts.error.message}\r\n` };
      for (const p of parts.value) {
        const partType = (p.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        // DASH QoE parts and other companions are not reception reports (§9.4.8.3).
        if (XML_TYPES.has(partType)) documents.push(p.body);
      }
      if (documents.length === 0)
        return { status: 400, text: 'multipart/mixed without a reception report part\r\n' };
    } else {
      return {
        status: 415,
        text: `Content-Type ${contentType || '(none)'}; expected ${RECEPTION_REPORT_MIME}\r\n`,
      };
    }
    const reports: ReceptionReport[] = [];
    for (const d of documents) {
      const parsed = parseReceptionReport(d, { maxBytes: this.#o.maxBodyBytes ?? 64 * 1024 });
      if (!parsed.ok) return { status: 400, text: `${parsed.error.message}\r\n` };
      reports.push(parsed.value);
    }
    for (const report of reports) {
      const who = reporterOf(report);
      this.stored.push({
        at: this.#o.clock.now(),
        transport: 'http',
        remote,
        device: who.deviceId ?? who.clientId ?? remote.replace(/:\d+$/, ''),
        body: { format: 'xml', report },
      });
    }
    return { status: 200, text: '' };
  }

  #onCoap(req: CoapIncoming, res: CoapOutgoing): void {
    const remote = `${req.rsinfo.address}:${req.rsinfo.port}`;
    const answer = (code: string, text: string) => {
      if (!code.startsWith('2.')) {
        this.refused.push({ at: this.#o.clock.now(), transport: 'coap', remote, status: code, reason: text });
      }
      res.code = code;
      // Straight to the base class: the package's end() would apply its own block-wise logic.
      CoapOutgoing.prototype.end.call(res, Buffer.from(text));
    };
    const [code, text] = this.#acceptCoap(req, remote);
    answer(code, text);
  }

  #acceptCoap(req: CoapIncoming, remote: string): [string, string] {
    if (req.method !== 'POST') return ['4.05', `method ${req.method} not allowed`];
    if (!isOctetStream(req))
      return ['4.15', 'RAck-IoT is sent as Content-Format 42 (application/octet-stream)'];
    const limit = this.#o.maxBodyBytes ?? 64 * 1024;
    const payload = new Uint8Array(req.payload ?? Buffer.alloc(0));
    if (payload.length > limit) return ['4.13', `report of ${payload.length} bytes, at most ${limit}`];
    const decoded = decodeRackIot(payload);
    if (!decoded.ok) return ['4.00', decoded.error.message];
    this.stored.push({
      at: this.#o.clock.now(),
      transport: 'coap',
      remote,
      device: decoded.value.deviceId,
      body: { format: 'rack-iot', report: decoded.value },
    });
    return ['2.04', ''];
  }
}

function isOctetStream(req: CoapIncoming): boolean {
  // The package turns a known Content-Format number into its media type name.
  const options = (req as unknown as { options?: Option[] }).options ?? [];
  const cf = options.find((o) => o.name === 'Content-Format')?.value;
  if (typeof cf === 'string') return cf === 'application/octet-stream';
  if (Buffer.isBuffer(cf)) return cf.length === 1 && cf[0] === 42;
  return cf === 42;
}
