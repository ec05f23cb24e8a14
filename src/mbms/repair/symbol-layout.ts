/**
 * Where each source symbol of a file lives, and how long it is, for repair requests and the
 * simpleSymbolContainer: the source block partitioning of RFC 5052 §9.1 (Compact No-Code, ID 0) and of
 * RFC 5053 / RFC 6330 (Raptor ID 1, RaptorQ ID 6, without sub-blocking), plus the FEC Payload ID layouts.
 *
 * The repair procedures only need this much of the FEC layer, so they carry it themselves rather than
 * depend on a decoder: the server cuts symbols out of the stored file, the client checks each symbol
 * it is given against the size the layout predicts.
 */

/** The FEC Object Transmission Information the repair procedures use (a FecOti fits this shape). */
export interface RepairOti {
  encodingId: 0 | 1 | 6;
  /** Transfer length F, bytes. */
  transferLength: number;
  /** Encoding symbol length T (E in RFC 5052), bytes. */
  symbolLength: number;
  /** ID 0: maximum source block length B, symbols (default: the whole object in one block). */
  maxSourceBlockLength?: number;
  /** ID 1 / 6: number of source blocks Z (default 1). */
  sourceBlocks?: number;
  /** ID 1 / 6: number of sub-blocks N; byte mapping is defined only for N = 1. */
  subBlocks?: number;
}

export interface SourceBlock {
  sbn: number;
  /** Source symbols K in this block. */
  sourceSymbols: number;
  /** Offset in the object of the block's first byte. */
  byteOffset: number;
}

export interface PayloadId {
  sbn: number;
  esi: number;
}

/** Largest SBN and ESI each scheme's FEC Payload ID can carry. */
const PAYLOAD_ID_LIMITS: Record<RepairOti['encodingId'], { sbn: number; esi: number }> = {
  0: { sbn: 0xffff, esi: 0xffff },
  1: { sbn: 0xffff, esi: 0xffff },
  6: { sbn: 0xff, esi: 0xffffff },
};

export class SymbolLayoutError extends Error {
  override name = 'SymbolLayoutError';
}

export class SymbolLayout {
  readonly oti: Readonly<RepairOti>;
  readonly blocks: readonly SourceBlock[];
  /** Source symbols in the whole object. */
  readonly totalSourceSymbols: number;
  /** FEC Payload ID length in bytes (4 for IDs 0, 1 and 6). */
  readonly payloadIdLength = 4;
  readonly #limits: { sbn: number; esi: number };

  constructor(oti: RepairOti) {
    const { transferLength: f, symbolLength: t, encodingId } = oti;
    if (!(encodingId in PAYLOAD_ID_LIMITS)) {
      throw new SymbolLayoutError(`FEC OTI: encoding ID ${encodingId} is not 0, 1 or 6`);
    }
    if (!Number.isSafeInteger(f) || f < 0) throw new SymbolLayoutError(`FEC OTI: transfer length ${f}`);
    if (!Number.isSafeInteger(t) || t < 1) throw new SymbolLayoutError(`FEC OTI: symbol length ${t}`);
    if ((oti.subBlocks ?? 1) !== 1) {
      throw new SymbolLayoutError(
        `FEC OTI: ${oti.subBlocks} sub-blocks; symbol-to-byte mapping is only defined without sub-blocking`,
      );
    }
    this.oti = { ...oti };
    this.#limits = PAYLOAD_ID_LIMITS[encodingId];
    const counts = encodingId === 0 ? noCodeBlocks(f, t, oti.maxSourceBlockLength) : raptorBlocks(f, t, oti);
    if (counts.length - 1 > this.#limits.sbn) {
      throw new SymbolLayoutError(`FEC OTI: ${counts.length} source blocks exceed the SBN field`);
    }
    let offset = 0;
    this.blocks = counts.map((k, sbn) => {
      const block = { sbn, sourceSymbols: k, byteOffset: offset };
      offset += k * t;
      return block;
    });
    this.totalSourceSymbols = counts.reduce((a, b) => a + b, 0);
  }

  get symbolLength(): number {
    return this.oti.symbolLength;
  }

  /** Largest ESI a request may name in block sbn: K − 1 for Compact No-Code, the field limit otherwise. */
  maxEsi(sbn: number): number {
    const block = this.blocks[sbn];
    if (!block) return -1;
    return this.oti.encodingId === 0 ? block.sourceSymbols - 1 : this.#limits.esi;
  }

