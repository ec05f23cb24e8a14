/**
 * Compact No-Code, FEC Encoding ID 0 (RFC 3926 §5, RFC 5445): the encoding symbols are the source symbols,
 * blocks come from the RFC 5052 §9.1 algorithm, and only the object's very last symbol may be short.
 *
 * - FEC Payload ID: SBN 16 · ESI 16.
 * - EXT_FTI body (after HET/HEL): transfer length 48 · reserved 16 · E 16 · B 32 (14 bytes, HEL = 4).
 * - FDT: FEC-OTI-FEC-Encoding-ID=0, FEC-OTI-Encoding-Symbol-Length=E, FEC-OTI-Maximum-Source-Block-Length=B,
 *   Transfer-Length.
 */
import { type BlockPartition, blockPartition } from './partition.ts';
import {
  type EncoderParams,
  type FecDecoder,
  type FecEncoder,
  FecError,
  type FecOti,
  type FecScheme,
  type PayloadId,
  type SourceBlockInfo,
} from './types.ts';
import {
  BitSet,
  checkEncodingIdAttribute,
  checkLength,
  checkRange,
  Rejections,
  readUint,
  requiredUnsignedAttribute,
  transferLengthFrom,
  writeUint,
} from './wire.ts';

const MAX_TRANSFER_LENGTH = 2 ** 48 - 1;
/** SBN and ESI are 16 bits: at most 2^16 blocks of at most 2^16 symbols. */
const MAX_BLOCKS = 2 ** 16;
const MAX_BLOCK_SYMBOLS = 2 ** 16;
/** Symbols per block when the caller names no B (ypo/flute's default too). */
export const NO_CODE_DEFAULT_MAX_BLOCK_LENGTH = 64;

interface NoCodeGeometry {
  oti: FecOti;
  partition: BlockPartition;
  blocks: SourceBlockInfo[];
  /** Byte offset of each block in the object. */
  offsets: number[];
}

/** Check a no-code OTI and derive its blocks; every problem is a FecError naming the field. */
function geometry(oti: FecOti): NoCodeGeometry {
  if (oti.encodingId !== 0)
    throw new FecError(`Compact No-Code: OTI has FEC Encoding ID ${oti.encodingId}, not 0`);
  const F = checkRange('Compact No-Code transfer length', oti.transferLength, 0, MAX_TRANSFER_LENGTH);
  const E = checkRange('Compact No-Code encoding symbol length', oti.symbolLength, 1, 0xffff);
  const B = checkRange(
    'Compact No-Code maximum source block length',
    oti.maxSourceBlockLength ?? -1,
    1,
    0xffffffff,
  );
  const p = blockPartition(F, E, B);
  if (p.blockCount > MAX_BLOCKS || p.largeBlockLength > MAX_BLOCK_SYMBOLS) {
    throw new FecError(
      `Compact No-Code: ${F} bytes in ${E}-byte symbols make ${p.blockCount} blocks of up to ${p.largeBlockLength} symbols; SBN and ESI are 16 bits`,
    );
  }
  const blocks: SourceBlockInfo[] = [];
  const offsets: number[] = [];
  let offset = 0;
  for (let sbn = 0; sbn < p.blockCount; sbn++) {
    const k = sbn < p.largeBlockCount ? p.largeBlockLength : p.smallBlockLength;
    blocks.push({ sbn, sourceSymbols: k });
    offsets.push(offset);
    offset += k * E;
  }
  return {
    oti: { encodingId: 0, transferLength: F, symbolLength: E, maxSourceBlockLength: B },
    partition: p,
    blocks,
    offsets,
  };
}

class NoCodeEncoder implements FecEncoder {
  readonly oti: FecOti;
  readonly blocks: readonly SourceBlockInfo[];
  readonly #data: Uint8Array;
  readonly #offsets: number[];

  constructor(data: Uint8Array, g: NoCodeGeometry) {
    this.#data = data;
    this.oti = g.oti;
    this.blocks = g.blocks;
    this.#offsets = g.offsets;
  }

  symbol(sbn: number, esi: number): Uint8Array {
    const block = this.blocks[sbn];
    if (block === undefined || !Number.isInteger(sbn)) {
      throw new FecError(`Compact No-Code encoder: SBN ${sbn} out of range (${this.blocks.length} blocks)`);
    }
    if (!Number.isInteger(esi) || esi < 0 || esi >= block.sourceSymbols) {
      throw new FecError(
        `Compact No-Code encoder: ESI ${esi} out of range for block ${sbn} (K=${block.sourceSymbols})`,
      );
    }
    const at = this.#offsets[sbn]! + esi * this.oti.symbolLength;
    return this.#data.subarray(at, Math.min(at + this.oti.symbolLength, this.#data.length));
  }

  maxEsi(sbn: number): number {
    const block = this.blocks[sbn];
    if (block === undefined) throw new FecError(`Compact No-Code encoder: SBN ${sbn} out of range`);
    return block.sourceSymbols - 1;
  }
}

class NoCodeDecoder implements FecDecoder {
  readonly oti: FecOti;
  readonly #g: NoCodeGeometry;
  #object: Uint8Array | undefined;
  #received: BitSet[];
  /** Source symbols still missing per block, and in all. */
  #missingPerBlock: number[];
  #missingTotal: number;
  #disposed = false;
  readonly #rejections = new Rejections();

  constructor(g: NoCodeGeometry) {
    this.#g = g;
    this.oti = g.oti;
    this.#received = g.blocks.map((b) => new BitSet(b.sourceSymbols));
    this.#missingPerBlock = g.blocks.map((b) => b.sourceSymbols);
    this.#missingTotal = g.partition.sourceSymbols;
  }

