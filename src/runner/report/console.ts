/**
 * Console progress, fed live by the results log: a header when the run starts, one line per finished step,
 * a progress bar for a step that runs longer than 2 s of wall time, a summary line at the end.
 *
 * On a terminal the bar is redrawn in place and verdicts are coloured (unless NO_COLOR is set); on anything
 * else (a CI log, a pipe) nothing is printed until a step ends, so logs hold only finished lines. A step's
 * bar is determinate when the runner reports progress (progress()), else it shows activity and elapsed time.
 * Strings from the run are printed with control characters made visible: a device's banner cannot drive
 * the terminal.
 */
import type { LogEvent, RunRecord, Verdict } from '../model.ts';
import { oneLine } from './escape.ts';
import { formatDuration, VERDICTS } from './text.ts';

export interface ConsoleStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ConsoleReporterOptions {
  /** Default: colour on a TTY when NO_COLOR is not set. */
  color?: boolean;
  /** Wall time after which a running step gets a progress bar (default 2000 ms). */
  longStepMs?: number;
  /** Redraw period of the bar on a TTY (default 200 ms). */
  redrawMs?: number;
  /** Wall clock in ms (default Date.now): the bar is about the operator's time, not the bench's. */
  now?: () => number;
}

const COLOURS: Record<Verdict | 'incomplete' | 'running', string> = {
  pass: '32',
  marginal: '33',
  fail: '31',
  error: '35',
  skip: '90',
  incomplete: '36',
  running: '36',
};

interface Running {
  key: string;
  label: string;
  startedWall: number;
  fraction?: number;
}

export class ConsoleReporter {
  readonly #out: ConsoleStream;
  readonly #tty: boolean;
  readonly #color: boolean;
  readonly #longMs: number;
  readonly #redrawMs: number;
  readonly #now: () => number;
  readonly #running = new Map<string, Running>();
  readonly #titles = new Map<string, string>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #barShown = false;
  #tick = 0;
  #startedWall = 0;

  constructor(out: ConsoleStream, options: ConsoleReporterOptions = {}) {
    this.#out = out;
    this.#tty = out.isTTY === true;
    this.#color = options.color ?? (this.#tty && !process.env.NO_COLOR);
    this.#longMs = options.longStepMs ?? 2000;
    this.#redrawMs = options.redrawMs ?? 200;
    this.#now = options.now ?? Date.now;
  }

  /** Follow a results log (ResultsLog.onEvent). */
  attach(log: { onEvent(listener: (e: LogEvent) => void): void }): this {
    log.onEvent((e) => this.handle(e));
    return this;
  }

  /** Progress of a running step, 0..1, when the runner knows it (a campaign's sessions, a sweep's cuts). */
  progress(scenario: string, step: string, fraction: number): void {
    const r = this.#running.get(`${scenario}\u0000${step}`);
    if (r) r.fraction = Math.min(1, Math.max(0, fraction));
  }

  handle(e: LogEvent): void {
    switch (e.t) {
      case 'run-start':
        this.#startedWall = this.#now();
        this.#line(
          `run ${e.runId}: plan ${e.plan.name} on bench ${e.bench.name}, seed ${e.seed}, rig ${e.rigVersion}` +
            (e.resumed ? ` (resumed, attempt ${e.resumed + 1})` : ''),
        );
        break;
      case 'scenario-start':
        this.#titles.set(e.scenario, e.title || e.scenario);
        break;
      case 'step-start': {
        const key = `${e.scenario}\u0000${e.step}`;
        const scenario = this.#titles.get(e.scenario) ?? e.scenario;
        const label = `${scenario} › ${e.title}${e.device ? ` [${e.device}]` : ''}`;
        this.#running.set(key, { key, label, startedWall: this.#now() });
        if (this.#tty && !this.#timer) {
          this.#timer = setInterval(() => this.#redraw(), this.#redrawMs);
          this.#timer.unref?.();
        }
        break;
      }
      case 'step-end': {
        const key = `${e.scenario}\u0000${e.step}`;
        const r = this.#running.get(key);
        this.#running.delete(key);
        const label = r?.label ?? `${this.#titles.get(e.scenario) ?? e.scenario} › ${e.step}`;
        const times = `${formatDuration(e.wallMs)}${e.benchMs !== e.wallMs ? `, bench ${formatDuration(e.benchMs)}` : ''}`;
        const kind = e.errorKind ? ` (${e.errorKind})` : '';
        this.#line(
          `${label}  ${times}${e.message ? `  ${e.message}${kind}` : kind}`,
          this.#verdict(e.verdict),
        );
        break;
      }
      case 'run-end': {
        const counts = VERDICTS.filter((v) => e.counts[v] > 0).map((v) => `${e.counts[v]} ${v}`);
        const total = VERDICTS.reduce((n, v) => n + e.counts[v], 0);
        this.#line(
          `${total} steps: ${counts.join(', ') || 'none run'} in ${formatDuration(this.#now() - this.#startedWall)}`,
          this.#verdict(e.verdict),
        );
        this.close();
        break;
      }
    }
  }

  /** The summary line of a run rebuilt from its log (rig report), incomplete runs included. */
  summarize(run: RunRecord): void {
    const counts = VERDICTS.filter((v) => run.counts[v] > 0).map((v) => `${run.counts[v]} ${v}`);
    const running = run.scenarios.reduce(
      (n, s) => n + s.steps.filter((st) => st.verdict === 'running').length,
      0,
    );
    const unfinished = running ? `, ${running} unfinished` : '';
    this.#line(
      `run ${run.runId}: ${counts.join(', ') || 'no steps'}${unfinished}`,
      this.#verdict(run.verdict),
    );
  }

  /** Stop redrawing (idempotent); the last bar is cleared. */
  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#clearBar();
  }

  #verdict(v: Verdict | 'incomplete' | 'running'): string {
    const word = v.toUpperCase().padEnd(10);
    return this.#color ? `\u001b[1;${COLOURS[v]}m${word}\u001b[0m ` : `${word} `;
  }

  /** A finished line: the (trusted) prefix as is, the text with its controls made visible. */
  #line(text: string, prefix = ''): void {
    this.#clearBar();
    this.#out.write(`${prefix}${oneLine(text)}\n`);
    if (this.#tty) this.#redraw();
  }

  #clearBar(): void {
    if (!this.#barShown) return;
    this.#out.write('\r\u001b[2K');
    this.#barShown = false;
  }

  /** The longest-running step past the threshold, as one line redrawn in place (TTY only). */
  #redraw(): void {
    if (!this.#tty) return;
    const now = this.#now();
    const long = [...this.#running.values()].filter((r) => now - r.startedWall >= this.#longMs);
    const r = long[0];
    if (!r) {
      this.#clearBar();
      return;
    }
    const width = 24;
    let bar: string;
    if (r.fraction !== undefined) {
      const filled = Math.round(r.fraction * width);
      bar = `[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${Math.round(r.fraction * 100)} %`;
    } else {
      const at = this.#tick++ % (2 * (width - 3));
      const pos = at < width - 3 ? at : 2 * (width - 3) - at;
      bar = `[${' '.repeat(pos)}<=>${' '.repeat(width - 3 - pos)}]`;
    }
    const more = long.length > 1 ? ` (+${long.length - 1} more)` : '';
    const text = `${bar} ${formatDuration(now - r.startedWall)}  ${oneLine(r.label)}${more}`;
    const columns = this.#out.columns ?? 100;
    this.#out.write(`\r\u001b[2K${text.slice(0, Math.max(10, columns - 1))}`);
    this.#barShown = true;
  }
}
