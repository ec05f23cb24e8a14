import type { Clock, EpochMs, Milliseconds } from '../../src/clock/index.ts';
import type { ModuleProfile } from '../../src/hardware/index.ts';
import type { SeededRandom } from '../random.ts';
import type { AtCommand } from './command.ts';
import type { ModuleFileSystem } from './file-system.ts';
import type { FirmwareUpdater } from './firmware-updater.ts';
import type { ModuleIdentity } from './imei.ts';
import type { MqttBridge } from './mqtt-bridge.ts';
import type { MulticastReceiver } from './multicast.ts';
import type { NetworkPolicy } from './network-policy.ts';
import type { Radio } from './radio.ts';
import type { Registration } from './registration.ts';
import type { CurrentTimeline } from './timeline.ts';

/**
 * Host-interface power: off; booting (until the banner); on (AT answers); asleep (PSM: the UART is
 * dead, the first command is lost and wakes the module); waking (back from PSM, AT not yet ready).
 */
export type PowerState = 'off' | 'booting' | 'on' | 'asleep' | 'waking';

/** AT settings held in RAM: back to defaults after every boot. */
export interface VolatileSettings {
  echo: boolean;
  verbose: boolean;
  quiet: boolean;
  cmee: 0 | 1 | 2;
  /** S3 command line terminator, S4 response formatting character, S5 backspace. */
  s3: number;
  s4: number;
  s5: number;
  /** +CEREG=<n> 0..5 */
  ceregN: number;
  /** +CSCON=<n> 0..3 */
  csconN: number;
  /** +COPS mode (0 automatic, 1 manual, 2 deregistered) and format (0 long, 1 short, 2 numeric). */
  copsMode: 0 | 1 | 2;
  copsFormat: 0 | 1 | 2;
  /** Offset of the module's RTC from the injected clock, set by AT+CCLK=. */
  rtcOffsetMs: Milliseconds;
  /** Multicast reception and its URCs (#XMBMSCFG). */
  mbmsEnabled: boolean;
}

/** PSM as the host requested it (+CPSMS), kept in non-volatile memory as modules do. */
export interface PsmRequest {
  mode: 0 | 1;
  tauBits: string;
  activeBits: string;
}

/** eDRX as the host requested it for one AcT-type (+CEDRXS). mode 2 also sends +CEDRXP. */
export interface EdrxRequest {
  mode: 0 | 1 | 2;
  valueBits: string;
}

/** PDP context definition (+CGDCONT). */
export interface PdpContext {
  cid: number;
  type: string;
  apn: string;
}

/** Settings kept across reboots and power cuts. */
export interface NvSettings {
  psm: PsmRequest;
  /** By 27.007 AcT-type: 4 WB-S1 (LTE-M), 5 NB-S1. */
  edrx: Record<4 | 5, EdrxRequest>;
  contexts: Map<number, PdpContext>;
}

/**
 * What the core offers a dialect (and its command handlers): state, services and a few actions.
 * Dialects read and drive the module only through this.
 */
export interface ModuleCore {
  readonly profile: ModuleProfile;
  readonly clock: Clock;
  readonly identity: ModuleIdentity;
  readonly settings: VolatileSettings;
  readonly nv: NvSettings;
  readonly policy: NetworkPolicy;
  readonly power: PowerState;
  /** Current CFUN level. */
  readonly cfun: 0 | 1 | 4;
  readonly registration: Registration;
  readonly radio: Radio;
  readonly files: ModuleFileSystem;
  readonly mqtt: MqttBridge;
  readonly firmware: FirmwareUpdater;
  readonly multicast: MulticastReceiver;
  readonly timeline: CurrentTimeline;
  /** Aborted when this boot ends (reboot, power cut). */
  readonly bootSignal: AbortSignal;
  /** Every command the module knows (core and dialect), for AT+CLAC. */
  commandList(): readonly AtCommand[];
  /** The <AcT> this module reports (+COPS, +CEREG) for the serving RAT, per its dialect. */
  act(): number;
  /** A seeded stream of its own for the caller. */
  random(label: string): SeededRandom;
  /** The module's RTC (injected clock plus the AT+CCLK offset). */
  rtcNow(): EpochMs;
  /** An unsolicited line; held back while a command runs, dropped unless the UART is up. */
  urc(text: string): void;
  /** Back to power-on AT settings (ATZ, AT&F). */
  resetSettings(): void;
  /** The firmware revision as +CGMR prints it (profile text with the running revision). */
  revisionText(): string;
  /** ATI lines with the running revision. */
  identificationLines(): readonly string[];
  /** Change CFUN (0, 1, 4): starts or stops network registration. */
  setCfun(fun: 0 | 1 | 4): void;
  /** Restart now, as after a reset: RAM state is lost, the banner follows after the boot time. */
  reboot(): void;
  /** Print lastWords as URCs, then switch off (AT+QPOWD and friends). */
  powerDown(lastWords: readonly string[]): void;
  /** Model writing n bytes to flash: takes n / flashWriteBytesPerS on the clock and draws flash current. */
  flashWrite(bytes: number, signal?: AbortSignal): Promise<void>;
  /** Draw flash-write current (and keep PSM away) while work runs (firmware install). */
  withFlashActivity<T>(work: () => Promise<T>): Promise<T>;
}
