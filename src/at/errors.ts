import type { FinalResult } from './results.ts';

/** Base of every AT engine error: names the port, the command and the last transcript lines. */
export class AtError extends Error {
  override name = 'AtError';
  constructor(
    readonly port: string,
    readonly command: string | undefined,
    message: string,
    readonly lastLines: readonly string[] = [],
  ) {
    super(
      `port ${port}: ${command !== undefined ? `${command}: ` : ''}${message}${
        lastLines.length > 0 ? `; last lines:\n  ${lastLines.join('\n  ')}` : ''
      }`,
    );
  }
}

/** The module answered with an error result (ERROR, +CME ERROR, NO CARRIER, …): a device verdict. */
export class AtDeviceError extends AtError {
  override name = 'AtDeviceError';
  constructor(
    port: string,
    command: string,
    readonly final: FinalResult,
    description: string,
    readonly lines: readonly string[],
    lastLines: readonly string[],
  ) {
    super(port, command, `module answered ${description}`, lastLines);
  }
}

/** No final result within the command's timeout. */
export class AtTimeoutError extends AtError {
  override name = 'AtTimeoutError';
}

/** The caller's AbortSignal fired. */
export class AtAbortedError extends AtError {
  override name = 'AtAbortedError';
}

/** The port closed, vanished or failed to write. */
export class AtPortError extends AtError {
  override name = 'AtPortError';
}

/** The module restarted (a boot URC arrived) while the command was in flight. */
export class AtRebootError extends AtError {
  override name = 'AtRebootError';
}

/** Resynchronisation failed: the module does not answer AT at all. */
export class AtUnresponsiveError extends AtError {
  override name = 'AtUnresponsiveError';
}

/** The engine was closed. */
export class AtClosedError extends AtError {
  override name = 'AtClosedError';
}
