import type { AtEngine, Urc, UrcSpec } from '../at/index.ts';
import type { Clock } from '../clock/index.ts';
import type { DialectId } from '../hardware/index.ts';
import type {
  FileEntry,
  FotaEvent,
  MqttConnectOptions,
  MqttMessage,
  PowerSaveEvent,
  PsmTimers,
  RawIdentity,
} from './types.ts';

/** What a dialect's operations work with. */
export interface DialectContext {
  engine: AtEngine;
  clock: Clock;
  /** Port name, for error messages. */
  port: string;
}

export interface FileOps {
  upload(ctx: DialectContext, name: string, bytes: Buffer): Promise<void>;
  read(ctx: DialectContext, name: string): Promise<Buffer>;
  list(ctx: DialectContext): Promise<FileEntry[]>;
  remove(ctx: DialectContext, name: string): Promise<void>;
}

export interface FotaOps {
  /** Start a module firmware update from a file already on the module (or a URL where the module takes one). */
  start(ctx: DialectContext, source: string): Promise<void>;
  /** The progress event a URC stands for, if any. */
  event(urc: Urc): FotaEvent | undefined;
  /**
   * Whether the module restarts after it reports 'done' (default true: Quectel, u-blox, SIMCom). False
   * where 'done' is reported once the restart is over (nRF91 SLM: `#XFOTA: 5,0` after `Ready`).
   */
  readonly restartsAfterDone?: boolean;
  /**
   * Where an update package uploaded over AT goes, to be passed to start() afterwards (Quectel: any UFS
   * file; u-blox: the FOAT package; SIMCom: the package CFOTA takes). Absent: the module takes its update
   * only from a URL (nRF91 SLM).
   */
  readonly uploadTarget?: string;
}

export interface MqttOps {
  connect(ctx: DialectContext, options: MqttConnectOptions): Promise<void>;
  subscribe(ctx: DialectContext, topic: string, qos: 0 | 1): Promise<void>;
  publish(ctx: DialectContext, topic: string, payload: Buffer, qos: 0 | 1): Promise<void>;
  disconnect(ctx: DialectContext): Promise<void>;
  /** The incoming message a URC carries, if any. */
  message(urc: Urc): MqttMessage | undefined;
}

/**
 * One vendor family's AT dialect, as the controller sees it. The generic 27.007 behaviour lives in
 * Modem; a dialect adds its URCs, its power-saving signals, and the vendor commands for files, module
 * firmware update and MQTT.
 */
export interface Dialect {
  readonly id: DialectId;
  /** Does this identification come from a module of this family? */
  recognises(id: RawIdentity): boolean;
  /** hardware/modules profile id for the identified model, when known. */
  profileFor(id: RawIdentity): string | undefined;
  /** Vendor URCs, including the boot banner lines (kind 'reboot') and power-down lines. */
  readonly urcs: readonly UrcSpec[];
  /** Commands sent once after bring-up (enable vendor URCs, say). */
  readonly setup: readonly string[];
  /** Command that restarts the module. */
  readonly rebootCommand: string;
  /** For modules that print no boot line: how long to wait after the reboot command before polling. */
  readonly bootWaitMs?: number;
  /** Where the model prints its revision differently from a bare +CGMR line. */
  revision?(cgmrLines: string[]): string;
  /** Granted PSM timers from a vendor command; undefined means read them from +CEREG (n = 4/5). */
  readGrantedPsm?(ctx: DialectContext): Promise<PsmTimers | undefined>;
  /** The power-saving event a URC stands for, if any. */
  powerSaveEvent?(urc: Urc): PowerSaveEvent | undefined;
  readonly files?: FileOps;
  readonly fota?: FotaOps;
  readonly mqtt?: MqttOps;
}

/** Double quotes and backslashes cannot travel inside an AT string parameter. */
export function atString(value: string, what: string): string {
  if (/["\\\r\n]/.test(value))
    throw new RangeError(
      `${what} must not contain quotes, backslashes or line breaks: ${JSON.stringify(value)}`,
    );
  return `"${value}"`;
}
