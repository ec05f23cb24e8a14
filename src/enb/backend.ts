import type { EventEmitter } from 'node:events';
import type { EpochMs } from '../clock/index.ts';
import type { PacketSink } from '../mbms/transport/index.ts';

/** Radio access of a session: SC-PTM over NB-IoT or LTE-M (sim), or LTE MBSFN (srsRAN). */
export type AirInterface = 'nb-iot' | 'lte-m' | 'lte-mbsfn';

/** One MBMS session: what the BM-SC/MBMS-GW announces to the eNB (TS 23.246 session start). */
export interface MbmsSessionConfig {
  /** Temporary Mobile Group Identity: 12 hex digits (MBMS Service ID 6 + PLMN 6). */
  tmgi: string;
  /** IPv4 multicast group and UDP port the FLUTE session is sent to. */
  group: string;
  port: number;
  /** Guaranteed bit rate the session asks for, bit/s; the backend may grant less (see EnbSession.rateBps). */
  rateBps?: number;
  /** When the session is on air (start/stop of the MBMS session); default: now, until closed. */
  start?: EpochMs;
  stop?: EpochMs;
}

/** Who a page is for: a device id known to the backend (IMSI or bench name). */
export type DeviceId = string;

/** What became of one page. */
export interface PageOutcome {
  device: DeviceId;
  /** When the page reached the device (its paging occasion), or why it did not. */
  reached: { ok: true; at: EpochMs } | { ok: false; reason: 'unknown-device' | 'unreachable' | 'detached' };
}

export interface EnbHealth {
  state: 'stopped' | 'starting' | 'up' | 'failed';
  /** What the backend saw when it failed (a process exit, a log line). */
  detail?: string;
  /** Per component (srsenb, srsepc, srsmbms; or 'air' for the sim). */
  components: { name: string; state: 'stopped' | 'starting' | 'up' | 'failed'; detail?: string }[];
}

export interface EnbEvents {
  /** Health changed (a process crashed, the backend came up). */
  health: [EnbHealth];
  'session-started': [{ tmgi: string; at: EpochMs }];
  'session-stopped': [{ tmgi: string; at: EpochMs }];
  /** Free-form log line from a backend component (readiness, warnings), for evidence. */
  log: [{ component: string; line: string; at: EpochMs }];
}

/** An open session: FLUTE packets written to ingress go on air (or into the MBMS gateway). */
export interface EnbSession extends AsyncDisposable {
  readonly config: MbmsSessionConfig;
  /** Rate granted on the air, bit/s: the FLUTE sender paces at this rate. */
  readonly rateBps: number;
  /** Where FLUTE packets go. */
  readonly ingress: PacketSink;
  close(): Promise<void>;
}

export class EnbError extends Error {
  override name = 'EnbError';
  constructor(
    readonly backend: string,
    message: string,
  ) {
    super(`eNB ${backend}: ${message}`);
  }
}

/**
 * Where multicast enters the radio. `sim` is the air-interface model of the emulated bench; `srsran`
 * runs srsRAN 4G. Start before opening sessions; stop releases every process and socket.
 */
export interface EnbBackend extends EventEmitter<EnbEvents>, AsyncDisposable {
  readonly kind: 'sim' | 'srsran';
  start(signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  openSession(config: MbmsSessionConfig, signal?: AbortSignal): Promise<EnbSession>;
  /**
   * The rate a session would be granted (bit/s), so a campaign can size its schedule before it opens one;
   * with a device, a unicast bearer to that device (backends without unicast may throw EnbError).
   */
  plannedRateBps(device?: DeviceId): number;
  /** Page devices (mobile-terminated): each at its next paging occasion. */
  page(devices: readonly DeviceId[], signal?: AbortSignal): Promise<PageOutcome[]>;
  health(): EnbHealth;
}
