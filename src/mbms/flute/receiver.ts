import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Clock } from '../../clock/index.ts';
import {
  decodeFdtXml,
  effectiveFecAttributes,
  type FdtInstance,
  FdtTable,
  type FdtTableEntry,
} from '../fdt/index.ts';
import { compactNoCode, type FecDecoder, type FecScheme, fecScheme } from '../fec/index.ts';
import { type AlcPacket, decodePacket } from '../packet/index.ts';

export interface ReceiverOptions {
  clock: Clock;
  /** Only this session; packets of other TSIs are counted and dropped. */
  tsi?: number;
  /** Largest object accepted, bytes (constrained devices: what fits). Default 64 MiB. */
  maxObjectBytes?: number;
  /** Bytes of packets kept for objects whose FDT has not arrived yet. Default 1 MiB. */
  maxPendingBytes?: number;
}

export interface ReceivedFile {
  toi: number;
  contentLocation: string;
  bytes: Uint8Array;
  contentType?: string;
  md5: string;
}

export interface FileProgress {
  toi: number;
  contentLocation: string;
  /** Encoding symbols accepted so far. */
  symbols: number;
  /** Source symbols of the object (what a lossless reception needs). */
  sourceSymbols: number;
}

export interface ReceiverEvents {
  fdt: [{ instanceId: number; instance: FdtInstance }];
  progress: [FileProgress];
  file: [ReceivedFile];
  /** The object decoded but its MD5 differs from the FDT's Content-MD5: no file; repair it. */
  corrupt: [{ toi: number; contentLocation: string; expected: string; actual: string }];
  drop: [{ reason: string; detail?: string }];
  'session-closed': [];
}

interface ObjectState {
  entry: FdtTableEntry;
  scheme: FecScheme;
  decoder: FecDecoder;
  symbolLength: number;
  symbols: number;
  sourceSymbols: number;
  done: boolean;
  nextProgress: number;
}

/**
 * The receiving side of a FLUTE download: per-TSI reassembly, FDT instances (Compact No-Code, TOI 0),
 * FEC decoding per file, Content-MD5 check, FDT expiry, bounded memory. Every packet that is not used
 * is counted with its reason; nothing in a packet can throw out of push().
 */
export class FluteReceiver extends EventEmitter<ReceiverEvents> {
  readonly table: FdtTable;
  readonly dropped = new Map<string, number>();
  packets = 0;
  readonly #o: Required<Omit<ReceiverOptions, 'tsi'>> & Pick<ReceiverOptions, 'tsi'>;
  readonly #fdtDecoders = new Map<number, FecDecoder>();
  readonly #objects = new Map<number, ObjectState>();
  readonly #pending = new Map<number, AlcPacket[]>();
  #pendingBytes = 0;
  readonly #completed = new Set<number>();

  constructor(options: ReceiverOptions) {
    super();
    this.#o = { maxObjectBytes: 64 * 1024 * 1024, maxPendingBytes: 1024 * 1024, ...options };
    this.table = new FdtTable(options.clock);
  }

