import type { EpochMs, Milliseconds, Timer } from '../../src/clock/index.ts';
import { edrxCycleSeconds, ptwSeconds } from './gprs-timers.ts';
import type { EdrxGrant, PsmGrant } from './network-policy.ts';
import type { StackHost } from './stack-host.ts';

/** off: no radio (CFUN 0/4, power off); searching: cell search / attach; then RRC connected or idle, or PSM. */
export type RadioState = 'off' | 'searching' | 'connected' | 'idle' | 'psm';

/** What the radio needs to know about registration. */
export interface RegistrationView {
  readonly registered: boolean;
  readonly psmGrant: PsmGrant | null;
  readonly edrxGrant: EdrxGrant | null;
}

/**
 * RRC and idle-mode power saving. Connected until rrcInactivityMs after the last uplink/downlink
 * activity; then idle, where T3412 (periodic TAU) and, with PSM granted, T3324 (active time) run
 * from the moment of release. T3324 expiry → PSM (when nothing blocks it); T3412 expiry → a short
 * TAU transaction (connected for policy.tauMs, released right after) → idle again. With eDRX
 * granted, downlink waits for the next paging time window.
 */
export class Radio {
  readonly #host: StackHost;
  readonly #reg: () => RegistrationView;
  #state: RadioState = 'off';
  #txUntil: EpochMs = 0;
  #idleSince: EpochMs = 0;
  #activeTimeExpired = false;
  #release: Timer | undefined;
  #t3324: Timer | undefined;
  #t3412: Timer | undefined;
  #pendingDownlink: (() => void)[] = [];

  constructor(host: StackHost, registration: () => RegistrationView) {
    this.#host = host;
    this.#reg = registration;
  }

  get state(): RadioState {
    return this.#state;
  }

  /** A Tx burst is on the air. */
  get transmitting(): boolean {
    return this.#host.clock.now() < this.#txUntil;
  }

  get connected(): boolean {
    return this.#state === 'connected';
  }

  /** Instant of the last RRC release (start of the idle timers). */
  get idleSince(): EpochMs {
    return this.#idleSince;
  }

  /** Radio off (CFUN 0/4, deregistration). An open connection drops. */
  off(): void {
    const wasConnected = this.#state === 'connected';
    this.#cancelAll();
    this.#state = 'off';
    this.#pendingDownlink = [];
    if (wasConnected) this.#host.rrcChanged(false);
    this.#host.currentChanged();
  }

  /** Power lost: forget everything, no URCs. */
  reset(): void {
    this.#cancelAll();
    this.#state = 'off';
    this.#txUntil = 0;
    this.#pendingDownlink = [];
  }

  searching(): void {
    this.#cancelAll();
    this.#state = 'searching';
    this.#host.currentChanged();
  }

  /** RRC connection (or keep it), released after the inactivity timer. */
  connect(): void {
    this.#enterConnected();
    this.#armRelease(this.#host.profile.timing.rrcInactivityMs);
  }

