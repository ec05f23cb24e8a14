import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { setTimeout as sleepReal } from 'node:timers/promises';

export interface SocatPtyOptions {
  /** socat binary (default "socat" on PATH). */
  socat?: string;
  /** How long to wait for the link to appear, in real ms (default 5000). */
  readyTimeoutMs?: number;
  /** Names the device in errors ("PPK2 pty", "relay pty", "pty"). */
  what?: string;
}

/** A running `socat PTY,link=<path>,rawer STDIO`: what the host writes to the pty comes out of stdout. */
export interface SocatPty {
  readonly child: ChildProcess;
  readonly path: string;
  readonly pid: number;
  /** Stops socat (SIGTERM, then SIGKILL) and removes the link. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts socat with a pseudo-terminal at linkPath and waits until the link exists. Shared by every
 * emulated device that serves a pty (modules, PPK2, relay boards); each wires its own byte streams to
 * `child.stdin` / `child.stdout`. If this process dies, socat reads EOF on its stdin and exits by itself.
 */
export async function startSocatPty(linkPath: string, options: SocatPtyOptions = {}): Promise<SocatPty> {
  const socat = options.socat ?? 'socat';
  const what = options.what ?? 'pty';
  const readyTimeoutMs = options.readyTimeoutMs ?? 5000;
  if (existsSync(linkPath))
    throw new Error(`${what} ${linkPath}: already exists (another emulator serving it?)`);
  removeStaleLink(linkPath); // a dangling link left by a killed socat
  const child = spawn(socat, [`PTY,link=${linkPath},rawer`, 'STDIO'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  child.stdin?.on('error', () => {}); // socat gone: bytes fall on the floor, as on an unplugged cable
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM'); // socat removes its link on SIGTERM
        await Promise.race([exited, sleepReal(2000).then(() => child.kill('SIGKILL'))]);
      }
      removeStaleLink(linkPath);
    })();
    return stopping;
  };
  const deadline = Date.now() + readyTimeoutMs;
  while (!existsSync(linkPath)) {
    const error = await Promise.race([spawnError, sleepReal(20).then(() => undefined)]);
    let failure: string | undefined;
    if (error) failure = `cannot start ${socat}: ${error.message}`;
    else if (child.exitCode !== null) failure = `${socat} exited with ${child.exitCode}: ${stderr.trim()}`;
    else if (Date.now() > deadline)
      failure = `link did not appear within ${readyTimeoutMs} ms; socat said: ${stderr.trim() || '(nothing)'}`;
    if (failure) {
      await stop();
      throw new Error(`${what} ${linkPath}: ${failure}`);
    }
  }
  return { child, path: linkPath, pid: child.pid ?? -1, stop };
}

// Only ever remove a symlink (what socat leaves), never a regular file someone else owns.
// existsSync follows the link, so a live link (target present) is left to its owner.
function removeStaleLink(path: string): void {
  try {
    if (lstatSync(path).isSymbolicLink()) unlinkSync(path);
  } catch {
    // not there: nothing to remove
  }
}
