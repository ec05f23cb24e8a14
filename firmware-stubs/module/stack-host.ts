import type { Clock } from '../../src/clock/index.ts';
import type { ModuleProfile } from '../../src/hardware/index.ts';
import type { SeededRandom } from '../random.ts';
import type { NvSettings } from './core.ts';
import type { ModuleTimers } from './module-timers.ts';
import type { NetworkPolicy, PsmGrant } from './network-policy.ts';

/** What the protocol-stack models (registration, radio) need from the module around them. */
export interface StackHost {
  readonly clock: Clock;
  readonly timers: ModuleTimers;
  readonly profile: ModuleProfile;
  readonly policy: NetworkPolicy;
  readonly nv: NvSettings;
  readonly networkRandom: SeededRandom;
  /** Something that changes the current drawn happened. */
  currentChanged(): void;
  /** RRC connected (true) or idle (false): +CSCON. */
  rrcChanged(connected: boolean): void;
  /** Registration information changed: +CEREG. */
  registrationChanged(what: 'stat' | 'timers'): void;
  /** Network-provided eDRX changed: +CEDRXP. */
  edrxChanged(): void;
  /** Whether the module may enter PSM now (no command running, no multicast, no flash write…). */
  psmAllowed(): boolean;
  /** PSM begins: the module prints its PSM URCs and the UART goes dead. */
  enterPsm(grant: PsmGrant): void;
  /** PSM ends for a periodic TAU: AT is back. */
  leavePsm(reason: 'tau'): void;
}
