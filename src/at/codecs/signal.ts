import { ParamReader } from './reader.ts';

/**
 * A level as 27.007 reports it: a band, not a point. `min`/`max` bound the measured value; null means
 * open-ended ("< −140 dBm" has min null). For +CESQ bands the value lies in [min, max); a +CSQ step
 * that names one value has min === max.
 */
export interface LevelRange {
  min: number | null;
  max: number | null;
}

/** Extended signal quality. Indexes are null where the module reports "not known" (99 / 255). */
export interface Cesq {
  rxlev: number | null;
  ber: number | null;
  rscp: number | null;
  ecno: number | null;
  rsrq: number | null;
  rsrp: number | null;
  /** RSRP in dBm; null when unknown. */
  rsrpDbm: LevelRange | null;
  /** RSRQ in dB; null when unknown. */
  rsrqDb: LevelRange | null;
}

export interface Csq {
  /** 0..31, null for 99 (not known). */
  rssi: number | null;
  /** 0..7, null for 99. */
  ber: number | null;
  rssiDbm: LevelRange | null;
}

/**
 * RSRP index → dBm (36.133 mapping used by 27.007): 0 is below −140, v in 1..96 is [v−141, v−140), 97 is
 * −44 and above. Nordic documents v−140 as the value: the upper edge of the same band.
 */
export function rsrpToDbm(index: number): LevelRange | null {
  if (index === 255 || !Number.isInteger(index) || index < 0 || index > 97) return null;
  if (index === 0) return { min: null, max: -140 };
  if (index === 97) return { min: -44, max: null };
  return { min: index - 141, max: index - 140 };
}

/** RSRQ index → dB: 0 is below −19.5, v in 1..33 is [−20+v/2, −19.5+v/2), 34 is −3 and above. */
export function rsrqToDb(index: number): LevelRange | null {
  if (index === 255 || !Number.isInteger(index) || index < 0 || index > 34) return null;
  if (index === 0) return { min: null, max: -19.5 };
  if (index === 34) return { min: -3, max: null };
  return { min: -20 + index / 2, max: -19.5 + index / 2 };
}

/** +CSQ <rssi> → dBm: 0 is −113 or less, 1 is −111, 2..30 step 2 dBm from −109, 31 is −51 or more. */
export function csqRssiToDbm(index: number): LevelRange | null {
  if (!Number.isInteger(index) || index < 0 || index > 31) return null;
  if (index === 0) return { min: null, max: -113 };
  if (index === 31) return { min: -51, max: null };
  const dbm = -113 + 2 * index;
  return { min: dbm, max: dbm };
}

/** `+CESQ: <rxlev>,<ber>,<rscp>,<ecno>,<rsrq>,<rsrp>` */
export function parseCesq(line: string): Cesq {
  const r = ParamReader.of('+CESQ', line);
  r.countBetween(6, 6, '<rxlev>,<ber>,<rscp>,<ecno>,<rsrq>,<rsrp>');
  const known = (index: number, name: string, max: number, unknown: number): number | null => {
    const v = r.int(index, name, [...range(0, max), unknown]);
    return v === unknown ? null : v;
  };
  const rsrq = known(4, '<rsrq>', 34, 255);
  const rsrp = known(5, '<rsrp>', 97, 255);
  return {
    rxlev: known(0, '<rxlev>', 63, 99),
    ber: known(1, '<ber>', 7, 99),
    rscp: known(2, '<rscp>', 96, 255),
    ecno: known(3, '<ecno>', 49, 255),
    rsrq,
    rsrp,
    rsrpDbm: rsrp === null ? null : rsrpToDbm(rsrp),
    rsrqDb: rsrq === null ? null : rsrqToDb(rsrq),
  };
}

/** `+CSQ: <rssi>,<ber>` */
export function parseCsq(line: string): Csq {
  const r = ParamReader.of('+CSQ', line);
  r.countBetween(2, 2, '<rssi>,<ber>');
  const rssi = r.int(0, '<rssi>', [...range(0, 31), 99]);
  const ber = r.int(1, '<ber>', [...range(0, 7), 99]);
  return {
    rssi: rssi === 99 ? null : rssi,
    ber: ber === 99 ? null : ber,
    rssiDbm: rssi === 99 ? null : csqRssiToDbm(rssi),
  };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
