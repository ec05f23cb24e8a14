import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { replay } from '../src/runner/model.ts';
import { ConsoleReporter } from '../src/runner/report/index.ts';
import { ResultsLog, readResultsLog } from '../src/runner/results-log.ts';
import { HOSTILE, makeRunDir } from './helpers/report-run-dir.ts';

/** A non-TTY stream (as in CI) and everything written to it. */
function pipe() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (b: Buffer) => {
    text += b.toString('utf8');
  });
  return { stream, text: () => text };
}

test('console on a non-TTY stream: a header, one plain line per finished step, a summary line', async (t) => {
  const run = await makeRunDir();
  t.teardown(run.remove);
  const out = pipe();
  const dir = mkdtempSync(join(tmpdir(), 'rig-console-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const log = new ResultsLog(join(dir, 'results.jsonl'));
  let now = 0;
  const reporter = new ConsoleReporter(out.stream, { now: () => now }).attach(log);
  for (const e of run.events) {
    now += 100;
    log.write(e);
  }
  log.close();
  reporter.close();
  await sleep(0);
  const lines = out.text().split('\n');
  t.is(lines.pop(), '', 'ends with a newline');
  t.is(lines.length, 1 + 6 + 1);
  t.is(lines[0], 'run 20260105-093000-nightly: plan nightly on bench emulated, seed 42, rig 0.1.0');
  t.regex(lines[1]!, /^PASS +PSM sleep current › attach time \[dut1\] {2}1\.23 s, bench 12 s$/);
  t.regex(lines[2]!, /^MARGINAL +PSM sleep current › sleep current \[dut1\]/);
  t.true(lines[3]!.startsWith(`FAIL       PSM sleep current › ${HOSTILE}`));
  t.true(lines[3]!.includes('nul␀ bell␇ esc␛[31m vt␋ del␡ end'), 'control characters shown, not obeyed');
  t.regex(lines[4]!, /^ERROR +PSM sleep current › power cycle .*relay \/dev\/ttyACM0.* \(infrastructure\)$/);
  t.regex(lines[5]!, /^SKIP +PSM sleep current › eDRX current \[dut2\] .*bring-up of dut2 failed$/);
  t.regex(lines[6]!, /^PASS +UC1 update › UC1 campaign/);
  // The injected wall clock advanced 100 ms per event between run-start and run-end.
  const took = Number(((run.events.length - 1) * 0.1).toPrecision(3));
  t.is(lines[7], `ERROR      6 steps: 2 pass, 1 marginal, 1 fail, 1 error, 1 skip in ${took} s`);
  t.false(/[\u001b\r]/.test(out.text()), 'no colour and no redraw on a non-TTY');
});

test('console on a non-TTY stream: a long step prints nothing until it ends', async (t) => {
  const out = pipe();
  let now = 0;
  const reporter = new ConsoleReporter(out.stream, { now: () => now, redrawMs: 5 });
  t.teardown(() => reporter.close());
  reporter.handle({
    t: 'scenario-start',
    at: 0,
    wall: 0,
    scenario: 's',
    kind: 'k',
    title: 'Soak',
    params: {},
  });
  reporter.handle({ t: 'step-start', at: 0, wall: 0, scenario: 's', step: 'night', title: 'overnight PSM' });
  now = 60_000;
  reporter.progress('s', 'night', 0.5);
  await sleep(50);
  t.is(out.text(), '');
  reporter.handle({
    t: 'step-end',
    at: 0,
    wall: 0,
    scenario: 's',
    step: 'night',
    verdict: 'pass',
    benchMs: 4.32e7,
    wallMs: 60_000,
  });
  await sleep(0);
  t.is(out.text(), 'PASS       Soak › overnight PSM  1 min 0 s, bench 12 h 0 min\n');
});

test('console on a stream posing as a TTY (a double: no pty here): the bar redraws in place, verdicts coloured', async (t) => {
  const out = pipe();
  const tty = Object.assign(out.stream, { isTTY: true, columns: 80 });
  let now = 0;
  const reporter = new ConsoleReporter(tty, { now: () => now, redrawMs: 5, color: true });
  t.teardown(() => reporter.close());
  reporter.handle({ t: 'step-start', at: 0, wall: 0, scenario: 's', step: 'a', title: 'short' });
  await sleep(30);
  t.is(out.text(), '', 'no bar for a step younger than 2 s');
  now = 3_000;
  reporter.progress('s', 'a', 0.25);
  await sleep(30);
  t.regex(out.text(), /\r\u001b\[2K\[={6} {18}\] 25 % 3 s {2}s › short/);
  reporter.handle({
    t: 'step-end',
    at: 0,
    wall: 0,
    scenario: 's',
    step: 'a',
    verdict: 'fail',
    benchMs: 1,
    wallMs: 3000,
  });
  await sleep(0);
  const last = out.text().slice(out.text().lastIndexOf('\r\u001b[2K'));
  t.regex(
    last,
    /^\r\u001b\[2K\u001b\[1;31mFAIL {6}\u001b\[0m s › short/,
    'the bar is cleared before the line',
  );
});

test('console: the summary of a run rebuilt from a crashed log', async (t) => {
  const run = await makeRunDir({ complete: false });
  t.teardown(run.remove);
  const out = pipe();
  new ConsoleReporter(out.stream).summarize(replay(readResultsLog(join(run.dir, 'results.jsonl')).events));
  await sleep(0);
  t.is(
    out.text(),
    'INCOMPLETE run 20260105-093000-nightly: 1 pass, 1 marginal, 1 fail, 1 error, 1 skip, 1 unfinished\n',
  );
});