  /** Whether (sbn, esi) names a symbol this object has. */
  has(sbn: number, esi: number): boolean {
    return Number.isInteger(esi) && esi >= 0 && esi <= this.maxEsi(sbn);
  }

  isSource(sbn: number, esi: number): boolean {
    const block = this.blocks[sbn];
    return block !== undefined && esi >= 0 && esi < block.sourceSymbols;
  }

  /**
   * Bytes in symbol (sbn, esi). Every symbol is T bytes except, for Compact No-Code, the object's last
   * source symbol (RFC 5052 §9.1: the last symbol of the last block may be short). Raptor and RaptorQ
   * pad the source block, so their symbols are all T. Undefined when the object has no such symbol.
   */
  symbolBytes(sbn: number, esi: number): number | undefined {
    if (!this.has(sbn, esi)) return undefined;
    const t = this.oti.symbolLength;
    if (this.oti.encodingId !== 0) return t;
    const block = this.blocks[sbn]!;
    const start = block.byteOffset + esi * t;
    return Math.min(t, this.oti.transferLength - start);
  }

  /** The bytes [start, end) of the object that source symbol (sbn, esi) carries (end may pass F for padding). */
  byteSpan(sbn: number, esi: number): { start: number; end: number } | undefined {
    if (!this.isSource(sbn, esi)) return undefined;
    const start = this.blocks[sbn]!.byteOffset + esi * this.oti.symbolLength;
    return { start, end: Math.min(start + this.oti.symbolLength, this.oti.transferLength) };
  }

  /** Source symbol (sbn, esi) cut from the object, zero-padded to T for Raptor/RaptorQ. */
  sourceSymbol(object: Uint8Array, sbn: number, esi: number): Uint8Array {
    const span = this.byteSpan(sbn, esi);
    const length = this.symbolBytes(sbn, esi);
    if (!span || length === undefined) {
      throw new SymbolLayoutError(`source symbol SBN ${sbn} ESI ${esi}: not in this object`);
    }
    const out = new Uint8Array(length);
    out.set(object.subarray(span.start, span.end));
    return out;
  }

  encodePayloadId(id: PayloadId): Uint8Array {
    const { sbn, esi } = id;
    if (!(sbn >= 0 && sbn <= this.#limits.sbn && esi >= 0 && esi <= this.#limits.esi)) {
      throw new SymbolLayoutError(
        `FEC Payload ID: SBN ${sbn} ESI ${esi} do not fit scheme ${this.oti.encodingId}`,
      );
    }
    const out = new Uint8Array(4);
    const view = new DataView(out.buffer);
    if (this.oti.encodingId === 6) {
      view.setUint32(0, ((sbn << 24) | esi) >>> 0);
    } else {
      view.setUint16(0, sbn);
      view.setUint16(2, esi);
    }
    return out;
  }

  decodePayloadId(bytes: Uint8Array, offset = 0): PayloadId {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 4);
    if (this.oti.encodingId === 6) {
      const word = view.getUint32(0);
      return { sbn: word >>> 24, esi: word & 0xffffff };
    }
    return { sbn: view.getUint16(0), esi: view.getUint16(2) };
  }
}

/** RFC 5052 §9.1 blocking algorithm: N blocks, the first I of A_large symbols, the rest A_small. */
function noCodeBlocks(f: number, e: number, maxBlock: number | undefined): number[] {
  const total = Math.ceil(f / e);
  if (total === 0) return [];
  const b = maxBlock ?? total;
  if (!Number.isSafeInteger(b) || b < 1)
    throw new SymbolLayoutError(`FEC OTI: maximum source block length ${b}`);
  const n = Math.ceil(total / b);
  const large = Math.ceil(total / n);
  const small = Math.floor(total / n);
  const bigOnes = total - small * n;
  return Array.from({ length: n }, (_, i) => (i < bigOnes ? large : small));
}

/** RFC 5053 §5.3.1.2 / RFC 6330 §4.4.1.2: Kt = ceil(F/T) split over Z blocks, the first ZL one larger. */
function raptorBlocks(f: number, t: number, oti: RepairOti): number[] {
  const kt = Math.ceil(f / t);
  if (kt === 0) return [];
  const z = oti.sourceBlocks ?? 1;
  if (!Number.isSafeInteger(z) || z < 1 || z > kt) {
    throw new SymbolLayoutError(`FEC OTI: ${z} source blocks for ${kt} source symbols`);
  }
  const kl = Math.ceil(kt / z);
  const ks = Math.floor(kt / z);
  const zl = kt - ks * z;
  return Array.from({ length: z }, (_, i) => (i < zl ? kl : ks));
}
