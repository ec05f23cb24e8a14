import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { type Clock, formatDuration, type Milliseconds, RealClock, type Timer } from '../../clock/index.ts';
import {
  type ComponentSpec,
  type ComponentState,
  type ComponentStatus,
  type ExitInfo,
  SupervisorError,
  type SupervisorEvents,
  type SupervisorOptions,
} from './component.ts';
import { signalGroup, trackGroup, untrackGroup } from './process-groups.ts';
import { resolveCommand } from './resolve-command.ts';

interface Unit {
  spec: ComponentSpec;
  state: ComponentState;
  detail?: string;
  child?: ChildProcess;
  pgid?: number;
  exit?: ExitInfo;
  /** Resolves once the process has exited and its output is drained. */
  exited?: Promise<void>;
  lines: string[];
  seen: Set<number>;
  stopping: boolean;
  liveness?: Timer;
  waiter?: { resolve(): void; reject(error: SupervisorError): void };
}

/**
 * Starts processes in order, each gated on its readiness lines and a deadline; watches for crashes,
 * fault lines and stopped processes; tears down in reverse order (SIGINT, SIGTERM, SIGKILL to the
 * whole process group). Every output line goes out as a 'log' event.
 */
export class ProcessSupervisor extends EventEmitter<SupervisorEvents> {
  private readonly units: Unit[];
  private readonly clock: Clock;
  private readonly keepLines: number;
  private readonly stopGraceMs: Milliseconds;
  private readonly livenessIntervalMs: Milliseconds;
  private running = false;

