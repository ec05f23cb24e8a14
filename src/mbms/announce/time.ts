/** The three time notations of an announcement: SDP NTP seconds, XML xs:dateTime, ASN.1 UTCTime. */
import type { EpochMs } from '../../clock/index.ts';

/** Seconds from 1900-01-01 (NTP epoch) to 1970-01-01 (Unix epoch). */
export const NTP_UNIX_OFFSET_S = 2_208_988_800;

/**
 * SDP `t=` value (RFC 4566: decimal NTP seconds, not wrapped at 2^32) for an instant. Sub-second parts
 * are refused (undefined) rather than rounded away, so a round trip never moves a session.
 */
export function sdpTimeFromEpochMs(ms: EpochMs): number | undefined {
  if (!Number.isSafeInteger(ms) || ms % 1000 !== 0) return undefined;
  const ntp = ms / 1000 + NTP_UNIX_OFFSET_S;
  // 0 means "unbounded" in SDP, so the NTP epoch itself cannot be written either.
  return ntp > 0 ? ntp : undefined;
}

export function epochMsFromSdpTime(ntpSeconds: number): EpochMs {
  return (ntpSeconds - NTP_UNIX_OFFSET_S) * 1000;
}

const DATE_TIME = /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * Parses an xs:dateTime. TS 26.346 times are UTC; a value without a zone is taken as UTC too. Returns
 * undefined for anything that is not a real instant (month 13, 25:00, 30 February).
 */
export function parseDateTime(text: string): EpochMs | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 24 || minute > 59 || second > 59) return undefined;
  if (hour === 24 && (minute !== 0 || second !== 0 || (frac !== undefined && Number(frac) !== 0))) {
    return undefined;
  }
  const base = Date.UTC(year, month - 1, day, 0, 0, 0);
  if (new Date(base).getUTCDate() !== day || Math.abs(year) > 275_000) return undefined;
  let ms = base + ((hour * 60 + minute) * 60 + second) * 1000;
  if (frac !== undefined) ms += Math.round(Number(`0${frac}`) * 1000);
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const zh = Number(zone.slice(1, 3));
    const zm = Number(zone.slice(4, 6));
    if (zh > 14 || zm > 59) return undefined;
    ms -= sign * (zh * 60 + zm) * 60_000;
  }
  return Number.isFinite(ms) ? ms : undefined;
}

/** xs:dateTime in UTC with a `Z`, milliseconds only when there are some. */
export function formatDateTime(ms: EpochMs): string {
  const iso = new Date(ms).toISOString();
  return ms % 1000 === 0 ? iso.replace('.000Z', 'Z') : iso;
}

const UTC_TIME = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;

/**
 * ASN.1 UTCTime in the canonical form PER uses (X.691 with the X.690 DER restrictions): `YYMMDDhhmmssZ`,
 * years 1950..2049. Undefined when the instant cannot be written so (other years, sub-second part).
 */
export function formatUtcTime(ms: EpochMs): string | undefined {
  if (!Number.isInteger(ms) || ms % 1000 !== 0) return undefined;
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (Number.isNaN(year) || year < 1950 || year > 2049) return undefined;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(year % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(
    d.getUTCMinutes(),
  )}${two(d.getUTCSeconds())}Z`;
}

/** Reads a canonical UTCTime (see formatUtcTime); YY < 50 is 20YY (the X.509 convention). */
export function parseUtcTime(text: string): EpochMs | undefined {
  const m = UTC_TIME.exec(text);
  if (!m) return undefined;
  const [yy, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const year = yy < 50 ? 2000 + yy : 1900 + yy;
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const ms = Date.UTC(year, mo - 1, d, h, mi, s);
  return new Date(ms).getUTCDate() === d ? ms : undefined;
}
