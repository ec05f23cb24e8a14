import { createHash } from 'node:crypto';
import type { Clock } from '../../clock/index.ts';
import { encodeFdtXml, type FdtFile, type FdtInstance, ntpSecondsFromEpochMs } from '../fdt/index.ts';
import { compactNoCode, type FecEncoder, type FecEncodingId, fecScheme } from '../fec/index.ts';
import { type AlcPacket, encodePacket } from '../packet/index.ts';
import type { PacketSink } from '../transport/index.ts';

export interface SenderFile {
  contentLocation: string;
  bytes: Uint8Array;
  contentType?: string;
}

export interface SenderOptions {
  clock: Clock;
  sink: PacketSink;
  /** Transport Session Identifier (16 bits in the 3GPP profile). */
  tsi: number;
  /** FEC scheme for the files (the FDT itself always uses Compact No-Code, as TS 26.346 does). */
  fec: FecEncodingId;
  /** Repair symbols per source block as a fraction of its source symbols (0.2 = 20 % overhead). */
  overhead?: number;
  /** Encoding symbol length T, bytes (default 1024). */
  symbolLength?: number;
  /** Symbols per packet G (default 1). */
  symbolsPerPacket?: number;
  /** Bearer rate, bit/s; packets are paced on the clock (default: no pacing). */
  rateBps?: number;
  /** How many times the whole object set is sent (carousel; default 1). */
  repetitions?: number;
  /** The FDT is repeated every this many file packets (default 64), and always before each file. */
  fdtEvery?: number;
  /** FDT Expires, seconds after the session start (default 3600). */
  fdtLifetimeS?: number;
  /** Base-URL for repair, written into the FDT. */
  repairBaseUrl?: string;
  /** Called with every packet sent (for pcap evidence, counters). */
  onPacket?: (packet: Uint8Array) => void;
}

export interface SenderStats {
  packets: number;
  fdtPackets: number;
  bytes: number;
  /** Clock time spent sending, ms. */
  durationMs: number;
  /** Per file: source symbols and repair symbols sent per pass. */
  files: {
    contentLocation: string;
    toi: number;
    transferLength: number;
    sourceSymbols: number;
    repairSymbols: number;
  }[];
}

export class SenderError extends Error {
  override name = 'SenderError';
}

const MAX_TOI = 0xffff;

/**
 * A FLUTE download session (TS 26.346): an FDT describing the files (Compact No-Code, TOI 0), then each
 * file's encoding symbols (source then repair, per source block), paced at the bearer rate on the
 * injected clock, repeated as a carousel.
 */
export class FluteSender {
  readonly #o: Required<Omit<SenderOptions, 'rateBps' | 'repairBaseUrl' | 'onPacket'>> &
    Pick<SenderOptions, 'rateBps' | 'repairBaseUrl' | 'onPacket'>;
  #fdtInstanceId = 0;
  #nextSendAt = 0;

  constructor(options: SenderOptions) {
    if (!Number.isInteger(options.tsi) || options.tsi < 0 || options.tsi > 0xffff) {
      throw new SenderError(`TSI must be 0..65535 in the 3GPP profile, got ${options.tsi}`);
    }
    this.#o = {
      overhead: 0,
      symbolLength: 1024,
      symbolsPerPacket: 1,
      repetitions: 1,
      fdtEvery: 64,
      fdtLifetimeS: 3600,
      ...options,
    };
    if (!(this.#o.overhead >= 0)) throw new SenderError(`overhead must be ≥ 0, got ${this.#o.overhead}`);
    if (this.#o.fec === 0 && this.#o.overhead > 0) {
      throw new SenderError(
        'Compact No-Code has no repair symbols: use overhead 0 or another FEC (raptor, raptorq)',
      );
    }
  }

  /** Send the files; resolves when the last packet left, with what was sent. */
  async send(files: readonly SenderFile[], signal?: AbortSignal): Promise<SenderStats> {
    if (files.length === 0) throw new SenderError('nothing to send');
    if (files.length > MAX_TOI) throw new SenderError(`at most ${MAX_TOI} files per session`);
    const o = this.#o;
    const start = o.clock.now();
    this.#nextSendAt = o.clock.monotonic();
    const scheme = fecScheme(o.fec);
    const prepared = files.map((f, i) => {
      const toi = i + 1;
      const encoder = scheme.encoder(f.bytes, { symbolLength: o.symbolLength });
      return { file: f, toi, encoder, md5: createHash('md5').update(f.bytes).digest('base64') };
    });
    const fdt: FdtInstance = {
      expires: Math.floor(ntpSecondsFromEpochMs(start + o.fdtLifetimeS * 1000)),
      complete: true,
      files: prepared.map(({ file, toi, encoder, md5 }): FdtFile => {
        const attrs = scheme.fdtAttributes(encoder.oti);
        const { 'Transfer-Length': transferLength, ...fecOti } = attrs;
        return {
          toi,
          contentLocation: file.contentLocation,
          contentLength: file.bytes.length,
          transferLength: Number(transferLength ?? file.bytes.length),
          ...(file.contentType ? { contentType: file.contentType } : {}),
          contentMd5: md5,
          fecOti,
        };
      }),
      ...(o.repairBaseUrl ? { baseUrls: [{ priority: 1, url: o.repairBaseUrl }] } : {}),
    };
    const fdtBytes = new TextEncoder().encode(encodeFdtXml(fdt));
    const stats: SenderStats = {
      packets: 0,
      fdtPackets: 0,
      bytes: 0,
      durationMs: 0,
      files: prepared.map(({ file, toi, encoder }) => {
        const source = encoder.blocks.reduce((s, b) => s + b.sourceSymbols, 0);
        return {
          contentLocation: file.contentLocation,
          toi,
          transferLength: file.bytes.length,
          sourceSymbols: source,
          repairSymbols: encoder.blocks.reduce(
            (s, b) => s + this.#repairCount(b.sourceSymbols, encoder, b.sbn),
            0,
          ),
        };
      }),
    };
    this.#fdtInstanceId = (this.#fdtInstanceId + 1) & 0xfffff;
    for (let pass = 0; pass < o.repetitions; pass++) {
      for (const { toi, encoder } of prepared) {
        await this.#sendFdt(fdtBytes, stats, signal);
        let sinceFdt = 0;
        for (const packet of this.#filePackets(toi, encoder)) {
          await this.#emit(packet, stats, signal);
          if (++sinceFdt >= o.fdtEvery) {
            await this.#sendFdt(fdtBytes, stats, signal);
            sinceFdt = 0;
          }
        }
      }
    }
    stats.durationMs = o.clock.now() - start;
    return stats;
  }

  #repairCount(k: number, encoder: FecEncoder, sbn: number): number {
    const wanted = Math.ceil(k * this.#o.overhead);
    return Math.max(0, Math.min(wanted, encoder.maxEsi(sbn) - k + 1));
  }

  *#filePackets(toi: number, encoder: FecEncoder): Generator<AlcPacket> {
    const o = this.#o;
    const scheme = fecScheme(o.fec);
    for (const block of encoder.blocks) {
      const total = block.sourceSymbols + this.#repairCount(block.sourceSymbols, encoder, block.sbn);
      let esi = 0;
      while (esi < total) {
        // Source and repair symbols never share a packet: a packet holds consecutive ESIs of one kind.
        const end = Math.min(
          esi + o.symbolsPerPacket,
          esi < block.sourceSymbols ? block.sourceSymbols : total,
        );
        const symbols: Uint8Array[] = [];
        for (let e = esi; e < end; e++) symbols.push(encoder.symbol(block.sbn, e));
        yield this.#packet(toi, o.fec, scheme.encodePayloadId({ sbn: block.sbn, esi }), concat(symbols));
        esi = end;
      }
    }
  }

