import { formatDuration, type Milliseconds } from '../../clock/index.ts';

/** Base class of the Otii layer; `server` names the Otii server (`otii 127.0.0.1:1905`). */
export class OtiiError extends Error {
  override name = 'OtiiError';
  constructor(
    readonly server: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${server}: ${message}`, options);
  }
}

/** The server answered a request with `{"type":"error","errorcode":…}`. */
export class OtiiCommandError extends OtiiError {
  override name = 'OtiiCommandError';
  constructor(
    server: string,
    readonly command: string,
    readonly errorcode: string,
    readonly data: unknown,
  ) {
    super(server, `${command} failed: ${errorcode}${describeErrorData(data)}`);
  }
}

export class OtiiTimeoutError extends OtiiError {
  override name = 'OtiiTimeoutError';
  constructor(
    server: string,
    readonly command: string,
    readonly timeoutMs: Milliseconds,
  ) {
    super(server, `${command}: no response within ${formatDuration(timeoutMs)}`);
  }
}

/** The connection failed, closed, or carried something that is not the protocol. */
export class OtiiConnectionError extends OtiiError {
  override name = 'OtiiConnectionError';
  constructor(server: string, what: string, options?: ErrorOptions) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(server, `${what}${cause}`, options);
  }
}

/** A response whose data lacks what the command returns. */
export class OtiiReplyError extends OtiiError {
  override name = 'OtiiReplyError';
  constructor(server: string, command: string, problem: string, seen: unknown) {
    super(server, `${command}: ${problem}; got ${clip(JSON.stringify(seen) ?? String(seen))}`);
  }
}

// The vendor client formats these error codes with these data keys (otii_exception.py).
function describeErrorData(data: unknown): string {
  if (typeof data !== 'object' || data === null) return '';
  const d = data as Record<string, unknown>;
  if (typeof d.message === 'string') return ` (${d.message})`;
  if (d.key !== undefined && d.value !== undefined) return ` (${String(d.key)} = ${JSON.stringify(d.value)})`;
  if (d.key !== undefined) return ` (key ${String(d.key)})`;
  if (typeof d.device_id === 'string') return ` (device ${d.device_id})`;
  const text = JSON.stringify(d);
  return text === '{}' ? '' : ` ${clip(text)}`;
}

function clip(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
