import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { RealClock, VirtualClock } from '../src/clock/index.ts';
import {
  lockFileFor,
  type OpenSerialOptions,
  openSerial,
  PortBusyError,
  PortDownError,
  PortLostError,
  PortNotFoundError,
  PortSpecError,
  type PtyPair,
  ReconnectTimeoutError,
  type SerialLink,
  startPtyPair,
} from '../src/serial/index.ts';

// These tests run over real pseudo-terminals made by socat: the same serialport code path as a
// USB module, without the module.

interface Bench {
  dir: string;
  a: string;
  b: string;
  lockDir: string;
  /** Starts socat with this bench's link names; stopped at teardown. */
  startPair(): Promise<PtyPair>;
  open(spec: string, extra?: Partial<OpenSerialOptions>): Promise<SerialLink>;
}

async function bench(t: ExecutionContext): Promise<Bench> {
  const dir = await mkdtemp(path.join(tmpdir(), 'serial-port-'));
  const lockDir = path.join(dir, 'locks');
  const a = path.join(dir, 'a');
  const b = path.join(dir, 'b');
  const pairs: PtyPair[] = [];
  const links: SerialLink[] = [];
  t.teardown(async () => {
    await Promise.all(links.map((l) => l.close()));
    for (const pair of pairs) await pair.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    dir,
    a,
    b,
    lockDir,
    async startPair() {
      const pair = await startPtyPair({ a, b });
      pairs.push(pair);
      return pair;
    },
    async open(spec, extra = {}) {
      const link = await openSerial(spec, { baudRate: 115200, clock: new RealClock(), lockDir, ...extra });
      link.on('error', () => {}); // tests that expect an error listen for it themselves
      links.push(link);
      return link;
    },
  };
}

function reader(link: SerialLink): { text: () => string; waitFor: (s: string) => Promise<void> } {
  let text = '';
  let waiters: Array<() => void> = [];
  link.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
    const woken = waiters;
    waiters = [];
    for (const w of woken) w();
  });
  return {
    text: () => text,
    async waitFor(s) {
      while (!text.includes(s)) {
        await withTimeout(
          new Promise<void>((resolve) => waiters.push(resolve)),
          5000,
          `"${s}" on ${link.path}`,
        );
      }
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function write(link: SerialLink, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => link.write(data, (error) => (error ? reject(error) : resolve())));
}

test('bytes flow both ways between two ends of a pty pair opened with openSerial', async (t) => {
  const b0 = await bench(t);
  await b0.startPair();
  const host = await b0.open(b0.a, { name: 'dut1' });
  const device = await b0.open(b0.b);
  t.is(host.state, 'up');
  t.is(host.label, `dut1 (${b0.a})`);
  const atDevice = reader(device);
  const atHost = reader(host);
  await write(host, 'AT+CGMR\r');
  await atDevice.waitFor('AT+CGMR\r');
  await write(device, '\r\nBG95M3LAR02A03\r\n\r\nOK\r\n');
  await atHost.waitFor('OK\r\n');
  t.is(atHost.text(), '\r\nBG95M3LAR02A03\r\n\r\nOK\r\n');

  // binary, all byte values, more than one read's worth
  const payload = Buffer.alloc(20_000, 0);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;
  const received: Buffer[] = [];
  device.on('data', (chunk: Buffer) => received.push(chunk));
  await write(host, payload);
  await withTimeout(
    (async () => {
      while (Buffer.concat(received).length < payload.length) await new Promise((r) => setTimeout(r, 5));
    })(),
    5000,
    'binary payload',
  );
  t.true(Buffer.concat(received).equals(payload));
});

test('a second openSerial of the same port fails with PortBusyError naming the holder; close releases it', async (t) => {
  const b0 = await bench(t);
  await b0.startPair();
  const first = await b0.open(b0.a, { name: 'dut1' });
  const error = await t.throwsAsync(b0.open(b0.a, { name: 'dut1-again' }), { instanceOf: PortBusyError });
  t.is(error.holder?.pid, process.pid);
  t.regex(error.message, new RegExp(`^port dut1-again \\(${b0.a}\\): busy, held by pid ${process.pid}`));
  t.true(error.message.includes(process.argv.join(' ')));
  t.regex(error.message, /since \d{4}-\d\d-\d\dT/);

  const lockFile = await lockFileFor(b0.a, b0.lockDir);
  t.true(existsSync(lockFile));
  await first.close();
  t.false(existsSync(lockFile));
  const second = await b0.open(b0.a);
  t.is(second.state, 'up');
  await second[Symbol.asyncDispose]();
  t.false(existsSync(lockFile));
});

test("serialport's kernel lock also keeps a second opener out when the lock files are in different dirs", async (t) => {
  const b0 = await bench(t);
  await b0.startPair();
  await b0.open(b0.a);
  const error = await t.throwsAsync(b0.open(b0.a, { lockDir: path.join(b0.dir, 'other-locks') }), {
    instanceOf: PortBusyError,
  });
  t.regex(error.message, /kernel flock/);
});

test('a stale lock file left by a dead process is taken over', async (t) => {
  const b0 = await bench(t);
  await b0.startPair();
  const lockFile = await lockFileFor(b0.a, b0.lockDir);
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  await b0.open(b0.a).then((l) => l.close()); // makes the lock dir
  await writeFile(lockFile, JSON.stringify({ pid: dead, host: hostname(), command: 'rig run', since: 'x' }));
  const link = await b0.open(b0.a);
  t.is(link.state, 'up');
  t.like(JSON.parse(readFileSync(lockFile, 'utf8')), { pid: process.pid });
});

test("the port vanishes and returns: 'down', writes fail with PortDownError, 'up', and bytes flow again", async (t) => {
  const b0 = await bench(t);
  const firstPair = await b0.startPair();
  const reconnect = { pollInterval: 50, deadline: 10_000 };
  const host = await b0.open(b0.a, { name: 'dut1', reconnect });
  const device = await b0.open(b0.b, { reconnect });
  const atDevice = reader(device);
  await write(host, 'AT\r');
  await atDevice.waitFor('AT\r');

  const hostDown = once(host, 'down');
  const deviceDown = once(device, 'down');
  await firstPair.stop();
  t.false(existsSync(b0.a));
  const [cause] = await withTimeout(hostDown, 5000, "'down' on host");
  t.true(cause instanceof Error);
  await withTimeout(deviceDown, 5000, "'down' on device");
  t.is(host.state, 'down');

  const error = await t.throwsAsync(write(host, 'AT+CFUN?\r'), { instanceOf: PortDownError });
  t.regex(error.message, new RegExp(`^port dut1 \\(${b0.a}\\): write failed, the port is down`));
  t.false(host.destroyed); // a failed write does not break the link

  const hostUp = once(host, 'up');
  const deviceUp = once(device, 'up');
  await b0.startPair();
  const [upPath] = await withTimeout(hostUp, 5000, "'up' on host");
  t.is(upPath, b0.a);
  await withTimeout(deviceUp, 5000, "'up' on device");
  t.is(host.state, 'up');

  await write(host, 'ATI\r');
  await atDevice.waitFor('ATI\r');
  const atHost = reader(host);
  await write(device, '\r\nOK\r\n');
  await atHost.waitFor('OK');
  t.true(existsSync(await lockFileFor(b0.a, b0.lockDir)), 'lock held again on the new pty');
});

test('a port that does not come back before the deadline ends the link with ReconnectTimeoutError', async (t) => {
  const b0 = await bench(t);
  const pair = await b0.startPair();
  const link = await b0.open(b0.a, { reconnect: { pollInterval: 20, deadline: 300 } });
  const lockFile = await lockFileFor(b0.a, b0.lockDir);
  const failed = once(link, 'error');
  const closed = new Promise((resolve) => link.once('close', resolve));
  await pair.stop();
  const [error] = await withTimeout(failed, 5000, "'error'");
  t.true(error instanceof ReconnectTimeoutError);
  t.regex(
    error.message,
    new RegExp(`^port ${b0.a}: did not come back within 300 ms; last attempt: port ${b0.a}: not found`),
  );
  await withTimeout(closed, 5000, "'close'");
  t.is(link.state, 'closed');
  t.false(existsSync(lockFile));
});

test('with a VirtualClock, the reconnect deadline is virtual time: two minutes pass in well under a second', async (t) => {
  const b0 = await bench(t);
  const pair = await b0.startPair();
  const clock = new VirtualClock();
  const link = await b0.open(b0.a, { clock, reconnect: { pollInterval: 1000, deadline: 120_000 } });
  const failed = once(link, 'error');
  const started = performance.now();
  await pair.stop();
  const [error] = await withTimeout(failed, 5000, "'error'");
  t.true(error instanceof ReconnectTimeoutError);
  t.true(clock.now() - Date.UTC(2026, 0, 1) >= 120_000);
  t.true(performance.now() - started < 3000);
});

test('without reconnect, a lost port is an error (PortLostError) and the link closes', async (t) => {
  const b0 = await bench(t);
  const pair = await b0.startPair();
  const link = await b0.open(b0.a, { reconnect: false });
  const failed = once(link, 'error');
  const closed = new Promise((resolve) => link.once('close', resolve));
  await pair.stop();
  const [error] = await withTimeout(failed, 5000, "'error'");
  t.true(error instanceof PortLostError);
  t.regex(error.message, /lost .* and reconnect is off/);
  await withTimeout(closed, 5000, "'close'");
  t.is(link.state, 'closed');
});

test('close() while down stops polling and releases the lock', async (t) => {
  const b0 = await bench(t);
  const pair = await b0.startPair();
  const link = await b0.open(b0.a, { reconnect: { pollInterval: 20, deadline: 60_000 } });
  const down = once(link, 'down');
  await pair.stop();
  await withTimeout(down, 5000, "'down'");
  await link.close();
  t.is(link.state, 'closed');
  t.false(existsSync(await lockFileFor(b0.a, b0.lockDir)));
  // the pty comes back, but the link stays closed
  const ups: string[] = [];
  link.on('up', (p: string) => ups.push(p));
  await b0.startPair();
  await new Promise((r) => setTimeout(r, 150));
  t.deepEqual(ups, []);
});

test('a spec that does not exist fails fast, naming the spec and what is present', async (t) => {
  const b0 = await bench(t);
  const missing = path.join(b0.dir, 'no-such-port');
  const started = performance.now();
  const error = await t.throwsAsync(b0.open(missing), { instanceOf: PortNotFoundError });
  t.true(performance.now() - started < 2000);
  t.regex(error.message, new RegExp(`^port ${missing}: not found; (present: |no serial ports present)`));
  await t.throwsAsync(b0.open('by-id:usb-Nothing_Here-if00-port0', { discovery: { devRoot: b0.dir } }), {
    instanceOf: PortNotFoundError,
    message: /^port by-id:usb-Nothing_Here-if00-port0: not found/,
  });
  await t.throwsAsync(b0.open('usb:dead:beef'), {
    instanceOf: PortNotFoundError,
    message: /^port usb:dead:beef/,
  });
  await t.throwsAsync(b0.open('COM3'), { instanceOf: PortSpecError });
});

test('a pty pair ends with the process that started it, even when that process is killed', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'serial-pty-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const a = path.join(dir, 'a');
  const b = path.join(dir, 'b');
  const ptyModule = fileURLToPath(new URL('../src/serial/pty.ts', import.meta.url));
  const starter = spawn(
    process.execPath,
    [
      '--import=tsx',
      '-e',
      `import(${JSON.stringify(ptyModule)}).then(async ({ startPtyPair }) => {
         await startPtyPair({ a: ${JSON.stringify(a)}, b: ${JSON.stringify(b)} });
         console.log('ready');
         setInterval(() => {}, 1000);
       });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.teardown(() => {
    starter.kill('SIGKILL');
  });
  await withTimeout(once(starter.stdout!, 'data'), 10_000, 'pty pair in the child');
  t.true(existsSync(a) && existsSync(b));
  starter.kill('SIGKILL');
  await withTimeout(
    (async () => {
      while (existsSync(a) || existsSync(b)) await new Promise((r) => setTimeout(r, 20));
    })(),
    5000,
    'socat to remove its links after its starter died',
  );
  t.pass();
});
