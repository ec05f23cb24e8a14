import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, readFile, realpath, unlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { type LockHolder, PortBusyError } from './errors.ts';

export interface PortLockOptions {
  /** Default: env RIG_LOCK_DIR, else <tmpdir>/mbms-iot-rig/locks. */
  lockDir?: string;
  /** How the port is named in a PortBusyError (default: the device path). */
  label?: string;
  /**
   * Wall-clock time for the "since" field. A lock is shared between processes on a real host,
   * so it is real time even when the rig runs on a virtual clock.
   */
  wallClock?: () => number;
}

/** An exclusive claim on one device, held as a file in the lock directory. */
export interface PortLock extends Disposable {
  /** The device node the lock is for (links resolved). */
  readonly device: string;
  readonly file: string;
  readonly holder: LockHolder;
  /** Removes the lock file if it is still ours. Idempotent; synchronous so it can run at process exit. */
  release(): void;
}

export function defaultLockDir(): string {
  return process.env['RIG_LOCK_DIR'] || path.join(tmpdir(), 'mbms-iot-rig', 'locks');
}

/** The lock file that guards a device (the device's real path, encoded as one file name). */
export async function lockFileFor(device: string, lockDir = defaultLockDir()): Promise<string> {
  const real = await realpath(device).catch(() => path.resolve(device));
  return path.join(lockDir, `${encodeURIComponent(real)}.lock`);
}

/** Who holds the lock on a device, if anyone (for `rig ports`, say). */
export async function readPortLock(
  device: string,
  lockDir = defaultLockDir(),
): Promise<LockHolder | undefined> {
  const holder = await readHolder(await lockFileFor(device, lockDir));
  return holder === 'absent' || holder === 'unreadable' ? undefined : holder;
}

const ATTEMPTS = 5;

/**
 * Claims a device so that two rigs never drive the same DUT. The file is created atomically
 * (written under a private name, then hard-linked into place, which fails if the name exists),
 * so a reader never sees a half-written holder. A lock left by a process that is no longer
 * running on this host is taken over; any other holder gives PortBusyError naming it.
 */
export async function acquirePortLock(device: string, options: PortLockOptions = {}): Promise<PortLock> {
  const lockDir = options.lockDir ?? defaultLockDir();
  await mkdir(lockDir, { recursive: true });
  const real = await realpath(device).catch(() => path.resolve(device));
  const file = await lockFileFor(real, lockDir);
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    command: process.argv.join(' '),
    since: new Date((options.wallClock ?? Date.now)()).toISOString(),
  };
  const content = JSON.stringify(holder);
  const label = options.label ?? device;

  let seen: LockHolder | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await createExclusive(file, content)) return register({ device: real, file, holder, content });
    const current = await readHolder(file);
    if (current === 'absent') continue; // released between our attempt and our read
    if (current !== 'unreadable' && !isStale(current)) throw new PortBusyError(label, current, file);
    if (current !== 'unreadable') seen = current;
    await takeOver(file, current, content);
  }
  throw new PortBusyError(label, seen, file);
}

function isStale(holder: LockHolder): boolean {
  // A pid on another host cannot be checked from here: such a lock stands until removed by hand.
  return holder.host === hostname() && !pidAlive(holder.pid);
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by another user
  }
}

// Two rigs may find the same stale lock at once. A guard file makes the remove-and-recreate
// happen one at a time, and the lock is removed only if it is still the stale one that was seen.
async function takeOver(file: string, stale: LockHolder | 'unreadable', content: string): Promise<void> {
  const guard = `${file}.takeover`;
  if (!(await createExclusive(guard, content))) {
    const other = await readHolder(guard);
    if (other === 'unreadable' || (other !== 'absent' && isStale(other))) await unlink(guard).catch(() => {});
    // Someone else is taking over right now; give them a moment (real time: other processes).
    await delay(20);
    return;
  }
  try {
    const again = await readHolder(file);
    if (JSON.stringify(again) === JSON.stringify(stale)) await unlink(file).catch(() => {});
  } finally {
    await unlink(guard).catch(() => {});
  }
}

async function createExclusive(file: string, content: string): Promise<boolean> {
  const draft = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.draft`;
  await writeFile(draft, content, { flag: 'wx' });
  try {
    await link(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(draft).catch(() => {});
  }
}

async function readHolder(file: string): Promise<LockHolder | 'absent' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw error;
  }
  return parseHolder(text) ?? 'unreadable';
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid !== 'number' || typeof value.host !== 'string') return undefined;
    return {
      pid: value.pid,
      host: value.host,
      command: String(value.command ?? ''),
      since: String(value.since ?? ''),
    };
  } catch {
    return undefined;
  }
}

// Locks still held when the process exits (normally or via process.exit) are removed then.
const held = new Set<PortLock>();
let exitHookInstalled = false;

function register(fields: { device: string; file: string; holder: LockHolder; content: string }): PortLock {
  const { content, ...rest } = fields;
  const lock: PortLock = {
    ...rest,
    release() {
      if (!held.delete(lock)) return;
      try {
        if (readFileSync(lock.file, 'utf8') === content) unlinkSync(lock.file);
      } catch {
        // already gone (removed by hand, or taken over after we were presumed dead)
      }
    },
    [Symbol.dispose]() {
      lock.release();
    },
  };
  held.add(lock);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const l of [...held]) l.release();
    });
  }
  return lock;
}
