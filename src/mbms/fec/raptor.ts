/**
 * Raptor, FEC Encoding ID 1 (RFC 5053, the "MBMS FEC" of TS 26.346), as a FecScheme over a block codec.
 *
 * - FEC Payload ID: SBN 16 · ESI 16 (RFC 5053 §3.1).
 * - EXT_FTI body: F 48 · reserved 16 · T 16 · Z 16 · N 8 · Al 8 (RFC 5053 §3.2.3, 14 bytes, HEL = 4).
 * - FDT: FEC-OTI-FEC-Encoding-ID=1, FEC-OTI-Encoding-Symbol-Length=T,
 *   FEC-OTI-Scheme-Specific-Info=base64(Z 16 · N 8 · Al 8) (TS 26.346 7.2.10.4's "AAEBBA==" is Z=1, N=1, Al=4),
 *   Transfer-Length.
 *
 * Each source block is cut into N sub-blocks (partition.ts); each sub-block is one codec block of K
 * sub-symbols, and encoding symbol m is sub-symbol m of every sub-block. The object is zero-padded to Kt·T.
 *
 * RFC 5053 defines K from 4 to 8192. A block of fewer than 4 symbols (only in objects under 4·T bytes) is
 * coded as a 4-symbol block whose extra symbols are zeros both sides know and nobody sends; repair ESIs stay
 * ≥ K on the wire (codec ESI = ESI + 4 − K). This is our convention: RFC 5053 has none for such objects.
 *
 * Memory: a receiver holds the object buffer (Kt·T bytes) and, only for a block that needs repair, the
 * codec's decoders; a block whose source symbols all arrive never builds one.
 */
import {
  type ObjectLayout,
  readSourceSymbol,
  type SourceBlock,
  subSymbolOffset,
  writeSourceSymbol,
} from './partition.ts';
import { RAPTOR_MIN_K, raptorObjectParameters } from './raptor-params.ts';
import { RAPTOR_WIRE_MAX_ESI, type RaptorGeometry, raptorGeometry, raptorWire } from './raptor-wire.ts';
import {
  type EncoderParams,
  type FecDecoder,
  type FecEncoder,
  FecError,
  type FecOti,
  type FecScheme,
  type SourceBlockInfo,
} from './types.ts';
import { BitSet, checkRange, Rejections } from './wire.ts';

/** The RFC 5053 block codec the scheme runs on (src/mbms/fec/raptor/). */
export interface RaptorCodec {
  Encoder: new (
    source: Uint8Array,
    K: number,
    T: number,
  ) => {
    symbol(esi: number): Uint8Array;
  };
  Decoder: new (
    K: number,
    T: number,
  ) => {
    add(esi: number, symbol: Uint8Array): boolean;
    readonly received: number;
    /** Bytes held, when the codec reports it (else received × T is assumed). */
    readonly memoryBytes?: number;
    decode(): Uint8Array | undefined;
  };
}

type CodecEncoder = InstanceType<RaptorCodec['Encoder']>;
type CodecDecoder = InstanceType<RaptorCodec['Decoder']>;

const MAX_ESI = RAPTOR_WIRE_MAX_ESI;

/** The codec's K for a block of K source symbols (see the padding note above). */
function codecK(K: number): number {
  return Math.max(K, RAPTOR_MIN_K);
}

/** Sub-block j of `block` as the codec's source: K·T_j bytes plus zero pad symbols (a view when possible). */
function subBlockSource(object: Uint8Array, layout: ObjectLayout, block: SourceBlock, j: number): Uint8Array {
  const Tj = layout.subSymbolLengths[j]!;
  const at = subSymbolOffset(layout, block, j, 0);
  const length = block.sourceSymbols * Tj;
  const kc = codecK(block.sourceSymbols);
  if (kc === block.sourceSymbols && at + length <= object.length) return object.subarray(at, at + length);
  const out = new Uint8Array(kc * Tj);
  if (at < object.length) out.set(object.subarray(at, Math.min(at + length, object.length)));
  return out;
}

class RaptorSchemeEncoder implements FecEncoder {
  readonly oti: FecOti;
  readonly blocks: readonly SourceBlockInfo[];
  readonly #data: Uint8Array;
  readonly #layout: ObjectLayout;
  readonly #codec: RaptorCodec;
  /** Per block, the codec encoders of its sub-blocks, made on the first repair symbol asked for. */
  readonly #encoders: (CodecEncoder[] | undefined)[];

  constructor(data: Uint8Array, g: RaptorGeometry, codec: RaptorCodec) {
    this.#data = data;
    this.oti = g.oti;
    this.#layout = g.layout;
    this.#codec = codec;
    this.blocks = g.layout.blocks.map((b) => ({ sbn: b.sbn, sourceSymbols: b.sourceSymbols }));
    this.#encoders = g.layout.blocks.map(() => undefined);
  }

