/**
 * What a repair server holds (files with their FDT metadata, services with FDT instances and groups)
 * and how it answers a parsed symbol-based query. Shared by the HTTP and the CoAP servers.
 */
import type { RepairErrorCode } from './repair-errors.ts';
import { encodeSymbolContainer, type RepairSymbol } from './symbol-container.ts';
import { type RepairOti, SymbolLayout } from './symbol-layout.ts';
import type { RepairQuery, SbnSelection } from './symbol-query.ts';

export interface RepairFile {
  /** FDT Content-Location: the fileURI of repair requests. */
  contentLocation: string;
  content: Uint8Array;
  contentType?: string;
  /** FDT Content-MD5 (base64). */
  contentMd5?: string;
  /** FDT File-ETag. */
  fileEtag?: string;
  oti: RepairOti;
  /** Path this server serves the file at for byte-range (and CoAP block) requests; default from contentLocation. */
  path?: string;
}

export interface RepairService {
  serviceId: string;
  /** FDT Instance ID → Content-Locations it declared. */
  fdtInstances?: Record<number, readonly string[]>;
  /** FDT Group → Content-Locations. */
  groups?: Record<string, readonly string[]>;
}

/** The encoding symbols of a file: source symbols may be cut from content; repair symbols need an encoder. */
export type SymbolSource = (contentLocation: string, sbn: number, esis: readonly number[]) => Uint8Array[];

export type SymbolAnswer =
  | { kind: 'symbols'; file: RepairFile; body: Uint8Array; symbols: number; requested: number }
  | { kind: 'files'; files: RepairFile[] }
  | { kind: 'error'; code: RepairErrorCode; detail: string };

export class RepairCatalogError extends Error {
  override name = 'RepairCatalogError';
}

interface Entry {
  file: RepairFile;
  layout: SymbolLayout;
  path: string;
}

export class RepairCatalog {
  readonly #byLocation = new Map<string, Entry>();
  readonly #services = new Map<string, RepairService>();
  readonly #symbols: SymbolSource;

  constructor(files: readonly RepairFile[], services: readonly RepairService[] = [], symbols?: SymbolSource) {
    this.#symbols = symbols ?? ((location, sbn, esis) => this.#sourceSymbols(location, sbn, esis));
    for (const f of files) this.setFile(f);
    for (const s of services) this.#services.set(s.serviceId, s);
  }

