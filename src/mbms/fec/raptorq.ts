/**
 * RaptorQ, FEC Encoding ID 6 (RFC 6330), over the npm `raptorq` package.
 *
 * - FEC Payload ID: SBN 8 · ESI 24 (RFC 6330 §3.2) — the package's own packet prefix.
 * - EXT_FTI body: F 40 · reserved 8 · T 16 · Z 8 · N 16 · Al 8 · 2 bytes padding (RFC 6330 §3.3, HEL = 4).
 *   The reserved octet is ignored on reading (some encoders put 6 there).
 * - FDT: FEC-OTI-FEC-Encoding-ID=6, FEC-OTI-Encoding-Symbol-Length=T,
 *   FEC-OTI-Scheme-Specific-Info=base64(Z 8 · N 16 · Al 8), Transfer-Length.
 *
 * The package chooses its OTI itself (raptorq-params.ts derives the same one), so the encoder's OTI is that
 * one, and the decoder accepts any valid RFC 6330 OTI on the wire but can only decode the package's: another
 * Z, N or Al is refused with a FecError when the decoder is made.
 *
 * The package (1.7.24) numbers repair symbols from K′ — its ESI is the internal symbol ID — where RFC 6330
 * §5.3.1 numbers them from K, with ISI = ESI + K′ − K. On the wire we use the RFC's numbering and shift by
 * K′ − K on the way in and out of the package.
 */
import type { ObjectLayout } from './partition.ts';
import { extendedBlockSize, RAPTORQ_ALIGNMENT } from './raptorq-params.ts';
import {
  callRaptorq,
  RaptorqWasmDecoder,
  RaptorqWasmEncoder,
  raptorqAlive,
  raptorqFinalizer,
  raptorqGeneration,
} from './raptorq-wasm.ts';
import { RAPTORQ_WIRE_MAX_ESI, raptorqLayout, raptorqOti, raptorqWire } from './raptorq-wire.ts';
import {
  type EncoderParams,
  type FecDecoder,
  type FecEncoder,
  FecError,
  type FecOti,
  type FecScheme,
  type SourceBlockInfo,
} from './types.ts';
import { BitSet, checkRange, Rejections, readUint, writeUint } from './wire.ts';

const MAX_ESI = RAPTORQ_WIRE_MAX_ESI;

function blocksOf(layout: ObjectLayout): SourceBlockInfo[] {
  return layout.blocks.map((b) => ({ sbn: b.sbn, sourceSymbols: b.sourceSymbols }));
}

/** K′ − K per block: what the package adds to a repair symbol's ESI. */
function repairShifts(layout: ObjectLayout): number[] {
  return layout.blocks.map((b) => extendedBlockSize(b.sourceSymbols) - b.sourceSymbols);
}

class RaptorqEncoder implements FecEncoder {
  readonly oti: FecOti;
  readonly blocks: readonly SourceBlockInfo[];
  readonly #data: Uint8Array;
  readonly #shift: number[];
  /** Encoding symbols made so far, per block, by (RFC 6330) ESI. */
  #symbols: Uint8Array[][] = [];
  /** Repair symbols per block made so far; undefined before the first batch. */
  #repairMade: number | undefined;
  readonly #firstBatch: number;

