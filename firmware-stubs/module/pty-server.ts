import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { setTimeout as sleepReal } from 'node:timers/promises';
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
  const socatBin = options.socat ?? 'socat';
  const readyTimeoutMs = options.readyTimeoutMs ?? 5000;
  let proc: ChildProcess | undefined;
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
    if (existsSync(linkPath))
      throw new Error(`pty ${linkPath}: already exists (another emulator serving it?)`);
    removeStaleLink(linkPath); // a dangling link left by a killed socat
    const child = spawn(socatBin, [`PTY,link=${linkPath},rawer`, 'STDIO'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    proc = child;
    starts++;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.stdin?.on('error', () => {}); // socat gone: bytes fall on the floor, as on an unplugged cable
    child.stdout?.on('data', (chunk: Buffer) => {
      const h = module.host;
      if (!h.destroyed) h.write(chunk);
    });
    child.once('exit', () => {
      if (proc !== child) return;
      proc = undefined;
      // socat died on its own (not closed, not a vanish fault): serve again.
      if (!closing && !vanished) {
        void serially(async () => {
          if (!closing && !vanished && !proc) await start();
        });
      }
    });
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    const deadline = Date.now() + readyTimeoutMs;
    while (!existsSync(linkPath)) {
      const failed = await Promise.race([spawnError, sleepReal(20).then(() => undefined)]);
      if (failed) throw new Error(`pty ${linkPath}: cannot start ${socatBin}: ${failed.message}`);
      if (child.exitCode !== null)
        throw new Error(`pty ${linkPath}: ${socatBin} exited with ${child.exitCode}: ${stderr.trim()}`);
      if (Date.now() > deadline) {
        child.kill();
        throw new Error(
          `pty ${linkPath}: link did not appear within ${readyTimeoutMs} ms; socat said: ${stderr.trim() || '(nothing)'}`,
        );
      }
    }
  };

  const stop = async (): Promise<void> => {
    const child = proc;
    proc = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await Promise.race([exited, sleepReal(2000).then(() => child.kill('SIGKILL'))]);
    }
    removeStaleLink(linkPath);
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

// Only ever remove a symlink (what socat leaves), never a regular file someone else owns.
// existsSync follows the link, so a live link (target present) is left to its owner by start().
function removeStaleLink(path: string): void {
  try {
    if (lstatSync(path).isSymbolicLink()) unlinkSync(path);
  } catch {
    // not there: nothing to remove
  }
}
