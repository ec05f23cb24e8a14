import type { ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { type SocatPty, startSocatPty } from '../socat-pty.ts';
import type { EmulatedModule } from './emulated-module.ts';

export interface PtyServerOptions {
  /** socat binary (default "socat" on PATH). */
  socat?: string;
  /** How long to wait for the link to appear, in real ms (default 5000). */
  readyTimeoutMs?: number;
}

export interface PtyServer extends AsyncDisposable {
  /** The symlink to the pseudo-terminal: open it with any serial terminal (minicom -D <path>). */
  readonly path: string;
  /** How many times socat was (re)started: 1 + port-vanish returns + crash restarts. */
  readonly starts: number;
  close(): Promise<void>;
}

/**
 * Serve an emulated module on a real pseudo-terminal: `socat PTY,link=<linkPath>,rawer STDIO`, with
 * socat's stdio piped to the module's UART. When the module's port vanishes (fault), socat is stopped
 * and the link disappears; when it returns, socat starts again on the same link, as a re-enumerated
 * USB port would. Host I/O runs on real time (this is for RealClock benches; with a VirtualClock
 * time may jump while bytes cross the pty).
 */
export async function servePty(
  module: EmulatedModule,
  linkPath: string,
  options: PtyServerOptions = {},
): Promise<PtyServer> {
  let proc: ChildProcess | undefined;
  let current: SocatPty | undefined;
  let host: Duplex | undefined;
  let closing = false;
  let vanished = false;
  let starts = 0;
  // Stops and starts run one after the other: a port that returns quickly must not race the stop.
  let chain: Promise<void> = Promise.resolve();
  const serially = (op: () => Promise<void>) => {
    chain = chain.then(op).catch(() => {});
    return chain;
  };

  const toPty = (chunk: Buffer) => proc?.stdin?.write(chunk);

  const detachHost = () => {
    host?.off('data', toPty);
    host = undefined;
  };

  const attachHost = (stream: Duplex) => {
    detachHost();
    host = stream;
    host.on('data', toPty);
  };

  const start = async (): Promise<void> => {
    const pty = await startSocatPty(linkPath, { ...options, what: 'pty' });
    const child = pty.child;
    current = pty;
    proc = child;
    starts++;
    child.stdout?.on('data', (chunk: Buffer) => {
      const h = module.host;
      if (!h.destroyed) h.write(chunk);
    });
    child.once('exit', () => {
      if (proc !== child) return;
      proc = undefined;
      current = undefined;
      // socat died on its own (not closed, not a vanish fault): serve again.
      if (!closing && !vanished) {
        void serially(async () => {
          if (!closing && !vanished && !proc) await start();
        });
      }
    });
  };

  const stop = async (): Promise<void> => {
    const pty = current;
    proc = undefined;
    current = undefined;
    await pty?.stop();
  };

  const onVanished = () => {
    vanished = true;
    detachHost();
    void serially(stop);
  };
  const onPort = (stream: Duplex) => {
    vanished = false;
    attachHost(stream);
    void serially(async () => {
      if (!closing) await start();
    });
  };
  module.on('port-vanished', onVanished);
  module.on('port', onPort);

  attachHost(module.host);
  try {
    await start();
  } catch (e) {
    module.off('port-vanished', onVanished);
    module.off('port', onPort);
    detachHost();
    throw e;
  }

  const close = async () => {
    if (closing) return;
    closing = true;
    module.off('port-vanished', onVanished);
    module.off('port', onPort);
    detachHost();
    await serially(stop);
  };
  return {
    path: linkPath,
    get starts() {
      return starts;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
