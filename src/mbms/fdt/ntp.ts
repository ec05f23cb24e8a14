import type { NtpSeconds } from './types.ts';

/** Seconds from 1900-01-01 (NTP epoch) to 1970-01-01 (Unix epoch). */
export const NTP_UNIX_OFFSET_SECONDS = 2_208_988_800;
const ERA_SECONDS = 2 ** 32;
const ERA_0_MSB = 2 ** 31;

/**
 * NTP seconds (32 bits, wrapping in 2036) for an instant in ms since the Unix epoch, rounded down to the
 * second. Instants in NTP era 1 (from 2036-02-07T06:28:16Z) wrap to small values, as on the wire.
 */
export function ntpSecondsFromEpochMs(epochMs: number): NtpSeconds {
  if (!Number.isFinite(epochMs)) throw new RangeError(`NTP seconds: not a finite instant: ${epochMs}`);
  const ntp = Math.floor(epochMs / 1000) + NTP_UNIX_OFFSET_SECONDS;
  if (ntp < 0) throw new RangeError(`NTP seconds: instant ${epochMs} ms is before 1900`);
  return ntp % ERA_SECONDS;
}

/**
 * Ms since the Unix epoch for NTP seconds, with RFC 4330 section 3's era rule: values with the most
 * significant bit set lie in 1968..2036 (era 0), values without it in 2036..2104 (era 1). So a 32-bit
 * Expires stays meaningful across the 2036 wrap; the cost is that dates before 1968 cannot be expressed
 * (the TS 26.346 7.2.10.4 example Expires="331129600" reads as 2046, which only matters for its expiry).
 */
export function epochMsFromNtpSeconds(ntp: NtpSeconds): number {
  if (!Number.isInteger(ntp) || ntp < 0 || ntp >= ERA_SECONDS) {
    throw new RangeError(`NTP seconds: ${ntp} is not a 32-bit unsigned integer`);
  }
  const unixSeconds =
    ntp >= ERA_0_MSB ? ntp - NTP_UNIX_OFFSET_SECONDS : ntp + ERA_SECONDS - NTP_UNIX_OFFSET_SECONDS;
  return unixSeconds * 1000;
}

export function ntpSecondsFromDate(date: Date): NtpSeconds {
  return ntpSecondsFromEpochMs(date.getTime());
}

export function dateFromNtpSeconds(ntp: NtpSeconds): Date {
  return new Date(epochMsFromNtpSeconds(ntp));
}

/**
 * True when an FDT Instance (or cache entry) with this Expires must no longer be used at `nowMs`:
 * "Expires < now" in whole NTP seconds, so an instance is usable through its Expires second.
 */
export function isExpired(expires: NtpSeconds, nowMs: number): boolean {
  return epochMsFromNtpSeconds(expires) < Math.floor(nowMs / 1000) * 1000;
}
