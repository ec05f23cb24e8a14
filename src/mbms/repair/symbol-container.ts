/**
 * application/simpleSymbolContainer (TS 26.346 §9.3.7.2, figure 18): repeated groups of
 * [Length Indicator, 2 bytes, network order: symbols in the group | FEC Payload ID of the first symbol |
 * the symbols, consecutive ESIs]. Symbol lengths are not carried: both ends derive them from the FEC
 * OTI, so the parser needs the file's SymbolLayout.
 */
import type { SymbolLayout } from './symbol-layout.ts';

export const SYMBOL_CONTAINER_MIME = 'application/simpleSymbolContainer';

export interface RepairSymbol {
  sbn: number;
  esi: number;
  data: Uint8Array;
}

export type SymbolContainerErrorKind =
  | 'truncated'
  | 'empty-group'
  | 'out-of-range'
  | 'duplicate'
  | 'unrequested'
  | 'wrong-length';

export class SymbolContainerError extends Error {
  override name = 'SymbolContainerError';
  constructor(
    readonly kind: SymbolContainerErrorKind,
    /** Byte offset in the container where the problem was seen. */
    readonly offset: number,
    message: string,
  ) {
    super(`simpleSymbolContainer at byte ${offset}: ${message}`);
  }
}

export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

const MAX_GROUP = 0xffff;

/**
 * Builds a container from symbols, grouping runs of consecutive ESIs in one block (in the order given).
 * Each symbol's length is checked against the layout: a wrong one would make the container unparseable.
 */
export function encodeSymbolContainer(symbols: readonly RepairSymbol[], layout: SymbolLayout): Uint8Array {
  const parts: Uint8Array[] = [];
  let i = 0;
  while (i < symbols.length) {
    const first = symbols[i]!;
    let count = 1;
    while (
      i + count < symbols.length &&
      count < MAX_GROUP &&
      symbols[i + count]!.sbn === first.sbn &&
      symbols[i + count]!.esi === first.esi + count
    ) {
      count++;
    }
    const header = new Uint8Array(2 + layout.payloadIdLength);
    new DataView(header.buffer).setUint16(0, count);
    header.set(layout.encodePayloadId(first), 2);
    parts.push(header);
    for (let j = i; j < i + count; j++) {
      const s = symbols[j]!;
      const expected = layout.symbolBytes(s.sbn, s.esi);
      if (expected === undefined || s.data.length !== expected) {
        throw new SymbolContainerError(
          'wrong-length',
          -1,
          `symbol SBN ${s.sbn} ESI ${s.esi} is ${s.data.length} bytes, the FEC OTI says ${expected ?? 'no such symbol'}`,
        );
      }
      parts.push(s.data);
    }
    i += count;
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface DecodeContainerOptions {
  /** When given, every symbol must be one of these `${sbn}:${esi}` keys (a reply holds only what was asked). */
  requested?: ReadonlySet<string>;
}

export function symbolKey(sbn: number, esi: number): string {
  return `${sbn}:${esi}`;
}

/** Parses a container strictly: any byte string gives either the symbols or a typed error. */
export function decodeSymbolContainer(
  bytes: Uint8Array,
  layout: SymbolLayout,
  options: DecodeContainerOptions = {},
): Result<RepairSymbol[], SymbolContainerError> {
  const out: RepairSymbol[] = [];
  const seen = new Set<string>();
  const fail = (kind: SymbolContainerErrorKind, offset: number, message: string) => ({
    ok: false as const,
    error: new SymbolContainerError(kind, offset, message),
  });
  let at = 0;
  while (at < bytes.length) {
    const groupStart = at;
    if (bytes.length - at < 2 + layout.payloadIdLength) {
      return fail(
        'truncated',
        at,
        `${bytes.length - at} bytes left, a group header needs ${2 + layout.payloadIdLength}`,
      );
    }
    const count = (bytes[at]! << 8) | bytes[at + 1]!;
    if (count === 0) return fail('empty-group', at, 'length indicator 0');
    const { sbn, esi } = layout.decodePayloadId(bytes, at + 2);
    at += 2 + layout.payloadIdLength;
    for (let j = 0; j < count; j++) {
      const e = esi + j;
      const length = layout.symbolBytes(sbn, e);
      if (length === undefined) {
        return fail('out-of-range', groupStart, `SBN ${sbn} ESI ${e} is not a symbol of this object`);
      }
      const key = symbolKey(sbn, e);
      if (seen.has(key)) return fail('duplicate', groupStart, `SBN ${sbn} ESI ${e} appears twice`);
      if (options.requested && !options.requested.has(key)) {
        return fail('unrequested', groupStart, `SBN ${sbn} ESI ${e} was not requested`);
      }
      if (bytes.length - at < length) {
        return fail('truncated', at, `SBN ${sbn} ESI ${e} needs ${length} bytes, ${bytes.length - at} left`);
      }
      seen.add(key);
      out.push({ sbn, esi: e, data: bytes.slice(at, at + length) });
      at += length;
    }
  }
  return { ok: true, value: out };
}