  symbol(sbn: number, esi: number): Uint8Array {
    const block = this.#layout.blocks[sbn];
    if (block === undefined || !Number.isInteger(sbn)) {
      throw new FecError(`Raptor encoder: SBN ${sbn} out of range (${this.blocks.length} blocks)`);
    }
    checkRange(`Raptor encoder block ${sbn} ESI`, esi, 0, this.maxEsi(sbn));
    if (esi < block.sourceSymbols) return readSourceSymbol(this.#data, this.#layout, block, esi);
    const codecEsi = esi + codecK(block.sourceSymbols) - block.sourceSymbols;
    const encoders = this.#blockEncoders(block);
    if (encoders.length === 1) return encoders[0]!.symbol(codecEsi);
    const out = new Uint8Array(this.oti.symbolLength);
    for (let j = 0; j < encoders.length; j++)
      out.set(encoders[j]!.symbol(codecEsi), this.#layout.subSymbolStarts[j]!);
    return out;
  }

  maxEsi(sbn: number): number {
    const block = this.#layout.blocks[sbn];
    if (block === undefined) throw new FecError(`Raptor encoder: SBN ${sbn} out of range`);
    return MAX_ESI - (codecK(block.sourceSymbols) - block.sourceSymbols);
  }

  #blockEncoders(block: SourceBlock): CodecEncoder[] {
    let encoders = this.#encoders[block.sbn];
    if (encoders === undefined) {
      const kc = codecK(block.sourceSymbols);
      encoders = this.#layout.subSymbolLengths.map(
        (Tj, j) => new this.#codec.Encoder(subBlockSource(this.#data, this.#layout, block, j), kc, Tj),
      );
      this.#encoders[block.sbn] = encoders;
    }
    return encoders;
  }
}

interface BlockState {
  source: BitSet;
  sourceCount: number;
  repair: Set<number>;
  /** Sub-block decoders, only once a repair symbol arrived; undefined entries are decoded. */
  decoders: (CodecDecoder | undefined)[] | undefined;
  /** Symbols held when the last decode attempt failed (retry only with more). */
  failedAt: number;
  done: boolean;
}

class RaptorSchemeDecoder implements FecDecoder {
  readonly oti: FecOti;
  readonly #layout: ObjectLayout;
  readonly #codec: RaptorCodec;
  #object: Uint8Array | undefined;
  #blocks: BlockState[];
  #pending: number;
  #disposed = false;
  readonly #rejections = new Rejections();

