/** IP address text <-> bytes for the SDP and the TR 26.850 `IP-Address-IE` (4 or 16 octets). */
import { isIPv4, isIPv6 } from 'node:net';

export type AddressFamily = 'IP4' | 'IP6';

export function addressFamily(text: string): AddressFamily | undefined {
  if (isIPv4(text)) return 'IP4';
  if (isIPv6(text) && !text.includes('%')) return 'IP6';
  return undefined;
}

export function isMulticast(text: string): boolean {
  const bytes = addressBytes(text);
  if (bytes === undefined) return false;
  return bytes.length === 4 ? (bytes[0]! & 0xf0) === 0xe0 : bytes[0] === 0xff;
}

/** 4 or 16 octets for a literal address; undefined when it is not one. */
export function addressBytes(text: string): Uint8Array | undefined {
  const family = addressFamily(text);
  if (family === 'IP4') return Uint8Array.from(text.split('.').map(Number));
  if (family === 'IP6') return ipv6Bytes(text);
  return undefined;
}

function ipv6Bytes(text: string): Uint8Array {
  let tail: number[] = [];
  let body = text;
  // A trailing dotted quad (::ffff:1.2.3.4) stands for the last two groups.
  const lastColon = body.lastIndexOf(':');
  const last = body.slice(lastColon + 1);
  if (last.includes('.')) {
    tail = last.split('.').map(Number);
    body = `${body.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = body.split('::') as [string, string | undefined];
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const all =
    rest === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  if (tail.length === 4) out.set(tail, 12);
  return out;
}

/** Text for 4 or 16 octets: dotted quad, or RFC 5952 canonical IPv6 (lower case, longest zero run `::`). */
export function formatAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** The same address written the canonical way (so `FF1E:03AD::1` and `ff1e:3ad::1` compare equal). */
export function canonicalAddress(text: string): string | undefined {
  const bytes = addressBytes(text);
  return bytes === undefined ? undefined : formatAddress(bytes);
}
