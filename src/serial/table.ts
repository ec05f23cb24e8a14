import path from 'node:path';
import type { SerialPortInfo } from './list.ts';
import { hex2 } from './spec.ts';

const HEADERS = ['PATH', 'BY-ID', 'VID:PID', 'SERIAL', 'MANUFACTURER / PRODUCT'] as const;

/** A text table of ports for `rig ports`: one row per port, columns padded to fit. */
export function formatPortTable(ports: readonly SerialPortInfo[]): string {
  if (ports.length === 0) return 'no serial ports found';
  const rows = ports.map(portRow);
  const widths = HEADERS.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i]!.length)));
  return [HEADERS, ...rows]
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function portRow(port: SerialPortInfo): string[] {
  const usb = port.usb;
  const [firstLink, ...moreLinks] = port.byId.map((link) => path.basename(link));
  const byId =
    firstLink === undefined ? '-' : firstLink + (moreLinks.length > 0 ? ` (+${moreLinks.length})` : '');
  const ids = usb
    ? `${usb.vendorId}:${usb.productId}${usb.interfaceNumber !== undefined ? `#if${hex2(usb.interfaceNumber)}` : ''}`
    : '-';
  const maker = [usb?.manufacturer, usb?.product].filter(Boolean).join(' / ') || (port.driver ?? '-');
  return [port.path, byId, ids, usb?.serialNumber ?? '-', maker];
}
