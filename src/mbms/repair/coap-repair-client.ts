/**
 * The device side of CoAP file repair (TR 26.850 §7.3): byte ranges by Uri-Query or by the Range
 * option, blocks of the file by Block2 (options 3 and 4), and symbol queries answered with a container.
 */
import type { ByteRange } from './byte-range.ts';
import type { CoapClient, CoapResponse } from './coap-client.ts';
import { blockSize, type CoapOption, CoapOptionNumber } from './coap-message.ts';
import { parseRepairErrorBody } from './repair-errors.ts';
import { decodeSymbolContainer, type RepairSymbol, symbolKey } from './symbol-container.ts';
import { type RepairOti, SymbolLayout } from './symbol-layout.ts';
import { buildSymbolRepairUrls, type MissingSymbols } from './symbol-query.ts';

export class CoapRepairError extends Error {
  override name = 'CoapRepairError';
  constructor(
    readonly kind: 'precondition-failed' | 'not-found' | 'bad-request' | 'bad-reply',
    message: string,
    /** The 4-digit code of a symbol-repair error body. */
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface CoapFileRef {
  /** Uri-Path segments: the file's own path, or the repair script's. */
  path: readonly string[];
  /** File-ETag, sent as the ETag option as in the TR's example (the server answers 4.12 on another version). */
  fileEtag?: string;
}

/** TR 26.850 option 1 ("bytefrom=…;byteto=…" in Uri-Query) or option 2 (Range option, number 21). */
export async function coapByteRange(
  client: CoapClient,
  file: CoapFileRef,
  range: ByteRange,
  form: 'uri-query' | 'range-option' = 'uri-query',
): Promise<Uint8Array> {
  const enc = new TextEncoder();
  const options: CoapOption[] = etagOption(file);
  const query: string[] = [];
  if (form === 'uri-query') query.push(`bytefrom=${range.first};byteto=${range.last}`);
  else
    options.push({ number: CoapOptionNumber.Range, value: enc.encode(`bytes=${range.first}-${range.last}`) });
  const res = await client.request({ method: 'GET', path: file.path, query, options });
  check(client, res, `bytes ${range.first}-${range.last}`);
  if (res.payload.length !== range.last - range.first + 1) {
    throw new CoapRepairError(
      'bad-reply',
      `${client.endpoint}: bytes ${range.first}-${range.last} came back as ${res.payload.length} bytes`,
    );
  }
  return res.payload;
}

/** Blocks of the file by number (TR 26.850 options 3/4), each fetched alone (Block2 NUM/0/SZX). */
export async function coapFetchBlocks(
  client: CoapClient,
  file: CoapFileRef,
  blocks: readonly number[],
  szx = 6,
): Promise<Map<number, Uint8Array>> {
  const options = etagOption(file);
  const out = new Map<number, Uint8Array>();
  for (const num of blocks) {
    const res = await client.request({
      method: 'GET',
      path: file.path,
      options,
      block2: { num, szx },
      followBlocks: false,
    });
    check(client, res, `block ${num}`);
    if (res.block2 && res.block2.num * blockSize(res.block2.szx) !== num * blockSize(szx)) {
      throw new CoapRepairError(
        'bad-reply',
        `${client.endpoint}: asked block ${num}, got block ${res.block2.num}`,
      );
    }
    out.set(num, res.payload);
  }
  return out;
}

/** The Block2 numbers (blocks of 2^(szx+4) bytes) holding the bytes of the missing source symbols. */
export function blocksForSymbols(oti: RepairOti, missing: readonly MissingSymbols[], szx = 6): number[] {
  const layout = new SymbolLayout(oti);
  const size = blockSize(szx);
  const blocks = new Set<number>();
  for (const m of missing) {
    for (const esi of m.esis) {
      const span = layout.byteSpan(m.sbn, esi);
      if (!span) throw new CoapRepairError('bad-request', `SBN ${m.sbn} ESI ${esi} is not a source symbol`);
      for (let b = Math.floor(span.start / size); b <= Math.floor((span.end - 1) / size); b++) blocks.add(b);
    }
  }
  return [...blocks].sort((a, b) => a - b);
}

/** The TS 26.346 symbol query carried as Uri-Query options; the reply is a simpleSymbolContainer. */
export async function coapRepairSymbols(
  client: CoapClient,
  repairPath: readonly string[],
  spec: { fileURI: string; contentMd5?: string; oti: RepairOti; missing: readonly MissingSymbols[] },
): Promise<RepairSymbol[]> {
  const layout = new SymbolLayout(spec.oti);
  const out: RepairSymbol[] = [];
  // One Uri-Query option per query argument; 255 bytes each at most, so the URL splitting still applies.
  for (const url of buildSymbolRepairUrls('', spec, 1024)) {
    const query = url.slice(1).split('&');
    const requested = new Set<string>();
    for (const m of spec.missing) for (const e of m.esis) requested.add(symbolKey(m.sbn, e));
    const res = await client.request({ method: 'GET', path: repairPath, query });
    check(client, res, `symbols of ${spec.fileURI}`);
    const decoded = decodeSymbolContainer(res.payload, layout, { requested });
    if (!decoded.ok) throw new CoapRepairError('bad-reply', `${client.endpoint}: ${decoded.error.message}`);
    out.push(...decoded.value);
  }
  return out;
}

function etagOption(file: CoapFileRef): CoapOption[] {
  if (file.fileEtag === undefined) return [];
  return [{ number: CoapOptionNumber.ETag, value: new TextEncoder().encode(file.fileEtag) }];
}

function check(client: CoapClient, res: CoapResponse, what: string): void {
  if (res.codeText === '2.05') return;
  const text = new TextDecoder().decode(res.payload);
  const message = `${client.endpoint}: ${what}: ${res.codeText} ${text.trim()}`;
  if (res.codeText === '4.12') throw new CoapRepairError('precondition-failed', message);
  if (res.codeText === '4.04') throw new CoapRepairError('not-found', message);
  throw new CoapRepairError('bad-request', message, parseRepairErrorBody(text)?.code);
}
