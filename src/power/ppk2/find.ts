import {
  describePort,
  formatPortSpec,
  listSerialPorts,
  type PortDiscoveryOptions,
  type PortSpec,
  type SerialPortInfo,
} from '../../serial/index.ts';
import { MeterError } from '../meter.ts';

type UsbSpec = Extract<PortSpec, { kind: 'usb' }>;

/** A serial port that may be a PPK2's data port. */
export interface Ppk2PortCandidate {
  /** What to open: `usb:<vid>:<pid>:<serial>#if<nn>` when sysfs gives both, else the device path. */
  open: string;
  path: string;
  serialNumber?: string;
  interfaceNumber?: number;
  /** One line for messages: "/dev/ttyACM0 [1915:c00a SN … #if00]". */
  description: string;
}

/**
 * The ports matching a USB spec, in interface order. A PPK2 with firmware 1.2 or later enumerates
 * two (data and commands, and a debug shell) with one serial number; which is which differs by
 * platform, so the caller probes them. Throws MeterError when none match or when they belong to
 * more than one PPK2 and the spec does not name the serial number.
 */
export async function ppk2PortCandidates(
  spec: UsbSpec,
  discovery: PortDiscoveryOptions | undefined,
  meter: string,
): Promise<Ppk2PortCandidate[]> {
  const ports = await listSerialPorts(discovery);
  const matching = ports.filter((port) => matches(spec, port));
  if (matching.length === 0) {
    const present = ports.map(describePort);
    throw new MeterError(
      meter,
      `find: no port matches ${spec.text}; ` +
        (present.length > 0 ? `present: ${present.join(', ')}` : 'no serial ports present'),
    );
  }
  const serials = [...new Set(matching.map((port) => port.usb?.serialNumber ?? '?'))];
  if (serials.length > 1) {
    throw new MeterError(
      meter,
      `find: ${serials.length} PPK2s match ${spec.text} (serial numbers ${serials.join(', ')}); ` +
        `name one: usb:${spec.vendorId}:${spec.productId}:<serial>`,
    );
  }
  return matching
    .sort(
      (a, b) =>
        (a.usb?.interfaceNumber ?? 0) - (b.usb?.interfaceNumber ?? 0) ||
        a.path.localeCompare(b.path, 'en', { numeric: true }),
    )
    .map((port) => candidate(spec, port));
}

function candidate(spec: UsbSpec, port: SerialPortInfo): Ppk2PortCandidate {
  const serialNumber = port.usb?.serialNumber;
  const interfaceNumber = port.usb?.interfaceNumber;
  const open =
    serialNumber !== undefined && interfaceNumber !== undefined && !serialNumber.includes(':')
      ? formatPortSpec({ ...spec, serialNumber, interfaceNumber })
      : port.path;
  return {
    open,
    path: port.path,
    ...(serialNumber !== undefined && { serialNumber }),
    ...(interfaceNumber !== undefined && { interfaceNumber }),
    description: describePort(port),
  };
}

function matches(spec: UsbSpec, port: SerialPortInfo): boolean {
  const usb = port.usb;
  if (!usb || usb.vendorId !== spec.vendorId || usb.productId !== spec.productId) return false;
  if (spec.serialNumber !== undefined && usb.serialNumber !== spec.serialNumber) return false;
  if (spec.interfaceNumber !== undefined && usb.interfaceNumber !== spec.interfaceNumber) return false;
  return true;
}

/**
 * Opens a meter on each candidate port at once and keeps the first, in interface order, that
 * opened (answered GetMetadata with metadata); the others are closed.
 */
export async function probePpk2Ports<M extends { open(): Promise<void>; close(): Promise<void> }>(
  spec: UsbSpec,
  candidates: readonly Ppk2PortCandidate[],
  meter: string,
  create: (candidate: Ppk2PortCandidate) => M,
): Promise<M> {
  const outcomes = await Promise.all(
    candidates.map(async (candidate) => {
      const made = create(candidate);
      try {
        await made.open();
        return { candidate, meter: made };
      } catch (error) {
        return { candidate, error: error as Error };
      }
    }),
  );
  const chosen = outcomes.find((outcome) => outcome.meter !== undefined)?.meter;
  await Promise.all(outcomes.map((o) => (o.meter && o.meter !== chosen ? o.meter.close() : undefined)));
  if (chosen) return chosen;
  throw new MeterError(
    meter,
    `find: none of the ${candidates.length} port(s) matching ${spec.text} answered with PPK2 metadata: ` +
      outcomes.map((o) => `${o.candidate.description}: ${o.error?.message}`).join('; '),
  );
}