  /** Bytes of state held now: FEC decoders plus packets waiting for their FDT. */
  get memoryBytes(): number {
    let n = this.#pendingBytes;
    for (const o of this.#objects.values()) if (!o.done) n += o.decoder.memoryBytes;
    for (const d of this.#fdtDecoders.values()) n += d.memoryBytes;
    return n;
  }

  /** Missing source symbols of a file (for symbol-based repair), or undefined when unknown or complete. */
  missing(contentLocation: string): { sbn: number; esis: number[]; needed: number }[] | undefined {
    for (const o of this.#objects.values()) {
      if (o.entry.file.contentLocation === contentLocation && !o.done) return o.decoder.missing();
    }
    return undefined;
  }

  /**
   * What a symbol-based repair request for a file needs: its OTI, the source symbols still missing and
   * the MD5 the result must have. Undefined when the file is unknown or already complete.
   */
  repairRequest(contentLocation: string):
    | {
        oti: FecDecoder['oti'];
        missing: { sbn: number; esis: number[]; needed: number }[];
        contentMd5?: string;
      }
    | undefined {
    for (const o of this.#objects.values()) {
      if (o.entry.file.contentLocation !== contentLocation || o.done) continue;
      const md5 = o.entry.file.contentMd5;
      return { oti: o.decoder.oti, missing: o.decoder.missing(), ...(md5 ? { contentMd5: md5 } : {}) };
    }
    return undefined;
  }

  /** Add symbols fetched by file repair; the file event follows as soon as the object is complete. */
  addRepairSymbols(
    contentLocation: string,
    symbols: readonly { sbn: number; esi: number; data: Uint8Array }[],
  ): void {
    for (const [toi, o] of this.#objects) {
      if (o.entry.file.contentLocation !== contentLocation || o.done) continue;
      for (const s of symbols) {
        if (o.decoder.add(s.sbn, s.esi, s.data)) break;
      }
      if (o.decoder.complete) this.#finish(toi, o);
      return;
    }
  }

  /** Feed one datagram. */
  push(datagram: Uint8Array): void {
    this.packets++;
    const decoded = decodePacket(datagram, { profile: 'mbms' });
    if (!decoded.ok) {
      this.#drop(`packet:${decoded.reason.kind}`, decoded.reason.message);
      return;
    }
    const p = decoded.packet;
    if (this.#o.tsi !== undefined && p.tsi !== this.#o.tsi) {
      this.#drop('other-tsi', `TSI ${p.tsi}`);
      return;
    }
    if (p.flags.closeSession) this.emit('session-closed');
    if (p.toi === 0n) this.#onFdtPacket(p);
    else this.#onFilePacket(p);
  }

  #onFdtPacket(p: AlcPacket): void {
    const ext = p.headerExtensions;
    if (!ext.fdt || !ext.fti) {
      this.#drop('fdt-without-extensions');
      return;
    }
    const id = ext.fdt.instanceId;
    let decoder = this.#fdtDecoders.get(id);
    if (!decoder) {
      try {
        const scheme = fecScheme(p.codepoint);
        decoder = scheme.decoder(scheme.decodeFti(ext.fti));
      } catch (e) {
        this.#drop('fdt-bad-fti', (e as Error).message);
        return;
      }
      this.#fdtDecoders.set(id, decoder);
    }
    if (decoder.complete) return;
    const scheme = p.codepoint === 0 ? compactNoCode : fecScheme(p.codepoint);
    if (!this.#addSymbols(decoder, scheme, p, decoder.oti.symbolLength)) return;
    if (!decoder.complete) return;
    let instance: FdtInstance;
    try {
      instance = decodeFdtXml(decoder.result());
    } catch (e) {
      this.#fdtDecoders.delete(id);
      this.#drop('fdt-invalid', (e as Error).message);
      return;
    }
    let result: ReturnType<FdtTable['accept']>;
    try {
      result = this.table.accept(id, instance);
    } catch (e) {
      this.#drop('fdt-refused', (e as Error).message);
      return;
    }
    if (!result.accepted) {
      this.#drop(`fdt-${result.reason}`);
      return;
    }
    this.emit('fdt', { instanceId: id, instance });
    for (const toi of [...result.added, ...result.replaced]) this.#startObject(toi);
    this.table.prune();
  }

  #startObject(toi: number): void {
    const entry = this.table.byToi(toi);
    if (!entry || this.#completed.has(toi)) return;
    const eff = effectiveFecAttributes(entry.instance, entry.file);
    try {
      const scheme = fecScheme(eff.encodingId ?? 0);
      if (eff.transferLength === undefined)
        throw new Error('the FDT gives no Transfer-Length or Content-Length');
      if (eff.transferLength > this.#o.maxObjectBytes) {
        throw new Error(
          `${eff.transferLength} bytes is more than this receiver keeps (${this.#o.maxObjectBytes})`,
        );
      }
      const oti = scheme.fromFdtAttributes(eff.attributes, eff.transferLength);
      const decoder = scheme.decoder(oti);
      const sourceSymbols = Math.ceil(oti.transferLength / oti.symbolLength);
      this.#objects.set(toi, {
        entry,
        scheme,
        decoder,
        symbolLength: oti.symbolLength,
        symbols: 0,
        sourceSymbols,
        done: false,
        nextProgress: 0,
      });
    } catch (e) {
      this.#drop('object-unusable', `TOI ${toi} (${entry.file.contentLocation}): ${(e as Error).message}`);
      return;
    }
    const waiting = this.#pending.get(toi) ?? [];
    this.#pending.delete(toi);
    for (const p of waiting) {
      this.#pendingBytes -= p.payload.length;
      this.#onFilePacket(p);
    }
  }