  /** Release the RRC connection now (attach rejected, connection dropped by the network). */
  release(): void {
    if (this.#state !== 'connected') return;
    this.#release?.cancel();
    this.#toIdle();
  }

  /** A signalling transaction (TAU): connected for ms, released right after; onDone runs before release. */
  transaction(ms: Milliseconds, onDone?: () => void): void {
    this.#enterConnected();
    this.#armRelease(ms, onDone);
  }

  /** Uplink or downlink traffic: connects, restarts the inactivity timer; uplink draws Tx current. */
  activity(kind: 'uplink' | 'downlink', bytes: number): void {
    if (this.#state === 'off' || this.#state === 'searching') return;
    if (this.#state === 'psm') this.#state = 'idle';
    this.#enterConnected();
    const now = this.#host.clock.now();
    if (kind === 'uplink' && bytes > 0) {
      const txMs = Math.max(5, Math.ceil((bytes * 8) / this.#host.policy.uplinkKbps));
      this.#txUntil = Math.max(now, this.#txUntil) + txMs;
      this.#host.currentChanged();
      this.#host.timers.after(this.#txUntil - now, () => this.#host.currentChanged());
    }
    this.#armRelease(Math.max(0, this.#txUntil - now) + this.#host.profile.timing.rrcInactivityMs);
  }

  /** The host woke the module from PSM: idle again, active time restarts, the TAU timer keeps running. */
  hostWake(): void {
    if (this.#state !== 'psm') return;
    this.#state = 'idle';
    this.#startActiveTime();
    this.#flushDownlink();
    this.#host.currentChanged();
  }

  /** Run fn when the network can reach the module: now, at the next eDRX paging window, or after PSM. */
  whenReachable(fn: () => void): void {
    if (this.#state === 'psm') {
      this.#pendingDownlink.push(fn);
      return;
    }
    const edrx = this.#reg().edrxGrant;
    if (this.#state !== 'idle' || !edrx) {
      fn();
      return;
    }
    const rat = this.#host.policy.rat;
    const cycle = edrxCycleSeconds(edrx.cycle, rat) * 1000;
    const ptw = ptwSeconds(edrx.ptw, rat) * 1000;
    const since = this.#host.clock.now() - this.#idleSince;
    const intoCycle = since % cycle;
    if (intoCycle < ptw) fn();
    else this.#host.timers.after(cycle - intoCycle, fn);
  }

  /**
   * When the network could page the module next (its paging occasion as the network sees it): now when
   * connected or idle without eDRX, the start of the next paging time window with eDRX, 'psm' while it
   * sleeps (unreachable until it wakes), 'off' without radio.
   */
  nextReachable(): EpochMs | 'psm' | 'off' {
    const now = this.#host.clock.now();
    if (this.#state === 'psm') return 'psm';
    if (this.#state === 'off' || this.#state === 'searching') return 'off';
    const edrx = this.#reg().edrxGrant;
    if (this.#state !== 'idle' || !edrx) return now;
    const rat = this.#host.policy.rat;
    const cycle = edrxCycleSeconds(edrx.cycle, rat) * 1000;
    const ptw = ptwSeconds(edrx.ptw, rat) * 1000;
    const intoCycle = (now - this.#idleSince) % cycle;
    return intoCycle < ptw ? now : now + cycle - intoCycle;
  }

  /** Paged by the network (mobile-terminated): the module connects to answer, at its paging occasion. */
  paged(): void {
    this.whenReachable(() => this.activity('downlink', 0));
  }

  /** Enter PSM if the active time is over and nothing blocks it (called again when a blocker clears). */
  maybeEnterPsm(): void {
    const grant = this.#reg().psmGrant;
    if (!this.#activeTimeExpired || this.#state !== 'idle' || !grant || !this.#host.psmAllowed()) return;
    this.#state = 'psm';
    this.#host.enterPsm(grant);
    this.#host.currentChanged();
  }

  #enterConnected(): void {
    this.#t3324?.cancel();
    this.#t3412?.cancel();
    this.#activeTimeExpired = false;
    if (this.#state !== 'connected') {
      this.#state = 'connected';
      this.#host.rrcChanged(true);
      this.#host.currentChanged();
    }
  }

  #armRelease(ms: Milliseconds, onDone?: () => void): void {
    this.#release?.cancel();
    this.#release = this.#host.timers.after(ms, () => {
      onDone?.();
      this.#toIdle();
    });
  }

  #toIdle(): void {
    this.#release = undefined;
    this.#state = 'idle';
    this.#idleSince = this.#host.clock.now();
    this.#host.rrcChanged(false);
    if (this.#reg().registered) {
      const psm = this.#reg().psmGrant;
      const periodS = psm ? psm.tauS : this.#host.policy.t3412S;
      if (periodS > 0) this.#t3412 = this.#host.timers.after(periodS * 1000, () => this.#periodicTau());
      this.#startActiveTime();
    }
    this.#flushDownlink();
    this.#host.currentChanged();
  }

  #startActiveTime(): void {
    this.#t3324?.cancel();
    this.#activeTimeExpired = false;
    const psm = this.#reg().psmGrant;
    if (!psm) return;
    this.#t3324 = this.#host.timers.after(psm.activeTimeS * 1000, () => {
      this.#activeTimeExpired = true;
      this.maybeEnterPsm();
    });
  }

  #periodicTau(): void {
    if (this.#state === 'psm') {
      this.#state = 'idle';
      this.#host.leavePsm('tau');
    }
    if (this.#state === 'idle') this.transaction(this.#host.policy.tauMs);
  }

  #flushDownlink(): void {
    const pending = this.#pendingDownlink;
    this.#pendingDownlink = [];
    for (const fn of pending) this.whenReachable(fn);
  }

  #cancelAll(): void {
    this.#release?.cancel();
    this.#t3324?.cancel();
    this.#t3412?.cancel();
    this.#release = this.#t3324 = this.#t3412 = undefined;
    this.#activeTimeExpired = false;
  }
}
