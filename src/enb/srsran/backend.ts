import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { type Clock, RealClock } from '../../clock/index.ts';
import { type PacketSink, parseGroup, UdpMulticastSink } from '../../mbms/transport/index.ts';
import {
  type DeviceId,
  type EnbBackend,
  EnbError,
  type EnbEvents,
  type EnbHealth,
  type EnbSession,
  type MbmsSessionConfig,
  type PageOutcome,
} from '../backend.ts';
import { mbsfnCapacityBps } from './capacity.ts';
import type { SupervisorOptions } from './component.ts';
import { parseSrsranConfig, type SrsranConfig, type SrsranConfigInput } from './config.ts';
import { srsranComponentSpecs, writeSrsranFiles } from './files.ts';
import { ProcessSupervisor } from './supervisor.ts';

export interface SrsranEnbOptions {
  clock?: Clock;
  /** Extra environment for every srsRAN process (e.g. LD_LIBRARY_PATH for a local build). */
  env?: Readonly<Record<string, string>>;
  supervisor?: Pick<SupervisorOptions, 'keepLines' | 'livenessIntervalMs'>;
}

/** Frames per MCCH repetition period name. */
const RF = { rf32: 32, rf64: 64, rf128: 128, rf256: 256 } as const;

/** Bit rate the srsRAN MTCH can carry with this config (see mbsfnCapacityBps for how rough). */
export function srsranBearerRateBps(config: SrsranConfig): number {
  const m = config.mbsfn;
  return mbsfnCapacityBps({
    mcs: m.mcs,
    nPrb: config.cell.nPrb,
    subframeAllocation: m.subframeAllocation,
    radioframeAllocationPeriod: m.radioframeAllocationPeriod,
    mcchRepetitionFrames: RF[m.mcchRepetitionPeriod],
    mcchSubframes: m.mcchSubframes,
  });
}

/**
 * srsRAN 4G 23.04 as the multicast bearer: srsmbms → (srsepc) → srsenb → (srsUE over ZMQ), with FLUTE
 * sent as UDP/IPv4 into the SGi-mb TUN of srsmbms, broadcast on one MBSFN MTCH. It stands in for the
 * bearer only: srsRAN has no SC-PTM and no NB-IoT/LTE-M stack, so real modules are never reached.
 */
export class SrsranEnb extends EventEmitter<EnbEvents> implements EnbBackend {
  readonly kind = 'srsran' as const;
  readonly config: SrsranConfig;
  private readonly clock: Clock;
  private supervisor?: ProcessSupervisor;
  private session?: SrsranSession;

  constructor(
    config: SrsranConfigInput | SrsranConfig,
    private readonly options: SrsranEnbOptions = {},
  ) {
    super();
    this.config = parseSrsranConfig(config);
    this.clock = options.clock ?? new RealClock();
  }

