import { formatSetCommand, ParamReader } from './reader.ts';

/**
 * +CPSMS settings. Timers are the 8-bit strings the command carries ("00100001"); decode them with
 * decodeGprsTimer3 (periodic RAU/TAU) and decodeGprsTimer2 (Active-Time) from timers.ts. These are the
 * values the host requested: the network's grant comes back in +CEREG (n = 4/5) or vendor commands.
 */
export interface PsmSettings {
  /** 0 disable, 1 enable, 2 disable and reset to defaults (set only). */
  mode: 0 | 1 | 2;
  /** GERAN/UTRAN T3312-extended (GPRS Timer 3), unused on LTE-M/NB-IoT. */
  periodicRau?: string;
  /** GERAN/UTRAN READY timer T3314 (GPRS Timer), unused on LTE-M/NB-IoT. */
  gprsReadyTimer?: string;
  /** T3412-extended (GPRS Timer 3). */
  periodicTau?: string;
  /** T3324 (GPRS Timer 2). */
  activeTime?: string;
}

const FIELDS = ['periodicRau', 'gprsReadyTimer', 'periodicTau', 'activeTime'] as const;
const NAMES = [
  '<Requested_Periodic-RAU>',
  '<Requested_GPRS-READY-timer>',
  '<Requested_Periodic-TAU>',
  '<Requested_Active-Time>',
];

/** `+CPSMS: <mode>[,<RAU>[,<READY>[,<TAU>[,<Active-Time>]]]]` */
export function parseCpsmsRead(line: string): PsmSettings {
  const r = ParamReader.of('+CPSMS', line);
  r.countBetween(1, 5, '<mode> and four timers');
  const settings: PsmSettings = { mode: r.int(0, '<mode>', { min: 0, max: 2 }) as PsmSettings['mode'] };
  FIELDS.forEach((field, i) => {
    const bits = r.optBits(i + 1, NAMES[i]!, 8);
    if (bits !== undefined) settings[field] = bits;
  });
  return settings;
}

/** `AT+CPSMS=1,,,"00000110","00100001"`; timers left undefined are omitted. */
export function formatCpsmsSet(settings: PsmSettings): string {
  if (![0, 1, 2].includes(settings.mode))
    throw new RangeError(`AT+CPSMS: <mode> must be 0..2, got ${settings.mode}`);
  const timers = FIELDS.map((field, i) => {
    const bits = settings[field];
    if (bits !== undefined && !/^[01]{8}$/.test(bits)) {
      throw new RangeError(`AT+CPSMS: ${NAMES[i]} must be 8 bits "0"/"1", got ${JSON.stringify(bits)}`);
    }
    return bits;
  });
  return formatSetCommand('+CPSMS', [settings.mode, ...timers]);
}
