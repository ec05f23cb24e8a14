import { formatDuration, type Milliseconds } from '../../clock/index.ts';

/** Base class of the SCPI layer. `instrument` names the instrument (model and address when known). */
export class ScpiError extends Error {
  override name = 'ScpiError';
  constructor(
    readonly instrument: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${instrument}: ${message}`, options);
  }
}

/** One entry of the instrument's error queue, as SYST:ERR? reports it (`-222,"Data out of range"`). */
export interface ScpiErrorEntry {
  code: number;
  message: string;
}

/** The instrument queued errors after a command: names the command and quotes the queue. */
export class ScpiCommandError extends ScpiError {
  override name = 'ScpiCommandError';
  constructor(
    instrument: string,
    readonly command: string,
    readonly errors: readonly ScpiErrorEntry[],
  ) {
    super(instrument, `${command} failed: ${errors.map(formatErrorEntry).join('; ')}`);
  }
}

/** No (complete) reply within the deadline. */
export class ScpiTimeoutError extends ScpiError {
  override name = 'ScpiTimeoutError';
  constructor(
    instrument: string,
    readonly command: string,
    readonly timeoutMs: Milliseconds,
    recent: readonly string[],
  ) {
    super(
      instrument,
      `${command} timed out after ${formatDuration(timeoutMs)}` +
        (recent.length > 0 ? `; last lines: ${recent.join(' | ')}` : ''),
    );
  }
}

/** A reply that is not what the command returns (text where a block was due, a number that is not one). */
export class ScpiReplyError extends ScpiError {
  override name = 'ScpiReplyError';
  constructor(
    instrument: string,
    readonly command: string,
    readonly problem: string,
    readonly seen: string,
  ) {
    super(instrument, `${command}: ${problem}; got ${quoteSeen(seen)}`);
  }
}

/** The link went away (connection closed, port lost) or could not be opened. */
export class ScpiConnectionError extends ScpiError {
  override name = 'ScpiConnectionError';
  constructor(instrument: string, what: string, options?: ErrorOptions) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(instrument, `${what}${cause}`, options);
  }
}

export function formatErrorEntry(e: ScpiErrorEntry): string {
  return `${e.code},"${e.message}"`;
}

/** Shows a reply in an error message: printable, control bytes escaped, long replies cut. */
export function quoteSeen(text: string, max = 80): string {
  const head = text.length > max ? text.slice(0, max) : text;
  const shown = head.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `"${shown}"${text.length > max ? `… (${text.length} chars)` : ''}`;
}
