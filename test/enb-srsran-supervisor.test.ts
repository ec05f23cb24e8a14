import test from 'ava';
import {
  type ComponentSpec,
  type ComponentStatus,
  ProcessSupervisor,
  READY_LINES,
  type SupervisorOptions,
} from '../src/enb/srsran/index.ts';
import {
  groupAlive,
  processAlive,
  SRSRAN_ROLES,
  type StandInDir,
  standInDir,
} from './fixtures/srsran-standin-dir.ts';

// srsRAN is not installed here: every test runs the srsRAN STAND-IN (test/fixtures/srsran-standin.mjs),
// a script that prints the real components' console lines and crashes, hangs or ignores signals on cue.

type Role = (typeof SRSRAN_ROLES)[number];

function specs(
  s: StandInDir,
  cues: Record<string, string> = {},
  over: Partial<Record<Role, Partial<ComponentSpec>>> = {},
) {
  return SRSRAN_ROLES.map(
    (role): ComponentSpec => ({
      name: role,
      command: s.bin(role),
      args: [s.conf(role), '--log.filename=/dev/null'],
      cwd: s.dir,
      env: { RIG_STANDIN_TRACE: s.trace, ...cues },
      ready: READY_LINES[role],
      startDeadlineMs: 10_000,
      ...over[role],
    }),
  );
}

function supervise(list: ComponentSpec[], options: SupervisorOptions = {}) {
  const supervisor = new ProcessSupervisor(list, { stopGraceMs: 300, ...options });
  const pids = new Set<number>();
  supervisor.on('change', (s) => s.pid !== undefined && pids.add(s.pid));
  return {
    supervisor,
    pids,
    /** No process of ours, nor anything they forked, is left. */
    assertNoOrphans(t: { false(v: boolean, m?: string): void }, extra: number[] = []) {
      for (const pid of [...pids, ...extra]) {
        t.false(processAlive(pid), `process ${pid} is gone`);
        t.false(groupAlive(pid), `process group ${pid} is empty`);
      }
    },
  };
}

const nextChange = (sup: ProcessSupervisor, state: ComponentStatus['state']) =>
  new Promise<ComponentStatus>((resolve) => {
    const on = (s: ComponentStatus) => {
      if (s.state !== state) return;
      sup.off('change', on);
      resolve(s);
    };
    sup.on('change', on);
  });

test('stand-in: start in order, each after the previous printed its ready line; stop in reverse order', async (t) => {
  const s = await standInDir(t);
  const { supervisor, assertNoOrphans } = supervise(specs(s, { RIG_STANDIN_READY_DELAY_MS: '150' }));
  const lines: string[] = [];
  supervisor.on('log', (e) => lines.push(`${e.component}: ${e.line}`));
  await supervisor.start();
  t.deepEqual(
    supervisor.status().map((c) => c.state),
    ['up', 'up', 'up', 'up'],
  );
  const started = s.events().filter((e) => e.event === 'start' || e.event === 'ready');
  t.deepEqual(
    started.map((e) => `${e.role} ${e.event}`),
    SRSRAN_ROLES.flatMap((r) => [`${r} start`, `${r} ready`]),
  );
  t.true(lines.includes('srsmbms: MBMS GW Initiated'));
  t.true(lines.includes('srsue: MBMS service started. Service id=0, port=4321, lcid=1'));

  await supervisor.stop();
  const signalled = s.events().filter((e) => e.event === 'signal SIGINT');
  t.deepEqual(
    signalled.map((e) => e.role),
    [...SRSRAN_ROLES].reverse(),
  );
  t.deepEqual(
    supervisor.status().map((c) => c.state),
    ['stopped', 'stopped', 'stopped', 'stopped'],
  );
  assertNoOrphans(t);
});

test('stand-in: a crash while up fails the component with its exit code and last lines', async (t) => {
  const s = await standInDir(t);
  const cues = { RIG_STANDIN_SRSENB_CRASH_AFTER_MS: '300', RIG_STANDIN_SRSENB_EXIT_CODE: '3' };
  const { supervisor, assertNoOrphans } = supervise(specs(s, cues));
  const failed = nextChange(supervisor, 'failed');
  await supervisor.start();
  const status = await failed;
  t.is(status.name, 'srsenb');
  t.deepEqual(status.exit, { code: 3, signal: null });
  t.regex(status.detail ?? '', /^srsenb: run: exited with code 3 while up; last lines:/);
  t.regex(status.detail ?? '', /==== eNodeB started ===/);
  t.regex(status.detail ?? '', /crashing on cue \(exit 3\)/);
  t.deepEqual(
    supervisor.status().map((c) => c.state),
    ['up', 'up', 'failed', 'up'],
  );
  await supervisor.stop();
  // The failure is sticky: a stopped backend still says why it failed.
  t.is(supervisor.status()[2]!.state, 'failed');
  assertNoOrphans(t);
});

