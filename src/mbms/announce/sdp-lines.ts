/** RFC 4566 line structure for a one-media SDP: types, order, uniqueness; values are read by sdp.ts. */
import type { AnnounceError, AnnounceErrorCode } from './errors.ts';

export interface SdpLine {
  /** 1-based line number. */
  number: number;
  type: string;
  value: string;
  text: string;
}

export interface SdpAttribute {
  name: string;
  /** Text after the first colon ('' for a property attribute). */
  value: string;
  line: SdpLine;
}

export interface SdpLines {
  /** Session-level lines that may appear once, by type. */
  session: Map<string, SdpLine>;
  /** Media-level lines that may appear once, by type. */
  media: Map<string, SdpLine>;
  sessionBandwidths: SdpLine[];
  mediaBandwidths: SdpLine[];
  sessionAttributes: SdpAttribute[];
  mediaAttributes: SdpAttribute[];
}

type Fail = (
  code: AnnounceErrorCode,
  line: SdpLine | number | undefined,
  problem: string,
  seen?: string,
) => AnnounceError;

/** Session description lines in the order RFC 4566 section 5 fixes. */
const SESSION_ORDER = 'vosiuepcbtrzka';
const MEDIA_ORDER = 'micbka';
const SESSION_REPEATABLE = new Set(['e', 'p', 'b', 'a']);
const MEDIA_REPEATABLE = new Set(['b', 'a']);
export const MAX_SDP_CHARS = 65_536;

export function parseSdpLines(text: string, fail: Fail): SdpLines {
  if (text.length > MAX_SDP_CHARS)
    throw fail('too-large', undefined, `longer than ${MAX_SDP_CHARS} characters`);
  const raw = text.split(/\r?\n/);
  if (raw.length > 1 && raw[raw.length - 1] === '') raw.pop();
  const out: SdpLines = {
    session: new Map(),
    media: new Map(),
    sessionBandwidths: [],
    mediaBandwidths: [],
    sessionAttributes: [],
    mediaAttributes: [],
  };
  let inMedia = false;
  let rank = -1;
  raw.forEach((lineText, i) => {
    const number = i + 1;
    const m = /^([a-z])=(.*)$/s.exec(lineText);
    if (!m) throw fail('bad-value', number, 'not an SDP line <type>=<value>', lineText);
    if (/[\0\r]/.test(lineText)) throw fail('bad-value', number, 'control character in the line', lineText);
    const line: SdpLine = { number, type: m[1]!, value: m[2]!, text: lineText };
    if (number === 1 && line.type !== 'v') throw fail('bad-structure', line, 'an SDP starts with v=');
    if (line.type === 'm') {
      if (inMedia)
        throw fail('bad-structure', line, 'a second m= line: 26.346 allows one FLUTE channel (7.3.2.2)');
      inMedia = true;
      rank = -1;
    }
    if (line.type === 'r')
      throw fail('bad-value', line, 'r= repeat times are not supported; use a Schedule Description');
    const order = inMedia ? MEDIA_ORDER : SESSION_ORDER;
    const r = order.indexOf(line.type);
    if (r < 0)
      throw fail(
        'bad-structure',
        line,
        `${line.type}= is not allowed at ${inMedia ? 'media' : 'session'} level`,
      );
    if (r < rank)
      throw fail(
        'bad-structure',
        line,
        `${line.type}= is out of order (RFC 4566: ${order.split('').join(' ')})`,
      );
    rank = r;
    const repeatable = inMedia ? MEDIA_REPEATABLE : SESSION_REPEATABLE;
    const unique = inMedia ? out.media : out.session;
    if (line.type === 'a') {
      const colon = line.value.indexOf(':');
      const name = colon < 0 ? line.value : line.value.slice(0, colon);
      if (!/^[\w.+-]+$/.test(name)) throw fail('bad-value', line, 'a= needs <attribute>[:<value>]');
      (inMedia ? out.mediaAttributes : out.sessionAttributes).push({
        name,
        value: colon < 0 ? '' : line.value.slice(colon + 1),
        line,
      });
    } else if (line.type === 'b') {
      (inMedia ? out.mediaBandwidths : out.sessionBandwidths).push(line);
    } else if (!repeatable.has(line.type)) {
      if (unique.has(line.type)) {
        const why = line.type === 't' ? ' (one time description; a Schedule Description gives more)' : '';
        throw fail('bad-structure', line, `${line.type}= may appear only once${why}`);
      }
      unique.set(line.type, line);
    }
  });
  for (const type of 'vost') {
    if (!out.session.has(type)) throw fail('missing', undefined, `no ${type}= line`);
  }
  if (!out.media.has('m')) throw fail('missing', undefined, 'no m= line (the FLUTE channel)');
  return out;
}
