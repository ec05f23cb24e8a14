import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIPv4 } from 'node:net';

/** Where FLUTE packets go: a UDP multicast socket, or an in-process sink (the simulated eNB). */
export interface PacketSink {
  send(packet: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export interface MulticastAddress {
  group: string;
  port: number;
  /** Local address of the interface to send from / listen on (e.g. 127.0.0.1 inside a test namespace). */
  interface?: string;
  /** Multicast TTL (default 1: never beyond the first router). */
  ttl?: number;
}

export class TransportError extends Error {
  override name = 'TransportError';
}

/** "239.255.1.1:4000" → { group, port }; errors name what was wrong. */
export function parseGroup(text: string): { group: string; port: number } {
  const m = /^([0-9.]+):(\d+)$/.exec(text.trim());
  if (!m || !isIPv4(m[1]!))
    throw new TransportError(
      `multicast group: expected <IPv4 group>:<port>, e.g. 239.255.1.1:4000, got "${text}"`,
    );
  const first = Number(m[1]!.split('.')[0]);
  if (first < 224 || first > 239)
    throw new TransportError(`multicast group: ${m[1]} is not a multicast address (224.0.0.0/4)`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new TransportError(`multicast group: port ${port} is out of range`);
  return { group: m[1]!, port };
}

/** Sends datagrams to a multicast group. */
export class UdpMulticastSink implements PacketSink {
  private constructor(
    readonly address: MulticastAddress,
    private readonly socket: Socket,
  ) {}

  static async open(address: MulticastAddress): Promise<UdpMulticastSink> {
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, address.interface, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    try {
      if (address.interface) socket.setMulticastInterface(address.interface);
      socket.setMulticastTTL(address.ttl ?? 1);
      socket.setMulticastLoopback(true);
    } catch (e) {
      socket.close();
      throw new TransportError(`multicast sender ${address.group}:${address.port}: ${(e as Error).message}`);
    }
    return new UdpMulticastSink(address, socket);
  }

  send(packet: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.send(packet, this.address.port, this.address.group, (err) =>
        err
          ? reject(new TransportError(`send to ${this.address.group}:${this.address.port}: ${err.message}`))
          : resolve(),
      );
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** Receives datagrams from a multicast group: emits 'packet' (bytes, sender address). */
export class UdpMulticastSource extends EventEmitter<{ packet: [Uint8Array, string]; error: [Error] }> {
  private constructor(
    readonly address: MulticastAddress,
    private readonly socket: Socket,
  ) {
    super();
    socket.on('message', (msg, rinfo) => this.emit('packet', new Uint8Array(msg), rinfo.address));
    socket.on('error', (err) =>
      this.emit('error', new TransportError(`receive on ${address.group}:${address.port}: ${err.message}`)),
    );
  }

  static async open(address: MulticastAddress): Promise<UdpMulticastSource> {
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (e) =>
        reject(new TransportError(`bind ${address.group}:${address.port}: ${e.message}`)),
      );
      socket.bind(address.port, () => resolve());
    });
    try {
      socket.addMembership(address.group, address.interface);
    } catch (e) {
      socket.close();
      throw new TransportError(
        `join ${address.group} on ${address.interface ?? 'the default interface'}: ${(e as Error).message} (is there a multicast route?)`,
      );
    }
    return new UdpMulticastSource(address, socket);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** An in-process sink: packets go to a callback (the simulated eNB, tests). */
export class MemorySink implements PacketSink {
  readonly packets: Uint8Array[] = [];
  constructor(private readonly deliver?: (packet: Uint8Array) => void) {}

  async send(packet: Uint8Array): Promise<void> {
    this.packets.push(packet);
    this.deliver?.(packet);
  }

  async close(): Promise<void> {}
}
