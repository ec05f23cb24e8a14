import type { Cereg, EdrxDynamicParams, GprsTimer } from '../at/index.ts';
import type { DialectId } from '../hardware/index.ts';

/** What the module says it is. */
export interface Identity {
  manufacturer: string;
  model: string;
  revision: string;
  imei: string;
  /** The ATI lines, as printed. */
  ati: string[];
  dialect: DialectId;
  /** hardware/modules profile id, when the model is known. */
  profileId?: string;
}

/** Identification as read, before a dialect is chosen. */
export type RawIdentity = Omit<Identity, 'dialect' | 'profileId'>;

export interface PsmRequest {
  /** Requested periodic TAU (T3412-extended), seconds. */
  periodicTauS: number;
  /** Requested active time (T3324), seconds; 0 goes to PSM at once after RRC release. */
  activeTimeS: number;
}

export interface PsmTimers {
  periodicTau?: GprsTimer;
  activeTime?: GprsTimer;
}

/** Requested vs network-granted PSM timers: they often differ, and the grant is what counts. */
export interface PsmReport {
  enabled: boolean;
  requested: PsmTimers;
  /** Undefined when the module does not (yet) report a grant. */
  granted?: PsmTimers;
  /** Where the granted values were read. */
  grantedFrom?: string;
}

export interface EdrxRequest {
  mode: 'wb-s1' | 'nb-s1';
  cycleS: number;
}

export type EdrxReport = EdrxDynamicParams;

export interface Signal {
  rsrpDbm: number | null;
  rsrqDb: number | null;
  /** The raw line(s) the values came from. */
  source: string;
}

/** Power-saving transitions as the module reports them (vendor URCs normalised). */
export type PowerSaveEvent =
  | { state: 'entering-psm'; periodicTauS?: number; activeTimeS?: number; source: string }
  | { state: 'psm'; source: string }
  | { state: 'awake'; source: string }
  | { state: 'psm-blocked'; reason?: string; source: string };

export type FotaEvent =
  | { stage: 'downloading'; percent?: number; source: string }
  | { stage: 'installing'; percent?: number; source: string }
  | { stage: 'done'; source: string }
  | { stage: 'failed'; code?: number; source: string };

export interface MqttConnectOptions {
  host: string;
  port: number;
  clientId: string;
  keepAliveS?: number;
  username?: string;
  password?: string;
}

export interface MqttMessage {
  topic: string;
  payload: Buffer;
}

export interface FileEntry {
  name: string;
  size: number;
}

/** State of a multicast (MBMS) service on the non-standard #XMBMS command set (hardware/multicast-at.md). */
export type MbmsState = 'deactivated' | 'activated' | 'receiving' | 'ended';

export interface MbmsServiceEvent {
  tmgi: string;
  state: MbmsState;
  cause?: number;
}

export interface MbmsFileEvent {
  tmgi: string;
  contentLocation: string;
  size: number;
  status: 'complete' | 'incomplete' | 'digest-mismatch';
}

export type RegistrationEvent = Cereg;
