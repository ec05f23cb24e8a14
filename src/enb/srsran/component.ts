import type { Clock, EpochMs, Milliseconds } from '../../clock/index.ts';

/** One process to run: started in list order, each only once the previous one printed its ready lines. */
export interface ComponentSpec {
  readonly name: string;
  /** A path, or a bare name looked up on PATH. Run directly, never through a shell. */
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Up once every pattern has matched a line of stdout or stderr (in any order). */
  readonly ready: readonly RegExp[];
  /** A line matching one of these fails the component, during start or later. */
  readonly faults?: readonly RegExp[];
  readonly startDeadlineMs: Milliseconds;
}

export type ComponentState = 'stopped' | 'starting' | 'up' | 'failed';
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}
export interface ComponentStatus {
  name: string;
  state: ComponentState;
  /** What was seen when it failed, with its last output lines. */
  detail?: string;
  pid?: number;
  exit?: ExitInfo;
}

export interface SupervisorOptions {
  /** Real time by default: these are real processes. */
  clock?: Clock;
  /** Output lines kept per component for error reports (default 20). */
  keepLines?: number;
  /** Wait between SIGINT, SIGTERM and SIGKILL at teardown (default 5 s). */
  stopGraceMs?: Milliseconds;
  /** How often an up process is checked for being stopped (SIGSTOP/traced); 0 disables (default 1 s). */
  livenessIntervalMs?: Milliseconds;
}

export class SupervisorError extends Error {
  override name = 'SupervisorError';
  constructor(
    readonly component: string,
    readonly operation: string,
    readonly seen: string,
    readonly lastLines: readonly string[],
  ) {
    super(
      `${component}: ${operation}: ${seen}${lastLines.length ? `; last lines:\n  ${lastLines.join('\n  ')}` : '; no output'}`,
    );
  }
}

export interface SupervisorEvents {
  log: [{ component: string; line: string; at: EpochMs }];
  /** A component changed state (status() has the whole picture). */
  change: [ComponentStatus];
}
