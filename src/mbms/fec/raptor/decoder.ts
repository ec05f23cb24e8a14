/**
 * The Raptor decoder (RFC 5053 §5.5): the received encoding symbols, with the S + H pre-code constraints, give the
 * system A·C = D for the intermediate symbols; the missing source symbols are then LTEnc[K, C, Trip[K, i]].
 */
import { planElimination } from './elimination.ts';
import { ltEncode } from './encoder.ts';
import { checkK, checkT, ltColumns, RAPTOR_MAX_ESI } from './parameters.ts';
import { solveSymbols } from './solve.ts';
import { type RaptorStructure, raptorStructure, SparseRowsBuilder } from './structure.ts';
import { copySymbol, SymbolBuffer } from './symbols.ts';

/** Decoder for one source block: feed (esi, symbol) pairs, then decode. */
export class RaptorDecoder {
  private readonly structure: RaptorStructure;
  private readonly esis: number[] = [];
  private readonly seen = new Set<number>();
  /** Slot of each source symbol received, −1 when missing. */
  private readonly sourceSlot: Int32Array;
  private sourceCount = 0;
  private store: SymbolBuffer;
  private result: Uint8Array | undefined;

  constructor(
    readonly K: number,
    readonly T: number,
  ) {
    checkK(K, 'decoder');
    checkT(T, 'decoder');
    this.structure = raptorStructure(K);
    this.sourceSlot = new Int32Array(K).fill(-1);
    this.store = new SymbolBuffer(Math.min(K, 64), T);
  }

  /** Returns false (and ignores it) for a duplicate ESI, an ESI outside 0..65535 or a wrong length. */
  add(esi: number, symbol: Uint8Array): boolean {
    if (!Number.isInteger(esi) || esi < 0 || esi > RAPTOR_MAX_ESI) return false;
    if (!(symbol instanceof Uint8Array) || symbol.length !== this.T || this.seen.has(esi)) return false;
    const slot = this.esis.length;
    if (slot === this.store.count) {
      const grown = new SymbolBuffer(this.store.count * 2, this.T);
      grown.bytes.set(this.store.bytes);
      this.store = grown;
    }
    this.store.bytes.set(symbol, slot * this.T);
    this.esis.push(esi);
    this.seen.add(esi);
    if (esi < this.K) {
      this.sourceSlot[esi] = slot;
      this.sourceCount++;
    }
    return true;
  }

  get received(): number {
    return this.esis.length;
  }

  /** Bytes of symbol storage held now. */
  get memoryBytes(): number {
    return this.store.bytes.byteLength + (this.result?.byteLength ?? 0);
  }

  /**
   * Try to decode: the K*T source bytes, or undefined when the received symbols are not yet sufficient (more
   * symbols can be added and decode() called again). Succeeds whenever the received symbols determine the block.
   */
  decode(): Uint8Array | undefined {
    if (this.result) return this.result;
    const { K, T } = this;
    if (this.esis.length < K) return undefined;
    // Only the missing source symbols are rebuilt, each as LTEnc of the intermediate symbols.
    const C = this.sourceCount < K ? this.solve() : undefined;
    if (this.sourceCount < K && !C) return undefined;
    const out = new SymbolBuffer(K, T);
    for (let i = 0; i < K; i++) {
      const slot = this.sourceSlot[i] as number;
      if (slot >= 0) copySymbol(out, i, this.store, slot);
      else ltEncode(this.structure.params, C as SymbolBuffer, i, out, i);
    }
    this.result = out.bytes;
    return this.result;
  }

  /** The intermediate symbols from every symbol received, or undefined when they do not determine them. */
  private solve(): SymbolBuffer | undefined {
    const p = this.structure.params;
    const rows = new SparseRowsBuilder();
    rows.addFrom(this.structure.constraints);
    const cols: number[] = [];
    for (const esi of this.esis) {
      if (esi < p.K) rows.addFrom(this.structure.sourceRows, esi, esi + 1);
      else {
        cols.length = 0;
        ltColumns(p, esi, cols);
        rows.add(cols);
      }
    }
    const plan = planElimination(rows.build(), p.L, p.S, p.S + p.H);
    if (!plan) return undefined;
    const C = new SymbolBuffer(p.L, this.T);
    solveSymbols(plan, { data: this.store, dataFrom: p.S + p.H }, C);
    return C;
  }
}
