import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { setTimeout as sleepReal } from 'node:timers/promises';
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
  const socat = options.socat ?? 'socat';
  const readyTimeoutMs = options.readyTimeoutMs ?? 5000;
  if (existsSync(linkPath))
    throw new Error(`PPK2 pty ${linkPath}: already exists (another emulator serving it?)`);
  removeDanglingLink(linkPath);

  const child = spawn(socat, [`PTY,link=${linkPath},rawer`, 'STDIO'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  child.stdin?.on('error', () => {}); // socat gone: bytes fall on the floor, as on an unplugged cable
  const host = ppk2.host;
  const toHost = (chunk: Buffer) => {
    if (!host.destroyed) host.write(chunk);
  };
  child.stdout?.on('data', toHost);
  host.pipe(child.stdin!);

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
    if (failure) {
      await stop(child, exited, host, toHost, linkPath);
      throw new Error(`PPK2 pty ${linkPath}: ${failure}`);
    }
  }

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= stop(child, exited, host, toHost, linkPath);
    return closing;
  };
  return { path: linkPath, pid: child.pid ?? -1, close, [Symbol.asyncDispose]: close };
}

async function stop(
  child: ChildProcess,
  exited: Promise<void>,
  host: EmulatedPpk2['host'],
  toHost: (chunk: Buffer) => void,
  linkPath: string,
): Promise<void> {
  if (child.stdin) host.unpipe(child.stdin);
  child.stdout?.off('data', toHost);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM'); // socat removes its link on SIGTERM
    await Promise.race([exited, sleepReal(2000).then(() => child.kill('SIGKILL'))]);
  }
  removeDanglingLink(linkPath);
}

// Only ever remove a symlink (what socat leaves), never a file someone else owns.
function removeDanglingLink(path: string): void {
  try {
    if (lstatSync(path).isSymbolicLink()) unlinkSync(path);
  } catch {
    // not there: nothing to remove
  }
}