test('stand-in: a start that hangs fails at its deadline with its last lines; what started is stopped', async (t) => {
  const s = await standInDir(t);
  const { supervisor, assertNoOrphans } = supervise(
    specs(s, { RIG_STANDIN_SRSENB_HANG: '1' }, { srsenb: { startDeadlineMs: 600 } }),
  );
  const error = await t.throwsAsync(supervisor.start(), { name: 'SupervisorError' });
  t.regex(
    error?.message ?? '',
    /^srsenb: start: no line matching \/==== eNodeB started ===\/ within 600 ms; last lines:\n.*Reading configuration file/s,
  );
  t.deepEqual(
    supervisor.status().map((c) => c.state),
    ['stopped', 'stopped', 'failed', 'stopped'],
  );
  t.false(
    s.events().some((e) => e.role === 'srsue'),
    'srsue never started',
  );
  t.deepEqual(
    s
      .events()
      .filter((e) => e.event === 'signal SIGINT')
      .map((e) => e.role),
    ['srsenb', 'srsepc', 'srsmbms'],
  );
  assertNoOrphans(t);
});

test('stand-in: a process ignoring SIGINT and SIGTERM is killed, and what it forked goes with it', async (t) => {
  const s = await standInDir(t);
  const cues = { RIG_STANDIN_SRSENB_IGNORE: 'SIGINT,SIGTERM', RIG_STANDIN_SRSENB_FORK: '1' };
  const { supervisor, assertNoOrphans } = supervise(specs(s, cues));
  await supervisor.start();
  const forked = s.events().find((e) => e.event.startsWith('fork '));
  const grandchild = Number(forked?.event.split(' ')[1]);
  t.true(processAlive(grandchild), 'the forked child runs while srsenb is up');
  await supervisor.stop();
  const enb = s.events().filter((e) => e.role === 'srsenb' && e.event.startsWith('signal'));
  t.deepEqual(
    enb.map((e) => e.event),
    ['signal SIGINT', 'signal SIGTERM'],
  );
  t.is(supervisor.status()[2]!.exit?.signal, 'SIGKILL');
  assertNoOrphans(t, [grandchild]);
});

test('stand-in: an unknown binary path fails with an error naming the component and the path', async (t) => {
  const s = await standInDir(t);
  const missing = `${s.dir}/no-such-dir/srsenb`;
  const { supervisor, assertNoOrphans } = supervise(specs(s, {}, { srsenb: { command: missing } }));
  await t.throwsAsync(supervisor.start(), {
    message: `srsenb: start: cannot run ${missing}: does not exist; no output`,
  });
  const bare = supervise(specs(s, {}, { srsmbms: { command: 'srsmbms-not-installed' } }));
  await t.throwsAsync(bare.supervisor.start(), {
    message: /^srsmbms: start: cannot run srsmbms-not-installed: not found on PATH/,
  });
  assertNoOrphans(t);
});

test('stand-in: a config the component cannot read makes it exit before ready', async (t) => {
  const s = await standInDir(t);
  const { supervisor, assertNoOrphans } = supervise(specs(s, { RIG_STANDIN_SRSMBMS_FAIL_CONFIG: '1' }));
  await t.throwsAsync(supervisor.start(), {
    message:
      /^srsmbms: start: exited with code 1 before it was ready; last lines:\n(.*\n)*.*Failed to read configuration file/,
  });
  t.deepEqual(
    supervisor.status().map((c) => c.state),
    ['failed', 'stopped', 'stopped', 'stopped'],
  );
  assertNoOrphans(t);
});

test('stand-in: a fault line fails the component (srsepc on a kernel without SCTP)', async (t) => {
  const s = await standInDir(t);
  const list = specs(
    s,
    { RIG_STANDIN_SRSEPC_NO_SCTP: '1' },
    { srsepc: { faults: [/Could not create SCTP socket/] } },
  );
  const { supervisor, assertNoOrphans } = supervise(list);
  await t.throwsAsync(supervisor.start(), {
    message: /^srsepc: start: fault line "Could not create SCTP socket"/,
  });
  assertNoOrphans(t);
});

test('stand-in: a process stopped with SIGSTOP while up is reported failed', async (t) => {
  const s = await standInDir(t);
  const { supervisor, assertNoOrphans } = supervise(specs(s), { livenessIntervalMs: 50 });
  await supervisor.start();
  const failed = nextChange(supervisor, 'failed');
  const pid = supervisor.status()[1]!.pid!;
  process.kill(pid, 'SIGSTOP');
  const status = await failed;
  t.is(status.name, 'srsepc');
  t.regex(status.detail ?? '', new RegExp(`^srsepc: run: process ${pid} is stopped \\(state T\\)`));
  await supervisor.stop();
  assertNoOrphans(t);
});
