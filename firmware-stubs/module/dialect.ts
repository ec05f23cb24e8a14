import type { Milliseconds } from '../../src/clock/index.ts';
import type { DialectId } from '../../src/hardware/index.ts';
import type { AtCommand } from './command.ts';
import type { ModuleCore } from './core.ts';
import type { Rat } from './gprs-timers.ts';
import type { FinalResult } from './results.ts';

/** What a module prints while it boots. */
export interface BootOutput {
  /** Raw bytes written early in the boot (boot-ROM chatter, NULs); not AT lines. */
  preamble?: { afterMs: Milliseconds; bytes: Buffer };
  /** Lines printed as URCs when AT becomes ready, in order (RDY, APP RDY, +CPIN: READY…). */
  banner: readonly string[];
}

/** Granted PSM timers at PSM entry, in seconds. */
export interface PsmEntry {
  periodicTauS: number;
  activeTimeS: number;
}

/** Knobs a dialect sets for the shared core. */
export interface DialectBehaviour {
  /** AT+CMEE after boot. */
  cmeeDefault: 0 | 1 | 2;
  /** Answer to a command the module does not know. */
  unknownCommand: FinalResult;
  /** Answer to a known command in a form it does not support (e.g. AT+CGMI?). */
  unsupportedForm: FinalResult;
  /** Vendor +CME ERROR texts for AT+CMEE=2, added to the 27.007 ones. */
  errorTexts: Readonly<Record<number, string>>;
  /** The <AcT> a module reports in +COPS/+CEREG for a RAT (Quectel: 8 for LTE-M, 27.007: 7). */
  actForRat(rat: Rat): number;
  /** Time from a PSM wake request to AT being ready. */
  psmWakeMs: Milliseconds;
  /**
   * The host interface stays up while the radio is in PSM (nRF91: the application core runs the
   * Serial LTE Modem and its UART while the modem sleeps). Default false: the UART goes dead, as on
   * Quectel, u-blox and SIMCom modules, and the first command after PSM is lost.
   */
  uartAwakeInPsm?: boolean;
  /** Size of the module's user file system. */
  fileSystemBytes: number;
}

/**
 * One module family's dialect bound to one module: the commands it adds (or overrides) and the
 * hooks where it speaks differently from 27.007.
 */
export interface DialectBinding {
  readonly behaviour: DialectBehaviour;
  /** Vendor commands; they replace core commands of the same name. */
  readonly commands: readonly AtCommand[];
  /** Output of a boot (power-on, reset, reboot after FOTA). */
  bootOutput(): BootOutput;
  /** URC lines printed just before the UART goes dead at PSM entry. */
  psmEntered(entry: PsmEntry): readonly string[];
  /** URC lines printed when AT is back after PSM: reason 'host' (wake request) or 'tau' (periodic TAU). */
  psmLeft(reason: 'host' | 'tau'): readonly string[];
  /** Realistic URCs (consistent with the current state) for the URC-storm fault. */
  stormUrcs(): readonly string[];
  /** RAM state is gone (reboot or power cut): reset the dialect's own volatile settings. */
  powerLost(): void;
}

/** A module family. The registry maps a profile's `dialect` to one of these. */
export interface Dialect {
  readonly id: DialectId;
  /** One line for logs and the README. */
  readonly description: string;
  /** Bind to a module; called once when the module is created. */
  bind(core: ModuleCore): DialectBinding;
}