  constructor(g: RaptorGeometry, codec: RaptorCodec) {
    this.oti = g.oti;
    this.#layout = g.layout;
    this.#codec = codec;
    this.#blocks = g.layout.blocks.map((b) => ({
      source: new BitSet(b.sourceSymbols),
      sourceCount: 0,
      repair: new Set<number>(),
      decoders: undefined,
      failedAt: 0,
      done: false,
    }));
    this.#pending = this.#blocks.length;
  }

  get complete(): boolean {
    return this.#pending === 0 && !this.#disposed;
  }

  add(sbn: number, esi: number, data: Uint8Array): boolean {
    if (this.#disposed) return this.#rejections.refuse('decoder disposed');
    const block = this.#layout.blocks[sbn];
    if (block === undefined || !Number.isInteger(sbn)) {
      return this.#rejections.refuse(`SBN ${sbn} out of range (${this.#layout.blocks.length} blocks)`);
    }
    const kc = codecK(block.sourceSymbols);
    if (!Number.isInteger(esi) || esi < 0 || esi > MAX_ESI - (kc - block.sourceSymbols)) {
      return this.#rejections.refuse(`ESI ${esi} out of range for block ${sbn}`);
    }
    if (!(data instanceof Uint8Array)) {
      return this.#rejections.refuse(`block ${sbn} ESI ${esi}: no symbol bytes`);
    }
    if (data.length !== this.oti.symbolLength) {
      return this.#rejections.refuse(
        `block ${sbn} ESI ${esi}: symbol of ${data.length} bytes, expected ${this.oti.symbolLength}`,
      );
    }
    const state = this.#blocks[sbn]!;
    if (state.done) return this.complete;
    this.#object ??= new Uint8Array(this.#layout.totalSymbols * this.oti.symbolLength);

    if (esi < block.sourceSymbols) {
      if (!state.source.add(esi)) return false;
      state.sourceCount++;
      writeSourceSymbol(this.#object, this.#layout, block, esi, data);
      if (state.sourceCount === block.sourceSymbols) {
        this.#finish(state);
        return this.complete;
      }
      if (state.decoders !== undefined) this.#feed(state, esi, data);
    } else {
      if (state.repair.has(esi)) return false;
      state.repair.add(esi);
      if (state.decoders === undefined) this.#startDecoders(state, block);
      this.#feed(state, esi + kc - block.sourceSymbols, data);
    }
    const have = state.sourceCount + state.repair.size;
    if (state.decoders !== undefined && have >= block.sourceSymbols && have > state.failedAt) {
      this.#tryDecode(state, block);
    }
    return this.complete;
  }

  /** Build the sub-block decoders and give them what arrived so far (source symbols and zero padding). */
  #startDecoders(state: BlockState, block: SourceBlock): void {
    const kc = codecK(block.sourceSymbols);
    const object = this.#object!;
    state.decoders = this.#layout.subSymbolLengths.map((Tj, j) => {
      const decoder = new this.#codec.Decoder(kc, Tj);
      for (let m = 0; m < block.sourceSymbols; m++) {
        if (!state.source.has(m)) continue;
        const at = subSymbolOffset(this.#layout, block, j, m);
        decoder.add(m, object.subarray(at, at + Tj));
      }
      for (let m = block.sourceSymbols; m < kc; m++) decoder.add(m, new Uint8Array(Tj));
      return decoder;
    });
  }

  /** Give codec ESI `codecEsi` to every sub-block decoder, each its own sub-symbol (the codec copies it). */
  #feed(state: BlockState, codecEsi: number, symbol: Uint8Array): void {
    const decoders = state.decoders!;
    for (let j = 0; j < decoders.length; j++) {
      const from = this.#layout.subSymbolStarts[j]!;
      decoders[j]?.add(codecEsi, symbol.subarray(from, from + this.#layout.subSymbolLengths[j]!));
    }
  }

  #tryDecode(state: BlockState, block: SourceBlock): void {
    const decoders = state.decoders!;
    const object = this.#object!;
    let all = true;
    for (let j = 0; j < decoders.length; j++) {
      const decoder = decoders[j];
      if (decoder === undefined) continue;
      const out = decoder.decode();
      if (out === undefined) {
        all = false;
        continue;
      }
      const Tj = this.#layout.subSymbolLengths[j]!;
      object.set(out.subarray(0, block.sourceSymbols * Tj), subSymbolOffset(this.#layout, block, j, 0));
      decoders[j] = undefined;
    }
    if (all) this.#finish(state);
    else state.failedAt = state.sourceCount + state.repair.size;
  }

  #finish(state: BlockState): void {
    state.done = true;
    state.decoders = undefined;
    state.repair = new Set();
    this.#pending--;
  }

  missing(): { sbn: number; esis: number[]; needed: number }[] {
    const out: { sbn: number; esis: number[]; needed: number }[] = [];
    for (const block of this.#layout.blocks) {
      const state = this.#blocks[block.sbn]!;
      if (state.done) continue;
      const have = state.sourceCount + state.repair.size;
      // Past K a failed decode asks for one more symbol at a time.
      out.push({
        sbn: block.sbn,
        esis: state.source.clear(),
        needed: Math.max(1, block.sourceSymbols - have),
      });
    }
    return out;
  }

  result(): Uint8Array {
    if (!this.complete) {
      throw new FecError(
        `Raptor decoder: object incomplete, ${this.#pending} of ${this.#blocks.length} blocks pending`,
      );
    }
    return (this.#object ?? new Uint8Array(0)).subarray(0, this.oti.transferLength);
  }

  /** The object buffer plus what the live sub-block decoders hold (received sub-symbols). */
  get memoryBytes(): number {
    let bytes = this.#object?.byteLength ?? 0;
    for (const state of this.#blocks) {
      bytes += state.source.byteLength;
      state.decoders?.forEach((d, j) => {
        if (d !== undefined) bytes += d.memoryBytes ?? d.received * this.#layout.subSymbolLengths[j]!;
      });
    }
    return bytes;
  }

  get rejected(): { count: number; lastReason?: string } {
    return this.#rejections.summary;
  }

  [Symbol.dispose](): void {
    this.#disposed = true;
    this.#object = undefined;
    this.#blocks = [];
  }
}

/** The Raptor scheme over a codec; index.ts builds it over src/mbms/fec/raptor/. */
export function raptorScheme(codec: RaptorCodec): FecScheme {
  return {
    id: 1,
    name: 'Raptor',
    payloadIdLength: 4,

    encoder(data: Uint8Array, params: EncoderParams): FecEncoder {
      const p = raptorObjectParameters(data.length, params.symbolLength, {
        alignment: params.alignment,
        maxSourceBlockLength: params.maxSourceBlockLength,
        subBlockBytes: params.subBlockBytes,
      });
      const g = raptorGeometry({
        encodingId: 1,
        transferLength: data.length,
        symbolLength: p.T,
        sourceBlocks: p.Z,
        subBlocks: p.N,
        alignment: p.Al,
      });
      return new RaptorSchemeEncoder(data, g, codec);
    },

    decoder(oti: FecOti): FecDecoder {
      return new RaptorSchemeDecoder(raptorGeometry(oti), codec);
    },

    ...raptorWire,
  };
}
