import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';

const RIG = join(import.meta.dirname, '..', 'bin', 'rig.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function rig(
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RIG, ...args], {
      env: { ...process.env, ...options.env },
      stdio: 'pipe',
    });
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
      reject(new Error(`rig ${args.join(' ')} did not finish; stdout: ${stdout}; stderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** `rig emulate` in the background until its link exists and the module answers AT. */
async function emulate(t: import('ava').ExecutionContext, model: string, extra: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'rig-cli-'));
  const link = join(dir, model);
  const env = { RIG_LOCK_DIR: join(dir, 'locks') };
  const child: ChildProcess = spawn(process.execPath, [RIG, 'emulate', model, '--pty', link, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.teardown(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (existsSync(link)) {
      const probe = await rig(['at', link, 'AT', '--timeout', '1000'], { env });
      if (probe.code === 0) break;
    }
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`rig emulate did not come up: ${out}`);
    await sleep(200);
  }
  return { link, env, child, exited, output: () => out };
}

test('rig emulate serves a BG95 on a pty; rig at drives it one-shot', async (t) => {
  const { link, env, output } = await emulate(t, 'quectel-bg95');
  t.regex(output(), /quectel-bg95: emulated Quectel BG95-M3 listening on/);
  const r = await rig(['at', link, 'ATI', 'AT+CGMR', 'AT+CFUN?'], { env });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /Quectel\nBG95-M3\nRevision: BG95M3LAR02A03\nOK\n/);
  t.regex(r.stdout, /BG95M3LAR02A03\nOK\n/);
  t.regex(r.stdout, /\+CFUN: 1\nOK\n/);
});

test('rig at --log writes the transcript as JSON lines, every byte with its meaning', async (t) => {
  const { link, env } = await emulate(t, 'quectel-bg95');
  const log = join(tmpdir(), `rig-at-${process.pid}-${Date.now()}.jsonl`);
  t.teardown(() => rmSync(log, { force: true }));
  const r = await rig(['at', link, 'AT+CGMR', '--log', log], { env });
  t.is(r.code, 0, r.stderr);
  const entries = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { dir: string; meaning: string; text: string });
  t.true(entries.some((e) => e.dir === 'tx' && e.meaning === 'command' && e.text === 'AT+CGMR\\r'));
  t.true(entries.some((e) => e.dir === 'rx' && e.meaning === 'final' && e.text === 'OK'));
});

test('rig at: a command the module rejects prints its error and exits 1', async (t) => {
  const { link, env } = await emulate(t, 'quectel-bg95');
  const r = await rig(['at', link, 'AT+CMEE=2', 'AT+CPSMS=9'], { env });
  t.is(r.code, 1);
  t.regex(r.stdout, /\+CME ERROR: /);
});

test('rig at interactive: commands from stdin, URCs shown as they arrive', async (t) => {
  const { link, env } = await emulate(t, 'quectel-bg95');
  const r = await rig(['at', link], { env, input: 'AT+CEREG=2\nAT+CFUN=0\nAT+CFUN=1\n' });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /connected to .* type AT commands/);
  t.regex(r.stdout, /URC \+CEREG: 0/);
});

test('the port is locked while rig at holds it: a second rig names the holder', async (t) => {
  const { link, env } = await emulate(t, 'quectel-bg95');
  const holder = spawn(process.execPath, [RIG, 'at', link], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    holder.kill('SIGKILL');
  });
  await new Promise<void>((resolve) =>
    holder.stdout.on('data', (d: Buffer) => d.toString().includes('connected') && resolve()),
  );
  const r = await rig(['at', link, 'ATI'], { env });
  t.is(r.code, 1);
  t.regex(r.stderr, new RegExp(`${link.replace(/[/.]/g, '\\$&')}.*(busy|locked|held)`, 'i'));
  t.regex(r.stderr, new RegExp(`pid ${holder.pid}`));
  holder.stdin.end();
});

test('rig emulate stops cleanly on SIGTERM and removes its link', async (t) => {
  const { link, child, exited } = await emulate(t, 'quectel-bg95');
  child.kill('SIGTERM');
  t.is(await exited, 0);
  t.false(existsSync(link));
});

test('bad input on the command line gives clear errors', async (t) => {
  const missing = await rig(['at', '/dev/does-not-exist', 'ATI']);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /\/dev\/does-not-exist: not found/);
  const badModel = await rig(['emulate', 'acme-x1', '--pty', join(tmpdir(), 'x1')]);
  t.is(badModel.code, 1);
  t.regex(badModel.stderr, /no module profile "acme-x1".*known: .*quectel-bg95/s);
  const badFault = await rig([
    'emulate',
    'quectel-bg95',
    '--pty',
    join(tmpdir(), 'x2'),
    '--fault',
    'bogus=1',
  ]);
  t.is(badFault.code, 2);
  t.regex(badFault.stderr, /unknown fault "bogus"/);
  const badSpec = await rig(['at', 'usb:zz']);
  t.is(badSpec.code, 1);
  t.regex(badSpec.stderr, /accepted forms/);
  const unknown = await rig(['frobnicate']);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /unknown command "frobnicate"/);
});

test('rig ports lists an explicitly given pty', async (t) => {
  const { link } = await emulate(t, 'quectel-bg95');
  const r = await rig(['ports', '--extra', link, '--probe']);
  t.is(r.code, 0, r.stderr);
  t.true(r.stdout.includes(link));
  t.regex(r.stdout, /Quectel BG95-M3 \(dialect quectel, profile quectel-bg95\)/);
});
