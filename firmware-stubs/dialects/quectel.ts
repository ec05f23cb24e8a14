/**
 * Quectel dialect: BG95 and BG96 (Qualcomm MDM920x, LTE-M/NB-IoT) and BC66 (MediaTek MT2625, NB-IoT).
 * Sources: at-modules.md §3.1, §3.2 and the dialect matrix §3.6; [M] marks what is unverified.
 *
 * Differences handled here:
 * - <AcT> 8 for LTE-M (non-standard; 27.007 says 7) and 9 for NB-IoT, in +COPS and +CEREG [D].
 * - AT+CMEE defaults to 1 [M]; unknown commands answer plain ERROR whatever CMEE says [M].
 * - PSM: AT+QCFG="psm/urc",1 adds +QPSMTIMER: <tau_s>,<t3324_s> before PSM POWER DOWN [D]; a wake
 *   request (PON_TRIG) brings RDY back [M]; BC66 prints +QATWAKEUP when it wakes [M].
 * - BC66 prints MediaTek boot-ROM lines (LF CR terminated, with stray bytes) before AT is up [D].
 * - Files (QFUPL/QFDWL/QFLST/QFDEL/QFLDS), MQTT (QMT*), DFOTA (QFOTADL), QCFG/QPOWD/QRST/QGMR/QCCID/QSCLK.
 */
import type { ModuleProfile } from '../../src/hardware/index.ts';
import type { ModuleCore } from '../module/core.ts';
import type { BootOutput, Dialect, DialectBehaviour, DialectBinding, PsmEntry } from '../module/dialect.ts';
import { csqFields, stateUrcs } from '../module/network-format.ts';
import { ERROR } from '../module/results.ts';
import { defaultQuectelNv, quectelConfigCommands } from './quectel-config.ts';
import { QUECTEL_FILE_COMMANDS, QUECTEL_FILE_ERRORS } from './quectel-files.ts';
import { quectelFota } from './quectel-fota.ts';
import { quectelMqtt } from './quectel-mqtt.ts';

export type QuectelVariant = 'bg95' | 'bg96' | 'bc66';

export function quectelVariant(profile: ModuleProfile): QuectelVariant {
  const text = `${profile.id} ${profile.model}`;
  if (/bc66/i.test(text)) return 'bc66';
  if (/bg96/i.test(text)) return 'bg96';
  return 'bg95';
}

const BROM_END = /^Leaving the BROM$/;

/** Fallback boot-ROM lines when a BC66 profile does not list them. */
const BC66_BROM = [
  'F1: 0000 0000',
  'V0: 0000 0000 [0001]',
  '00: 0006 000C',
  '01: 0000 0000',
  'U0: 0000 0001 [0000]',
  'T0: 0000 00B4',
  'Leaving the BROM',
];

function bootOutput(core: ModuleCore, variant: QuectelVariant): BootOutput {
  let banner = [...core.profile.identification.bootBanner];
  if (core.policy.sim === 'absent') {
    banner = banner
      .filter((l) => !/^\+QUSIM|^\+QIND: (SMS|PB) DONE/.test(l))
      .map((l) => (l === '+CPIN: READY' ? '+CPIN: NOT INSERTED' : l));
  }
  const end = banner.findIndex((l) => BROM_END.test(l));
  let brom = end >= 0 ? banner.slice(0, end + 1) : [];
  if (end >= 0) banner = banner.slice(end + 1);
  if (variant === 'bc66' && brom.length === 0) brom = BC66_BROM;
  if (brom.length === 0) return { banner };
  // The boot ROM's T0 timer value differs from boot to boot; a few stray bytes come first.
  const random = core.random('quectel-brom');
  const t0 = random.int(0x80, 0xff).toString(16).toUpperCase().padStart(4, '0');
  const lines = brom.map((l) => (l.startsWith('T0:') ? `T0: 0000 ${t0}` : l));
  const stray = Buffer.from(
    Array.from({ length: random.int(1, 4) }, () => random.pick([0x00, 0xff, 0xfe, 0x00])),
  );
  const text = Buffer.from(lines.map((l) => `${l}\n\r`).join(''), 'latin1');
  return { preamble: { afterMs: 30, bytes: Buffer.concat([stray, text]) }, banner };
}

export const quectel: Dialect = {
  id: 'quectel',
  description: 'Quectel BG95/BG96 (LTE-M/NB-IoT) and BC66 (NB-IoT)',

  bind(core: ModuleCore): DialectBinding {
    const variant = quectelVariant(core.profile);
    const nv = defaultQuectelNv();
    const mqtt = quectelMqtt(core);
    const fota = quectelFota(core);
    const behaviour: DialectBehaviour = {
      cmeeDefault: 1,
      unknownCommand: ERROR,
      unsupportedForm: ERROR,
      errorTexts: QUECTEL_FILE_ERRORS,
      actForRat: (rat) => (rat === 'lte-m' ? 8 : 9),
      psmWakeMs: 300, // [M] engineering value
      fileSystemBytes: variant === 'bc66' ? 256 * 1024 : 2 * 1024 * 1024, // [M]
    };
    return {
      behaviour,
      commands: [
        ...quectelConfigCommands(core, nv),
        ...QUECTEL_FILE_COMMANDS,
        ...mqtt.commands,
        ...fota.commands,
      ],
      bootOutput: () => bootOutput(core, variant),
      psmEntered(entry: PsmEntry) {
        if (variant === 'bc66') return [];
        const timer = nv.psmUrc ? [`+QPSMTIMER: ${entry.periodicTauS},${entry.activeTimeS}`] : [];
        return [...timer, 'PSM POWER DOWN'];
      },
      psmLeft(reason) {
        if (variant === 'bc66') return ['+QATWAKEUP'];
        return reason === 'host' ? ['RDY'] : [];
      },
      stormUrcs: () => [...stateUrcs(core), `+QIND: "csq",${csqFields(core)}`],
      powerLost() {
        mqtt.reset();
        fota.reset();
      },
    };
  },
};
