/**
 * srsRAN's air, as the emulated modules hear it: srsRAN carries a session as LTE MBSFN to srsUE, which
 * hands the IP multicast out on its TUN interface. Each emulated module's MBMS client (the firmware-stub
 * agent) reads the session's group from that interface, and is told of the session's start and end when
 * the eNB opens and closes it (srsRAN signals neither to a module). The backend is wrapped, not changed.
 */
import { EventEmitter } from 'node:events';
import type { AirDevice, EnbBackend, EnbEvents, EnbSession, MbmsSessionConfig } from '../enb/index.ts';
import { UdpMulticastSource } from '../mbms/transport/index.ts';

export function withUdpAir(inner: EnbBackend, devices: readonly AirDevice[], ueAddress: string): EnbBackend {
  const outer = new EventEmitter<EnbEvents>() as EnbBackend;
  for (const name of ['health', 'session-started', 'session-stopped', 'log'] as const) {
    inner.on(name, (...args: unknown[]) =>
      (outer.emit as (e: string, ...a: unknown[]) => boolean)(name, ...args),
    );
  }
  return Object.assign(outer, {
    kind: inner.kind,
    start: (signal?: AbortSignal) => inner.start(signal),
    stop: () => inner.stop(),
    page: inner.page.bind(inner),
    health: () => inner.health(),
    plannedRateBps: (device?: string) => inner.plannedRateBps(device),
    [Symbol.asyncDispose]: () => inner.stop(),
    openSession: async (config: MbmsSessionConfig, signal?: AbortSignal): Promise<EnbSession> => {
      const source = await UdpMulticastSource.open({
        group: config.group,
        port: config.port,
        interface: ueAddress,
      });
      const session = await inner.openSession(config, signal).catch(async (e) => {
        await source.close();
        throw e;
      });
      const tmgi = config.tmgi;
      source.on('packet', (packet) => {
        for (const d of devices) if (d.tuned(tmgi)) d.receive(tmgi, packet);
      });
      for (const d of devices) d.sessionStarted(tmgi);
      let closed = false;
      const close = async () => {
        if (closed) return;
        closed = true;
        await session.close();
        // Packets still in flight on the interface arrive before the session is over for the devices.
        await new Promise((r) => setTimeout(r, 50));
        await source.close();
        for (const d of devices) d.sessionEnded(tmgi);
      };
      return {
        config,
        rateBps: session.rateBps,
        ingress: { send: (p) => session.ingress.send(p), close },
        close,
        [Symbol.asyncDispose]: close,
      };
    },
  });
}
