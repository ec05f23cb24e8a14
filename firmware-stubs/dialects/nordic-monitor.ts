/**
 * nRF91 modem status and sleep commands: %XMONITOR (registration, cell and the granted PSM/eDRX values),
 * %XMODEMSLEEP (sleep notifications: %XMODEMSLEEP: 1,<ms> when PSM starts, 1,0 when it ends) and %XPTW
 * (requested paging time window). Sources: at-modules.md §2.1, §3.4; nRF91 AT command reference
 * (%XMONITOR set command, v1.2.x/v1.3.x response with the legacy Periodic-TAU last); lte_lc tests for the
 * %XMODEMSLEEP shapes. [M]: band 20 / EARFCN 6300 and the SNR estimate are emulator choices, the
 * %XMODEMSLEEP read form and parameter ranges are unverified; the pre-warning and eDRX (type 2)
 * notifications are not emulated.
 */
import type { AtArguments } from '../module/arguments.ts';
import type { AtCommand, CommandContext } from '../module/command.ts';
import type { ModuleCore } from '../module/core.ts';
import type { PsmEntry } from '../module/dialect.ts';
import { encodeTimer2, isNibbleBits, nibble } from '../module/gprs-timers.ts';
import { CME, cme, type Outcome } from '../module/results.ts';

const DEACTIVATED = '11100000';
/** Engineering choices for the emulated cell: LTE band 20 (800 MHz), downlink EARFCN 6300 [M]. */
const BAND = 20;
const EARFCN = 6300;

/** The %XMONITOR line for the module's current state; only <reg_status> unless registered. */
export function xmonitorLine(core: ModuleCore): string {
  const reg = core.registration;
  if (!reg.registered) return `%XMONITOR: ${reg.stat}`;
  const { operator: op, cell } = core.policy;
  const pci = Number.parseInt(cell.cellId, 16) % 504;
  // Nordic indices: rsrp v ↔ v − 140 dBm, snr v ↔ v − 25 dB (0..49).
  const rsrp = clamp(Math.floor(cell.rsrpDbm) + 140, 0, 97);
  const snrDb = cell.rsrqDb + 20; // [M] SNR estimated from RSRQ; the policy has no SNR of its own
  const snr = clamp(Math.floor(snrDb) + 25, 0, 49);
  const psm = reg.psmGrant;
  const edrx = reg.edrxGrant ? `"${nibble(reg.edrxGrant.cycle)}"` : '""';
  const active = psm?.activeBits ?? DEACTIVATED;
  const tauExt = psm?.tauBits ?? DEACTIVATED;
  const tauLegacy = encodeTimer2(core.policy.t3412S);
  return (
    `%XMONITOR: ${reg.stat},"${op.longName}","${op.shortName}","${op.plmn}","${cell.tac}",${core.act()},${BAND},` +
    `"${cell.cellId}",${pci},${EARFCN},${rsrp},${snr},${edrx},"${active}","${tauExt}","${tauLegacy}"`
  );
}

function clamp(v: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, v));
}

export interface NordicMonitor {
  readonly commands: readonly AtCommand[];
  /** Lines printed when the modem enters PSM. */
  psmEntered(entry: PsmEntry): readonly string[];
  /** Lines printed when the modem leaves PSM. */
  psmLeft(): readonly string[];
  /** RAM state gone (reboot, power cut). */
  reset(): void;
}

export function nordicMonitor(core: ModuleCore): NordicMonitor {
  // %XMODEMSLEEP subscription: volatile, like every modem notification subscription.
  let sleep = { n: 0, warningMs: 0, thresholdMs: 0 };
  let notified = false;
  // %XPTW requests by AcT-type; the modem keeps them in NVM.
  const ptw = new Map<4 | 5, string>();

  const xmodemsleep = (_ctx: CommandContext, args: AtArguments): Outcome => {
    const n = args.atMost(3).int(0, { oneOf: [0, 1] });
    const warningMs = args.int(1, { min: 0, max: 3_600_000, def: 0 });
    const thresholdMs = args.int(2, { min: 0, def: 0 });
    sleep = n === 0 ? { n: 0, warningMs: 0, thresholdMs: 0 } : { n, warningMs, thresholdMs };
    return undefined;
  };

  return {
    commands: [
      {
        name: '%XMONITOR',
        summary:
          'modem status: registration, operator, cell, signal, NW eDRX, Active-Time, Periodic-TAU-ext, Periodic-TAU',
        exec: (ctx) => {
          ctx.info(xmonitorLine(core));
          return undefined;
        },
      },
      {
        name: '%XMODEMSLEEP',
        summary: 'modem sleep notifications: <n>[,<warning ms>,<threshold ms>] → %XMODEMSLEEP: <type>,<ms>',
        set: xmodemsleep,
        read: (ctx) => {
          ctx.info(
            sleep.n === 0
              ? '%XMODEMSLEEP: 0'
              : `%XMODEMSLEEP: ${sleep.n},${sleep.warningMs},${sleep.thresholdMs}`,
          );
          return undefined;
        },
      },
      {
        name: '%XPTW',
        summary: 'requested paging time window: <AcT-type 4|5>,"<4-bit PTW>"',
        set: (_ctx, args) => {
          const act = args.atMost(2).int(0, { oneOf: [4, 5] }) as 4 | 5;
          const value = args.quoted(1);
          if (!isNibbleBits(value)) return cme(CME.incorrectParameters);
          ptw.set(act, value);
          return undefined;
        },
        read: (ctx) => {
          for (const [act, value] of [...ptw].sort(([a], [b]) => a - b)) ctx.info(`%XPTW: ${act},"${value}"`);
          return undefined;
        },
      },
    ],
    psmEntered(entry: PsmEntry): readonly string[] {
      if (sleep.n !== 1) return [];
      const sleepMs = core.radio.idleSince + entry.periodicTauS * 1000 - core.clock.now();
      if (sleepMs < sleep.thresholdMs) return [];
      notified = true;
      return [`%XMODEMSLEEP: 1,${sleepMs}`];
    },
    psmLeft(): readonly string[] {
      if (!notified) return [];
      notified = false;
      return sleep.n === 1 ? ['%XMODEMSLEEP: 1,0'] : [];
    },
    reset() {
      sleep = { n: 0, warningMs: 0, thresholdMs: 0 };
      notified = false;
    },
  };
}
