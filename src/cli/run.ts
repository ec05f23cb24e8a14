/**
 * `rig run`, `rig report`, `rig list`, `rig doctor`: the nightly runner's command line.
 * Exit codes: 0 pass (or marginal), 1 device failures, 2 rig error (bad bench or plan, a broken resource).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { connectAsync } from 'mqtt';
import { listModuleProfiles } from '../hardware/index.ts';
import { loadBench } from '../runner/bench-spec.ts';
import { exitCodeOf, type LogEvent } from '../runner/model.ts';
import { ConsoleReporter, MqttPublisher, writeReports } from '../runner/report/index.ts';
import { runPlan } from '../runner/runner.ts';
import { SCENARIOS } from '../runner/scenarios/index.ts';
import { UsageError } from './main.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
export const DEFAULT_PLAN = join(ROOT, 'rig', 'plans', 'nightly.yaml');
export const DEFAULT_BENCH = join(ROOT, 'rig', 'benches', 'emulated.yaml');

export async function runRunCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      bench: { type: 'string' },
      seed: { type: 'string' },
      only: { type: 'string', multiple: true },
      resume: { type: 'string' },
      runs: { type: 'string', default: 'runs' },
      mqtt: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    out.write(RUN_HELP);
    return 0;
  }
  if (values.resume && (positionals[0] || values.bench || values.seed))
    throw new UsageError(
      'rig run --resume <run-dir>: the plan, bench and seed come from that run; give nothing else',
    );
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed))
    throw new UsageError(`rig run: --seed must be an integer, got "${values.seed}"`);
  const listeners: ((e: LogEvent) => void)[] = [];
  const log = { onEvent: (l: (e: LogEvent) => void) => listeners.push(l) };
  new ConsoleReporter(out as NodeJS.WritableStream & { isTTY?: boolean }).attach(log);
  const mqttUrl = values.mqtt ?? process.env.RIG_MQTT_URL;
  const publisher = mqttUrl ? new MqttPublisher({ url: mqttUrl }).attach(log) : undefined;
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error('interrupted (SIGINT)'));
  process.once('SIGINT', onSignal);
  try {
    let outcome: Awaited<ReturnType<typeof runPlan>>;
    try {
      outcome = await runPlan({
        planFile: positionals[0] ?? DEFAULT_PLAN,
        benchFile: values.bench ?? DEFAULT_BENCH,
        registry: SCENARIOS,
        runsDir: values.runs,
        ...(seed !== undefined ? { seed } : {}),
        ...(values.only ? { only: values.only } : {}),
        ...(values.resume ? { resume: values.resume } : {}),
        signal: abort.signal,
        onEvent: (e) => {
          for (const l of listeners) l(e);
        },
      });
    } catch (e) {
      // A bad bench or plan, a bench held by someone else, a resource that broke the runner: a rig error.
      process.stderr.write(`rig run: ${(e as Error).message}\n`);
      return 2;
    }
    const reports = await writeReports(outcome.runDir);
    out.write(`reports: ${reports.files.map((f) => f.replace(`${process.cwd()}/`, '')).join(', ')}\n`);
    return exitCodeOf(outcome.verdict);
  } finally {
    process.off('SIGINT', onSignal);
    if (publisher) {
      const stats = await publisher.close({ deadlineMs: 5000 });
      if (stats.dropped + stats.failed > 0 || stats.buffered > 0)
        out.write(
          `MQTT ${mqttUrl}: ${stats.delivered} delivered, ${stats.buffered} still buffered, ${stats.dropped} dropped, ${stats.failed} failed\n`,
        );
    }
  }
}

export async function runReportCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const [dir] = args;
  if (!dir)
    throw new UsageError('rig report <run-dir>: which run? e.g. rig report runs/2026-11-26T02-00-00-nightly');
  if (!existsSync(join(dir, 'results.jsonl')))
    throw new UsageError(`rig report: ${dir} has no results.jsonl`);
  const r = await writeReports(dir);
  out.write(
    `${r.run.plan.name} on ${r.run.bench.name}: ${r.verdict}${r.torn ? ' (the last log line was cut short by a crash and is left out)' : ''}\n`,
  );
  for (const f of r.files) out.write(`  ${f}\n`);
  return exitCodeOf(r.verdict);
}

export async function runListCommand(out: NodeJS.WritableStream): Promise<number> {
  const w = (s: string) => out.write(`${s}\n`);
  const yamls = (dir: string) =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith('.yaml'))
          .sort()
      : [];
  w('plans (rig/plans):');
  for (const f of yamls(join(ROOT, 'rig', 'plans'))) w(`  ${f}`);
  w('benches (rig/benches):');
  for (const f of yamls(join(ROOT, 'rig', 'benches'))) {
    try {
      const { bench } = loadBench(join(ROOT, 'rig', 'benches', f));
      w(
        `  ${f.padEnd(22)} ${bench.clock.padEnd(7)} ${bench.modules.map((m) => `${m.name}=${m.profile}`).join(' ')}`,
      );
    } catch (e) {
      w(`  ${f.padEnd(22)} INVALID: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  w('scenarios:');
  for (const s of Object.values(SCENARIOS)) {
    w(`  ${s.kind.padEnd(22)} ${s.description}`);
    for (const [name, m] of Object.entries(s.measurements))
      w(`      ${name.padEnd(22)} [${m.unit}] ${m.description}`);
  }
  w('module profiles (hardware/modules):');
  w(`  ${listModuleProfiles().join(', ')}`);
  return 0;
}

/** Checks every resource of a bench answers, without running anything on it. */
export async function runDoctorCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parseArgs({ args, options: { bench: { type: 'string' } } });
  const file = values.bench ?? DEFAULT_BENCH;
  const { bench } = loadBench(file);
  const { buildBench } = await import('../runner/bench-builder.ts');
  const { bringUp } = await import('../runner/bring-up.ts');
  const results: { what: string; ok: boolean; detail: string }[] = [];
  const check = async (what: string, fn: () => Promise<string>) => {
    try {
      results.push({ what, ok: true, detail: await fn() });
    } catch (e) {
      results.push({ what, ok: false, detail: (e as Error).message.split('\n')[0]! });
    }
  };
  const built = await buildBench(bench, resolve(file), 1);
  try {
    for (const d of built.devices) {
      await check(`module ${d.name} (${d.profileId})`, async () => {
        const ok = await bringUp(built, d, 'at-ready', { state: () => {}, identified: () => {} });
        if (!ok) throw new Error(d.bringUp.failed);
        const id = d.modem!.identity;
        return `${id.manufacturer} ${id.model} ${id.revision}, IMEI ${id.imei}${d.spec.port ? ` on ${d.spec.port}` : ''}`;
      });
      if (d.meter)
        await check(`meter for ${d.name}`, async () => {
          const m = await d.meter!();
          return `${m.info.kind} ${m.info.model ?? ''} ${m.info.serial ?? ''} (${m.info.spec})`.replace(
            /\s+/g,
            ' ',
          );
        });
      if (d.switch)
        await check(`switch for ${d.name}`, async () => {
          const s = await d.switch!();
          return `${s.info.kind} ${s.info.spec}`;
        });
    }
    await check(
      `broker ${built.broker.host}:${built.broker.port}${bench.broker ? '' : ' (embedded)'}`,
      async () => {
        const c = await connectAsync(`mqtt://${built.broker.host}:${built.broker.port}`, {
          connectTimeout: 5000,
          reconnectPeriod: 0,
        });
        await c.endAsync();
        return 'connects';
      },
    );
    if (bench.enb.kind === 'srsran') {
      const { srsran } = await import('../enb/index.ts');
      const findings = await srsran.checkSrsranBinaries(srsran.parseSrsranConfig(bench.enb.config));
      for (const f of findings) results.push({ what: `srsRAN ${f.subject}`, ok: f.ok, detail: f.detail });
    } else {
      results.push({ what: 'eNB sim', ok: true, detail: `simulated air (${bench.enb.rat})` });
    }
  } finally {
    await built.close();
  }
  for (const r of results) out.write(`${r.ok ? 'OK  ' : 'FAIL'} ${r.what.padEnd(36)} ${r.detail}\n`);
  const bad = results.filter((r) => !r.ok).length;
  out.write(`${bench.name}: ${results.length - bad}/${results.length} resources answer\n`);
  return bad === 0 ? 0 : 2;
}

const RUN_HELP = `rig run [plan.yaml] [--bench bench.yaml] [--seed N] [--only SCENARIO…] [--runs DIR] [--mqtt URL]
rig run --resume <run-dir>

Runs a plan on a bench (default: rig/plans/nightly.yaml on rig/benches/emulated.yaml). The bench and the
plan are checked first; a typo is an error naming the file, line and key. Every event goes to
<runs>/<time>-<plan>/results.jsonl as it happens; the reports (junit.xml, report.html, summary.json,
power/*.csv) are written from it at the end, and again by \`rig report <run-dir>\`. After a crash or a
kill, --resume runs what did not finish, in the same directory. --mqtt (or RIG_MQTT_URL) publishes the
run's events (src/runner/report/mqtt.ts documents the topics).

Exit: 0 pass, 1 device failures, 2 rig error.
`;
