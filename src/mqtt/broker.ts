import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';

/** An MQTT broker the rig runs itself when the bench names none: aedes on loopback. */
export interface EmbeddedBroker extends AsyncDisposable {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export class BrokerError extends Error {
  override name = 'BrokerError';
}

/** Start an embedded broker on host (default 127.0.0.1) and port (default: a free one). */
export async function startEmbeddedBroker(
  options: { host?: string; port?: number } = {},
): Promise<EmbeddedBroker> {
  const host = options.host ?? '127.0.0.1';
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(
        new BrokerError(`embedded MQTT broker: cannot listen on ${host}:${options.port ?? 0}: ${e.message}`),
      ),
    );
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url: `mqtt://${host}:${port}`, host, port, close, [Symbol.asyncDispose]: close };
}
