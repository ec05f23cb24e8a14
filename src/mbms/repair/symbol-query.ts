/**
 * The symbol-based file repair query of TS 26.346 §9.3.6.1, parsed and built to its ABNF:
 *
 *   query       = std_query / alt_query
 *   std_query   = "fileURI=" URI-reference ["&Content-MD5=" b64] *("&SBN=" sbn_range)
 *   sbn_range   = sbnA ["-" sbnZ] / sbnA [";ESI=" esi_info]
 *   esi_info    = esi_range *("," esi_range) / esiA "+" number_symbols
 *   alt_query   = "serviceId=" id "&" ("fdtInstanceId=" n / "fdtGroupId=" g)
 *
 * '+' is literal here (base64 in Content-MD5, the "esiA+n" form), so the form-encoding rules of
 * URLSearchParams would corrupt it: the query is split and percent-decoded by hand.
 */
import type { Result } from './symbol-container.ts';

export interface EsiRange {
  from: number;
  to: number;
}

/** One `SBN=` element of a std_query. */
export type SbnSelection =
  /** `SBN=a` or `SBN=a-z`: every source symbol of the blocks. */
  | { kind: 'blocks'; from: number; to: number }
  /** `SBN=a;ESI=x-y,z`: the listed ESIs. */
  | { kind: 'esis'; sbn: number; ranges: EsiRange[] }
  /** `SBN=a;ESI=x+n`: n symbols from ESI x on (they may be repair symbols). */
  | { kind: 'count'; sbn: number; from: number; count: number };

export type RepairQuery =
  | { kind: 'file'; fileURI: string; contentMd5?: string; selections: SbnSelection[] }
  | { kind: 'fdt-instance'; serviceId: string; fdtInstanceId: number }
  | { kind: 'fdt-group'; serviceId: string; fdtGroupId: string };

export class RepairQueryError extends Error {
  override name = 'RepairQueryError';
  constructor(
    /** 'unknown-argument' maps to 501 Not Implemented (§9.3.7.1), 'malformed' to 400. */
    readonly kind: 'malformed' | 'unknown-argument',
    message: string,
  ) {
    super(message);
  }
}

const KNOWN = new Set(['fileURI', 'Content-MD5', 'SBN', 'serviceId', 'fdtInstanceId', 'fdtGroupId']);
// 1*DIGIT, kept to a size that stays exact in a double.
const NUMBER = /^[0-9]{1,15}$/;
const BASE64 = /^[A-Za-z0-9+/=]+$/;

/** Parses the query part of a repair request URL (without the '?'). */
export function parseRepairQuery(query: string): Result<RepairQuery, RepairQueryError> {
  const malformed = (message: string) => ({
    ok: false as const,
    error: new RepairQueryError('malformed', `repair query: ${message}`),
  });
  const args: { name: string; value: string }[] = [];
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return malformed(`"${clip(part)}" is not name=value`);
    const name = part.slice(0, eq);
    if (!KNOWN.has(name)) {
      return {
        ok: false,
        error: new RepairQueryError('unknown-argument', `repair query: unknown argument "${clip(name)}"`),
      };
    }
    args.push({ name, value: part.slice(eq + 1) });
  }
  const first = args[0];
  if (!first) return malformed('empty');
  if (first.name === 'serviceId') return parseAltQuery(args, malformed);
  if (first.name !== 'fileURI')
    return malformed(`must start with fileURI= or serviceId=, not ${first.name}=`);
  const fileURI = percentDecode(first.value);
  if (fileURI === undefined || fileURI.length === 0)
    return malformed('fileURI is empty or badly percent-encoded');
  let i = 1;
  let contentMd5: string | undefined;
  if (args[i]?.name === 'Content-MD5') {
    contentMd5 = percentDecode(args[i]!.value);
    if (contentMd5 === undefined || !BASE64.test(contentMd5)) return malformed('Content-MD5 is not base64');
    i++;
  }
  const selections: SbnSelection[] = [];
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.name !== 'SBN') return malformed(`${arg.name}= out of place`);
    const selection = parseSbn(arg.value);
    if (typeof selection === 'string') return malformed(`SBN=${clip(arg.value)}: ${selection}`);
    selections.push(selection);
  }
  return { ok: true, value: { kind: 'file', fileURI, contentMd5, selections } };
}

function parseAltQuery(
  args: { name: string; value: string }[],
  malformed: (m: string) => { ok: false; error: RepairQueryError },
): Result<RepairQuery, RepairQueryError> {
  const serviceId = percentDecode(args[0]!.value);
  if (!serviceId) return malformed('serviceId is empty or badly percent-encoded');
  const second = args[1];
  if (!second || args.length > 2)
    return malformed('serviceId= needs exactly one of fdtInstanceId= / fdtGroupId=');
  if (second.name === 'fdtInstanceId') {
    if (!NUMBER.test(second.value)) return malformed(`fdtInstanceId=${clip(second.value)} is not a number`);
    return { ok: true, value: { kind: 'fdt-instance', serviceId, fdtInstanceId: Number(second.value) } };
  }
  if (second.name === 'fdtGroupId') {
    const fdtGroupId = percentDecode(second.value);
    if (!fdtGroupId) return malformed('fdtGroupId is empty or badly percent-encoded');
    return { ok: true, value: { kind: 'fdt-group', serviceId, fdtGroupId } };
  }
  return malformed(`${second.name}= cannot follow serviceId=`);
}

