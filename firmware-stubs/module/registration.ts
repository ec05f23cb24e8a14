import type { Timer } from '../../src/clock/index.ts';
import { edrxActType, nibbleValue } from './gprs-timers.ts';
import { type EdrxGrant, grantEdrx, grantPsm, type PsmGrant } from './network-policy.ts';
import type { Radio, RegistrationView } from './radio.ts';
import type { StackHost } from './stack-host.ts';

/** 27.007 <stat>: 0 not registered, 1 home, 2 searching, 3 denied, 4 unknown, 5 roaming. */
export type RegistrationStatus = 0 | 1 | 2 | 3 | 4 | 5;

/** Where the attach procedure is. */
export type AttachPhase = 'none' | 'searching' | 'attaching' | 'done';

/**
 * EPS registration as the network policy decides it: CFUN=1 → searching (+CEREG: 2) → after the
 * attach time (profile.timing.attachMs ± seeded jitter; the last 60 % RRC-connected) registered home,
 * roaming or denied. PSM and eDRX are granted at attach, and renegotiated by a TAU when the host
 * changes its request while registered.
 */
export class Registration implements RegistrationView {
  readonly #host: StackHost;
  readonly #radio: Radio;
  #stat: RegistrationStatus = 0;
  #phase: AttachPhase = 'none';
  #psm: PsmGrant | null = null;
  #edrx: EdrxGrant | null = null;
  #timers: Timer[] = [];
  #pdpAddress: string | undefined;

  constructor(host: StackHost, radio: Radio) {
    this.#host = host;
    this.#radio = radio;
  }

  get stat(): RegistrationStatus {
    return this.#stat;
  }

  get phase(): AttachPhase {
    return this.#phase;
  }

  get registered(): boolean {
    return this.#stat === 1 || this.#stat === 5;
  }

  /** Attach in progress (draws attach current). */
  get attaching(): boolean {
    return this.#phase === 'searching' || this.#phase === 'attaching';
  }

  get psmGrant(): PsmGrant | null {
    return this.#psm;
  }

  get edrxGrant(): EdrxGrant | null {
    return this.#edrx;
  }

  /** Reject cause while denied. */
  get rejectCause(): number | undefined {
    return this.#stat === 3 ? this.#host.policy.rejectCause : undefined;
  }

  /** IPv4 address of the default bearer while registered. */
  get pdpAddress(): string | undefined {
    return this.registered ? this.#pdpAddress : undefined;
  }

  /** Start registering (CFUN=1, COPS=0). */
  start(): void {
    this.#cancel();
    if (this.#host.policy.sim === 'absent') return;
    const policy = this.#host.policy;
    this.#phase = 'searching';
    this.#setStat(2);
    this.#radio.searching();
    if (policy.registration === 'no-service') return;
    const total = this.#host.networkRandom.jitter(policy.attachMs, policy.attachMs * policy.attachJitter);
    this.#timers.push(
      this.#host.timers.after(Math.round(total * 0.4), () => {
        this.#phase = 'attaching';
        this.#radio.connect();
      }),
      this.#host.timers.after(total, () => this.#complete()),
    );
  }

  /** Deregister (CFUN=0/4, COPS=2): +CEREG: 0, radio off. */
  stop(): void {
    this.#cancel();
    this.#phase = 'none';
    this.#psm = this.#edrx = null;
    this.#setStat(0);
    this.#radio.off();
  }

  /** Power lost: forget silently. */
  reset(): void {
    this.#cancel();
    this.#phase = 'none';
    this.#psm = this.#edrx = null;
    this.#stat = 0;
  }

  /** The host changed its PSM/eDRX request: a TAU carries it; the answer updates the grants. */
  renegotiate(): void {
    if (!this.registered) return;
    this.#radio.transaction(this.#host.policy.tauMs, () => this.#updateGrants());
  }

  #complete(): void {
    const policy = this.#host.policy;
    this.#phase = 'done';
    if (policy.registration === 'denied') {
      this.#setStat(3);
      this.#radio.release();
      return;
    }
    const random = this.#host.networkRandom;
    this.#pdpAddress = `10.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`;
    this.#psm = this.#computePsm();
    this.#edrx = this.#computeEdrx();
    this.#setStat(policy.registration === 'roaming' ? 5 : 1);
    if (this.#edrx) this.#host.edrxChanged();
    this.#radio.connect(); // attach ends RRC-connected; released after inactivity
  }

  #updateGrants(): void {
    const psm = this.#computePsm();
    const edrx = this.#computeEdrx();
    const psmChanged = psm?.tauBits !== this.#psm?.tauBits || psm?.activeBits !== this.#psm?.activeBits;
    const edrxChanged = edrx?.cycle !== this.#edrx?.cycle || edrx?.ptw !== this.#edrx?.ptw;
    this.#psm = psm;
    this.#edrx = edrx;
    if (psmChanged) this.#host.registrationChanged('timers');
    if (edrxChanged) this.#host.edrxChanged();
  }

  #computePsm(): PsmGrant | null {
    const req = this.#host.nv.psm;
    return req.mode === 1 ? grantPsm(this.#host.policy, req) : null;
  }

  #computeEdrx(): EdrxGrant | null {
    const req = this.#host.nv.edrx[edrxActType(this.#host.policy.rat)];
    return req.mode === 0 ? null : grantEdrx(this.#host.policy, nibbleValue(req.valueBits));
  }

  #setStat(stat: RegistrationStatus): void {
    if (stat === this.#stat) return;
    this.#stat = stat;
    this.#host.registrationChanged('stat');
    this.#host.currentChanged();
  }

  #cancel(): void {
    for (const t of this.#timers) t.cancel();
    this.#timers = [];
  }
}
