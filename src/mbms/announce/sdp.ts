/**
 * The Session Description of a FLUTE download session: SDP (RFC 4566) with the TS 26.346 7.3 attributes
 * (`a=flute-tsi`, `a=source-filter` per RFC 4570 with the 7.3.2.1 restrictions, `a=mbms-mode`,
 * `a=FEC-declaration`, `a=FEC-redundancy-level`, `a=FEC`, `a=alternative-tmgi`) and `b=AS`.
 */
import type { EpochMs } from '../../clock/index.ts';
import { AnnounceError, type AnnounceErrorCode } from './errors.ts';
import { type AddressFamily, addressFamily, canonicalAddress, isMulticast } from './ip.ts';
import { parseSdpLines, type SdpAttribute, type SdpLine } from './sdp-lines.ts';
import { epochMsFromSdpTime, sdpTimeFromEpochMs } from './time.ts';
import { isTmgiHex, tmgiFromDecimal, tmgiToDecimal } from './tmgi.ts';
import type { AssociatedProcedures, DownloadSession, SessionFec } from './types.ts';

export interface SdpOptions {
  /** `o=` username (default `-`, none). */
  username?: string;
  /** `o=` sess-id (default: the NTP start time, as RFC 4566 suggests). */
  sessionId?: string;
  /** `o=` sess-version (default 1); raise it when the session description changes. */
  sessionVersion?: string;
  /** `s=` (default: the service ID). */
  sessionName?: string;
  /** `a=mbms-mode:broadcast` counting information (default 0, not counting). */
  counting?: 0 | 1;
  /**
   * Also write `a=flute-ch:1` (the FLUTE SDP channel count). Off by default: 26.346 7.3.2.2 allows one
   * channel and so needs no count, and none of its examples has one.
   */
  fluteChannelAttribute?: boolean;
}

export interface SdpFecDeclaration extends SessionFec {
  ref: number;
  level: 'session' | 'media';
}

/** A parsed FLUTE download session description. */
export interface FluteSessionDescription {
  origin: {
    username: string;
    sessionId: string;
    sessionVersion: string;
    addressType: AddressFamily;
    address: string;
  };
  sessionName: string;
  /** Undefined when `t=` says 0 (unbounded); a Schedule Description overrides both anyway. */
  start?: EpochMs;
  stop?: EpochMs;
  addressType: AddressFamily;
  sourceAddress: string;
  group: string;
  ttl?: number;
  port: number;
  tsi: number;
  media: string;
  tmgi?: string;
  bearerMode?: 'broadcast' | 'broadcast-mbsfn';
  counting?: number;
  alternativeTmgis: string[];
  /** The declaration the media line references with `a=FEC` (media level wins over session level). */
  fec?: SessionFec;
  fecDeclarations: SdpFecDeclaration[];
  bandwidthKbps?: number;
  /** Deviations tolerated because 26.346's own examples contain them (e.g. `b=64` without `AS:`). */
  warnings: string[];
}

const MAX_TSI = 2 ** 48 - 1;

function fail(
  code: AnnounceErrorCode,
  operation: string,
  where: string | undefined,
  problem: string,
  seen?: string,
) {
  return new AnnounceError({ code, resource: 'SDP', operation, where, problem, seen });
}

