import { PortSpecError } from './errors.ts';

/**
 * Where a port is, as a user wrote it. Device paths of USB modules change when they re-enumerate,
 * so a bench names them by something stable (by-id link, VID:PID and serial number) and the
 * spec is resolved to a path each time the port is opened.
 */
export type PortSpec =
  | { kind: 'path'; text: string; path: string }
  | { kind: 'by-id'; text: string; name: string }
  | {
      kind: 'usb';
      text: string;
      /** Four lower-case hex digits, as in sysfs idVendor. */
      vendorId: string;
      productId: string;
      serialNumber?: string;
      /** USB interface number (bInterfaceNumber); modules expose AT, diag, GNSS… on separate interfaces. */
      interfaceNumber?: number;
    };

const BY_ID_DIR = '/dev/serial/by-id/';
const HEX_ID = /^[0-9a-fA-F]{1,4}$/;
// Interface suffix: "#if02" (hex, as udev and sysfs write bInterfaceNumber) or "@2" (decimal).
const INTERFACE_SUFFIX = /(?:#if([0-9a-fA-F]{1,2})|@(\d{1,3}))$/;

export function parsePortSpec(input: string): PortSpec {
  const text = input.trim();
  if (text === '') throw new PortSpecError(input, 'empty');

  if (text.startsWith(BY_ID_DIR)) return byId(text, text.slice(BY_ID_DIR.length));
  if (text.startsWith('by-id:')) return byId(text, text.slice('by-id:'.length));
  if (text.startsWith('usb:')) return usb(text);
  if (text.startsWith('/') || text.startsWith('./') || text.startsWith('../')) {
    return { kind: 'path', text, path: text };
  }
  if (/^tty[A-Za-z]+\d+$/.test(text)) {
    throw new PortSpecError(input, `a bare device name; did you mean /dev/${text}?`);
  }
  throw new PortSpecError(input, 'not a path, by-id name or USB id');
}

/** The canonical text of a spec (lower-case hex, interface as #ifNN). */
export function formatPortSpec(spec: PortSpec): string {
  switch (spec.kind) {
    case 'path':
      return spec.path;
    case 'by-id':
      return `by-id:${spec.name}`;
    case 'usb': {
      let text = `usb:${spec.vendorId}:${spec.productId}`;
      if (spec.serialNumber !== undefined) text += `:${spec.serialNumber}`;
      if (spec.interfaceNumber !== undefined) text += `#if${hex2(spec.interfaceNumber)}`;
      return text;
    }
  }
}

export function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function byId(text: string, name: string): PortSpec {
  if (name === '') throw new PortSpecError(text, 'by-id name is empty');
  if (name.includes('/')) throw new PortSpecError(text, `by-id name ${JSON.stringify(name)} contains "/"`);
  return { kind: 'by-id', text, name };
}

function usb(text: string): PortSpec {
  let body = text.slice('usb:'.length);
  let interfaceNumber: number | undefined;
  const suffix = INTERFACE_SUFFIX.exec(body);
  if (suffix) {
    interfaceNumber = suffix[1] !== undefined ? Number.parseInt(suffix[1], 16) : Number(suffix[2]);
    body = body.slice(0, suffix.index);
  } else if (body.includes('#') || body.includes('@')) {
    const at = Math.max(body.lastIndexOf('#'), body.lastIndexOf('@'));
    throw new PortSpecError(text, `bad interface suffix ${JSON.stringify(body.slice(at))}`);
  }

  const [vendor, product, ...rest] = body.split(':');
  if (vendor === undefined || product === undefined || vendor === '' || product === '') {
    throw new PortSpecError(text, 'expected usb:<vid>:<pid>');
  }
  for (const [what, id] of [
    ['vendor id', vendor],
    ['product id', product],
  ] as const) {
    if (!HEX_ID.test(id))
      throw new PortSpecError(text, `${what} ${JSON.stringify(id)} is not 1-4 hex digits`);
  }
  // Serial numbers are free text but never contain ':' in practice; re-join to report it plainly.
  const serialNumber = rest.length > 0 ? rest.join(':') : undefined;
  if (serialNumber === '') throw new PortSpecError(text, 'serial number after the last ":" is empty');
  if (serialNumber?.includes(':')) {
    throw new PortSpecError(text, `serial number ${JSON.stringify(serialNumber)} contains ":"`);
  }

  return {
    kind: 'usb',
    text,
    vendorId: vendor.toLowerCase().padStart(4, '0'),
    productId: product.toLowerCase().padStart(4, '0'),
    ...(serialNumber !== undefined && { serialNumber }),
    ...(interfaceNumber !== undefined && { interfaceNumber }),
  };
}
