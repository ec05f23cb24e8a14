import { EDRX_VALID_CODES_NBS1, EDRX_VALID_CODES_WBS1 } from '../../src/at/timer-tables.ts';
import type { Milliseconds } from '../../src/clock/index.ts';
import type { ModuleProfile } from '../../src/hardware/index.ts';
import {
  decodeTimer2,
  decodeTimer3,
  encodeTimer2,
  encodeTimer3,
  type Rat,
  type TimerBits,
} from './gprs-timers.ts';

/** The serving cell as the module measures it. */
export interface CellConditions {
  /** Tracking area code, 2 bytes hex ("002F"). */
  tac: string;
  /** E-UTRAN cell id, 28 bits as 4 bytes hex ("0012BEEF"). */
  cellId: string;
  rsrpDbm: number;
  rsrqDb: number;
}

export interface OperatorInfo {
  /** MCC+MNC ("00101"). */
  plmn: string;
  longName: string;
  shortName: string;
}

/** How the network answers a PSM request. */
export type PsmGrantPolicy =
  /** Grant exactly the requested octets. */
  | { kind: 'as-requested' }
  /** Grant the requested values clamped into [min, max] seconds (re-encoded when clamped). */
  | { kind: 'clamp'; tauS: readonly [number, number]; activeTimeS: readonly [number, number] }
  /** Grant these values whatever was asked. */
  | { kind: 'fixed'; tauS: number; activeTimeS: number }
  /** No PSM. */
  | { kind: 'deny' };

/** How the network answers an eDRX request (codes are the 4-bit values of 24.008 §10.5.5.32). */
export type EdrxGrantPolicy =
  | { kind: 'as-requested'; ptw: number }
  | { kind: 'fixed'; cycle: number; ptw: number }
  | { kind: 'deny' };

/** The emulated network as one module sees it. Every field has a default (networkPolicy()). */
export interface NetworkPolicy {
  /** Outcome of registration: registered home or roaming, denied, or no cell found (searching forever). */
  registration: 'home' | 'roaming' | 'denied' | 'no-service';
  /** EMM reject cause reported with denied (+CEREG n=3/5), default 15 "no suitable cells in tracking area". */
  rejectCause: number;
  rat: Rat;
  operator: OperatorInfo;
  cell: CellConditions;
  /** Cell search + attach time; default the profile's timing.attachMs. */
  attachMs: Milliseconds;
  /** Seeded jitter on attachMs, as a fraction (0.2 → ±20 %). */
  attachJitter: number;
  psm: PsmGrantPolicy;
  edrx: EdrxGrantPolicy;
  /** Periodic TAU timer (legacy T3412) when PSM is not granted, in s (default 54 min). */
  t3412S: number;
  /** Duration of a TAU transaction (RRC connected), in ms. */
  tauMs: Milliseconds;
  /** Uplink rate for Tx-burst length, in kbit/s. */
  uplinkKbps: number;
  /** Downlink rate for unicast downloads (FOTA over HTTP), in kbit/s. */
  downlinkKbps: number;
  sim: 'ready' | 'absent';
  /** Time zone the network announces, in quarter hours (+CCLK). */
  timeZoneQuarterHours: number;
}

export type NetworkOptions = Partial<Omit<NetworkPolicy, 'cell' | 'operator'>> & {
  cell?: Partial<CellConditions>;
  operator?: Partial<OperatorInfo>;
};

