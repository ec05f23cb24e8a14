import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Broker {
  port: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const s = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
  });
}

/** A real mosquitto on a free loopback port; stop() ends it and removes its files. */
export async function startMosquitto(): Promise<Broker> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rig-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  // Debian puts mosquitto in /usr/sbin, which is not on every PATH.
  const bin = existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';
  const proc = spawn(bin, ['-c', conf], { stdio: 'ignore' });
  let spawnError: Error | undefined;
  proc.once('error', (e) => {
    spawnError = e;
  });
  const deadline = Date.now() + 5000;
  for (;;) {
    if (spawnError)
      throw new Error(
        `mosquitto did not start (${spawnError.message}); install it: apt-get install mosquitto`,
      );
    const up = await new Promise<boolean>((resolve) => {
      const sock = tcpConnect(port, '127.0.0.1', () => {
        sock.destroy();
        resolve(true);
      }).on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`mosquitto did not listen on 127.0.0.1:${port} within 5 s`);
    }
    await sleep(20);
  }
  return {
    port,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((resolve) => proc.once('exit', resolve));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A mosquitto for one test: started on a free loopback port, stopped when the test ends; its port. */
export async function mosquittoFor(t: { teardown(fn: () => unknown): void }): Promise<number> {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  return broker.port;
}
