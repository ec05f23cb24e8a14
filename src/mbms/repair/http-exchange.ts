/**
 * One HTTP request as the device side of the associated procedures makes it: on a keep-alive agent
 * (one TCP connection per repair session, §9.3.6.0), with a deadline on the injected Clock, holding a
 * VirtualClock still while the loopback peer answers.
 */
import { type Agent, request } from 'node:http';
import type { Clock, Milliseconds } from '../../clock/index.ts';

export interface HttpReply {
  status: number;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Uint8Array;
}

export class HttpExchangeError extends Error {
  override name = 'HttpExchangeError';
}

export interface HttpExchange {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  timeoutMs?: Milliseconds;
  maxBodyBytes?: number;
  signal?: AbortSignal;
}

export async function httpExchange(agent: Agent, clock: Clock, x: HttpExchange): Promise<HttpReply> {
  const hold = clock.hold(`HTTP ${x.method} ${x.url}`);
  const deadline = clock.timeoutSignal(x.timeoutMs ?? 30_000);
  const signal = x.signal ? AbortSignal.any([x.signal, deadline]) : deadline;
  const limit = x.maxBodyBytes ?? 64 * 1024 * 1024;
  try {
    return await new Promise<HttpReply>((resolve, reject) => {
      const url = new URL(x.url);
      const req = request(
        url,
        {
          method: x.method,
          agent,
          headers: { ...x.headers, ...(x.body ? { 'Content-Length': String(x.body.length) } : {}) },
          signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > limit) {
              res.destroy(new HttpExchangeError(`${x.method} ${x.url}: reply body over ${limit} bytes`));
              return;
            }
            chunks.push(c);
          });
          res.on('error', (e) => reject(wrap(x, e)));
          res.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) {
              if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
            }
            resolve({ status: res.statusCode ?? 0, headers, body: new Uint8Array(Buffer.concat(chunks)) });
          });
        },
      );
      req.on('error', (e) => reject(wrap(x, e)));
      req.end(x.body ? Buffer.from(x.body) : undefined);
    });
  } finally {
    hold.release();
  }
}

function wrap(x: HttpExchange, e: Error): HttpExchangeError {
  if (e instanceof HttpExchangeError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  return new HttpExchangeError(`${x.method} ${x.url}: ${code ?? e.name}: ${e.message}`);
}