/** Defaults completed from the profile; engineering values, not measured ones. */
export function networkPolicy(profile: ModuleProfile, options: NetworkOptions = {}): NetworkPolicy {
  const rat = options.rat ?? profile.rats[0] ?? 'lte-m';
  return {
    registration: options.registration ?? 'home',
    rejectCause: options.rejectCause ?? 15,
    rat,
    operator: { plmn: '00101', longName: 'Emulated Network', shortName: 'EmuNet', ...options.operator },
    cell: { tac: '002F', cellId: '0012BEEF', rsrpDbm: -95, rsrqDb: -10, ...options.cell },
    attachMs: options.attachMs ?? profile.timing.attachMs,
    attachJitter: options.attachJitter ?? 0.2,
    psm: options.psm ?? { kind: 'as-requested' },
    edrx: options.edrx ?? { kind: 'as-requested', ptw: 3 },
    t3412S: options.t3412S ?? 3240,
    // nRF9160 PS: a PSM TAU lasts ~1.5 s on Cat-M1, ~2.7 s on NB1 (at-modules.md §4.1).
    tauMs: options.tauMs ?? (rat === 'lte-m' ? 1500 : 2700),
    uplinkKbps: options.uplinkKbps ?? (rat === 'lte-m' ? 300 : 25),
    downlinkKbps: options.downlinkKbps ?? (rat === 'lte-m' ? 300 : 25),
    sim: options.sim ?? 'ready',
    timeZoneQuarterHours: options.timeZoneQuarterHours ?? 0,
  };
}

/** Granted PSM timers: the octets the network sent and their values in seconds. */
export interface PsmGrant {
  tauBits: TimerBits;
  activeBits: TimerBits;
  tauS: number;
  activeTimeS: number;
}

/** The network's answer to a PSM request (null: PSM not granted). */
export function grantPsm(
  policy: NetworkPolicy,
  request: { tauBits: TimerBits; activeBits: TimerBits },
): PsmGrant | null {
  const p = policy.psm;
  if (p.kind === 'deny') return null;
  if (p.kind === 'fixed') return grant(encodeTimer3(p.tauS), encodeTimer2(p.activeTimeS));
  const requestedActive = decodeTimer2(request.activeBits);
  if (requestedActive === null) return null; // asked for no active time: no PSM
  // A deactivated TAU request leaves the choice to the network.
  const requestedTau = decodeTimer3(request.tauBits);
  const tauBits = requestedTau === null ? encodeTimer3(policy.t3412S) : request.tauBits;
  if (p.kind === 'as-requested') return grant(tauBits, request.activeBits);
  const tau = decodeTimer3(tauBits)!;
  const clampedTau = clamp(tau, p.tauS);
  const clampedActive = clamp(requestedActive, p.activeTimeS);
  return grant(
    clampedTau === tau ? tauBits : encodeTimer3(clampedTau),
    clampedActive === requestedActive ? request.activeBits : encodeTimer2(clampedActive),
  );
}

function grant(tauBits: TimerBits, activeBits: TimerBits): PsmGrant | null {
  const tauS = decodeTimer3(tauBits);
  const activeTimeS = decodeTimer2(activeBits);
  if (tauS === null || activeTimeS === null) return null;
  return { tauBits, activeBits, tauS, activeTimeS };
}

function clamp(v: number, [min, max]: readonly [number, number]): number {
  return Math.min(max, Math.max(min, v));
}

/** Granted eDRX: the cycle and PTW codes. */
export interface EdrxGrant {
  cycle: number;
  ptw: number;
}

/** The network's answer to an eDRX request for the serving RAT (null: not granted). */
export function grantEdrx(policy: NetworkPolicy, requested: number): EdrxGrant | null {
  const p = policy.edrx;
  if (p.kind === 'deny') return null;
  if (p.kind === 'fixed') return { cycle: p.cycle, ptw: p.ptw };
  return { cycle: validEdrxCode(requested, policy.rat), ptw: p.ptw };
}

/** 24.008: codes a RAT does not define are treated as another one (NB-S1: as 0010; WB-S1 1110/1111: as 1101). */
function validEdrxCode(code: number, rat: Rat): number {
  const valid = rat === 'lte-m' ? EDRX_VALID_CODES_WBS1 : EDRX_VALID_CODES_NBS1;
  if (valid.includes(code)) return code;
  return rat === 'lte-m' ? 13 : 2;
}
