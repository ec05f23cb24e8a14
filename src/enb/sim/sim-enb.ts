import { EventEmitter } from 'node:events';
import type { Clock, EpochMs, Timer } from '../../clock/index.ts';
import { type LossModel, lossModel, type PacketSink } from '../../mbms/transport/index.ts';
import { seededRandom } from '../../random/index.ts';
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
import type { AirDevice, AirPlacement } from './air-device.ts';
import {
  airtimeMs,
  type BearerConfig,
  bearerRateBps,
  blocksFor,
  type CoverageLevel,
  DEFAULT_COVERAGE,
  type Delivery,
  defaultBearer,
  type Rat,
  unicastRateBps,
} from './bearer.ts';
import { type DeviceAirStats, emptyDeviceStats, hashId } from './device-stats.ts';

export interface SimEnbOptions {
  clock: Clock;
  /** Same seed, same losses. */
  seed: number;
  /** The cell's radio access (default NB-IoT). */
  rat?: Rat;
  /**
   * Extra block error rate for a device deeper than the coverage a session targets, per CE level short.
   * [M] a modelling choice: about 10 dB less SNR than the MCS/repetitions were chosen for.
   */
  shortfallBler?: number;
  /**
   * Block error rate of SC-MTCH at the coverage level it targets. SC-PTM has no HARQ, so the eNB picks
   * its MCS and repetitions for a residual BLER well under the 10 % unicast links run at. [M] 1 %.
   */
  scMtchBler?: number;
}

export interface SimSessionConfig extends MbmsSessionConfig {
  /** The CE level the SC-MTCH is configured for (its MCS and repetitions). Default: the deepest attached. */
  targetCoverage?: CoverageLevel;
}

interface Attached {
  device: AirDevice;
  rat: Rat;
  coverage: CoverageLevel;
  /** A fixed loss model when the bench gave one; else per transport block from the coverage level. */
  loss: LossModel | undefined;
  random: () => number;
}

/** What one session put on air. */
export interface SimSessionStats {
  tmgi: string;
  mode: 'multicast' | 'unicast';
  startedAt: EpochMs | undefined;
  stoppedAt: EpochMs | undefined;
  packets: number;
  bytes: number;
  /** Time the bearer occupied the air (SC-MTCH subframes, or the unicast PDSCH with its HARQ retransmissions). */
  airtimeMs: number;
  /** Packets handed in before the session went on air (the sender started early): dropped. */
  earlyPackets: number;
  devices: Map<DeviceId, DeviceAirStats>;
}

/**
 * The emulated bench's eNB: an air-interface model on the injected clock. SC-PTM sessions carry FLUTE
 * packets at the bearer rate the MCS/TBS and repetitions of the target coverage level give; a device
 * receives a packet only while it is awake and tuned, minus its own loss (per transport block, by
 * coverage level, or a bench-given model such as Gilbert-Elliott bursts). Paging reaches each device at
 * its paging occasion; unicast sessions carry the same packets to one device with HARQ (no loss, more
 * airtime) for the multicast-vs-unicast baseline. Deterministic: a seed, per-device random streams.
 */
export class SimEnb extends EventEmitter<EnbEvents> implements EnbBackend {
  readonly kind = 'sim' as const;
  readonly rat: Rat;
  readonly #o: SimEnbOptions;
  readonly #devices = new Map<DeviceId, Attached>();
  readonly #sessions = new Set<SimSession>();
  readonly sessionLog: SimSessionStats[] = [];
  #state: EnbHealth['state'] = 'stopped';
  pagesSent = 0;

  constructor(options: SimEnbOptions) {
    super();
    this.#o = options;
    this.rat = options.rat ?? 'nb-iot';
  }

  get clock(): Clock {
    return this.#o.clock;
  }

