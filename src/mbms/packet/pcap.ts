/**
 * A classic pcap file (microsecond timestamps, LINKTYPE_ETHERNET) of IPv4/UDP datagrams, so that packets the
 * rig sends can be kept as evidence and read by Wireshark/tshark (`-d udp.port==<port>,alc`).
 */

export interface UdpEndpoint {
  /** Dotted IPv4 address. */
  address: string;
  port: number;
}

export interface UdpDatagram {
  /** Capture time, microseconds since the Unix epoch. */
  timestampMicros: number;
  source: UdpEndpoint;
  destination: UdpEndpoint;
  payload: Uint8Array;
}

const ETHERNET_HEADER = 14;
const IPV4_HEADER = 20;
const UDP_HEADER = 8;
const MAX_UDP_PAYLOAD = 65535 - IPV4_HEADER - UDP_HEADER;

export function pcapFile(datagrams: readonly UdpDatagram[]): Uint8Array {
  const frames = datagrams.map(frame);
  const out = new Uint8Array(24 + frames.reduce((n, f) => n + 16 + f.length, 0));
  const view = new DataView(out.buffer);
  view.setUint32(0, 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, 65535, true); // snaplen
  view.setUint32(20, 1, true); // LINKTYPE_ETHERNET
  let at = 24;
  frames.forEach((f, i) => {
    const micros = datagrams[i]!.timestampMicros;
    view.setUint32(at, Math.floor(micros / 1e6), true);
    view.setUint32(at + 4, micros % 1e6, true);
    view.setUint32(at + 8, f.length, true);
    view.setUint32(at + 12, f.length, true);
    out.set(f, at + 16);
    at += 16 + f.length;
  });
  return out;
}

function frame(d: UdpDatagram): Uint8Array {
  if (d.payload.length > MAX_UDP_PAYLOAD) {
    throw new RangeError(`pcap: UDP payload of ${d.payload.length} bytes exceeds ${MAX_UDP_PAYLOAD}`);
  }
  const src = ipv4(d.source.address);
  const dst = ipv4(d.destination.address);
  const out = new Uint8Array(ETHERNET_HEADER + IPV4_HEADER + UDP_HEADER + d.payload.length);
  const view = new DataView(out.buffer);
  // A multicast group maps to 01:00:5e + its low 23 bits (RFC 1112 §6.4); a unicast one gets a local MAC.
  const multicast = (dst[0]! & 0xf0) === 0xe0;
  out.set(multicast ? [0x01, 0x00, 0x5e, dst[1]! & 0x7f, dst[2]!, dst[3]!] : [0x02, 0, 0, 0, 0, 2], 0);
  out.set([0x02, 0, 0, 0, 0, 1], 6);
  view.setUint16(12, 0x0800);
  const ip = ETHERNET_HEADER;
  out[ip] = 0x45;
  view.setUint16(ip + 2, IPV4_HEADER + UDP_HEADER + d.payload.length);
  view.setUint16(ip + 6, 0x4000); // don't fragment
  out[ip + 8] = 64; // TTL
  out[ip + 9] = 17; // UDP
  out.set(src, ip + 12);
  out.set(dst, ip + 16);
  view.setUint16(ip + 10, onesComplement(out.subarray(ip, ip + IPV4_HEADER)));
  const udp = ip + IPV4_HEADER;
  const udpLength = UDP_HEADER + d.payload.length;
  view.setUint16(udp, d.source.port);
  view.setUint16(udp + 2, d.destination.port);
  view.setUint16(udp + 4, udpLength);
  out.set(d.payload, udp + UDP_HEADER);
  const pseudo = new Uint8Array(12 + udpLength);
  pseudo.set(src, 0);
  pseudo.set(dst, 4);
  pseudo[9] = 17;
  new DataView(pseudo.buffer).setUint16(10, udpLength);
  pseudo.set(out.subarray(udp), 12);
  // A computed checksum of 0 is sent as 0xffff (RFC 768); 0 would mean "none".
  view.setUint16(udp + 6, onesComplement(pseudo) || 0xffff);
  return out;
}

function ipv4(address: string): Uint8Array {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new RangeError(`pcap: "${address}" is not a dotted IPv4 address`);
  }
  return Uint8Array.from(parts);
}

function onesComplement(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