function parseSbn(value: string): SbnSelection | string {
  const semi = value.indexOf(';');
  if (semi < 0) {
    const [a, z, extra] = value.split('-');
    if (extra !== undefined || !isNumber(a) || (z !== undefined && !isNumber(z))) return 'bad SBN range';
    const from = Number(a);
    const to = z === undefined ? from : Number(z);
    if (to < from) return 'SBN range ends before it starts';
    return { kind: 'blocks', from, to };
  }
  const sbnText = value.slice(0, semi);
  const esiInfo = value.slice(semi + 1);
  if (!isNumber(sbnText)) return 'bad SBN';
  if (!esiInfo.startsWith('ESI=')) return 'expected ;ESI=';
  const sbn = Number(sbnText);
  const body = esiInfo.slice(4);
  const plus = body.indexOf('+');
  if (plus >= 0) {
    const a = body.slice(0, plus);
    const n = body.slice(plus + 1);
    if (!isNumber(a) || !isNumber(n)) return 'bad ESI+count';
    const count = Number(n);
    if (count === 0) return 'ESI+0 asks for nothing';
    return { kind: 'count', sbn, from: Number(a), count };
  }
  const ranges: EsiRange[] = [];
  for (const item of body.split(',')) {
    const [a, z, extra] = item.split('-');
    if (extra !== undefined || !isNumber(a) || (z !== undefined && !isNumber(z)))
      return `bad ESI "${clip(item)}"`;
    const from = Number(a);
    const to = z === undefined ? from : Number(z);
    if (to < from) return 'ESI range ends before it starts';
    ranges.push({ from, to });
  }
  return { kind: 'esis', sbn, ranges };
}

function isNumber(s: string | undefined): s is string {
  return s !== undefined && NUMBER.test(s);
}

function percentDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** Percent-encodes what would end or confuse a query value ('&', '#', '%', spaces, non-ASCII); keeps '+', '/', ':'. */
export function encodeQueryValue(s: string): string {
  return s.replace(/[^A-Za-z0-9\-._~!$'()*+,;=:@/?]/g, (c) => encodeURIComponent(c));
}

/** Sorted, de-duplicated ESIs folded into ranges: [4,5,6,7,20] → 4-7, 20-20. */
export function toRanges(esis: readonly number[]): EsiRange[] {
  const sorted = [...new Set(esis)].sort((a, b) => a - b);
  const out: EsiRange[] = [];
  for (const e of sorted) {
    const last = out[out.length - 1];
    if (last && e === last.to + 1) last.to = e;
    else out.push({ from: e, to: e });
  }
  return out;
}

function rangeText(r: EsiRange): string {
  return r.from === r.to ? String(r.from) : `${r.from}-${r.to}`;
}

export interface MissingSymbols {
  sbn: number;
  esis: readonly number[];
}

export interface SymbolRequestSpec {
  fileURI: string;
  contentMd5?: string;
  /** Source symbols missing per block (a FecDecoder's missing() fits). */
  missing: readonly MissingSymbols[];
}

/**
 * The repair request URLs for the missing symbols: as few as fit maxUrlLength (§9.3.6.1 says a client
 * limited to e.g. 256 bytes spreads the (SBN, ESI) data over several GETs). A single ESI range that
 * alone overflows the limit still goes out, one to a URL.
 */
export function buildSymbolRepairUrls(
  serviceUri: string,
  spec: SymbolRequestSpec,
  maxUrlLength = 256,
): string[] {
  let base = `${serviceUri}?fileURI=${encodeQueryValue(spec.fileURI)}`;
  if (spec.contentMd5) base += `&Content-MD5=${spec.contentMd5}`;
  const elements: string[] = [];
  for (const block of spec.missing) {
    if (block.esis.length === 0) continue;
    // Split one block's ranges over several SBN= elements when they alone would not fit.
    let current: string[] = [];
    for (const range of toRanges(block.esis)) {
      const candidate = `&SBN=${block.sbn};ESI=${[...current, rangeText(range)].join(',')}`;
      if (current.length > 0 && base.length + candidate.length > maxUrlLength) {
        elements.push(`&SBN=${block.sbn};ESI=${current.join(',')}`);
        current = [];
      }
      current.push(rangeText(range));
    }
    if (current.length > 0) elements.push(`&SBN=${block.sbn};ESI=${current.join(',')}`);
  }
  if (elements.length === 0) return [base];
  const urls: string[] = [];
  let url = base;
  for (const element of elements) {
    if (url !== base && url.length + element.length > maxUrlLength) {
      urls.push(url);
      url = base;
    }
    url += element;
  }
  urls.push(url);
  return urls;
}
