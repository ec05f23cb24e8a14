import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import {
  AmbiguousPortError,
  formatPortTable,
  listSerialPorts,
  type PortDiscoveryOptions,
  PortNotFoundError,
  parsePortSpec,
  resolvePortPath,
} from '../src/serial/index.ts';

/**
 * A fake sysfs and /dev laid out as Linux lays them out: there is no USB hardware on this machine,
 * so the parsing of real trees is checked on a copy of their shape built in a temp dir.
 */
async function buildFakeTree(
  root: string,
): Promise<PortDiscoveryOptions & { sysRoot: string; devRoot: string }> {
  const sys = path.join(root, 'sys');
  const dev = path.join(root, 'dev');
  const usbBus = path.join(sys, 'devices/pci0000:00/0000:00:14.0/usb1');
  const classTty = path.join(sys, 'class/tty');
  await mkdir(classTty, { recursive: true });
  await mkdir(path.join(dev, 'serial/by-id'), { recursive: true });
  await mkdir(path.join(sys, 'bus/usb-serial/drivers/option1'), { recursive: true });
  await mkdir(path.join(sys, 'bus/usb/drivers/cdc_acm'), { recursive: true });

  const attrs = async (dir: string, values: Record<string, string>) => {
    await mkdir(dir, { recursive: true });
    for (const [name, value] of Object.entries(values)) await writeFile(path.join(dir, name), `${value}\n`);
  };
  const classLink = async (name: string, ttyDir: string) => {
    await symlink(path.relative(classTty, ttyDir), path.join(classTty, name));
  };
  const devNode = (name: string) => writeFile(path.join(dev, name), '');

  // usb-serial (option driver): class/tty/ttyUSBn → …/1-2:1.n/ttyUSBn/tty/ttyUSBn, device → …/1-2:1.n/ttyUSBn
  const usbSerial = async (usbDev: string, iface: number, name: string, withNode = true) => {
    const ifDir = path.join(usbDev, `${path.basename(usbDev)}:1.${iface}`);
    await attrs(ifDir, { bInterfaceNumber: iface.toString(16).padStart(2, '0') });
    const portDir = path.join(ifDir, name);
    const ttyDir = path.join(portDir, 'tty', name);
    await mkdir(ttyDir, { recursive: true });
    await symlink(path.relative(ttyDir, portDir), path.join(ttyDir, 'device'));
    await symlink(
      path.relative(portDir, path.join(sys, 'bus/usb-serial/drivers/option1')),
      path.join(portDir, 'driver'),
    );
    await classLink(name, ttyDir);
    if (withNode) await devNode(name);
  };

  const bg95a = path.join(usbBus, '1-2');
  await attrs(bg95a, {
    idVendor: '2c7c',
    idProduct: '0700',
    serial: 'SN1',
    manufacturer: 'Quectel',
    product: 'BG95',
  });
  await usbSerial(bg95a, 0, 'ttyUSB0');
  await usbSerial(bg95a, 2, 'ttyUSB2');
  const bg95b = path.join(usbBus, '1-3');
  await attrs(bg95b, { idVendor: '2c7c', idProduct: '0700', serial: 'SN2', manufacturer: 'Quectel' });
  await usbSerial(bg95b, 2, 'ttyUSB5');
  await usbSerial(bg95b, 3, 'ttyUSB9', false); // in sysfs, but no device node: not listed

  // cdc-acm: device → the interface directory itself
  const acm = path.join(usbBus, '1-4');
  await attrs(acm, { idVendor: '1915', idProduct: '9100', serial: 'NRF9160DK', product: 'nRF9160 SLM' });
  const acmIf = path.join(acm, '1-4:1.0');
  await attrs(acmIf, { bInterfaceNumber: '00' });
  const acmTty = path.join(acmIf, 'tty/ttyACM0');
  await mkdir(acmTty, { recursive: true });
  await symlink(path.relative(acmTty, acmIf), path.join(acmTty, 'device'));
  await symlink(path.relative(acmIf, path.join(sys, 'bus/usb/drivers/cdc_acm')), path.join(acmIf, 'driver'));
  await classLink('ttyACM0', acmTty);
  await devNode('ttyACM0');

  // 8250 UARTs: ttyS0 is real (type 4), ttyS1 is a placeholder with no UART (type 0)
  for (const [name, type] of [
    ['ttyS0', '4'],
    ['ttyS1', '0'],
  ] as const) {
    const port = path.join(sys, `devices/platform/serial8250/${name}`);
    const ttyDir = path.join(port, 'tty', name);
    await attrs(ttyDir, { type });
    await symlink(path.relative(ttyDir, port), path.join(ttyDir, 'device'));
    await classLink(name, ttyDir);
    await devNode(name);
  }
  // a virtual console: no device link
  await attrs(path.join(sys, 'devices/virtual/tty/tty0'), { dev: '4:0' });
  await classLink('tty0', path.join(sys, 'devices/virtual/tty/tty0'));
  await devNode('tty0');

  const byId = path.join(dev, 'serial/by-id');
  await symlink('../../ttyUSB0', path.join(byId, 'usb-Quectel_BG95_SN1-if00-port0'));
  await symlink('../../ttyUSB2', path.join(byId, 'usb-Quectel_BG95_SN1-if02-port0'));
  await symlink('../../ttyACM0', path.join(byId, 'usb-Nordic_nRF9160_SLM_NRF9160DK-if00'));
  await symlink('../../ttyUSB7', path.join(byId, 'usb-Gone_Device-if00-port0')); // dangling

  return { sysRoot: sys, devRoot: dev };
}

