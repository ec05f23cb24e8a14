import { startSocatPty } from '../socat-pty.ts';
import type { EmulatedRelayBoard } from './board.ts';

export interface RelayPtyOptions {
  socat?: string;
  /** How long to wait for the link to appear, in real ms (default 5000). */
  readyTimeoutMs?: number;
}

export interface RelayPtyServer extends AsyncDisposable {
  /** The link to the pseudo-terminal: open it as the relay board's serial port. */
  readonly path: string;
  readonly pid: number;
  /** Stops socat and removes the link, as unplugging the board would. Idempotent. */
  close(): Promise<void>;
}

/**
 * Serves an emulated relay board on a real pseudo-terminal: `socat PTY,link=<path>,rawer STDIO`, with
 * socat's stdio wired to the board. Bytes cross on real time (RealClock benches). If this process
 * dies, socat reads EOF on its stdin and exits by itself.
 */
export async function serveRelayPty(
  board: EmulatedRelayBoard,
  linkPath: string,
  options: RelayPtyOptions = {},
): Promise<RelayPtyServer> {
  const pty = await startSocatPty(linkPath, { ...options, what: 'relay pty' });
  const fromHost = (chunk: Buffer) => board.input(chunk);
  const toHost = (bytes: Buffer) => pty.child.stdin?.write(bytes);
  pty.child.stdout?.on('data', fromHost);
  board.on('output', toHost);
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      board.off('output', toHost);
      pty.child.stdout?.off('data', fromHost);
      await pty.stop();
    })();
    return closing;
  };
  return { path: linkPath, pid: pty.pid, close, [Symbol.asyncDispose]: close };
}