  constructor(data: Uint8Array, params: EncoderParams) {
    if (params.alignment !== undefined && params.alignment !== RAPTORQ_ALIGNMENT) {
      throw new FecError(
        `RaptorQ encoder: the raptorq package aligns symbols to 8 bytes, not ${params.alignment}`,
      );
    }
    const { oti, layout } = raptorqLayout(raptorqOti(data.length, params.symbolLength));
    this.oti = oti;
    this.blocks = blocksOf(layout);
    const largest = layout.blocks[0]?.sourceSymbols ?? 0;
    if (params.maxSourceBlockLength !== undefined && largest > params.maxSourceBlockLength) {
      throw new FecError(
        `RaptorQ encoder: the raptorq package puts ${largest} symbols in a block, above the requested maximum ${params.maxSourceBlockLength}`,
      );
    }
    this.#data = data;
    this.#shift = repairShifts(layout);
    this.#firstBatch = checkRange(
      'RaptorQ repair symbols per block',
      params.repairSymbols ?? Math.max(16, Math.ceil(largest / 4)),
      0,
      MAX_ESI,
    );
  }

  symbol(sbn: number, esi: number): Uint8Array {
    const block = this.blocks[sbn];
    if (block === undefined || !Number.isInteger(sbn)) {
      throw new FecError(`RaptorQ encoder: SBN ${sbn} out of range (${this.blocks.length} blocks)`);
    }
    checkRange(`RaptorQ encoder block ${sbn} ESI`, esi, 0, this.maxEsi(sbn));
    const made = this.#repairMade;
    if (made === undefined || esi >= block.sourceSymbols + made) {
      const want = Math.max(this.#firstBatch, 2 * (made ?? 0), esi - block.sourceSymbols + 1);
      this.#generate(Math.min(want, this.#repairLimit()));
    }
    const symbol = this.#symbols[sbn]![esi];
    if (symbol === undefined) {
      throw new FecError(
        `RaptorQ encoder: block ${sbn} ESI ${esi} is past what the package can number in 24 bits`,
      );
    }
    return symbol;
  }

  maxEsi(sbn: number): number {
    const block = this.blocks[sbn];
    if (block === undefined) throw new FecError(`RaptorQ encoder: SBN ${sbn} out of range`);
    return MAX_ESI - this.#shift[sbn]!;
  }

  /** Repair symbols per block such that every block's package ESIs stay within 24 bits. */
  #repairLimit(): number {
    let limit = MAX_ESI + 1;
    for (const b of this.blocks) limit = Math.min(limit, MAX_ESI + 1 - b.sourceSymbols - this.#shift[b.sbn]!);
    return limit;
  }

  /** Ask the package for every block's source symbols and `repair` repair symbols; nothing stays in the wasm. */
  #generate(repair: number): void {
    const packets = callRaptorq('Encoder.encode', () => {
      const encoder = RaptorqWasmEncoder.with_defaults(this.#data, this.oti.symbolLength);
      try {
        return encoder.encode(repair);
      } finally {
        encoder.free();
      }
    });
    const symbols: Uint8Array[][] = this.blocks.map(() => []);
    for (const p of packets) {
      const sbn = p[0]!;
      const esi = readUint(p, 1, 3);
      symbols[sbn]![esi < this.blocks[sbn]!.sourceSymbols ? esi : esi - this.#shift[sbn]!] = p.subarray(4);
    }
    this.#symbols = symbols;
    this.#repairMade = repair;
  }
}

class RaptorqDecoder implements FecDecoder {
  readonly oti: FecOti;
  readonly #layout: ObjectLayout;
  readonly #shift: number[];
  #wasm: RaptorqWasmDecoder | undefined;
  #generation = 0;
  #result: Uint8Array | undefined;
  #failed: string | undefined;
  #source: BitSet[];
  #repair: Set<number>[];
  /** Distinct symbols received per block, and in all. */
  #perBlock: number[];
  #received = 0;
  readonly #rejections = new Rejections();

  constructor(oti: FecOti) {
    const { oti: checked, layout } = raptorqLayout(oti);
    if (checked.transferLength > 0) {
      const own = raptorqOti(checked.transferLength, checked.symbolLength);
      if (
        own.sourceBlocks !== checked.sourceBlocks ||
        own.subBlocks !== checked.subBlocks ||
        own.alignment !== checked.alignment
      ) {
        throw new FecError(
          `RaptorQ decoder: the raptorq package can only decode its own OTI for F=${checked.transferLength}, T=${checked.symbolLength} (Z=${own.sourceBlocks}, N=${own.subBlocks}, Al=${own.alignment}); got Z=${checked.sourceBlocks}, N=${checked.subBlocks}, Al=${checked.alignment}`,
        );
      }
    } else {
      this.#result = new Uint8Array(0);
    }
    this.oti = checked;
    this.#layout = layout;
    this.#shift = repairShifts(layout);
    this.#source = layout.blocks.map((b) => new BitSet(b.sourceSymbols));
    this.#repair = layout.blocks.map(() => new Set<number>());
    this.#perBlock = layout.blocks.map(() => 0);
  }

  get complete(): boolean {
    return this.#result !== undefined;
  }

  add(sbn: number, esi: number, data: Uint8Array): boolean {
    if (this.#failed !== undefined) return this.#rejections.refuse(this.#failed);
    const block = this.#layout.blocks[sbn];
    if (block === undefined || !Number.isInteger(sbn)) {
      return this.#rejections.refuse(`SBN ${sbn} out of range (${this.#layout.blocks.length} blocks)`);
    }
    if (!Number.isInteger(esi) || esi < 0 || esi > MAX_ESI) {
      return this.#rejections.refuse(`ESI ${esi} out of range`);
    }
    const T = this.oti.symbolLength;
    if (!(data instanceof Uint8Array)) {
      return this.#rejections.refuse(`block ${sbn} ESI ${esi}: no symbol bytes`);
    }
    if (data.length !== T) {
      return this.#rejections.refuse(
        `block ${sbn} ESI ${esi}: symbol of ${data.length} bytes, expected ${T}`,
      );
    }
    if (this.#result !== undefined) return true;
    const fresh = esi < block.sourceSymbols ? this.#source[sbn]!.add(esi) : !this.#repair[sbn]!.has(esi);
    if (!fresh) return false;
    if (esi >= block.sourceSymbols) this.#repair[sbn]!.add(esi);
    this.#perBlock[sbn]!++;
    this.#received++;

    const packet = new Uint8Array(4 + T);
    packet[0] = sbn;
    writeUint(packet, 1, 3, esi < block.sourceSymbols ? esi : esi + this.#shift[sbn]!);
    packet.set(data, 4);
    let out: Uint8Array | undefined;
    try {
      out = callRaptorq('Decoder.decode', () => this.#decoder().decode(packet));
    } catch (err) {
      this.#failed = `decoder lost: ${(err as Error).message}`;
      this.#wasm = undefined;
      return this.#rejections.refuse(this.#failed);
    }
    if (out !== undefined) this.#finish(out);
    return this.complete;
  }

  /** The wasm decoder, made on the first symbol; refused if the instance was replaced since. */
  #decoder(): RaptorqWasmDecoder {
    if (this.#wasm === undefined) {
      this.#generation = raptorqGeneration();
      this.#wasm = RaptorqWasmDecoder.with_defaults(BigInt(this.oti.transferLength), this.oti.symbolLength);
      raptorqFinalizer.register(this, { object: this.#wasm, generation: this.#generation }, this);
    } else if (!raptorqAlive(this.#generation)) {
      throw new Error('the raptorq wasm instance was replaced after a trap elsewhere');
    }
    return this.#wasm;
  }

  #finish(out: Uint8Array): void {
    if (out.length !== this.oti.transferLength) {
      this.#failed = `raptorq returned ${out.length} bytes for a ${this.oti.transferLength}-byte object`;
    } else {
      this.#result = out;
    }
    this.#release();
  }

  #release(): void {
    if (this.#wasm !== undefined) {
      raptorqFinalizer.unregister(this);
      if (raptorqAlive(this.#generation)) this.#wasm.free();
      this.#wasm = undefined;
    }
  }

  missing(): { sbn: number; esis: number[]; needed: number }[] {
    if (this.complete) return [];
    const out: { sbn: number; esis: number[]; needed: number }[] = [];
    for (const block of this.#layout.blocks) {
      const have = this.#perBlock[block.sbn]!;
      const esis = this.#source[block.sbn]!.clear(block.sourceSymbols);
      if (esis.length > 0)
        out.push({ sbn: block.sbn, esis, needed: Math.max(0, block.sourceSymbols - have) });
    }
    // The package decodes the object as a whole and does not say which block is short: if every block has
    // K symbols yet the object is not out, each block still missing source symbols may need one more.
    if (out.length > 0 && out.every((b) => b.needed === 0)) for (const b of out) b.needed = 1;
    return out;
  }

  result(): Uint8Array {
    if (this.#result === undefined) {
      throw new FecError(
        `RaptorQ decoder: object incomplete (${this.#received} symbols received${this.#failed ? `; ${this.#failed}` : ''})`,
      );
    }
    return this.#result;
  }

  /** Estimated: the wasm keeps each received symbol until the object is decoded. */
  get memoryBytes(): number {
    if (this.#result !== undefined) return this.#result.byteLength;
    return this.#received * this.oti.symbolLength;
  }

  get rejected(): { count: number; lastReason?: string } {
    return this.#rejections.summary;
  }

  [Symbol.dispose](): void {
    this.#release();
    this.#failed ??= 'decoder disposed';
    this.#source = [];
    this.#repair = [];
  }
}

export const raptorq: FecScheme = {
  id: 6,
  name: 'RaptorQ',
  payloadIdLength: 4,

  encoder(data: Uint8Array, params: EncoderParams): FecEncoder {
    return new RaptorqEncoder(data, params);
  },

  decoder(oti: FecOti): FecDecoder {
    return new RaptorqDecoder(oti);
  },

  ...raptorqWire,
};