  #onFilePacket(p: AlcPacket): void {
    const toi = Number(p.toi);
    if (this.#completed.has(toi)) {
      this.#drop('after-complete');
      return;
    }
    const o = this.#objects.get(toi);
    if (!o) {
      // The FDT may come later (it is repeated): keep the packet, within bounds.
      if (this.#pendingBytes + p.payload.length > this.#o.maxPendingBytes) {
        this.#drop('no-fdt-yet', `TOI ${toi}: pending buffer full`);
        return;
      }
      const list = this.#pending.get(toi) ?? [];
      list.push({ ...p, payload: p.payload.slice(), payloadId: p.payloadId.slice() });
      this.#pending.set(toi, list);
      this.#pendingBytes += p.payload.length;
      return;
    }
    if (p.codepoint !== o.scheme.id) {
      this.#drop('codepoint-mismatch', `TOI ${toi}: codepoint ${p.codepoint}, FDT says FEC ${o.scheme.id}`);
      return;
    }
    const added = this.#addSymbols(o.decoder, o.scheme, p, o.symbolLength);
    if (added === 0) return;
    o.symbols += added;
    if (o.decoder.complete) this.#finish(toi, o);
    else if (o.symbols >= o.nextProgress) {
      o.nextProgress = o.symbols + Math.max(1, Math.ceil(o.sourceSymbols / 20));
      this.emit('progress', {
        toi,
        contentLocation: o.entry.file.contentLocation,
        symbols: o.symbols,
        sourceSymbols: o.sourceSymbols,
      });
    }
  }

  /** Split a packet's payload into its G symbols and add them; returns how many were accepted. */
  #addSymbols(decoder: FecDecoder, scheme: FecScheme, p: AlcPacket, symbolLength: number): number {
    let id: { sbn: number; esi: number };
    try {
      id = scheme.decodePayloadId(p.payloadId);
    } catch (e) {
      this.#drop('bad-payload-id', (e as Error).message);
      return 0;
    }
    let accepted = 0;
    const before = decoder.rejected.count;
    for (let at = 0, esi = id.esi; at < p.payload.length; at += symbolLength, esi++) {
      decoder.add(id.sbn, esi, p.payload.subarray(at, Math.min(at + symbolLength, p.payload.length)));
      accepted++;
      if (decoder.complete) break;
    }
    const refused = decoder.rejected.count - before;
    if (refused > 0) this.#drop('symbol-refused', decoder.rejected.lastReason);
    return accepted - refused;
  }

  #finish(toi: number, o: ObjectState): void {
    o.done = true;
    this.#completed.add(toi);
    const bytes = o.decoder.result();
    const file = o.entry.file;
    const md5 = createHash('md5').update(bytes).digest('base64');
    this.emit('progress', {
      toi,
      contentLocation: file.contentLocation,
      symbols: o.symbols,
      sourceSymbols: o.sourceSymbols,
    });
    if (file.contentMd5 && file.contentMd5 !== md5) {
      // No file: a wrong digest is never delivered. The object can be received again (or repaired).
      this.#completed.delete(toi);
      this.#objects.delete(toi);
      this.emit('corrupt', {
        toi,
        contentLocation: file.contentLocation,
        expected: file.contentMd5,
        actual: md5,
      });
      return;
    }
    this.emit('file', {
      toi,
      contentLocation: file.contentLocation,
      bytes,
      md5,
      ...(file.contentType ? { contentType: file.contentType } : {}),
    });
  }

  #drop(reason: string, detail?: string): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1);
    this.emit('drop', { reason, ...(detail !== undefined ? { detail } : {}) });
  }
}
