/**
 * Update images on a small HTTP server for modules that install only from a URL (SIMCom, nRF91 SLM):
 * each file at its path, GET only, everything else 404. On the emulated bench it listens on loopback; on a
 * real bench on an address the module can reach.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RigError } from '../scenario.ts';

export interface ImageServer extends AsyncDisposable {
  /** The URL of the file served at `path`. */
  urlOf(path: string): string;
  close(): Promise<void>;
}

export async function serveImages(
  files: Readonly<Record<string, Uint8Array>>,
  host = '127.0.0.1',
): Promise<ImageServer> {
  const server = createServer((req, res) => {
    const body = req.method === 'GET' && req.url !== undefined ? files[req.url] : undefined;
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length })
      .end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(new RigError('infrastructure', `serving the image on ${host}: ${e.message}`)),
    );
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { urlOf: (path) => `${origin}${path}`, close, [Symbol.asyncDispose]: close };
}