/** The SDP of a download session, lines ending in CRLF. Throws AnnounceError for an invalid session. */
export function generateSdp(session: DownloadSession, options: SdpOptions = {}): string {
  const bad = (problem: string, seen?: string) => fail('bad-value', 'generate', undefined, problem, seen);
  const family = addressFamily(session.group);
  if (family === undefined) throw bad('group is not an IP address', session.group);
  if (addressFamily(session.sourceAddress) !== family) {
    throw bad(`sourceAddress must be an ${family} address like the group`, session.sourceAddress);
  }
  if (!Number.isInteger(session.port) || session.port < 1 || session.port > 65535) {
    throw bad('port must be 1..65535', String(session.port));
  }
  if (!Number.isInteger(session.tsi) || session.tsi < 0 || session.tsi > MAX_TSI) {
    throw bad('tsi must be an integer 0..2^48-1', String(session.tsi));
  }
  if (!isTmgiHex(session.tmgi)) throw bad('tmgi must be 12 hex digits', session.tmgi);
  const start = sdpTimeFromEpochMs(session.start);
  const stop = sdpTimeFromEpochMs(session.stop);
  if (start === undefined || stop === undefined) throw bad('start and stop must be whole seconds after 1900');
  if (stop <= start) throw bad('stop must be after start');
  const ttl = session.ttl ?? 1;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 255) throw bad('ttl must be 0..255', String(ttl));
  const token = (name: string, value: string) => {
    if (!/^[\x21-\x7e]+$/.test(value)) throw bad(`${name} must be visible ASCII without spaces`, value);
    return value;
  };
  const name = options.sessionName ?? session.serviceId;
  if (name === '' || /[\r\n\0]/.test(name)) throw bad('session name must be one non-empty line', name);

  const lines = [
    'v=0',
    `o=${token('username', options.username ?? '-')} ${token('sessionId', options.sessionId ?? String(start))} ${token(
      'sessionVersion',
      options.sessionVersion ?? '1',
    )} IN ${family} ${session.sourceAddress}`,
    `s=${name}`,
    `t=${start} ${stop}`,
    `a=mbms-mode:broadcast ${tmgiToDecimal(session.tmgi)} ${options.counting ?? 0}`,
  ];
  const fec = session.fec;
  if (fec !== undefined) {
    const { encodingId, instanceId, redundancyPercent } = fec;
    if (!Number.isInteger(encodingId) || encodingId < 0 || encodingId > 255) {
      throw bad('fec.encodingId must be 0..255', String(encodingId));
    }
    if (instanceId !== undefined && (!Number.isInteger(instanceId) || instanceId < 0 || instanceId > 65535)) {
      throw bad('fec.instanceId must be 0..65535', String(instanceId));
    }
    lines.push(
      `a=FEC-declaration:0 encoding-id=${encodingId}${instanceId === undefined ? '' : `; instance-id=${instanceId}`}`,
    );
    if (redundancyPercent !== undefined) {
      if (!Number.isInteger(redundancyPercent) || redundancyPercent < 0 || redundancyPercent > 999) {
        throw bad('fec.redundancyPercent must be an integer 0..999 (1*3DIGIT)', String(redundancyPercent));
      }
      lines.push(`a=FEC-redundancy-level:0 redundancy-level=${redundancyPercent}`);
    }
  }
  // 7.3.2.1: exactly one source, inclusive mode, `*` as the destination, at session level.
  lines.push(`a=source-filter: incl IN ${family} * ${session.sourceAddress}`, `a=flute-tsi:${session.tsi}`);
  if (options.fluteChannelAttribute === true) lines.push('a=flute-ch:1');
  lines.push(`m=application ${session.port} FLUTE/UDP 0`);
  // RFC 4566: an IPv4 multicast address needs a TTL; a unicast one must not have one.
  const ttlSuffix = family === 'IP4' && isMulticast(session.group) ? `/${ttl}` : '';
  lines.push(`c=IN ${family} ${session.group}${ttlSuffix}`);
  if (session.bearerRateBps !== undefined) {
    if (!Number.isFinite(session.bearerRateBps) || session.bearerRateBps <= 0) {
      throw bad('bearerRateBps must be positive', String(session.bearerRateBps));
    }
    lines.push(`b=AS:${Math.ceil(session.bearerRateBps / 1000)}`);
  }
  if (fec !== undefined) lines.push('a=FEC:0');
  return lines.map((l) => `${l}\r\n`).join('');
}

