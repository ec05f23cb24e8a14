/**
 * The instrument's error queue, with the standard SCPI-99 error numbers and messages (SCPI 1999.0
 * Vol. 2 §21.8: command errors -1xx, execution errors -2xx, query errors -4xx; -350 queue overflow).
 */
export const SCPI_ERROR_TEXT: Readonly<Record<number, string>> = {
  0: 'No error',
  [-100]: 'Command error',
  [-101]: 'Invalid character',
  [-102]: 'Syntax error',
  [-103]: 'Invalid separator',
  [-104]: 'Data type error',
  [-108]: 'Parameter not allowed',
  [-109]: 'Missing parameter',
  [-113]: 'Undefined header',
  [-114]: 'Header suffix out of range',
  [-120]: 'Numeric data error',
  [-131]: 'Invalid suffix',
  [-141]: 'Invalid character data',
  [-150]: 'String data error',
  [-151]: 'Invalid string data',
  [-200]: 'Execution error',
  [-211]: 'Trigger ignored',
  [-213]: 'Init ignored',
  [-221]: 'Settings conflict',
  [-222]: 'Data out of range',
  [-224]: 'Illegal parameter value',
  [-230]: 'Data corrupt or stale',
  [-241]: 'Hardware missing',
  [-350]: 'Queue overflow',
  [-410]: 'Query INTERRUPTED',
  [-420]: 'Query UNTERMINATED',
};

/** A command or query failed with an SCPI error: the session queues it and sends no reply. */
export class ScpiFailure extends Error {
  constructor(
    readonly code: number,
    detail?: string,
  ) {
    super(`${code},"${SCPI_ERROR_TEXT[code] ?? 'Error'}"${detail ? ` (${detail})` : ''}`);
  }
}

export interface QueuedError {
  code: number;
  message: string;
}

/** Oldest first; when full the newest entry becomes -350 "Queue overflow", as SCPI prescribes. */
export class ErrorQueue {
  readonly #entries: QueuedError[] = [];

  constructor(readonly capacity = 30) {}

  push(code: number): void {
    const entry = { code, message: SCPI_ERROR_TEXT[code] ?? 'Error' };
    if (this.#entries.length < this.capacity) {
      this.#entries.push(entry);
      return;
    }
    this.#entries[this.capacity - 1] = { code: -350, message: SCPI_ERROR_TEXT[-350]! };
  }

  pop(): QueuedError {
    return this.#entries.shift() ?? { code: 0, message: SCPI_ERROR_TEXT[0]! };
  }

  clear(): void {
    this.#entries.length = 0;
  }

  get length(): number {
    return this.#entries.length;
  }

  /** What is queued, oldest first (for tests and diagnostics). */
  peek(): readonly QueuedError[] {
    return [...this.#entries];
  }
}
