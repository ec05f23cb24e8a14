import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { SerialError } from './errors.ts';

/** Two linked pseudo-terminals made by socat: what one end writes, the other reads. */
export interface PtyPair extends AsyncDisposable {
  /** Link to the first pty (open this one as a serial port). */
  readonly a: string;
  readonly b: string;
  /** socat's pid. */
  readonly pid: number;
  /** Ends socat; its links are removed. Idempotent. */
  stop(): Promise<void>;
}

export interface PtyPairOptions {
  /** Where the links go: pty devices get fresh names each time, the links keep theirs. */
  a: string;
  b: string;
  socat?: string;
  /** How long to wait for socat to create both links (real time: socat is a real process). */
  readyTimeoutMs?: number;
}

// socat splits its address on these; a link path holding one would be misread.
const SOCAT_SPECIAL = /[,:!{}[\]'"\\\s]/;

// socat runs under a small shell that ends it when our end of its stdin pipe closes: on stop(),
// and also when this process dies without stopping it (a crashed test worker), so no orphaned
// socat keeps ptys and links around. The shell prints socat's pid first.
const SUPERVISOR =
  'exec 3<&0; "$0" "$@" </dev/null & s=$!; echo "$s"; (read _ <&3; kill "$s" 2>/dev/null) & exec 3<&-; wait "$s"';

/**
 * Starts `socat pty,rawer,link=A pty,rawer,link=B` and waits for both links. Used to serve an
 * emulated module on a pseudo-terminal and to test the serial layer without hardware.
 */
export async function startPtyPair(options: PtyPairOptions): Promise<PtyPair> {
  for (const link of [options.a, options.b]) {
    if (SOCAT_SPECIAL.test(link)) {
      throw new SerialError(`pty pair: link path ${JSON.stringify(link)} has a character socat cannot take`);
    }
  }
  const child = spawn(
    'sh',
    [
      '-c',
      SUPERVISOR,
      options.socat ?? 'socat',
      '-d',
      '-d',
      `pty,rawer,link=${options.a}`,
      `pty,rawer,link=${options.b}`,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-2000);
  });
  let stdout = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const links = { a: options.a, b: options.b };

  const timeout = options.readyTimeoutMs ?? 5000;
  const deadline = Date.now() + timeout;
  let failure: string | undefined;
  for (;;) {
    if (existsSync(options.a) && existsSync(options.b) && /^\d+\n/.test(stdout)) break;
    const outcome = await Promise.race([
      delay(10).then(() => 'waiting' as const),
      exited.then((code) => `socat exited with code ${code}`),
      spawnError.then((error) => `could not start sh: ${error.message}`),
    ]);
    if (outcome !== 'waiting') failure = outcome;
    else if (Date.now() > deadline) failure = `links not created within ${timeout} ms`;
    if (failure) {
      await stopSupervised(child, exited, undefined, links);
      throw new SerialError(
        `pty pair ${options.a} <-> ${options.b}: ${failure}; socat said: ${stderr.trim()}`,
      );
    }
  }

  const pid = Number.parseInt(stdout, 10);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= stopSupervised(child, exited, pid, links);
    return stopping;
  };
  return { a: options.a, b: options.b, pid, stop, [Symbol.asyncDispose]: stop };
}

async function stopSupervised(
  child: ChildProcess,
  exited: Promise<number | null>,
  socatPid: number | undefined,
  links: { a: string; b: string },
): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.stdin?.end(); // the supervisor sends socat SIGTERM, socat removes its links and exits
    const gone = await Promise.race([exited.then(() => true), delay(2000).then(() => false)]);
    if (!gone) {
      if (socatPid !== undefined) killQuietly(socatPid);
      child.kill('SIGKILL');
      await exited;
    }
  }
  // After a SIGKILL (or a crash) socat leaves its links dangling. Only a dangling one is removed:
  // a live link of that name belongs to a newer pair.
  for (const link of [links.a, links.b]) {
    try {
      if (lstatSync(link).isSymbolicLink() && !existsSync(link)) unlinkSync(link);
    } catch {
      // already removed
    }
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