/** Parses a FLUTE download SDP strictly; every error names the line. Throws AnnounceError. */
export function parseSdp(text: string, resource = 'SDP'): FluteSessionDescription {
  const err = (code: AnnounceErrorCode, line: SdpLine | number | undefined, problem: string, seen?: string) =>
    new AnnounceError({
      code,
      resource,
      operation: 'parse',
      where: line === undefined ? undefined : `line ${typeof line === 'number' ? line : line.number}`,
      problem,
      seen: seen ?? (typeof line === 'object' ? line.text : undefined),
    });
  const doc = parseSdpLines(text, err);
  const warnings: string[] = [];
  const { session, media } = doc;

  const v = session.get('v')!;
  if (v.value !== '0') throw err('bad-value', v, 'v= must be 0');

  const o = session.get('o')!;
  const of = o.value.split(' ');
  if (of.length !== 6 || of.some((f) => f === '') || of[3] !== 'IN') {
    throw err('bad-value', o, 'o= needs <username> <sess-id> <sess-version> IN <addrtype> <address>');
  }
  const originType = of[4];
  if (originType !== 'IP4' && originType !== 'IP6')
    throw err('bad-value', o, 'o= address type must be IP4 or IP6');

  const s = session.get('s')!;
  if (s.value === '') throw err('bad-value', s, 's= must not be empty');

  const t = session.get('t')!;
  const tm = /^(\d+) (\d+)$/.exec(t.value);
  if (!tm) throw err('bad-value', t, 't= needs <start> <stop> in decimal NTP seconds');
  const [ntpStart, ntpStop] = [Number(tm[1]), Number(tm[2])];
  if (ntpStop !== 0 && ntpStop < ntpStart) throw err('bad-value', t, 't= stop is before start');

  const m = media.get('m')!;
  const mm = /^([a-z]+) (\d+) (\S+) (.+)$/.exec(m.value);
  if (!mm) throw err('bad-value', m, 'm= needs <media> <port> <proto> <fmt>');
  const port = Number(mm[2]);
  if (port < 1 || port > 65535) throw err('bad-value', m, 'm= port must be 1..65535');
  if (mm[3] !== 'FLUTE/UDP') throw err('bad-value', m, 'm= protocol must be FLUTE/UDP (7.3.2.13)');
  if (mm[4] !== '0') throw err('bad-value', m, 'm= format list must be 0 (7.3.2.14)');

  const c = media.get('c') ?? session.get('c');
  if (c === undefined) throw err('missing', m, 'no c= line at session or media level');
  const connection = parseConnection(c, err);

  const sa = (name: string) => doc.sessionAttributes.filter((a) => a.name === name);
  const ma = (name: string) => doc.mediaAttributes.filter((a) => a.name === name);
  const only = (name: string, found: SdpAttribute[], required: boolean): SdpAttribute | undefined => {
    if (found.length > 1) throw err('bad-structure', found[1]!.line, `a=${name} may appear only once`);
    if (required && found.length === 0) throw err('missing', undefined, `no a=${name} line at session level`);
    return found[0];
  };
  for (const name of ['flute-tsi', 'source-filter']) {
    const atMedia = ma(name)[0];
    if (atMedia) throw err('bad-structure', atMedia.line, `a=${name} belongs at session level (7.3.2)`);
  }

  const tsiAttr = only('flute-tsi', sa('flute-tsi'), true)!;
  if (!/^\d{1,15}$/.test(tsiAttr.value)) throw err('bad-value', tsiAttr.line, 'a=flute-tsi needs 1*15DIGIT');
  const tsi = Number(tsiAttr.value);
  if (tsi > MAX_TSI) throw err('bad-value', tsiAttr.line, 'a=flute-tsi exceeds the 48-bit LCT TSI');

  const sf = only('source-filter', sa('source-filter'), true)!;
  const sfm = /^ ?(\S+) IN (IP4|IP6) (\S+) (.+)$/.exec(sf.value);
  if (!sfm) throw err('bad-value', sf.line, 'a=source-filter needs <mode> IN <addrtype> <dest> <source>');
  if (sfm[1] !== 'incl') throw err('bad-value', sf.line, 'a=source-filter must use incl mode (7.3.2.1)');
  if (sfm[2] !== connection.family) {
    throw err('bad-value', sf.line, `a=source-filter address type must match c= (${connection.family})`);
  }
  const dest = sfm[3]!;
  if (dest !== '*') {
    if (canonicalAddress(dest) !== canonicalAddress(connection.address)) {
      throw err('bad-value', sf.line, 'a=source-filter destination must be * or the c= address');
    }
    warnings.push(`line ${sf.line.number}: a=source-filter names the destination; 7.3.2.1 asks for *`);
  }
  const sources = sfm[4]!.split(' ');
  if (sources.length !== 1)
    throw err('bad-value', sf.line, 'a=source-filter must list exactly one source (7.3.2.1)');
  const sourceAddress = sources[0]!;
  if (addressFamily(sourceAddress) !== connection.family) {
    throw err('bad-value', sf.line, `a=source-filter source is not an ${connection.family} address`);
  }

  const result: FluteSessionDescription = {
    origin: {
      username: of[0]!,
      sessionId: of[1]!,
      sessionVersion: of[2]!,
      addressType: originType,
      address: of[5]!,
    },
    sessionName: s.value,
    addressType: connection.family,
    sourceAddress,
    group: connection.address,
    port,
    tsi,
    media: mm[1]!,
    alternativeTmgis: [],
    fecDeclarations: [],
    warnings,
  };
  if (ntpStart !== 0) result.start = epochMsFromSdpTime(ntpStart);
  if (ntpStop !== 0) result.stop = epochMsFromSdpTime(ntpStop);
  if (connection.ttl !== undefined) result.ttl = connection.ttl;

  const mode = only('mbms-mode', [...sa('mbms-mode'), ...ma('mbms-mode')], false);
  if (mode) {
    const mo = /^(?:broadcast (\d{1,15}) (\d+)|broadcast-mbsfn (\d{1,15}))$/.exec(mode.value);
    const tmgi = mo ? tmgiFromDecimal(mo[1] ?? mo[3]!) : undefined;
    if (!mo || tmgi === undefined) {
      throw err(
        'bad-value',
        mode.line,
        'a=mbms-mode needs "broadcast <tmgi> <counting>" or "broadcast-mbsfn <tmgi>"',
      );
    }
    result.tmgi = tmgi;
    result.bearerMode = mo[1] !== undefined ? 'broadcast' : 'broadcast-mbsfn';
    if (mo[2] !== undefined) result.counting = Number(mo[2]);
  }
  const alt = only('alternative-tmgi', sa('alternative-tmgi'), false);
  if (alt) {
    for (const item of alt.value.split(',')) {
      const tmgi = tmgiFromDecimal(item);
      if (tmgi === undefined) throw err('bad-value', alt.line, 'a=alternative-tmgi needs tmgi *("," tmgi)');
      result.alternativeTmgis.push(tmgi);
    }
  }
  const ch = only('flute-ch', [...sa('flute-ch'), ...ma('flute-ch')], false);
  if (ch && ch.value !== '1')
    throw err('bad-value', ch.line, 'a=flute-ch must be 1: one FLUTE channel (7.3.2.2)');

  readFec(doc.sessionAttributes, 'session', result, err);
  readFec(doc.mediaAttributes, 'media', result, err);
  const fecRef = only('FEC', ma('FEC'), false);
  const atSession = sa('FEC')[0];
  if (atSession) throw err('bad-structure', atSession.line, 'a=FEC is a media-level attribute (7.3.2.8)');
  if (fecRef) {
    if (!/^\d{1,3}$/.test(fecRef.value))
      throw err('bad-value', fecRef.line, 'a=FEC needs a fec-ref of 1*3DIGIT');
    const ref = Number(fecRef.value);
    const decl =
      result.fecDeclarations.find((d) => d.ref === ref && d.level === 'media') ??
      result.fecDeclarations.find((d) => d.ref === ref && d.level === 'session');
    if (!decl) throw err('bad-value', fecRef.line, `a=FEC:${ref} references no a=FEC-declaration`);
    const { ref: _ref, level: _level, ...fec } = decl;
    result.fec = fec;
  }

  // 7.3.2.10 puts AS at media level; other modifiers (TIAS, RS, RR) are not ours to read.
  const bandwidths = doc.mediaBandwidths.length > 0 ? doc.mediaBandwidths : doc.sessionBandwidths;
  const as = bandwidths.filter((b) => /^(?:AS:)?\d*$/.test(b.value) || !b.value.includes(':'));
  if (as.length > 1) throw err('bad-structure', as[1], 'more than one AS bandwidth at one level');
  const b = as[0];
  if (b) {
    const bm = /^(?:AS:)?(\d{1,12})$/.exec(b.value);
    if (!bm) throw err('bad-value', b, 'b= needs AS:<kbit/s>');
    if (!b.value.startsWith('AS:')) {
      warnings.push(
        `line ${b.number}: b= without a modifier, read as AS (the 26.346 7.3.3 examples write it so)`,
      );
    }
    result.bandwidthKbps = Number(bm[1]);
  }
  return result;
}

