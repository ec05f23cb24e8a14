/**
 * The FEC building block interface (RFC 5052) that every scheme implements: Compact No-Code (ID 0),
 * Raptor RFC 5053 (ID 1), RaptorQ RFC 6330 (ID 6). The packet layer carries FEC Payload IDs and EXT_FTI
 * as raw bytes; a scheme knows how to read and write them.
 */

/** FEC Encoding IDs (RFC 5052 registry). */
export type FecEncodingId = 0 | 1 | 6;

/** FEC Object Transmission Information: what a receiver needs to decode an object. */
export interface FecOti {
  encodingId: FecEncodingId;
  /** Transfer length of the object, bytes (may exceed 2^32 for ID 6; JS numbers are exact to 2^53). */
  transferLength: number;
  /** Encoding symbol length T, bytes. */
  symbolLength: number;
  /** ID 0: maximum source block length B, symbols. */
  maxSourceBlockLength?: number;
  /** ID 1 / 6: number of source blocks Z, sub-blocks N, symbol alignment Al. */
  sourceBlocks?: number;
  subBlocks?: number;
  alignment?: number;
  /** ID 1: maximum number of encoding symbols per block (RFC 5053 §3.2.3, not needed to decode). */
  maxEncodingSymbols?: number;
}

export interface PayloadId {
  /** Source block number. */
  sbn: number;
  /** Encoding symbol ID. */
  esi: number;
}

export interface SourceBlockInfo {
  sbn: number;
  /** Source symbols in the block (K). */
  sourceSymbols: number;
}

export interface FecEncoder {
  readonly oti: FecOti;
  readonly blocks: readonly SourceBlockInfo[];
  /**
   * The encoding symbol for a payload ID: ESI < K is a source symbol, ESI ≥ K a repair symbol. The bytes may
   * be a view of the object or of the encoder's cache: do not modify them. An SBN or ESI out of range is a
   * FecError. The encoder keeps a reference to the object, which must not change while it is in use.
   */
  symbol(sbn: number, esi: number): Uint8Array;
  /** Largest ESI the scheme can produce for this block (no-code: K − 1). */
  maxEsi(sbn: number): number;
}

export interface FecDecoder {
  readonly oti: FecOti;
  /**
   * Add a received encoding symbol; true once the whole object is recovered. Bad sbn/esi/length: false,
   * counted, never thrown. The decoder copies what it keeps, so the caller may reuse its packet buffer.
   */
  add(sbn: number, esi: number, data: Uint8Array): boolean;
  readonly complete: boolean;
  /** Per block, the source symbols not yet received (for symbol-based repair requests). */
  missing(): { sbn: number; esis: number[]; needed: number }[];
  /** The object (transferLength bytes), once complete. */
  result(): Uint8Array;
  /** Bytes of symbol state held now (constrained devices must know this). */
  readonly memoryBytes: number;
  /** Symbols refused (wrong length, out of range), with the last reason. */
  readonly rejected: { count: number; lastReason?: string };
  /** Release the symbol state now (RaptorQ: the wasm decoder); later add() calls are refused. */
  [Symbol.dispose](): void;
}

export interface EncoderParams {
  symbolLength: number;
  /** ID 0: maximum source block length in symbols; ID 1/6: upper bound on K per block. */
  maxSourceBlockLength?: number;
  /** ID 1/6: symbol alignment (default 4 for ID 1, 8 for ID 6 via raptorq). */
  alignment?: number;
  /**
   * ID 1: target W on a sub-block's size in bytes — what a receiver decodes in one piece, so its working
   * memory (default 256 KiB, TS 26.346 B.3.4.1).
   */
  subBlockBytes?: number;
  /**
   * ID 6: repair symbols per block the sender expects to ask for. The raptorq package only makes repair
   * symbols in batches (all blocks at once), so the encoder makes this many first and doubles when asked
   * for more (default ceil(K/4), at least 16).
   */
  repairSymbols?: number;
}

export interface FecScheme {
  readonly id: FecEncodingId;
  readonly name: string;
  /** Bytes of the FEC Payload ID in each packet, before the symbol (4 for IDs 0, 1 and 6). */
  readonly payloadIdLength: number;
  encoder(data: Uint8Array, params: EncoderParams): FecEncoder;
  decoder(oti: FecOti): FecDecoder;
  /** FEC Payload ID (4 bytes for IDs 0, 1 and 6, laid out differently). */
  encodePayloadId(id: PayloadId): Uint8Array;
  decodePayloadId(bytes: Uint8Array): PayloadId;
  /** EXT_FTI header extension body (after HET/HEL) for this scheme, and back. */
  encodeFti(oti: FecOti): Uint8Array;
  decodeFti(bytes: Uint8Array): FecOti;
  /** FDT FEC-OTI-* attributes (and FEC-OTI-Scheme-Specific-Info base64) for this scheme, and back. */
  fdtAttributes(oti: FecOti): Record<string, string>;
  fromFdtAttributes(attrs: Record<string, string | undefined>, transferLength: number): FecOti;
}

export class FecError extends Error {
  override name = 'FecError';
}