  get complete(): boolean {
    return this.#missingTotal === 0 && !this.#disposed;
  }

  add(sbn: number, esi: number, data: Uint8Array): boolean {
    if (this.#disposed) return this.#rejections.refuse('decoder disposed');
    const block = this.#g.blocks[sbn];
    if (block === undefined || !Number.isInteger(sbn)) {
      return this.#rejections.refuse(`SBN ${sbn} out of range (${this.#g.blocks.length} blocks)`);
    }
    if (!Number.isInteger(esi) || esi < 0 || esi >= block.sourceSymbols) {
      return this.#rejections.refuse(`ESI ${esi} out of range for block ${sbn} (K=${block.sourceSymbols})`);
    }
    const E = this.oti.symbolLength;
    const at = this.#g.offsets[sbn]! + esi * E;
    const expected = Math.min(E, this.oti.transferLength - at);
    // The last symbol is short; a sender that pads it to E is tolerated (the padding is dropped).
    if (!(data instanceof Uint8Array)) {
      return this.#rejections.refuse(`block ${sbn} ESI ${esi}: no symbol bytes`);
    }
    if (data.length !== expected && data.length !== E) {
      return this.#rejections.refuse(
        `block ${sbn} ESI ${esi}: symbol of ${data.length} bytes, expected ${expected}`,
      );
    }
    if (!this.#received[sbn]!.add(esi)) return this.complete;
    this.#object ??= new Uint8Array(this.oti.transferLength);
    this.#object.set(data.length === expected ? data : data.subarray(0, expected), at);
    this.#missingPerBlock[sbn]!--;
    this.#missingTotal--;
    return this.complete;
  }

  missing(): { sbn: number; esis: number[]; needed: number }[] {
    const out: { sbn: number; esis: number[]; needed: number }[] = [];
    for (const block of this.#g.blocks) {
      const needed = this.#missingPerBlock[block.sbn]!;
      if (needed > 0) out.push({ sbn: block.sbn, esis: this.#received[block.sbn]!.clear(), needed });
    }
    return out;
  }

  result(): Uint8Array {
    if (!this.complete) {
      throw new FecError(
        `Compact No-Code decoder: object incomplete, ${this.#missingTotal} source symbols missing`,
      );
    }
    return this.#object ?? new Uint8Array(0);
  }

  get memoryBytes(): number {
    let bytes = this.#object?.byteLength ?? 0;
    for (const r of this.#received) bytes += r.byteLength;
    return bytes;
  }

  get rejected(): { count: number; lastReason?: string } {
    return this.#rejections.summary;
  }

  [Symbol.dispose](): void {
    this.#disposed = true;
    this.#object = undefined;
    this.#received = [];
  }
}

export const compactNoCode: FecScheme = {
  id: 0,
  name: 'Compact No-Code',
  payloadIdLength: 4,

  encoder(data: Uint8Array, params: EncoderParams): FecEncoder {
    return new NoCodeEncoder(
      data,
      geometry({
        encodingId: 0,
        transferLength: data.length,
        symbolLength: params.symbolLength,
        maxSourceBlockLength: params.maxSourceBlockLength ?? NO_CODE_DEFAULT_MAX_BLOCK_LENGTH,
      }),
    );
  },

  decoder(oti: FecOti): FecDecoder {
    return new NoCodeDecoder(geometry(oti));
  },

  encodePayloadId({ sbn, esi }: PayloadId): Uint8Array {
    const out = new Uint8Array(4);
    writeUint(out, 0, 2, checkRange('Compact No-Code SBN', sbn, 0, 0xffff));
    writeUint(out, 2, 2, checkRange('Compact No-Code ESI', esi, 0, 0xffff));
    return out;
  },

  decodePayloadId(bytes: Uint8Array): PayloadId {
    checkLength('Compact No-Code FEC Payload ID', bytes, 4);
    return { sbn: readUint(bytes, 0, 2), esi: readUint(bytes, 2, 2) };
  },

  encodeFti(oti: FecOti): Uint8Array {
    const g = geometry(oti);
    const out = new Uint8Array(14);
    writeUint(out, 0, 6, g.oti.transferLength);
    writeUint(out, 8, 2, g.oti.symbolLength);
    writeUint(out, 10, 4, g.oti.maxSourceBlockLength!);
    return out;
  },

  decodeFti(bytes: Uint8Array): FecOti {
    checkLength('Compact No-Code EXT_FTI', bytes, 14);
    return geometry({
      encodingId: 0,
      transferLength: readUint(bytes, 0, 6),
      symbolLength: readUint(bytes, 8, 2),
      maxSourceBlockLength: readUint(bytes, 10, 4),
    }).oti;
  },

  fdtAttributes(oti: FecOti): Record<string, string> {
    const g = geometry(oti).oti;
    return {
      'FEC-OTI-FEC-Encoding-ID': '0',
      'FEC-OTI-Encoding-Symbol-Length': String(g.symbolLength),
      'FEC-OTI-Maximum-Source-Block-Length': String(g.maxSourceBlockLength),
      'Transfer-Length': String(g.transferLength),
    };
  },

  fromFdtAttributes(attrs: Record<string, string | undefined>, transferLength: number): FecOti {
    checkEncodingIdAttribute(attrs, 0);
    return geometry({
      encodingId: 0,
      transferLength: transferLengthFrom(attrs, transferLength, MAX_TRANSFER_LENGTH),
      symbolLength: requiredUnsignedAttribute(attrs, 'FEC-OTI-Encoding-Symbol-Length', 1, 0xffff),
      maxSourceBlockLength: requiredUnsignedAttribute(
        attrs,
        'FEC-OTI-Maximum-Source-Block-Length',
        1,
        0xffffffff,
      ),
    }).oti;
  },
};
