import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { release } from 'node:os';
import { type Clock, type Milliseconds, RealClock } from '../../clock/index.ts';
import { parseSrsranConfig, type SrsranBinaries } from './config.ts';
import type { SrsranComponent } from './files.ts';
import { signalGroup } from './process-groups.ts';
import { resolveCommand } from './resolve-command.ts';

/** One thing a doctor command checked on this host. */
export interface SrsranFinding {
  /** A binary name, or 'kernel SCTP', 'TUN device', 'network namespaces', 'privileges'. */
  subject: string;
  ok: boolean;
  detail: string;
  path?: string;
  version?: string;
}

export interface SrsranDoctorOptions {
  clock?: Clock;
  /** How long a binary may take to print its version (default 3 s); it is killed after. */
  timeoutMs?: Milliseconds;
}

const COMPONENTS: readonly SrsranComponent[] = ['srsmbms', 'srsepc', 'srsenb', 'srsue'];

// srsue and srsenb exit after --version; srsepc would go on looking for a config file, so it and
// srsmbms are asked for --help, which prints "Built in ... using 23.04.0." first and exits.
const VERSION_ARG: Record<SrsranComponent, string> = {
  srsmbms: '--help',
  srsepc: '--help',
  srsenb: '--version',
  srsue: '--version',
};

/** Which srsRAN binaries run here and what they report, plus the kernel features they need. Never throws. */
export async function srsranAvailable(
  binaries: Partial<SrsranBinaries> = {},
  options: SrsranDoctorOptions = {},
): Promise<SrsranFinding[]> {
  const findings: SrsranFinding[] = [];
  for (const name of COMPONENTS) findings.push(await checkBinary(name, binaries[name] ?? name, options));
  findings.push(await checkSctp(), await checkTun(), await checkNetns(), checkPrivileges());
  return findings;
}

/** srsranAvailable for the binaries a config names; an invalid config is a finding too. */
export async function checkSrsranBinaries(
  config: unknown,
  options: SrsranDoctorOptions = {},
): Promise<SrsranFinding[]> {
  try {
    return await srsranAvailable(parseSrsranConfig(config).binaries, options);
  } catch (e) {
    return [{ subject: 'config', ok: false, detail: (e as Error).message }];
  }
}

async function checkBinary(
  name: SrsranComponent,
  command: string,
  options: SrsranDoctorOptions,
): Promise<SrsranFinding> {
  let path: string;
  try {
    path = await resolveCommand(command);
  } catch (e) {
    return { subject: name, ok: false, detail: `${command}: ${(e as Error).message}` };
  }
  const output = await runBriefly(path, VERSION_ARG[name], options);
  const m = /Version (\d+)\.(\d+)\.(\d+)/.exec(output) ?? /using (\d+)\.(\d+)\.(\d+)/.exec(output);
  if (!m) {
    const tail = output.trim().split('\n').slice(-3).join(' | ') || 'no output';
    return {
      subject: name,
      ok: false,
      path,
      detail: `${path} ${VERSION_ARG[name]} printed no version (${tail})`,
    };
  }
  const version = `${m[1]}.${m[2]}.${m[3]}`;
  const is2304 = Number(m[1]) === 23 && Number(m[2]) === 4;
  return {
    subject: name,
    ok: true,
    path,
    version,
    detail: `${path}: srsRAN ${version}${is2304 ? '' : ' (this backend is written for 23.04; check the config keys)'}`,
  };
}

/** Output of `path arg`, killed (with its process group) after the timeout. */
function runBriefly(path: string, arg: string, options: SrsranDoctorOptions): Promise<string> {
  const clock = options.clock ?? new RealClock();
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(path, [arg], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk: Buffer) => {
      if (output.length < 65_536) output += chunk.toString('utf8');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = clock.setTimer(options.timeoutMs ?? 3000, () => {
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    });
    child.once('error', (e) => {
      timer.cancel();
      resolve(`${output}\n${e.message}`);
    });
    child.once('close', () => {
      timer.cancel();
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      resolve(output);
    });
  });
}

async function checkSctp(): Promise<SrsranFinding> {
  const subject = 'kernel SCTP';
  if (existsSync('/proc/net/sctp')) return { subject, ok: true, detail: 'sctp is loaded (/proc/net/sctp)' };
  const dir = `/lib/modules/${release()}/kernel/net/sctp`;
  for (const suffix of ['', '.xz', '.zst', '.gz']) {
    if (existsSync(`${dir}/sctp.ko${suffix}`)) {
      return {
        subject,
        ok: true,
        detail: `sctp is a module (${dir}); it loads on first use, or: modprobe sctp`,
      };
    }
  }
  for (const config of [`/boot/config-${release()}`]) {
    const text = await readFile(config, 'utf8').catch(() => '');
    if (/^CONFIG_IP_SCTP=y$/m.test(text))
      return { subject, ok: true, detail: `built into the kernel (${config})` };
  }
  return {
    subject,
    ok: false,
    detail:
      'no SCTP in this kernel: srsepc cannot start and srsenb rejects UEs; run with epc.enabled false (srsmbms, srsenb and srsUE still run) or on a host with the sctp module',
  };
}

async function checkTun(): Promise<SrsranFinding> {
  const subject = 'TUN device';
  const info = await stat('/dev/net/tun').catch(() => undefined);
  return info?.isCharacterDevice()
    ? { subject, ok: true, detail: '/dev/net/tun is present' }
    : {
        subject,
        ok: false,
        detail: '/dev/net/tun is missing: srsmbms cannot create sgi_mb, srsUE cannot create its TUN',
      };
}

async function checkNetns(): Promise<SrsranFinding> {
  const subject = 'network namespaces';
  if (!existsSync('/proc/self/ns/net')) {
    return { subject, ok: false, detail: 'this kernel has no network namespaces (srsUE gw.netns)' };
  }
  try {
    const ip = await resolveCommand('ip');
    return { subject, ok: true, detail: `supported; ${ip} can create them (ip netns add ue1)` };
  } catch {
    return { subject, ok: false, detail: 'supported by the kernel, but iproute2 (ip) is not on PATH' };
  }
}

function checkPrivileges(): SrsranFinding {
  const root = process.getuid?.() === 0;
  return {
    subject: 'privileges',
    ok: root,
    detail: root
      ? 'running as root'
      : 'not root: TUN devices, routes and namespaces need root (or CAP_NET_ADMIN)',
  };
}
