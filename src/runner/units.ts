/**
 * Units of measurements and limits. A plan writes a limit as text with its unit ("5 µA", "2.5 mA",
 * "30 min", "95 %"); it must have the dimension the scenario declares for the measurement, and is
 * converted to the measurement's unit before anything runs.
 */

export type Dimension =
  | 'current'
  | 'energy'
  | 'charge'
  | 'time'
  | 'ratio'
  | 'count'
  | 'data'
  | 'power'
  | 'level';

/** Every unit a measurement may be declared in, with its dimension and its factor to the base unit. */
export const UNITS = {
  A: ['current', 1],
  mA: ['current', 1e-3],
  µA: ['current', 1e-6],
  uA: ['current', 1e-6],
  nA: ['current', 1e-9],
  J: ['energy', 1],
  mJ: ['energy', 1e-3],
  µJ: ['energy', 1e-6],
  Wh: ['energy', 3600],
  mWh: ['energy', 3.6],
  C: ['charge', 1],
  mAh: ['charge', 3.6],
  µAh: ['charge', 3.6e-3],
  W: ['power', 1],
  mW: ['power', 1e-3],
  µW: ['power', 1e-6],
  s: ['time', 1],
  ms: ['time', 1e-3],
  min: ['time', 60],
  h: ['time', 3600],
  d: ['time', 86_400],
  days: ['time', 86_400],
  y: ['time', 365.25 * 86_400],
  years: ['time', 365.25 * 86_400],
  '%': ['ratio', 0.01],
  ratio: ['ratio', 1],
  count: ['count', 1],
  B: ['data', 1],
  kB: ['data', 1000],
  KiB: ['data', 1024],
  MB: ['data', 1e6],
  dB: ['level', 1],
  dBm: ['level', 1],
} as const satisfies Record<string, readonly [Dimension, number]>;

export type Unit = keyof typeof UNITS;

export function isUnit(u: string): u is Unit {
  return Object.hasOwn(UNITS, u);
}

export function dimensionOf(u: Unit): Dimension {
  return UNITS[u][0];
}

/** value in `from` expressed in `to` (same dimension; dB and dBm do not convert into each other). */
export function convert(value: number, from: Unit, to: Unit): number {
  if (from === to) return value;
  if (dimensionOf(from) !== dimensionOf(to) || dimensionOf(from) === 'level')
    throw new UnitError(`cannot convert ${from} to ${to}`);
  return (value * UNITS[from][1]) / UNITS[to][1];
}

export class UnitError extends Error {
  override name = 'UnitError';
}

/** "5 µA", "2.5mA", "-3 dBm", "95 %", "1e-3 A" → { value, unit }; throws UnitError naming what it saw. */
export function parseQuantity(text: string | number): { value: number; unit: Unit | undefined } {
  if (typeof text === 'number') return { value: text, unit: undefined };
  const m = /^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?)\s*([^\d\s].*?)?\s*$/i.exec(text);
  if (!m) throw new UnitError(`expected a number with a unit such as "5 µA", got "${text}"`);
  const value = Number(m[1]);
  const unit = m[2];
  if (unit === undefined) return { value, unit: undefined };
  if (!isUnit(unit))
    throw new UnitError(`unknown unit "${unit}" in "${text}" (known: ${Object.keys(UNITS).join(', ')})`);
  return { value, unit };
}
