/**
 * The append-only results log: one JSON object per line, written and flushed to the file as each event
 * happens, so a crash or a kill loses at most the line being written. Reading tolerates a torn last line.
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import type { LogEvent } from './model.ts';

export class ResultsLogError extends Error {
  override name = 'ResultsLogError';
}

export class ResultsLog {
  readonly #fd: number;
  readonly #listeners: ((e: LogEvent) => void)[] = [];
  #closed = false;

  constructor(readonly path: string) {
    this.#fd = openSync(path, 'a');
  }

  /** Every event goes to the file first (written and fsynced), then to the listeners (reporters). */
  write(event: LogEvent): void {
    if (this.#closed)
      throw new ResultsLogError(`results log ${this.path}: closed, event ${event.t} not written`);
    appendFileSync(this.#fd, `${JSON.stringify(event)}\n`);
    fsyncSync(this.#fd);
    for (const l of this.#listeners) l(event);
  }

  onEvent(listener: (e: LogEvent) => void): void {
    this.#listeners.push(listener);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
  }
}

/** The events of a log; a last line cut short by a crash is left out and reported in `torn`. */
export function readResultsLog(path: string): { events: LogEvent[]; torn?: string } {
  if (!existsSync(path)) throw new ResultsLogError(`results log ${path}: no such file`);
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const events: LogEvent[] = [];
  let torn: string | undefined;
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      const e = JSON.parse(line) as LogEvent;
      if (typeof e !== 'object' || e === null || typeof (e as { t?: unknown }).t !== 'string')
        throw new Error('no event type');
      events.push(e);
    } catch (err) {
      if (i >= lines.length - 2) {
        torn = line;
        break;
      }
      throw new ResultsLogError(
        `results log ${path}: line ${i + 1} is not an event (${(err as Error).message}): ${line.slice(0, 120)}`,
      );
    }
  }
  return { events, ...(torn !== undefined ? { torn } : {}) };
}
