import { readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { AmbiguousPortError, PortNotFoundError } from './errors.ts';
import { hex2, type PortSpec } from './spec.ts';

/** What sysfs knows about the USB device (and interface) behind a tty. */
export interface UsbPortInfo {
  vendorId: string;
  productId: string;
  serialNumber?: string;
  manufacturer?: string;
  product?: string;
  interfaceNumber?: number;
}

export interface SerialPortInfo {
  /** The path to open: /dev/<name>, or an extra path exactly as given. */
  path: string;
  /** The device node after following links (the key of the rig's lock). */
  realPath: string;
  /** /dev/serial/by-id links pointing at this port. */
  byId: string[];
  /** Kernel driver bound to the tty's device (option, cdc_acm, serial8250…), when sysfs says. */
  driver?: string;
  usb?: UsbPortInfo;
}

export interface PortDiscoveryOptions {
  /** Root of sysfs (default /sys); a parameter so the parsing can be tested on a fake tree. */
  sysRoot?: string;
  /** Root of the device nodes (default /dev). */
  devRoot?: string;
  /** Ports sysfs does not show (ptys made by socat, say), listed as given. */
  extraPaths?: readonly string[];
}

const USB_TTY = /^tty(USB|ACM)\d+$/;
const PLATFORM_UART = /^ttyS\d+$/;
// How far up from the tty's device directory the USB device directory can be (tty → interface → device).
const MAX_SYSFS_CLIMB = 6;

/**
 * Serial ports present on this machine, read from sysfs and /dev. Written instead of serialport's
 * SerialPort.list(), which on Linux spawns `udevadm` and takes the process down when it is absent.
 */
export async function listSerialPorts(options: PortDiscoveryOptions = {}): Promise<SerialPortInfo[]> {
  const sysRoot = options.sysRoot ?? '/sys';
  const devRoot = options.devRoot ?? '/dev';
  const byIdLinks = await readByIdLinks(devRoot);
  const ports: SerialPortInfo[] = [];

  const ttyClass = path.join(sysRoot, 'class', 'tty');
  for (const name of await readdirOrEmpty(ttyClass)) {
    const info = await describeTty(sysRoot, devRoot, ttyClass, name, byIdLinks);
    if (info) ports.push(info);
  }

  const seen = new Set(ports.map((p) => p.realPath));
  for (const extra of options.extraPaths ?? []) {
    const real = await realpathOrUndefined(extra);
    if (real === undefined || seen.has(real)) continue;
    seen.add(real);
    ports.push({ path: extra, realPath: real, byId: byIdLinks.get(real) ?? [] });
  }

  return ports.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
}

/**
 * The path to open for a spec. A path or by-id spec keeps its own path (a link that the kernel
 * or socat re-points after re-enumeration); a USB spec resolves to the one matching /dev node.
 */
export async function resolvePortPath(spec: PortSpec, options: PortDiscoveryOptions = {}): Promise<string> {
  const devRoot = options.devRoot ?? '/dev';
  switch (spec.kind) {
    case 'path': {
      if (await exists(spec.path)) return spec.path;
      throw new PortNotFoundError(spec.text, await presentPorts(options));
    }
    case 'by-id': {
      const link = path.join(devRoot, 'serial', 'by-id', spec.name);
      if (await exists(link)) return link;
      const names = [...(await readdirOrEmpty(path.join(devRoot, 'serial', 'by-id')))].sort();
      throw new PortNotFoundError(
        spec.text,
        await presentPorts(options),
        names.length > 0 ? `no ${link}; by-id names: ${names.join(', ')}` : `no ${link}`,
      );
    }
    case 'usb': {
      const ports = await listSerialPorts(options);
      const matches = ports.filter((p) => matchesUsb(spec, p));
      if (matches.length === 1) return matches[0]!.path;
      if (matches.length > 1) throw new AmbiguousPortError(spec.text, matches.map(describePort));
      throw new PortNotFoundError(spec.text, ports.map(describePort));
    }
  }
}

export function matchesUsb(spec: Extract<PortSpec, { kind: 'usb' }>, port: SerialPortInfo): boolean {
  const usb = port.usb;
  if (!usb || usb.vendorId !== spec.vendorId || usb.productId !== spec.productId) return false;
  if (spec.serialNumber !== undefined && usb.serialNumber !== spec.serialNumber) return false;
  if (spec.interfaceNumber !== undefined && usb.interfaceNumber !== spec.interfaceNumber) return false;
  return true;
}

/** One line for error messages: "/dev/ttyUSB2 [2c7c:0700 SN 123 #if02]". */
export function describePort(port: SerialPortInfo): string {
  const usb = port.usb;
  if (!usb) return port.path;
  const parts = [`${usb.vendorId}:${usb.productId}`];
  if (usb.serialNumber) parts.push(`SN ${usb.serialNumber}`);
  if (usb.interfaceNumber !== undefined) parts.push(`#if${hex2(usb.interfaceNumber)}`);
  return `${port.path} [${parts.join(' ')}]`;
}

async function presentPorts(options: PortDiscoveryOptions): Promise<string[]> {
  return (await listSerialPorts(options)).map(describePort);
}

async function describeTty(
  sysRoot: string,
  devRoot: string,
  ttyClass: string,
  name: string,
  byIdLinks: Map<string, string[]>,
): Promise<SerialPortInfo | undefined> {
  const ttyDir = path.join(ttyClass, name);
  // Virtual terminals, ptys and the console have no device behind them.
  const deviceDir = await realpathOrUndefined(path.join(ttyDir, 'device'));
  if (deviceDir === undefined) return undefined;

  const usb = await findUsbInfo(sysRoot, deviceDir);
  if (!usb && !USB_TTY.test(name)) {
    // 8250 drivers register ttyS0..ttyS31 whether or not a UART is there; type 0 means none.
    if (!PLATFORM_UART.test(name)) return undefined;
    if ((await readAttribute(ttyDir, 'type')) === '0') return undefined;
  }

  const devPath = path.join(devRoot, name);
  const realPath = await realpathOrUndefined(devPath);
  if (realPath === undefined) return undefined; // no device node (a container that sees the host's sysfs)

  const driverLink = await readlinkOrUndefined(path.join(deviceDir, 'driver'));
  return {
    path: devPath,
    realPath,
    byId: byIdLinks.get(realPath) ?? [],
    ...(driverLink !== undefined && { driver: path.basename(driverLink) }),
    ...(usb && { usb }),
  };
}

// usb-serial: device → …/1-2/1-2:1.2/ttyUSB2; cdc-acm: device → …/1-2/1-2:1.0. Climb to the
// interface directory (bInterfaceNumber) and on to the device directory (idVendor).
async function findUsbInfo(sysRoot: string, deviceDir: string): Promise<UsbPortInfo | undefined> {
  const root = (await realpathOrUndefined(sysRoot)) ?? sysRoot;
  let interfaceNumber: number | undefined;
  let dir = deviceDir;
  for (let i = 0; i < MAX_SYSFS_CLIMB && dir.startsWith(root) && dir !== root; i++) {
    if (interfaceNumber === undefined) {
      const text = await readAttribute(dir, 'bInterfaceNumber');
      if (text !== undefined) interfaceNumber = Number.parseInt(text, 16);
    }
    const vendorId = await readAttribute(dir, 'idVendor');
    const productId = await readAttribute(dir, 'idProduct');
    if (vendorId !== undefined && productId !== undefined) {
      const serialNumber = await readAttribute(dir, 'serial');
      const manufacturer = await readAttribute(dir, 'manufacturer');
      const product = await readAttribute(dir, 'product');
      return {
        vendorId: vendorId.toLowerCase(),
        productId: productId.toLowerCase(),
        ...(serialNumber && { serialNumber }),
        ...(manufacturer && { manufacturer }),
        ...(product && { product }),
        ...(interfaceNumber !== undefined && !Number.isNaN(interfaceNumber) && { interfaceNumber }),
      };
    }
    dir = path.dirname(dir);
  }
  return undefined;
}

async function readByIdLinks(devRoot: string): Promise<Map<string, string[]>> {
  const dir = path.join(devRoot, 'serial', 'by-id');
  const byTarget = new Map<string, string[]>();
  for (const name of (await readdirOrEmpty(dir)).sort()) {
    const link = path.join(dir, name);
    const target = await realpathOrUndefined(link);
    if (target === undefined) continue; // dangling: the device went away after udev made the link
    byTarget.set(target, [...(byTarget.get(target) ?? []), link]);
  }
  return byTarget;
}

async function readAttribute(dir: string, name: string): Promise<string | undefined> {
  try {
    return (await readFile(path.join(dir, name), 'utf8')).trim();
  } catch {
    return undefined;
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function realpathOrUndefined(p: string): Promise<string | undefined> {
  try {
    return await realpath(p);
  } catch {
    return undefined;
  }
}

async function readlinkOrUndefined(p: string): Promise<string | undefined> {
  try {
    return await readlink(p);
  } catch {
    return undefined;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