  async start(signal?: AbortSignal): Promise<void> {
    const state = this.health().state;
    if (state === 'up' || state === 'starting')
      throw new EnbError('srsran', `start: already ${state}; stop first`);
    const ue = this.config.ue;
    if (ue?.netns && !existsSync(`/run/netns/${ue.netns}`) && !existsSync(`/var/run/netns/${ue.netns}`)) {
      throw new EnbError(
        'srsran',
        `start: srsue: network namespace "${ue.netns}" for ${ue.tunName} does not exist (create it with: ip netns add ${ue.netns})`,
      );
    }
    let specs: ReturnType<typeof srsranComponentSpecs>;
    try {
      await writeSrsranFiles(this.config);
      specs = srsranComponentSpecs(this.config, this.options.env);
    } catch (e) {
      throw new EnbError(
        'srsran',
        `start: writing configs to ${this.config.workDir}: ${(e as Error).message}`,
      );
    }
    // A previous run that failed may have left its other components up: they hold ports and TUNs.
    await this.supervisor?.stop();
    const supervisor = new ProcessSupervisor(specs, {
      clock: this.clock,
      stopGraceMs: this.config.stopGraceMs,
      ...this.options.supervisor,
    });
    supervisor.on('log', (entry) => this.emit('log', entry));
    supervisor.on('change', () => this.emit('health', this.health()));
    this.supervisor = supervisor;
    try {
      await supervisor.start(signal);
    } catch (e) {
      throw new EnbError('srsran', `start: ${(e as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    await this.session?.close();
    await this.supervisor?.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  health(): EnbHealth {
    const components = this.supervisor?.status() ?? [];
    const failed = components.find((c) => c.state === 'failed');
    const state = failed
      ? 'failed'
      : components.length > 0 && components.every((c) => c.state === 'up')
        ? 'up'
        : components.some((c) => c.state === 'starting' || c.state === 'up')
          ? 'starting'
          : 'stopped';
    return {
      state,
      ...(failed?.detail !== undefined && { detail: failed.detail }),
      components: components.map((c) => ({
        name: c.name,
        state: c.state,
        ...(c.detail !== undefined && { detail: c.detail }),
      })),
    };
  }

  /**
   * srsRAN airs exactly one MBMS service (service id 0 on LCID 1, hard-coded MCCH) and has no M3
   * session start: the TMGI is recorded only, and a second concurrent session is refused.
   */
  async openSession(config: MbmsSessionConfig, signal?: AbortSignal): Promise<EnbSession> {
    signal?.throwIfAborted();
    const what = `openSession ${config.tmgi} (${config.group}:${config.port})`;
    const state = this.health().state;
    if (state !== 'up') throw new EnbError('srsran', `${what}: the eNB is ${state}, not up`);
    if (this.session) {
      throw new EnbError(
        'srsran',
        `${what}: srsRAN carries a single MBMS service (service id 0, LCID 1) and session ${this.session.config.tmgi} is open; close it first`,
      );
    }
    let group: { group: string; port: number };
    try {
      group = parseGroup(`${config.group}:${config.port}`);
    } catch (e) {
      throw new EnbError('srsran', `${what}: ${(e as Error).message}`);
    }
    const iface = this.config.ingress.interface ?? this.config.sgiMb.ifAddr;
    let sink: UdpMulticastSink;
    try {
      sink = await UdpMulticastSink.open({ ...group, interface: iface, ttl: 1 });
    } catch (e) {
      throw new EnbError(
        'srsran',
        `${what}: cannot send from ${iface} into ${this.config.sgiMb.ifName}: ${(e as Error).message} (is srsmbms up?)`,
      );
    }
    const capacity = this.plannedRateBps();
    const rateBps = Math.min(config.rateBps ?? capacity, capacity);
    const session = new SrsranSession(config, rateBps, sink, () => {
      this.session = undefined;
      this.emit('session-stopped', { tmgi: config.tmgi, at: this.clock.now() });
    });
    this.session = session;
    const at = this.clock.now();
    this.emit('log', {
      component: 'srsran',
      line: `session ${config.tmgi}: ${group.group}:${group.port} into ${this.config.sgiMb.ifName} from ${iface} at ${rateBps} bit/s; aired as MBMS service id 0 (TMGI recorded only)`,
      at,
    });
    this.emit('session-started', { tmgi: config.tmgi, at });
    return session;
  }

  /**
   * The MTCH rate a session is granted: config.ingress.rateBps, else the MBSFN capacity estimate. There
   * is no unicast bearer to a device in this role (the devices are NB-IoT/LTE-M modules srsRAN cannot
   * serve), so asking with a device throws.
   */
  plannedRateBps(device?: DeviceId): number {
    if (device !== undefined) {
      throw new EnbError(
        'srsran',
        `plannedRateBps ${device}: no unicast bearer to devices (srsRAN serves no NB-IoT/LTE-M)`,
      );
    }
    return this.config.ingress.rateBps ?? srsranBearerRateBps(this.config);
  }

  /** srsRAN cannot page NB-IoT/LTE-M devices in this role (no such stack): every device is unreachable. */
  async page(devices: readonly DeviceId[], _signal?: AbortSignal): Promise<PageOutcome[]> {
    return devices.map((device) => ({ device, reached: { ok: false, reason: 'unreachable' } }));
  }
}

class SrsranSession implements EnbSession {
  readonly ingress: PacketSink;
  private closed = false;

  constructor(
    readonly config: MbmsSessionConfig,
    readonly rateBps: number,
    private readonly sink: UdpMulticastSink,
    private readonly onClose: () => void,
  ) {
    this.ingress = {
      send: (packet) => {
        if (this.closed) {
          return Promise.reject(new EnbError('srsran', `session ${config.tmgi}: send after close`));
        }
        return sink.send(packet);
      },
      close: () => this.close(),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.sink.close();
    this.onClose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