  /** Adds a file, or replaces the version held under its Content-Location. */
  setFile(file: RepairFile): void {
    if (file.content.length !== file.oti.transferLength) {
      throw new RepairCatalogError(
        `repair file ${file.contentLocation}: content is ${file.content.length} bytes, FEC OTI transfer length ${file.oti.transferLength}`,
      );
    }
    const layout = new SymbolLayout(file.oti);
    this.#byLocation.set(file.contentLocation, {
      file,
      layout,
      path: file.path ?? defaultPath(file.contentLocation),
    });
  }

  file(contentLocation: string): RepairFile | undefined {
    return this.#byLocation.get(contentLocation)?.file;
  }

  layout(contentLocation: string): SymbolLayout | undefined {
    return this.#byLocation.get(contentLocation)?.layout;
  }

  byPath(path: string): RepairFile | undefined {
    for (const e of this.#byLocation.values()) if (e.path === path) return e.file;
    return undefined;
  }

  byEtag(etag: string): RepairFile | undefined {
    for (const e of this.#byLocation.values()) if (e.file.fileEtag === etag) return e.file;
    return undefined;
  }

  pathOf(contentLocation: string): string | undefined {
    return this.#byLocation.get(contentLocation)?.path;
  }

  /**
   * Answers a symbol-based query with at most maxSymbols symbols (fewer than requested tells the client
   * to ask again, §9.3.7.1). Any SBN/ESI outside the object is 0003: the client should then fetch the
   * whole file rather than retry the same symbols.
   */
  answer(query: RepairQuery, maxSymbols = 0xffff): SymbolAnswer {
    if (query.kind !== 'file') return this.#answerService(query);
    const entry = this.#byLocation.get(query.fileURI);
    if (!entry) return { kind: 'error', code: '0001', detail: `no file ${query.fileURI}` };
    if (query.contentMd5 !== undefined && query.contentMd5 !== entry.file.contentMd5) {
      return {
        kind: 'error',
        code: '0002',
        detail: `${query.fileURI} is held as MD5 ${entry.file.contentMd5 ?? 'none'}`,
      };
    }
    if (query.selections.length === 0) return { kind: 'files', files: [entry.file] };
    const { layout } = entry;
    for (const s of query.selections) {
      const bad = outOfRange(s, layout);
      if (bad) return { kind: 'error', code: '0003', detail: bad };
    }
    const wanted: { sbn: number; esi: number }[] = [];
    const seen = new Set<string>();
    let requested = 0;
    for (const s of query.selections) {
      requested += countOf(s, layout);
      for (const id of expand(s, layout)) {
        if (wanted.length >= maxSymbols) break;
        const key = `${id.sbn}:${id.esi}`;
        if (seen.has(key)) continue;
        seen.add(key);
        wanted.push(id);
      }
    }
    const symbols = this.#fetch(entry, wanted);
    return {
      kind: 'symbols',
      file: entry.file,
      body: encodeSymbolContainer(symbols, layout),
      symbols: symbols.length,
      requested,
    };
  }

  #answerService(query: Exclude<RepairQuery, { kind: 'file' }>): SymbolAnswer {
    const service = this.#services.get(query.serviceId);
    if (!service) return { kind: 'error', code: '0004', detail: `no service ${query.serviceId}` };
    const locations =
      query.kind === 'fdt-instance'
        ? service.fdtInstances?.[query.fdtInstanceId]
        : service.groups?.[query.fdtGroupId];
    if (!locations) {
      return query.kind === 'fdt-instance'
        ? { kind: 'error', code: '0005', detail: `no FDT instance ${query.fdtInstanceId}` }
        : { kind: 'error', code: '0006', detail: `no FDT group ${query.fdtGroupId}` };
    }
    const files = locations
      .map((l) => this.#byLocation.get(l)?.file)
      .filter((f): f is RepairFile => f !== undefined);
    if (files.length === 0)
      return { kind: 'error', code: '0001', detail: `none of ${locations.join(', ')} is held` };
    return { kind: 'files', files };
  }

  #fetch(entry: Entry, wanted: readonly { sbn: number; esi: number }[]): RepairSymbol[] {
    const out: RepairSymbol[] = [];
    // One call per run of the same block, in request order.
    let i = 0;
    while (i < wanted.length) {
      const sbn = wanted[i]!.sbn;
      let j = i;
      while (j < wanted.length && wanted[j]!.sbn === sbn) j++;
      const esis = wanted.slice(i, j).map((w) => w.esi);
      const data = this.#symbols(entry.file.contentLocation, sbn, esis);
      if (data.length !== esis.length) {
        throw new RepairCatalogError(
          `symbol source for ${entry.file.contentLocation} SBN ${sbn}: asked ${esis.length} symbols, got ${data.length}`,
        );
      }
      esis.forEach((esi, k) => {
        out.push({ sbn, esi, data: data[k]! });
      });
      i = j;
    }
    return out;
  }

  #sourceSymbols(location: string, sbn: number, esis: readonly number[]): Uint8Array[] {
    const entry = this.#byLocation.get(location);
    if (!entry) throw new RepairCatalogError(`symbol source: no file ${location}`);
    return esis.map((esi) => {
      if (!entry.layout.isSource(sbn, esi)) {
        throw new RepairCatalogError(
          `${location}: SBN ${sbn} ESI ${esi} is a repair symbol; no encoder was given`,
        );
      }
      return entry.layout.sourceSymbol(entry.file.content, sbn, esi);
    });
  }
}

function outOfRange(s: SbnSelection, layout: SymbolLayout): string | undefined {
  const blocks = layout.blocks.length;
  if (s.kind === 'blocks') {
    return s.to < blocks ? undefined : `SBN ${s.to} of ${blocks} blocks`;
  }
  if (s.sbn >= blocks) return `SBN ${s.sbn} of ${blocks} blocks`;
  const max = layout.maxEsi(s.sbn);
  const last = s.kind === 'count' ? s.from + s.count - 1 : Math.max(...s.ranges.map((r) => r.to));
  return last <= max ? undefined : `SBN ${s.sbn} ESI ${last} above ${max}`;
}

function countOf(s: SbnSelection, layout: SymbolLayout): number {
  if (s.kind === 'count') return s.count;
  if (s.kind === 'esis') return s.ranges.reduce((n, r) => n + r.to - r.from + 1, 0);
  let n = 0;
  for (let sbn = s.from; sbn <= s.to; sbn++) n += layout.blocks[sbn]!.sourceSymbols;
  return n;
}

// Lazily, so "SBN=0;ESI=0-65535" costs no more than the cap.
function* expand(s: SbnSelection, layout: SymbolLayout): Generator<{ sbn: number; esi: number }> {
  if (s.kind === 'blocks') {
    for (let sbn = s.from; sbn <= s.to; sbn++) {
      const k = layout.blocks[sbn]!.sourceSymbols;
      for (let esi = 0; esi < k; esi++) yield { sbn, esi };
    }
  } else if (s.kind === 'count') {
    for (let esi = s.from; esi < s.from + s.count; esi++) yield { sbn: s.sbn, esi };
  } else {
    for (const r of s.ranges) for (let esi = r.from; esi <= r.to; esi++) yield { sbn: s.sbn, esi };
  }
}

/** "http://example.com/fw/image.bin" → "/fw/image.bin"; a relative location gets a leading '/'. */
export function defaultPath(contentLocation: string): string {
  try {
    return new URL(contentLocation).pathname;
  } catch {
    return contentLocation.startsWith('/') ? contentLocation : `/${contentLocation}`;
  }
}