function parseConnection(
  c: SdpLine,
  err: (code: AnnounceErrorCode, line: SdpLine, problem: string) => AnnounceError,
): { family: AddressFamily; address: string; ttl?: number } {
  const cm = /^IN (IP4|IP6) ([^/\s]+)(?:\/(\d+))?(?:\/(\d+))?$/.exec(c.value);
  if (!cm) throw err('bad-value', c, 'c= needs IN <addrtype> <address>[/<ttl>][/<count>]');
  const family = cm[1] as AddressFamily;
  const address = cm[2]!;
  if (addressFamily(address) !== family) throw err('bad-value', c, `c= address is not an ${family} address`);
  const multicast = isMulticast(address);
  if (family === 'IP4') {
    if (multicast && cm[3] === undefined) throw err('bad-value', c, 'c= IPv4 multicast address needs /<ttl>');
    if (!multicast && cm[3] !== undefined) throw err('bad-value', c, 'c= unicast address takes no /<ttl>');
    if (cm[3] !== undefined && Number(cm[3]) > 255) throw err('bad-value', c, 'c= TTL must be 0..255');
    if (cm[4] !== undefined && cm[4] !== '1')
      throw err('bad-value', c, 'c= address count must be 1 (one channel)');
    return cm[3] === undefined ? { family, address } : { family, address, ttl: Number(cm[3]) };
  }
  // IPv6 has no TTL: the one number is the address count, which must be 1 for a single channel.
  if (cm[4] !== undefined || (cm[3] !== undefined && cm[3] !== '1')) {
    throw err('bad-value', c, 'c= IPv6 address count must be 1 (one channel)');
  }
  return { family, address };
}

