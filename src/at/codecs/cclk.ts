import type { EpochMs } from '../../clock/index.ts';
import { AtParseError } from './errors.ts';
import { ParamReader } from './reader.ts';

/** A module's clock reading: the instant, and the local offset the module showed it in. */
export interface ModuleTime {
  epochMs: EpochMs;
  /** Offset of the shown local time from UTC, in minutes (a multiple of 15). */
  offsetMinutes: number;
}

const CCLK = /^(\d{2})\/(\d{2})\/(\d{2}),(\d{2}):(\d{2}):(\d{2})([+-])(\d{2})$/;
/** Time zones span UTC−12…UTC+14; 24 h either side is the most a quarter-hour field can sensibly hold. */
const MAX_QUARTERS = 96;

/**
 * `+CCLK: "yy/MM/dd,hh:mm:ss±zz"`: local time and its offset from UTC in quarter hours. Two-digit years
 * 70..99 are 1970..1999: modules without network time count from 1980-01-06 (GPS) or 1970, and this
 * keeps those readings in the past where the rig can see them for what they are.
 */
export function parseCclk(line: string): ModuleTime {
  const r = ParamReader.of('+CCLK', line);
  r.countBetween(1, 1, '"yy/MM/dd,hh:mm:ss±zz"');
  const text = r.str(0, '<time>');
  const m = CCLK.exec(text);
  const fail = (expected: string): never => {
    throw new AtParseError({ command: '+CCLK', expected, line, parameter: 1, got: text });
  };
  if (!m) return fail('"yy/MM/dd,hh:mm:ss±zz"');
  const n = (group: number): number => Number(m[group]);
  const [yy, month, day, hour, minute, second, zz] = [n(1), n(2), n(3), n(4), n(5), n(6), n(8)];
  const year = yy >= 70 ? 1900 + yy : 2000 + yy;
  if (month < 1 || month > 12) fail('month 01..12');
  if (day < 1 || day > daysInMonth(year, month)) fail(`day 01..${daysInMonth(year, month)}`);
  if (hour > 23 || minute > 59 || second > 59) fail('time hh 00..23, mm and ss 00..59');
  if (zz > MAX_QUARTERS) fail(`time zone 00..${MAX_QUARTERS} quarter hours`);
  const offsetMinutes = zz === 0 ? 0 : (m[7] === '-' ? -zz : zz) * 15;
  const localAsUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  return { epochMs: localAsUtc - offsetMinutes * 60_000, offsetMinutes };
}

/** The quoted text without quotes: `24/03/12,10:15:42+04`. Years 1970..2069. */
export function formatCclkTime(time: ModuleTime): string {
  const { epochMs, offsetMinutes } = time;
  if (
    !Number.isInteger(offsetMinutes) ||
    offsetMinutes % 15 !== 0 ||
    Math.abs(offsetMinutes) > MAX_QUARTERS * 15
  ) {
    throw new RangeError(`AT+CCLK: offset must be a multiple of 15 min within ±24 h, got ${offsetMinutes}`);
  }
  const local = new Date(epochMs + offsetMinutes * 60_000);
  const year = local.getUTCFullYear();
  if (!Number.isFinite(epochMs) || year < 1970 || year > 2069) {
    throw new RangeError(
      `AT+CCLK: year must be 1970..2069, got ${Number.isFinite(epochMs) ? year : epochMs}`,
    );
  }
  const two = (n: number): string => String(n).padStart(2, '0');
  const zone = (offsetMinutes < 0 ? '-' : '+') + two(Math.abs(offsetMinutes) / 15);
  return (
    `${two(year % 100)}/${two(local.getUTCMonth() + 1)}/${two(local.getUTCDate())},` +
    `${two(local.getUTCHours())}:${two(local.getUTCMinutes())}:${two(local.getUTCSeconds())}${zone}`
  );
}

/** `AT+CCLK="24/03/12,10:15:42+04"`. Sub-second parts of `epochMs` are dropped. */
export function formatCclkSet(time: ModuleTime): string {
  return `AT+CCLK="${formatCclkTime(time)}"`;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
