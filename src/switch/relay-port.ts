import type { Duplex } from 'node:stream';
import type { Clock, Milliseconds } from '../clock/index.ts';
import { writeHeld } from '../clock/index.ts';
import { openSerial, type PortDiscoveryOptions } from '../serial/index.ts';
import { SwitchError, SwitchTimeoutError } from './switch.ts';

/** How a serial relay driver reaches its board. */
export interface RelayPortOptions {
  clock: Clock;
  /** A byte stream already connected to a board (an emulated one, in-process). The driver owns it. */
  transport?: Duplex;
  /** Serial only: the rig's port lock (default true) and where to find ports. */
  serial?: { lock?: boolean; lockDir?: string; discovery?: PortDiscoveryOptions };
  /** Deadline for a write to leave, and for a board's answer (default 1 s). */
  timeoutMs?: Milliseconds;
}

/** Opens the board's port, or takes the given transport; open failures become SwitchErrors. */
export async function openRelayPort(
  spec: string,
  port: string,
  baudRate: number,
  options: RelayPortOptions,
): Promise<Duplex> {
  if (options.transport) return options.transport;
  try {
    return await openSerial(port, {
      baudRate,
      clock: options.clock,
      // A relay that vanishes mid-run is an error of the rig, not something to wait out.
      reconnect: false,
      name: `relay ${spec}`,
      ...(options.serial?.lock !== undefined && { lock: options.serial.lock }),
      ...(options.serial?.lockDir !== undefined && { lockDir: options.serial.lockDir }),
      ...(options.serial?.discovery !== undefined && { discovery: options.serial.discovery }),
    });
  } catch (error) {
    throw new SwitchError(spec, port, 'open', (error as Error).message, { cause: error });
  }
}

/** Writes bytes and resolves once they have left, or fails naming the switch, port and operation. */
export function writeBytes(
  stream: Duplex,
  data: Buffer,
  clock: Clock,
  where: { spec: string; port: string; operation: string; timeoutMs: Milliseconds },
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.destroyed || stream.writableEnded) {
      reject(new SwitchError(where.spec, where.port, where.operation, 'the port is closed'));
      return;
    }
    const timer = clock.setTimer(where.timeoutMs, () =>
      reject(
        new SwitchTimeoutError(
          where.spec,
          where.port,
          where.operation,
          `write of ${data.length} bytes did not complete within ${where.timeoutMs} ms`,
        ),
      ),
    );
    writeHeld(clock, stream, data, `relay ${where.spec} ${where.operation}`, (error) => {
      timer.cancel();
      if (error)
        reject(
          new SwitchError(where.spec, where.port, where.operation, `write failed: ${error.message}`, {
            cause: error,
          }),
        );
      else resolve();
    });
  });
}

/** Closes a stream, waiting for 'close', never throwing. */
export function closeStream(stream: Duplex): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed) return resolve();
    stream.once('close', () => resolve());
    stream.destroy();
  });
}

/** Bytes as a reader can see them in an error: printable text kept, the rest as \xNN. */
export function showBytes(bytes: Buffer | string, max = 60): string {
  const text = typeof bytes === 'string' ? bytes : bytes.toString('latin1');
  const shown = [...text.slice(0, max)]
    .map((c) => {
      const code = c.charCodeAt(0);
      if (c === '\r') return '\\r';
      if (c === '\n') return '\\n';
      return code >= 0x20 && code < 0x7f ? c : `\\x${code.toString(16).padStart(2, '0')}`;
    })
    .join('');
  return `"${shown}"${text.length > max ? ` (+${text.length - max} more)` : ''}`;
}