async function fakeTree(t: { teardown: (fn: () => Promise<void>) => void }) {
  const root = await mkdtemp(path.join(tmpdir(), 'serial-list-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  return { root, ...(await buildFakeTree(root)) };
}

test('fake sysfs tree (no USB hardware here): ports are listed with USB ids, interface, by-id links and driver', async (t) => {
  const tree = await fakeTree(t);
  const ports = await listSerialPorts(tree);
  const dev = (name: string) => path.join(tree.devRoot, name);
  t.deepEqual(
    ports.map((p) => p.path),
    [dev('ttyACM0'), dev('ttyS0'), dev('ttyUSB0'), dev('ttyUSB2'), dev('ttyUSB5')],
  );
  const usb2 = ports.find((p) => p.path === dev('ttyUSB2'))!;
  t.deepEqual(usb2.usb, {
    vendorId: '2c7c',
    productId: '0700',
    serialNumber: 'SN1',
    manufacturer: 'Quectel',
    product: 'BG95',
    interfaceNumber: 2,
  });
  t.deepEqual(usb2.byId, [path.join(tree.devRoot, 'serial/by-id/usb-Quectel_BG95_SN1-if02-port0')]);
  t.is(usb2.driver, 'option1');
  const acm = ports.find((p) => p.path === dev('ttyACM0'))!;
  t.like(acm.usb, { vendorId: '1915', productId: '9100', interfaceNumber: 0, product: 'nRF9160 SLM' });
  t.is(acm.driver, 'cdc_acm');
  const uart = ports.find((p) => p.path === dev('ttyS0'))!;
  t.is(uart.usb, undefined);
  t.deepEqual(uart.byId, []);
});

test('fake sysfs tree (no USB hardware here): extra paths (ptys) are listed as given, missing ones skipped', async (t) => {
  const tree = await fakeTree(t);
  const pty = path.join(tree.root, 'pty-dut1');
  await writeFile(pty, '');
  const ports = await listSerialPorts({ ...tree, extraPaths: [pty, path.join(tree.root, 'absent')] });
  const extra = ports.find((p) => p.path === pty);
  t.truthy(extra);
  t.false(ports.some((p) => p.path.endsWith('absent')));
});

test('fake sysfs tree (no USB hardware here): VID:PID specs resolve, narrowed by serial number and interface', async (t) => {
  const tree = await fakeTree(t);
  const resolve = (text: string) => resolvePortPath(parsePortSpec(text), tree);
  t.is(await resolve('usb:2c7c:0700:SN1#if02'), path.join(tree.devRoot, 'ttyUSB2'));
  t.is(await resolve('usb:2c7c:0700:SN2'), path.join(tree.devRoot, 'ttyUSB5'));
  t.is(await resolve('usb:1915:9100'), path.join(tree.devRoot, 'ttyACM0'));
  t.is(await resolve('usb:2c7c:0700:SN1@0'), path.join(tree.devRoot, 'ttyUSB0'));
});

test('fake sysfs tree (no USB hardware here): an ambiguous VID:PID lists the candidates', async (t) => {
  const tree = await fakeTree(t);
  const all = await t.throwsAsync(resolvePortPath(parsePortSpec('usb:2c7c:0700'), tree), {
    instanceOf: AmbiguousPortError,
  });
  t.is(all.candidates.length, 3);
  t.regex(all.message, /usb:2c7c:0700: 3 ports match/);
  t.regex(all.message, /ttyUSB2 \[2c7c:0700 SN SN1 #if02\]/);
  const sameIf = await t.throwsAsync(resolvePortPath(parsePortSpec('usb:2c7c:0700#if02'), tree), {
    instanceOf: AmbiguousPortError,
  });
  t.deepEqual(
    sameIf.candidates.map((c) => path.basename(c.split(' ')[0]!)),
    ['ttyUSB2', 'ttyUSB5'],
  );
});

test('fake sysfs tree (no USB hardware here): no match lists what is present', async (t) => {
  const tree = await fakeTree(t);
  const error = await t.throwsAsync(resolvePortPath(parsePortSpec('usb:dead:beef'), tree), {
    instanceOf: PortNotFoundError,
  });
  t.regex(error.message, /^port usb:dead:beef: not found; present: /);
  t.regex(error.message, /ttyACM0 \[1915:9100 SN NRF9160DK #if00\]/);
  t.is(error.present.length, 5);
});

test('fake sysfs tree (no USB hardware here): by-id specs resolve to the link; a missing name lists the names', async (t) => {
  const tree = await fakeTree(t);
  const link = path.join(tree.devRoot, 'serial/by-id/usb-Quectel_BG95_SN1-if02-port0');
  t.is(await resolvePortPath(parsePortSpec('by-id:usb-Quectel_BG95_SN1-if02-port0'), tree), link);
  t.is(await resolvePortPath(parsePortSpec('/dev/serial/by-id/usb-Quectel_BG95_SN1-if02-port0'), tree), link);
  const error = await t.throwsAsync(resolvePortPath(parsePortSpec('by-id:usb-Other'), tree), {
    instanceOf: PortNotFoundError,
  });
  t.regex(error.message, /by-id names: .*usb-Quectel_BG95_SN1-if00-port0/);
  t.is(error.spec, 'by-id:usb-Other');
});

test('fake sysfs tree (no USB hardware here): a path spec that does not exist is not found, naming the spec', async (t) => {
  const tree = await fakeTree(t);
  const missing = path.join(tree.devRoot, 'ttyUSB42');
  const error = await t.throwsAsync(resolvePortPath(parsePortSpec(missing), tree), {
    instanceOf: PortNotFoundError,
  });
  t.true(error.message.startsWith(`port ${missing}: not found`));
});

test('fake sysfs tree (no USB hardware here): the port table shows path, by-id, VID:PID, serial and maker', async (t) => {
  const tree = await fakeTree(t);
  const table = formatPortTable(await listSerialPorts(tree));
  const lines = table.split('\n');
  t.regex(lines[0]!, /^PATH\s+BY-ID\s+VID:PID\s+SERIAL\s+MANUFACTURER \/ PRODUCT$/);
  t.is(lines.length, 6);
  const row = lines.find((l) => l.includes('ttyUSB2'))!;
  t.regex(row, /usb-Quectel_BG95_SN1-if02-port0\s+2c7c:0700#if02\s+SN1\s+Quectel \/ BG95$/);
  const uart = lines.find((l) => l.includes('ttyS0'))!;
  t.regex(uart, /ttyS0\s+-\s+-\s+-\s+-$/);
  // columns line up: VID:PID starts at the same offset on every row
  const column = lines[0]!.indexOf('VID:PID');
  t.is(row.indexOf('2c7c:0700#if02'), column);
  t.is(formatPortTable([]), 'no serial ports found');
});

test('listing this machine reads real sysfs without spawning anything and lists only present nodes', async (t) => {
  const ports = await listSerialPorts();
  for (const port of ports) t.true(existsSync(port.path), port.path);
  t.pass();
});