function readFec(
  attributes: SdpAttribute[],
  level: 'session' | 'media',
  result: FluteSessionDescription,
  err: (code: AnnounceErrorCode, line: SdpLine, problem: string) => AnnounceError,
): void {
  for (const a of attributes.filter((x) => x.name === 'FEC-declaration')) {
    const dm = /^(\d{1,3}) encoding-id=(\d+)(?:; ?instance-id=(\d+))?$/.exec(a.value);
    if (!dm)
      throw err(
        'bad-value',
        a.line,
        'a=FEC-declaration needs <fec-ref> encoding-id=<id>[; instance-id=<id>]',
      );
    const ref = Number(dm[1]);
    if (result.fecDeclarations.some((d) => d.ref === ref && d.level === level)) {
      throw err('bad-structure', a.line, `a=FEC-declaration ${ref} declared twice at ${level} level`);
    }
    const decl: SdpFecDeclaration = { ref, level, encodingId: Number(dm[2]) };
    if (dm[3] !== undefined) decl.instanceId = Number(dm[3]);
    result.fecDeclarations.push(decl);
  }
  for (const a of attributes.filter((x) => x.name === 'FEC-redundancy-level')) {
    // The ABNF says "redundancy level=", the examples "redundancy-level="; both are read.
    const rm = /^(\d{1,3}) redundancy[- ]level=(\d{1,3})$/.exec(a.value);
    if (!rm)
      throw err('bad-value', a.line, 'a=FEC-redundancy-level needs <fec-ref> redundancy-level=<percent>');
    const decl = result.fecDeclarations.find((d) => d.ref === Number(rm[1]) && d.level === level);
    if (!decl)
      throw err('bad-value', a.line, `a=FEC-redundancy-level references no ${level}-level a=FEC-declaration`);
    decl.redundancyPercent = Number(rm[2]);
  }
}

/**
 * A DownloadSession from a parsed SDP plus what the SDP does not carry (service ID, procedures).
 * Throws AnnounceError when the SDP lacks a TMGI or bounded times.
 */
export function sessionFromSdp(
  sdp: FluteSessionDescription,
  rest: { serviceId: string; procedures?: AssociatedProcedures },
): DownloadSession {
  const missing = (problem: string) =>
    new AnnounceError({ code: 'missing', resource: 'SDP', operation: 'read session', problem });
  if (sdp.tmgi === undefined) throw missing('no a=mbms-mode, so no TMGI');
  if (sdp.start === undefined || sdp.stop === undefined) throw missing('t= is unbounded (0)');
  const session: DownloadSession = {
    tmgi: sdp.tmgi,
    serviceId: rest.serviceId,
    group: sdp.group,
    port: sdp.port,
    sourceAddress: sdp.sourceAddress,
    tsi: sdp.tsi,
    start: sdp.start,
    stop: sdp.stop,
  };
  if (sdp.ttl !== undefined) session.ttl = sdp.ttl;
  if (sdp.fec !== undefined) session.fec = sdp.fec;
  if (sdp.bandwidthKbps !== undefined) session.bearerRateBps = sdp.bandwidthKbps * 1000;
  if (rest.procedures !== undefined) session.procedures = rest.procedures;
  return session;
}