  async #sendFdt(fdtBytes: Uint8Array, stats: SenderStats, signal?: AbortSignal): Promise<void> {
    const encoder = compactNoCode.encoder(fdtBytes, { symbolLength: this.#o.symbolLength });
    const fti = compactNoCode.encodeFti(encoder.oti);
    for (const block of encoder.blocks) {
      for (let esi = 0; esi < block.sourceSymbols; esi++) {
        const packet = this.#packet(
          0,
          0,
          compactNoCode.encodePayloadId({ sbn: block.sbn, esi }),
          encoder.symbol(block.sbn, esi),
        );
        packet.headerExtensions.fdt = { version: 1, instanceId: this.#fdtInstanceId };
        packet.headerExtensions.fti = fti;
        await this.#emit(packet, stats, signal);
        stats.fdtPackets++;
      }
    }
  }

  /**
   * The LCT header of a file packet is the same for every packet of an object (no header extensions in
   * the profile): it is encoded (and profile-checked) once per TOI and reused; only the FEC Payload ID and
   * the symbols change. FDT packets carry extensions and are encoded whole.
   */
  #headers = new Map<bigint, Uint8Array>();

  #encode(packet: AlcPacket): Uint8Array {
    const ext = packet.headerExtensions;
    if (packet.toi === 0n || ext.fdt || ext.fti || ext.cenc !== undefined || ext.unknown.length > 0) {
      return encodePacket(packet, 'mbms');
    }
    let header = this.#headers.get(packet.toi);
    if (!header) {
      const whole = encodePacket(packet, 'mbms');
      header = whole.slice(0, whole.length - packet.payloadId.length - packet.payload.length);
      this.#headers.set(packet.toi, header);
      return whole;
    }
    const out = new Uint8Array(header.length + packet.payloadId.length + packet.payload.length);
    out.set(header);
    out.set(packet.payloadId, header.length);
    out.set(packet.payload, header.length + packet.payloadId.length);
    return out;
  }

  #packet(toi: number, codepoint: number, payloadId: Uint8Array, payload: Uint8Array): AlcPacket {
    return {
      version: 1,
      congestionControl: 0n,
      tsi: this.#o.tsi,
      toi: BigInt(toi),
      codepoint,
      flags: { closeSession: false, closeObject: false },
      headerExtensions: { unknown: [] },
      payloadId,
      payload,
    };
  }

  async #emit(packet: AlcPacket, stats: SenderStats, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const bytes = this.#encode(packet);
    const { clock, rateBps } = this.#o;
    if (rateBps) {
      // Pace on the clock: this packet leaves when the bearer has carried the previous ones (IP+UDP headers included).
      const wait = this.#nextSendAt - clock.monotonic();
      if (wait > 0) await clock.sleep(wait, signal);
      this.#nextSendAt =
        Math.max(this.#nextSendAt, clock.monotonic()) + ((bytes.length + 28) * 8 * 1000) / rateBps;
    }
    await this.#o.sink.send(bytes);
    this.#o.onPacket?.(bytes);
    stats.packets++;
    stats.bytes += bytes.length;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