  constructor(specs: readonly ComponentSpec[], options: SupervisorOptions = {}) {
    super();
    const names = specs.map((s) => s.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw new SupervisorError(dup, 'configure', 'two components share this name', []);
    this.units = specs.map((spec) => ({
      spec,
      state: 'stopped',
      lines: [],
      seen: new Set(),
      stopping: false,
    }));
    this.clock = options.clock ?? new RealClock();
    this.keepLines = options.keepLines ?? 20;
    this.stopGraceMs = options.stopGraceMs ?? 5000;
    this.livenessIntervalMs = options.livenessIntervalMs ?? 1000;
  }

  status(): ComponentStatus[] {
    return this.units.map((u) => ({
      name: u.spec.name,
      state: u.state,
      ...(u.detail !== undefined && { detail: u.detail }),
      ...(u.child?.pid !== undefined && { pid: u.child.pid }),
      ...(u.exit && { exit: u.exit }),
    }));
  }

  /** Starts every component in order; on any failure stops what was started and throws SupervisorError. */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.running) throw new SupervisorError('supervisor', 'start', 'already started; stop first', []);
    this.running = true;
    for (const unit of this.units) {
      Object.assign(unit, { state: 'stopped', lines: [], seen: new Set(), stopping: false });
      for (const key of ['detail', 'child', 'pgid', 'exit', 'exited', 'waiter'] as const) delete unit[key];
    }
    try {
      for (const unit of this.units) await this.startUnit(unit, signal);
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** Stops every component, last started first. Idempotent. */
  async stop(): Promise<void> {
    for (const unit of [...this.units].reverse()) await this.terminate(unit);
    this.running = false;
  }

  private async startUnit(unit: Unit, signal?: AbortSignal): Promise<void> {
    const { spec } = unit;
    if (signal?.aborted) throw this.fail(unit, 'start', `aborted before start: ${String(signal.reason)}`);
    let command: string;
    try {
      command = await resolveCommand(spec.command, spec.env?.PATH ?? process.env.PATH);
    } catch (e) {
      throw this.fail(unit, 'start', `cannot run ${spec.command}: ${(e as Error).message}`);
    }
    this.setState(unit, 'starting');
    const ready = new Promise<void>((resolve, reject) => {
      unit.waiter = { resolve, reject };
    });
    const child = spawn(command, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      // Own process group: teardown signals reach whatever the component forks.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    unit.child = child;
    if (child.pid !== undefined) {
      unit.pgid = child.pid;
      trackGroup(child.pid);
    }
    for (const stream of [child.stdout, child.stderr]) {
      if (stream)
        createInterface({ input: stream, crlfDelay: Infinity }).on('line', (l) => this.onLine(unit, l));
    }
    unit.exited = new Promise<void>((resolve) => {
      child.once('error', (err) => {
        if (unit.exit) return;
        unit.exit = { code: null, signal: null };
        this.fail(unit, 'start', `cannot run ${command}: ${err.message}`);
        resolve();
      });
      child.once('exit', (code, sig) => {
        unit.exit = { code, signal: sig };
        // stdio closes after exit: give the last lines a moment so a crash report includes them.
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          drain.cancel();
          this.onExit(unit);
          resolve();
        };
        const drain = this.clock.setTimer(200, finish);
        child.once('close', finish);
      });
    });
    const deadline = this.clock.setTimer(spec.startDeadlineMs, () => {
      const missing = spec.ready.filter((_, i) => !unit.seen.has(i)).map(String);
      this.fail(
        unit,
        'start',
        `no line matching ${missing.join(' and ')} within ${formatDuration(spec.startDeadlineMs)}`,
      );
    });
    const onAbort = () => this.fail(unit, 'start', `aborted: ${String(signal?.reason)}`);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await ready;
    } finally {
      deadline.cancel();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private onLine(unit: Unit, raw: string): void {
    const line = raw.replace(/\r/g, '');
    unit.lines.push(line);
    if (unit.lines.length > this.keepLines) unit.lines.shift();
    this.emit('log', { component: unit.spec.name, line, at: this.clock.now() });
    if (unit.state !== 'starting' && unit.state !== 'up') return;
    if (unit.spec.faults?.some((re) => re.test(line))) {
      this.fail(unit, unit.state === 'starting' ? 'start' : 'run', `fault line "${line}"`);
      return;
    }
    if (unit.state !== 'starting') return;
    unit.spec.ready.forEach((re, i) => {
      if (re.test(line)) unit.seen.add(i);
    });
    if (unit.seen.size === unit.spec.ready.length) {
      this.setState(unit, 'up');
      this.watchLiveness(unit);
      const waiter = unit.waiter;
      delete unit.waiter;
      waiter?.resolve();
    }
  }

  private onExit(unit: Unit): void {
    unit.liveness?.cancel();
    if (unit.pgid !== undefined) {
      // Anything the component forked and left behind goes with it.
      signalGroup(unit.pgid, 'SIGKILL');
      untrackGroup(unit.pgid);
    }
    if (unit.stopping) return;
    const how = describeExit(unit.exit!);
    if (unit.state === 'starting') this.fail(unit, 'start', `${how} before it was ready`);
    else if (unit.state === 'up') this.fail(unit, 'run', `${how} while up`);
  }

  /** A process stopped by SIGSTOP or a debugger stays alive but makes no progress: report it. */
  private watchLiveness(unit: Unit): void {
    const pid = unit.child?.pid;
    if (this.livenessIntervalMs <= 0 || pid === undefined) return;
    const check = async () => {
      const state = await processState(pid);
      if (unit.state !== 'up') return;
      if (state === 'T' || state === 't') {
        this.fail(unit, 'run', `process ${pid} is stopped (state ${state}) and makes no progress`);
        return;
      }
      unit.liveness = this.clock.setTimer(this.livenessIntervalMs, check).unref();
    };
    unit.liveness = this.clock.setTimer(this.livenessIntervalMs, check).unref();
  }

  private fail(unit: Unit, operation: string, seen: string): SupervisorError {
    const error = new SupervisorError(unit.spec.name, operation, seen, [...unit.lines]);
    if (unit.state === 'failed') return error;
    unit.liveness?.cancel();
    unit.detail = error.message;
    this.setState(unit, 'failed');
    const waiter = unit.waiter;
    delete unit.waiter;
    waiter?.reject(error);
    return error;
  }

  private setState(unit: Unit, state: ComponentState): void {
    unit.state = state;
    const status = this.status().find((s) => s.name === unit.spec.name)!;
    this.emit('change', status);
  }

  private async terminate(unit: Unit): Promise<void> {
    if (unit.child && unit.exited && unit.exit === undefined && unit.pgid !== undefined) {
      unit.stopping = true;
      unit.liveness?.cancel();
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
        signalGroup(unit.pgid, signal);
        if (await this.within(unit.exited, signal === 'SIGKILL' ? 5000 : this.stopGraceMs)) break;
      }
    }
    if (unit.exited && !(await this.within(unit.exited, 5000))) {
      throw new SupervisorError(unit.spec.name, 'stop', 'did not exit after SIGKILL', [...unit.lines]);
    }
    if (unit.state !== 'failed' && unit.state !== 'stopped') this.setState(unit, 'stopped');
  }

  private within(done: Promise<void>, ms: Milliseconds): Promise<boolean> {
    let timer: Timer | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = this.clock.setTimer(ms, () => resolve(false));
    });
    return Promise.race([done.then(() => true), timeout]).finally(() => timer?.cancel());
  }
}

function describeExit(exit: ExitInfo): string {
  return exit.code !== null
    ? `exited with code ${exit.code}`
    : `killed by ${exit.signal ?? 'an unknown signal'}`;
}

/** The state letter of /proc/<pid>/stat (R, S, D, T, Z…), or undefined where /proc is missing. */
async function processState(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}
