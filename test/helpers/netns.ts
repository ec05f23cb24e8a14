import { execFileSync, spawn } from 'node:child_process';
import type { ExecutionContext } from 'ava';

export interface Namespace {
  name: string;
  /** Run a command inside the namespace; resolves with its exit code and output. */
  run(
    cmd: string[],
    options?: { timeoutMs?: number },
  ): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

let counter = 0;

/**
 * A private network namespace with loopback up, multicast enabled on it and a 224.0.0.0/4 route to it,
 * so multicast in a test never leaves the namespace (without that route it would go out of the host's
 * default interface). Needs root and iproute2; `available()` says whether this machine has them.
 */
export function netnsAvailable(): boolean {
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return process.getuid?.() === 0;
  } catch {
    return false;
  }
}

export function createNamespace(t: ExecutionContext): Namespace {
  const name = `rig-${process.pid}-${++counter}`;
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
  ip('netns', 'add', name);
  t.teardown(() => {
    try {
      ip('netns', 'del', name);
    } catch {
      // already gone
    }
  });
  ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
  ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'multicast', 'on');
  ip('netns', 'exec', name, 'ip', 'route', 'add', '224.0.0.0/4', 'dev', 'lo');
  return {
    name,
    run(cmd, options = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn('ip', ['netns', 'exec', name, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => {
          stdout += d;
        });
        child.stderr.on('data', (d) => {
          stderr += d;
        });
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`${cmd.join(' ')} in ${name} did not finish; stderr: ${stderr}`));
        }, options.timeoutMs ?? 60_000);
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
      });
    },
  };
}
