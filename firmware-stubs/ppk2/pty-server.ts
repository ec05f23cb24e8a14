import { startSocatPty } from '../socat-pty.ts';
import type { EmulatedPpk2 } from './device.ts';

export interface Ppk2PtyOptions {
  /** socat binary (default "socat" on PATH). */
  socat?: string;
  /** How long to wait for the link to appear, in real ms (default 5000). */
  readyTimeoutMs?: number;
}

export interface Ppk2PtyServer extends AsyncDisposable {
  /** The link to the pseudo-terminal: open it as the PPK2's serial port. */
  readonly path: string;
  /** socat's pid. */
  readonly pid: number;
  /** Stops socat and removes the link. Idempotent. */
  close(): Promise<void>;
}

/**
 * Serve an emulated PPK2 on a real pseudo-terminal: `socat PTY,link=<linkPath>,rawer STDIO`, socat's
 * stdio piped to the PPK2's host end. The pipe carries backpressure: a host that does not read fills the
 * pty, then socat, then the device's backlog, and the device starts losing blocks as a real PPK2 does.
 * Bytes cross on real time, so this is for RealClock benches. If this process dies, socat reads EOF on
 * its stdin and exits by itself.
 */
export async function servePpk2Pty(
  ppk2: EmulatedPpk2,
  linkPath: string,
  options: Ppk2PtyOptions = {},
): Promise<Ppk2PtyServer> {
  const pty = await startSocatPty(linkPath, { ...options, what: 'PPK2 pty' });
  const host = ppk2.host;
  const toHost = (chunk: Buffer) => {
    if (!host.destroyed) host.write(chunk);
  };
  pty.child.stdout?.on('data', toHost);
  host.pipe(pty.child.stdin!);
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      if (pty.child.stdin) host.unpipe(pty.child.stdin);
      pty.child.stdout?.off('data', toHost);
      await pty.stop();
    })();
    return closing;
  };
  return { path: linkPath, pid: pty.pid, close, [Symbol.asyncDispose]: close };
}
