/**
 * Bench reservation: one lock file per bench with a lease. The holder renews it while it runs; a lease
 * that expired (a nightly killed with -9) or a holder process that is gone on this host no longer holds
 * the bench. Whoever holds it is named in the error.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LockHolder {
  holder: string;
  pid: number;
  host: string;
  since: number;
  expires: number;
}

export class BenchBusyError extends Error {
  override name = 'BenchBusyError';
}

export interface BenchLease {
  readonly path: string;
  release(): void;
}

export function lockDir(): string {
  return process.env.RIG_LOCK_DIR ?? join(tmpdir(), 'mbms-iot-rig-locks');
}

/** Take the bench, or throw BenchBusyError naming who has it and until when. */
export function reserveBench(
  bench: string,
  options: { holder: string; leaseMs?: number; dir?: string },
): BenchLease {
  const dir = options.dir ?? lockDir();
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${bench.replace(/[^\w.-]/g, '_')}.lock`);
  const leaseMs = options.leaseMs ?? 120_000;
  const me = (): LockHolder => ({
    holder: options.holder,
    pid: process.pid,
    host: hostname(),
    since: Date.now(),
    expires: Date.now() + leaseMs,
  });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify(me()));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const held = readHolder(path);
      if (held && !stale(held)) {
        throw new BenchBusyError(
          `bench ${bench} is reserved by ${held.holder} (pid ${held.pid} on ${held.host}, since ${new Date(held.since).toISOString()}, lease until ${new Date(held.expires).toISOString()}); lock file ${path}`,
        );
      }
      rmSync(path, { force: true }); // stale: its holder is gone or its lease ran out
      if (attempt === 1) throw new BenchBusyError(`bench ${bench}: could not take the stale lock ${path}`);
    }
  }
  const since = Date.now();
  const renew = setInterval(
    () => {
      try {
        writeFileSync(path, JSON.stringify({ ...me(), since }));
      } catch {
        // the lock directory went away: nothing to renew
      }
    },
    Math.max(1000, leaseMs / 3),
  );
  renew.unref();
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      clearInterval(renew);
      const held = readHolder(path);
      if (held?.pid === process.pid && held.host === hostname()) rmSync(path, { force: true });
    },
  };
}

function readHolder(path: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

function stale(h: LockHolder): boolean {
  if (h.expires < Date.now()) return true;
  if (h.host !== hostname()) return false;
  try {
    process.kill(h.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
