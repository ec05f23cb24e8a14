import type { Clock, EpochMs, Milliseconds } from '../../clock/index.ts';
import type { EnbBackend } from '../../enb/index.ts';
import type { announce } from '../../mbms/index.ts';
import type { EdrxRequest, Modem, PsmRequest } from '../../modem/index.ts';

/** TR 26.850's three use cases, and the same update sent by unicast to each device for comparison. */
export type UseCase = 'uc1' | 'uc2' | 'uc3' | 'unicast';

/** The phases of one device, each a span on its power trace. */
export type DevicePhase =
  | 'setup'
  | 'wait-announcement'
  | 'sleep-until-session'
  | 'reception'
  | 'verification'
  | 'install'
  | 'acknowledgement'
  | 'readback';

/** Charge drawn between two instants, as the bench measures it (a meter's recording, a simulated meter). */
export interface EnergyProbe {
  readonly voltageMv: number;
  chargeUc(from: EpochMs, to: EpochMs): number | Promise<number>;
}

export interface CampaignDevice {
  /** Bench name (dut1, bg95-a…). */
  name: string;
  modem: Modem;
  /** What the device's profile takes: the TR 26.850 binary announcement or the XML/SDP fragments. */
  announcement: announce.AnnouncementFormat;
  psm?: PsmRequest;
  edrx?: EdrxRequest;
  energy?: EnergyProbe;
  /** The image for this device's class (version and bytes); devices of one class share a file. */
  image: CampaignImage;
  /**
   * Who receives the multicast: the module itself (its MBMS client, `#XMBMS…`; the default), or the host on
   * its behalf (srsUE and the rig on an srsRAN bench, where no module can receive): the image is then staged
   * onto the module over AT before the install.
   */
  reception?: 'module' | 'host';
}

/** The host's reception of a session on behalf of modules that cannot receive it (HostReceiver, src/runner). */
export interface HostReception {
  /** A campaign starts: where to repair what the air lost, and the back-off to wait first. */
  begin(o: { repairUri: string; backoff: { offsetTime: number; randomTimePeriod: number } }): void;
  /** The file once complete (after repair if needed); undefined if it is not by the deadline. */
  file(contentLocation: string, deadline: EpochMs, signal?: AbortSignal): Promise<Uint8Array | undefined>;
}

export interface CampaignImage {
  /** Device class it is built for (the module profile id on the emulated bench). */
  deviceClass: string;
  version: string;
  bytes: Uint8Array;
}

export interface CampaignOptions {
  useCase: UseCase;
  clock: Clock;
  seed: number;
  enb: EnbBackend;
  devices: readonly CampaignDevice[];
  /** MQTT broker both sides use: the server's client and every module's own stack. */
  broker: { host: string; port: number };
  /** Campaign id (topics, TMGI service id). */
  id?: string;
  tmgi?: string;
  group?: string;
  port?: number;
  tsi?: number;
  /** FEC of the files: 0 Compact No-Code, 1 Raptor (default: the TR 26.850 binary announcement names no other), 6 RaptorQ; and its overhead. */
  fec?: 0 | 1 | 6;
  overhead?: number;
  symbolLength?: number;
  /** UC1: how long after the announcement the planned session starts (default 6 h). */
  plannedLeadMs?: Milliseconds;
  /** UC3: first session after the announcement, spacing, fleet share to reach, most repetitions. */
  critical?: {
    firstLeadMs?: Milliseconds;
    intervalMs?: Milliseconds;
    targetFraction?: number;
    maxRepetitions?: number;
  };
  /**
   * Wait after set-up before announcing (default: UC1 none; UC2/UC3 the longest active time + 2 min, so
   * the fleet is asleep, as a deployed one is).
   */
  announceAfterMs?: Milliseconds;
  /** Host wakes the module this long before a session (default 10 s). */
  wakeGuardMs?: Milliseconds;
  /** Repair/report back-off announced in the ADPD, seconds. */
  backoff?: { offsetTime: number; randomTimePeriod: number };
  /** Required when a device has `reception: 'host'`. */
  hostReception?: HostReception;
  /** Whole campaign deadline in clock time (default: the plan's last session + 2 h). */
  deadlineMs?: Milliseconds;
  signal?: AbortSignal;
}

/** A span of one phase of one device. */
export interface PhaseSpan {
  phase: DevicePhase;
  start: EpochMs;
  end: EpochMs;
  /** Charge and energy over the span when the device has an energy probe. */
  chargeUc?: number;
  energyMj?: number;
}

export type DeviceOutcome = 'updated' | 'failed' | 'errored';

export interface DeviceRecord {
  name: string;
  imei?: string;
  model?: string;
  versionBefore?: string;
  versionAfter?: string;
  /** The image this device was to install: its version and SHA-256 (hex) for the evidence. */
  image?: { version: string; sha256: string; bytes: number };
  outcome: DeviceOutcome;
  /** What went wrong, in words, and in which phase. */
  failure?: { phase: DevicePhase; message: string };
  announcementFormat: announce.AnnouncementFormat;
  /** Size of the announcement in the device's format (sent base64 over MQTT: 4/3 of it on air). */
  announcementBytes?: number;
  announcedAt?: EpochMs;
  /** Session the device attended (1-based repetition), its scheduled start and when the device was tuned. */
  attended: { repetition: number; scheduledStart: EpochMs; tunedAt: EpochMs; alignmentErrorMs: number }[];
  fileAt?: EpochMs;
  fileStatus?: string;
  verified?: boolean;
  install?: {
    result: 'succeeded' | 'failed';
    at: EpochMs;
    detail?: string;
    path: 'module-file' | 'upload' | 'url';
  };
  ack?: { at: EpochMs } | { failed: string };
  /** When the server saw the acknowledgement / the reception report. */
  ackReceivedAt?: EpochMs;
  reportReceivedAt?: EpochMs;
  updatedAt?: EpochMs;
  phases: PhaseSpan[];
  /** Air statistics from the eNB (packets and bytes received, lost, missed while asleep). */
  air?: {
    received: number;
    receivedBytes: number;
    lost: number;
    missedNotTuned: number;
    tunedPackets: number;
  };
  /** Bytes the repair server sent this device (symbols, or the whole file when every FDT was lost). */
  repairedBytes?: number;
  energyMj?: number;
}

/** What the campaign announced: one or more sessions. */
export interface CampaignPlan {
  announcedAt: EpochMs;
  sessions: { repetition: number; start: EpochMs; stop: EpochMs; device?: string }[];
  /** UC2: the lead time rule's numbers. UC3: the repetition plan's expected reach. */
  leadTime?: announce.LeadTime;
  critical?: announce.CriticalPlan;
}
