import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { acquirePortLock, lockFileFor, PortBusyError, readPortLock } from '../src/serial/index.ts';

const lockModule = fileURLToPath(new URL('../src/serial/lock.ts', import.meta.url));

async function sandbox(t: { teardown: (fn: () => Promise<void>) => void }) {
  const root = await mkdtemp(path.join(tmpdir(), 'serial-lock-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const device = path.join(root, 'ttyFAKE0'); // a file stands in for the device node
  await writeFile(device, '');
  return { root, device, lockDir: path.join(root, 'locks') };
}

/** The pid of a process that has certainly exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}

test('a lock file holds pid, host, command line and since; a second claim names the holder', async (t) => {
  const { device, lockDir } = await sandbox(t);
  const lock = await acquirePortLock(device, {
    lockDir,
    label: 'dut1',
    wallClock: () => Date.UTC(2026, 0, 2),
  });
  const content = JSON.parse(readFileSync(lock.file, 'utf8'));
  t.deepEqual(content, {
    pid: process.pid,
    host: hostname(),
    command: process.argv.join(' '),
    since: '2026-01-02T00:00:00.000Z',
  });
  const error = await t.throwsAsync(acquirePortLock(device, { lockDir, label: 'dut1' }), {
    instanceOf: PortBusyError,
  });
  t.is(error.holder?.pid, process.pid);
  t.regex(error.message, new RegExp(`^port dut1: busy, held by pid ${process.pid} on ${hostname()}`));
  t.regex(error.message, /since 2026-01-02T00:00:00.000Z/);
  t.true(error.message.includes(process.argv[1]!));
  lock.release();
  t.false(existsSync(lock.file));
  const again = await acquirePortLock(device, { lockDir });
  again.release();
});

test('the lock is per device: a link to the device and the device itself share one lock', async (t) => {
  const { root, device, lockDir } = await sandbox(t);
  const link = path.join(root, 'by-id-link');
  await symlink(device, link);
  t.is(await lockFileFor(link, lockDir), await lockFileFor(device, lockDir));
  using _lock = await acquirePortLock(link, { lockDir });
  await t.throwsAsync(acquirePortLock(device, { lockDir }), { instanceOf: PortBusyError });
  t.like(await readPortLock(device, lockDir), { pid: process.pid });
});

test('a stale lock (its pid is not alive on this host) is taken over', async (t) => {
  const { device, lockDir } = await sandbox(t);
  const first = await acquirePortLock(device, { lockDir });
  const dead = deadPid();
  await writeFile(
    first.file,
    JSON.stringify({ pid: dead, host: hostname(), command: 'rig run old', since: '2025-12-31T00:00:00Z' }),
  );
  const lock = await acquirePortLock(device, { lockDir });
  t.like(JSON.parse(readFileSync(lock.file, 'utf8')), { pid: process.pid });
  lock.release();
  first.release(); // no longer ours: must not remove anything
});

test("a lock held from another host is not taken over (its pid can't be checked from here)", async (t) => {
  const { device, lockDir } = await sandbox(t);
  const file = await lockFileFor(device, lockDir);
  await acquirePortLock(device, { lockDir }).then((l) => l.release()); // creates the lock dir
  const other = {
    pid: deadPid(),
    host: 'bench-pc-2',
    command: 'rig run nightly',
    since: '2026-01-01T00:00:00Z',
  };
  await writeFile(file, JSON.stringify(other));
  const error = await t.throwsAsync(acquirePortLock(device, { lockDir }), { instanceOf: PortBusyError });
  t.deepEqual(error.holder, other);
  t.regex(error.message, /on bench-pc-2 since 2026-01-01T00:00:00Z \(rig run nightly\)/);
});

test('release() removes only our own lock', async (t) => {
  const { device, lockDir } = await sandbox(t);
  const lock = await acquirePortLock(device, { lockDir });
  const someoneElse = JSON.stringify({ pid: 1, host: hostname(), command: 'x', since: 'y' });
  await writeFile(lock.file, someoneElse);
  lock.release();
  t.is(readFileSync(lock.file, 'utf8'), someoneElse);
});

test('a process that exits releases its locks; one that is killed leaves a stale lock that is taken over', async (t) => {
  const { device, lockDir } = await sandbox(t);
  const holdAndExit = (how: 'exit' | 'hang') =>
    spawn(
      process.execPath,
      [
        '--import=tsx',
        '-e',
        `import(${JSON.stringify(lockModule)}).then(async ({ acquirePortLock }) => {
           const lock = await acquirePortLock(${JSON.stringify(device)}, { lockDir: ${JSON.stringify(lockDir)} });
           console.log(lock.file);
           ${how === 'exit' ? 'process.exit(0);' : 'setInterval(() => {}, 1000);'}
         });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
  const lockFile = await lockFileFor(device, lockDir);

  const exiting = holdAndExit('exit');
  await new Promise((resolve) => exiting.once('exit', resolve));
  t.false(existsSync(lockFile), 'lock file left behind by a process that exited');

  const hanging = holdAndExit('hang');
  t.teardown(() => {
    hanging.kill('SIGKILL');
  });
  await new Promise((resolve) => hanging.stdout!.once('data', resolve));
  const busy = await t.throwsAsync(acquirePortLock(device, { lockDir }), { instanceOf: PortBusyError });
  t.is(busy.holder?.pid, hanging.pid);
  hanging.kill('SIGKILL');
  await new Promise((resolve) => hanging.once('exit', resolve));
  t.true(existsSync(lockFile));
  const lock = await acquirePortLock(device, { lockDir });
  t.like(JSON.parse(readFileSync(lock.file, 'utf8')), { pid: process.pid });
  lock.release();
});

test('two claims racing for one stale lock: exactly one wins', async (t) => {
  const { device, lockDir } = await sandbox(t);
  const first = await acquirePortLock(device, { lockDir });
  await writeFile(
    first.file,
    JSON.stringify({ pid: deadPid(), host: hostname(), command: 'old', since: '2025-01-01T00:00:00Z' }),
  );
  const results = await Promise.allSettled(
    Array.from({ length: 8 }, () => acquirePortLock(device, { lockDir })),
  );
  const won = results.filter((r) => r.status === 'fulfilled');
  t.is(won.length, 1);
  for (const r of results) {
    if (r.status === 'rejected') t.true(r.reason instanceof PortBusyError, String(r.reason));
  }
  for (const r of won) r.value.release();
});
