/**
 * Typed errors of the serial layer. Each names the port (as the user wrote it), the operation and
 * what was seen, so a bench log says which DUT failed and why without a stack trace.
 */

/** Base class: everything this folder throws or emits is a SerialError. */
export class SerialError extends Error {
  override name = 'SerialError';
}

/** A port spec (bench file, CLI) that does not parse. */
export class PortSpecError extends SerialError {
  override name = 'PortSpecError';
  constructor(
    readonly text: string,
    problem: string,
  ) {
    super(`port spec ${JSON.stringify(text)}: ${problem}; accepted forms: ${ACCEPTED_SPEC_FORMS}`);
  }
}

export const ACCEPTED_SPEC_FORMS =
  '/dev/ttyUSB2 (a path), by-id:<name>, /dev/serial/by-id/<name>, ' +
  'usb:<vid>:<pid>[:<serial>][#if<nn>|@<n>] (e.g. usb:2c7c:0700, usb:2c7c:0700:ABC123#if02)';

/** Nothing present matches the spec. `present` lists the ports that are there, for the message and for tools. */
export class PortNotFoundError extends SerialError {
  override name = 'PortNotFoundError';
  constructor(
    readonly spec: string,
    readonly present: readonly string[],
    detail?: string,
  ) {
    super(
      `port ${spec}: not found${detail ? ` (${detail})` : ''}; ` +
        (present.length > 0 ? `present: ${present.join(', ')}` : 'no serial ports present'),
    );
  }
}

/** More than one port matches a VID:PID spec; the user must narrow it (serial number, interface). */
export class AmbiguousPortError extends SerialError {
  override name = 'AmbiguousPortError';
  constructor(
    readonly spec: string,
    readonly candidates: readonly string[],
  ) {
    super(
      `port ${spec}: ${candidates.length} ports match (${candidates.join('; ')}); ` +
        'add the serial number (usb:<vid>:<pid>:<serial>) or the interface (#if<nn>) to choose one',
    );
  }
}

/** Who holds a port lock, as written in the lock file. */
export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  /** ISO 8601 wall-clock time the lock was taken. */
  since: string;
}

/** Another rig (or another link in this process) holds the port. */
export class PortBusyError extends SerialError {
  override name = 'PortBusyError';
  constructor(
    readonly port: string,
    readonly holder: LockHolder | undefined,
    readonly lockFile: string | undefined,
  ) {
    super(
      `port ${port}: busy, ` +
        (holder
          ? `held by pid ${holder.pid} on ${holder.host} since ${holder.since} (${holder.command})` +
            (lockFile ? `; lock file ${lockFile}` : '')
          : 'locked by another process (kernel flock; no rig lock file names the holder)'),
    );
  }
}

/** A write was attempted while the port is gone (module rebooting, USB re-enumeration). */
export class PortDownError extends SerialError {
  override name = 'PortDownError';
  constructor(
    readonly port: string,
    options?: ErrorOptions,
  ) {
    super(`port ${port}: write failed, the port is down (waiting for it to come back)`, options);
  }
}

/** The port vanished and did not come back before the reconnect deadline. */
export class ReconnectTimeoutError extends SerialError {
  override name = 'ReconnectTimeoutError';
  constructor(
    readonly port: string,
    readonly waitedMs: number,
    readonly lastError: Error | undefined,
  ) {
    super(
      `port ${port}: did not come back within ${waitedMs} ms` +
        (lastError ? `; last attempt: ${lastError.message}` : ''),
      { cause: lastError },
    );
  }
}

/** The port vanished and the link was opened without reconnect. */
export class PortLostError extends SerialError {
  override name = 'PortLostError';
  constructor(
    readonly port: string,
    cause: Error,
  ) {
    super(`port ${port}: lost (${cause.message}) and reconnect is off`, { cause });
  }
}

/** Opening failed for a reason other than absence or a lock (permissions, termios, driver). */
export class PortOpenError extends SerialError {
  override name = 'PortOpenError';
  constructor(
    readonly port: string,
    readonly path: string,
    cause: Error,
  ) {
    super(`port ${port}: open ${path} failed: ${cause.message}`, { cause });
  }
}
