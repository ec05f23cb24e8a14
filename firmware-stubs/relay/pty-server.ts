import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { setTimeout as sleepReal } from 'node:timers/promises';
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
  const socat = options.socat ?? 'socat';
  const readyTimeoutMs = options.readyTimeoutMs ?? 5000;
  if (existsSync(linkPath))
    throw new Error(`relay pty ${linkPath}: already exists (another emulator serving it?)`);
  removeLink(linkPath);
  const child = spawn(socat, [`PTY,link=${linkPath},rawer`, 'STDIO'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  child.stdin?.on('error', () => {}); // socat gone: bytes fall on the floor, as on an unplugged cable
  const fromHost = (chunk: Buffer) => board.input(chunk);
  const toHost = (bytes: Buffer) => child.stdin?.write(bytes);
  child.stdout?.on('data', fromHost);
  board.on('output', toHost);

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const deadline = Date.now() + readyTimeoutMs;
  let failure: string | undefined;
  while (!existsSync(linkPath)) {
    const error = await Promise.race([spawnError, sleepReal(20).then(() => undefined)]);
    if (error) failure = `cannot start ${socat}: ${error.message}`;
    else if (child.exitCode !== null) failure = `${socat} exited with ${child.exitCode}: ${stderr.trim()}`;
    else if (Date.now() > deadline)
      failure = `link did not appear within ${readyTimeoutMs} ms; socat said: ${stderr.trim() || '(nothing)'}`;
    if (failure) break;
  }
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      board.off('output', toHost);
      child.stdout?.off('data', fromHost);
      await stop(child, exited);
      removeLink(linkPath);
    })();
    return closing;
  };
  if (failure) {
    await close();
    throw new Error(`relay pty ${linkPath}: ${failure}`);
  }
  return { path: linkPath, pid: child.pid ?? -1, close, [Symbol.asyncDispose]: close };
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM'); // socat removes its link on SIGTERM
  await Promise.race([exited, sleepReal(2000).then(() => child.kill('SIGKILL'))]);
}

// Only ever a symlink (what socat leaves), never a file someone else owns.
function removeLink(path: string): void {
  try {
    if (lstatSync(path).isSymbolicLink()) unlinkSync(path);
  } catch {
    // not there
  }
}