  /** Put a device on the air. Its id must be unique. */
  attach(device: AirDevice, placement: AirPlacement = {}): void {
    if (this.#devices.has(device.id)) throw new EnbError('sim', `device ${device.id} is already attached`);
    const random = seededRandom(hashId(device.id, this.#o.seed));
    this.#devices.set(device.id, {
      device,
      rat: placement.rat ?? this.rat,
      coverage: placement.coverage ?? 0,
      loss: placement.loss ? lossModel(placement.loss, random) : undefined,
      random,
    });
  }

  detach(id: DeviceId): void {
    this.#devices.delete(id);
  }

  get devices(): readonly DeviceId[] {
    return [...this.#devices.keys()];
  }

  coverageOf(id: DeviceId): CoverageLevel | undefined {
    return this.#devices.get(id)?.coverage;
  }

  async start(): Promise<void> {
    this.#state = 'up';
    this.emit('health', this.health());
  }

  async stop(): Promise<void> {
    for (const s of [...this.#sessions]) await s.close();
    this.#state = 'stopped';
    this.emit('health', this.health());
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  health(): EnbHealth {
    return { state: this.#state, components: [{ name: 'air', state: this.#state }] };
  }

  /** The SC-MTCH (or unicast PDSCH, with its HARQ timing) bearer for a coverage level. */
  bearerFor(coverage: CoverageLevel, rat: Rat = this.rat, delivery: Delivery = 'sc-mtch'): BearerConfig {
    return defaultBearer(rat, coverage, delivery);
  }

  async openSession(config: SimSessionConfig): Promise<SimSession> {
    this.#mustBeUp('open a session');
    for (const s of this.#sessions) {
      if (s.mode === 'multicast' && s.config.tmgi.toUpperCase() === config.tmgi.toUpperCase())
        throw new EnbError('sim', `a session for TMGI ${config.tmgi} is already open`);
    }
    const coverage = config.targetCoverage ?? this.#deepest();
    const bearer = this.bearerFor(coverage);
    const session = new SimSession(
      this,
      { ...config, targetCoverage: coverage },
      'multicast',
      bearer,
      bearerRateBps(bearer),
      undefined,
    );
    this.#track(session);
    return session;
  }

  /** A point-to-point bearer carrying the same packets to one device (the unicast baseline). */
  async openUnicastSession(device: DeviceId, config: MbmsSessionConfig): Promise<SimSession> {
    this.#mustBeUp('open a unicast session');
    const d = this.#devices.get(device);
    if (!d) throw new EnbError('sim', `unicast to ${device}: no such device on the air`);
    const bearer = this.bearerFor(d.coverage, d.rat, 'unicast');
    const bler = DEFAULT_COVERAGE[d.rat][d.coverage].blerTarget;
    const session = new SimSession(this, config, 'unicast', bearer, unicastRateBps(bearer, bler), device);
    this.#track(session);
    return session;
  }

  plannedRateBps(device?: DeviceId): number {
    if (device === undefined) return bearerRateBps(this.bearerFor(this.#deepest()));
    const d = this.#devices.get(device);
    if (!d) throw new EnbError('sim', `rate for ${device}: no such device on the air`);
    return unicastRateBps(
      this.bearerFor(d.coverage, d.rat, 'unicast'),
      DEFAULT_COVERAGE[d.rat][d.coverage].blerTarget,
    );
  }

  #deepest(): CoverageLevel {
    return Math.max(0, ...[...this.#devices.values()].map((d) => d.coverage)) as CoverageLevel;
  }

  /** Air time the same bytes would take by unicast to this device (its coverage's bearer with HARQ). */
  unicastAirtimeEstimateMs(id: DeviceId, bytes: number): number {
    const d = this.#devices.get(id);
    if (!d) throw new EnbError('sim', `unicast estimate for ${id}: no such device on the air`);
    const bler = DEFAULT_COVERAGE[d.rat][d.coverage].blerTarget;
    return airtimeMs(bytes, this.bearerFor(d.coverage, d.rat, 'unicast')) / (1 - bler);
  }

  async page(ids: readonly DeviceId[], signal?: AbortSignal): Promise<PageOutcome[]> {
    this.#mustBeUp('page');
    const clock = this.#o.clock;
    return Promise.all(
      ids.map(async (id): Promise<PageOutcome> => {
        const d = this.#devices.get(id);
        if (!d) return { device: id, reached: { ok: false, reason: 'unknown-device' } };
        const po = d.device.nextPagingOccasion();
        if (po === 'psm') return { device: id, reached: { ok: false, reason: 'unreachable' } };
        if (po === 'off') return { device: id, reached: { ok: false, reason: 'detached' } };
        this.pagesSent++;
        await clock.sleep(Math.max(0, po - clock.now()), signal);
        d.device.paged();
        return { device: id, reached: { ok: true, at: clock.now() } };
      }),
    );
  }

  /** Deliver one packet of a session to the devices that can hear it (called by the session's ingress). */
  deliver(session: SimSession, packet: Uint8Array): void {
    const tmgi = session.config.tmgi;
    const targets = session.unicastTo
      ? [this.#devices.get(session.unicastTo)].filter((d) => d !== undefined)
      : this.#devices.values();
    for (const d of targets) {
      const stats = session.statsOf(d.device.id);
      if (!d.device.tuned(tmgi)) {
        stats.missedNotTuned++;
        continue;
      }
      stats.tunedPackets++;
      if (session.mode === 'multicast' && this.#lost(d, session, packet.length)) {
        stats.lost++;
        continue;
      }
      stats.received++;
      stats.receivedBytes += packet.length;
      d.device.receive(tmgi, packet);
    }
  }

  /** Session lifecycle notifications to the devices the session reaches. */
  notify(session: SimSession, what: 'started' | 'ended'): void {
    const tmgi = session.config.tmgi;
    const targets = session.unicastTo ? [this.#devices.get(session.unicastTo)] : [...this.#devices.values()];
    for (const d of targets) {
      if (!d) continue;
      if (what === 'started') d.device.sessionStarted(tmgi);
      else d.device.sessionEnded(tmgi);
    }
    this.emit(what === 'started' ? 'session-started' : 'session-stopped', {
      tmgi,
      at: this.#o.clock.now(),
    });
  }

  forget(session: SimSession): void {
    this.#sessions.delete(session);
  }

  #track(session: SimSession): void {
    this.#sessions.add(session);
    this.sessionLog.push(session.stats);
    session.arm();
  }

  #lost(d: Attached, session: SimSession, bytes: number): boolean {
    if (d.loss) return d.loss.lost();
    const short = Math.max(0, d.coverage - session.coverage);
    const bler = 1 - (1 - (this.#o.scMtchBler ?? 0.01)) * (1 - (this.#o.shortfallBler ?? 0.5)) ** short;
    const blocks = blocksFor(bytes, session.bearer);
    return d.random() < 1 - (1 - bler) ** blocks;
  }

  #mustBeUp(what: string): void {
    if (this.#state !== 'up')
      throw new EnbError('sim', `cannot ${what}: the eNB is ${this.#state} (start it first)`);
  }
}

/** One SC-PTM (or unicast) session on the simulated air. */
export class SimSession implements EnbSession {
  readonly stats: SimSessionStats;
  readonly ingress: PacketSink;
  #onAir = false;
  #closed = false;
  #timers: Timer[] = [];

  constructor(
    readonly enb: SimEnb,
    readonly config: SimSessionConfig,
    readonly mode: 'multicast' | 'unicast',
    readonly bearer: BearerConfig,
    readonly rateBps: number,
    readonly unicastTo: DeviceId | undefined,
  ) {
    this.stats = {
      tmgi: config.tmgi,
      mode,
      startedAt: undefined,
      stoppedAt: undefined,
      packets: 0,
      bytes: 0,
      airtimeMs: 0,
      earlyPackets: 0,
      devices: new Map(),
    };
    this.ingress = {
      send: async (packet) => this.#send(packet),
      close: async () => this.close(),
    };
  }

  /** The CE level this session's bearer is configured for. */
  get coverage(): CoverageLevel {
    return this.config.targetCoverage ?? 0;
  }

  get onAir(): boolean {
    return this.#onAir;
  }

  statsOf(id: DeviceId): DeviceAirStats {
    let s = this.stats.devices.get(id);
    if (!s) {
      s = emptyDeviceStats();
      this.stats.devices.set(id, s);
    }
    return s;
  }

  /** Schedule start and stop on the clock. */
  arm(): void {
    const clock = this.enb.clock;
    const start = this.config.start ?? clock.now();
    if (start <= clock.now()) this.#goOnAir();
    else this.#timers.push(clock.setTimer(start - clock.now(), () => this.#goOnAir()));
    if (this.config.stop !== undefined) {
      this.#timers.push(clock.setTimer(Math.max(0, this.config.stop - clock.now()), () => void this.close()));
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) t.cancel();
    if (this.#onAir) {
      this.#onAir = false;
      this.stats.stoppedAt = this.enb.clock.now();
      this.enb.notify(this, 'ended');
    }
    this.enb.forget(this);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #goOnAir(): void {
    if (this.#closed || this.#onAir) return;
    this.#onAir = true;
    this.stats.startedAt = this.enb.clock.now();
    this.enb.notify(this, 'started');
  }

  #send(packet: Uint8Array): void {
    if (this.#closed) throw new EnbError('sim', `session ${this.config.tmgi} is closed: packet not sent`);
    if (!this.#onAir) {
      this.stats.earlyPackets++;
      return;
    }
    this.stats.packets++;
    this.stats.bytes += packet.length;
    const air = airtimeMs(packet.length, this.bearer);
    const bler =
      this.mode === 'unicast' ? DEFAULT_COVERAGE[this.bearer.rat][this.coverageOfTarget()].blerTarget : 0;
    this.stats.airtimeMs += air / (1 - bler);
    this.enb.deliver(this, packet);
  }

  coverageOfTarget(): CoverageLevel {
    return this.unicastTo ? (this.enb.coverageOf(this.unicastTo) ?? 0) : this.coverage;
  }
}
