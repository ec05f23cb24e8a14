/** Errors of recordings on disk: name the recording directory, the operation and what was seen. */
export class RecordingError extends Error {
  override name = 'RecordingError';
  constructor(
    readonly dir: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`recording ${dir}: ${message}`, options);
  }
}

/** The `code` of a Node system error (ENOSPC, ENOENT…), when there is one. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
