import { read } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { promisify } from 'node:util';
import { SerialPort } from 'serialport';
import { PortBusyError, PortNotFoundError, PortOpenError } from './errors.ts';
import { acquirePortLock, type PortLock } from './lock.ts';

export interface OpenedPort {
  port: SerialPort;
  /** The path opened (as resolved from the spec, links not followed). */
  path: string;
  lock: PortLock | undefined;
}

export interface PortOpenSettings {
  baudRate: number;
  /** Rig lock file plus serialport's kernel flock. */
  lock: boolean;
  lockDir: string | undefined;
  /** How the port is named in errors. */
  label: string;
}

/**
 * Opens one device path: takes the rig lock (or keeps `heldLock` when it is for the same device,
 * as after a re-enumeration that gave the same node back), then opens it with serialport.
 */
export async function openPortAt(
  path: string,
  settings: PortOpenSettings,
  heldLock?: PortLock,
): Promise<OpenedPort> {
  let lock: PortLock | undefined;
  if (settings.lock) {
    const real = await realpath(path).catch(() => {
      throw new PortNotFoundError(settings.label, [], `${path} vanished while opening`);
    });
    lock =
      heldLock?.device === real
        ? heldLock
        : await acquirePortLock(path, {
            label: settings.label,
            ...(settings.lockDir !== undefined && { lockDir: settings.lockDir }),
          });
  }
  const port = new SerialPort({ path, baudRate: settings.baudRate, autoOpen: false, lock: settings.lock });
  // An error event with no listener would take the process down; every port we make has one.
  port.on('error', () => {});
  try {
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  } catch (error) {
    if (lock !== heldLock) lock?.release();
    throw classifyOpenError(error as Error, path, settings.label);
  }
  readHangupAsLoss(port);
  return { port, path, lock };
}

/** The parts of serialport's Unix port binding the hangup-aware read needs (public in its typings). */
interface UnixPortBinding {
  fd: number | null;
  readonly isOpen: boolean;
  poller: { once(event: 'readable', callback: (error: Error | null) => void): unknown };
  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }>;
}

/**
 * serialport's Unix read retries at once when read() returns 0 bytes. On a tty in raw mode 0
 * bytes means the line hung up (USB device unplugged, pty master closed), so it then spins
 * forever and the port never reports the loss. This read treats 0 bytes as the loss it is; the
 * stream then closes the port with a DisconnectedError, which the link handles as 'down'.
 */
function readHangupAsLoss(port: SerialPort): void {
  const binding = port.port as unknown as Partial<UnixPortBinding> | undefined;
  if (!binding || typeof binding.fd !== 'number' || !binding.poller) return; // not a Unix binding
  const unix = binding as UnixPortBinding;
  unix.read = async (buffer, offset, length) => {
    for (;;) {
      if (!unix.isOpen || unix.fd === null)
        throw Object.assign(new Error('Port is not open'), { canceled: true });
      try {
        const { bytesRead } = await readAsync(unix.fd, buffer, offset, length, null);
        if (bytesRead === 0) {
          throw Object.assign(new Error('read returned end of file: the line hung up'), { code: 'EIO' });
        }
        return { buffer, bytesRead };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw error;
        // The port may have been closed while read() was in the thread pool: polling a
        // destroyed poller crashes the process.
        if (!unix.isOpen) throw Object.assign(new Error('Port is not open'), { canceled: true });
        await new Promise<void>((resolve, reject) =>
          unix.poller.once('readable', (pollError) => (pollError ? reject(pollError) : resolve())),
        );
      }
    }
  };
}

const readAsync = promisify(read);

function classifyOpenError(error: Error, path: string, label: string): Error {
  const text = error.message;
  if (/Cannot lock port/i.test(text)) return new PortBusyError(label, undefined, undefined);
  if (/No such file|ENOENT|ENXIO|No such device/i.test(text)) {
    return new PortNotFoundError(label, [], `open ${path}: ${text}`);
  }
  return new PortOpenError(label, path, error);
}

/** Closes a serialport port, whatever state it is in, without throwing. */
export function closePortQuietly(port: SerialPort): Promise<void> {
  port.removeAllListeners('data');
  return new Promise((resolve) => {
    const finish = () => {
      port.destroy();
      resolve();
    };
    if (port.isOpen) port.close(() => finish());
    else finish();
  });
}
