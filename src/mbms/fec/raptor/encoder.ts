/**
 * The systematic Raptor encoder (RFC 5053 §5.4): the intermediate symbols C solve A·C = D where D is S + H zero
 * symbols followed by the K source symbols (§5.4.2.4), and encoding symbol X is LTEnc[K, C, Trip[K, X]], which for
 * X < K is source symbol X itself.
 */
import { FecError } from '../types.ts';
import { type EliminationPlan, planElimination } from './elimination.ts';
import { checkK, checkT, ltColumns, RAPTOR_MAX_ESI, type RaptorParameters } from './parameters.ts';
import { solveSymbols } from './solve.ts';
import { type RaptorStructure, raptorStructure, SparseRowsBuilder } from './structure.ts';
import { copySymbol, SymbolBuffer, xorSymbol } from './symbols.ts';

/** The plan for the rows of A (§5.4.2.4.2) with the K source ESIs; the same for every block of this K. */
function encodePlan(structure: RaptorStructure): EliminationPlan {
  if (structure.encodePlan) return structure.encodePlan;
  const { S, H, L, K, J } = structure.params;
  const rows = new SparseRowsBuilder();
  rows.addFrom(structure.constraints);
  rows.addFrom(structure.sourceRows);
  const plan = planElimination(rows.build(), L, S, S + H);
  if (!plan) {
    // J(K) is chosen so that this never happens (§5.7): a wrong table entry would.
    throw new FecError(`Raptor (RFC 5053) encoder: matrix A for K = ${K}, J(K) = ${J} is singular`);
  }
  structure.encodePlan = plan;
  return plan;
}

/** LTEnc[K, C, Trip[K, X]] (§5.4.4.3) into symbol `at` of `out`. */
export function ltEncode(
  p: RaptorParameters,
  C: SymbolBuffer,
  X: number,
  out: SymbolBuffer,
  at: number,
): void {
  const cols: number[] = [];
  ltColumns(p, X, cols);
  copySymbol(out, at, C, cols[0] as number);
  for (let k = 1; k < cols.length; k++) xorSymbol(out, at, C, cols[k] as number);
}

/** Systematic encoder for one source block of K symbols of T bytes each (source.length === K*T). */
export class RaptorEncoder {
  private readonly structure: RaptorStructure;
  private readonly source: SymbolBuffer;
  private C: SymbolBuffer | undefined;
  private views: Uint8Array[] | undefined;

  constructor(
    source: Uint8Array,
    readonly K: number,
    readonly T: number,
  ) {
    checkK(K, 'encoder');
    checkT(T, 'encoder');
    if (source.length !== K * T) {
      throw new FecError(
        `Raptor (RFC 5053) encoder: source block is ${source.length} bytes, expected K·T = ${K * T}`,
      );
    }
    this.structure = raptorStructure(K);
    // A private aligned copy: word-wise XOR, and later changes to the caller's buffer cannot skew repair symbols.
    this.source = new SymbolBuffer(K, T);
    this.source.bytes.set(source);
  }

  /** The L intermediate symbols (computed on first use: sending only source symbols costs nothing). */
  get intermediate(): readonly Uint8Array[] {
    const C = this.intermediateSymbols();
    this.views ??= Array.from({ length: C.count }, (_, i) => C.view(i));
    return this.views;
  }

  /** Encoding symbol for ESI (0..65535): ESI < K returns (a copy of) the source symbol itself (systematic). */
  symbol(esi: number): Uint8Array {
    if (!Number.isInteger(esi) || esi < 0 || esi > RAPTOR_MAX_ESI) {
      throw new FecError(`Raptor (RFC 5053) encoder: ESI ${esi} is outside 0..${RAPTOR_MAX_ESI}`);
    }
    if (esi < this.K) return this.source.bytes.slice(esi * this.T, (esi + 1) * this.T);
    const out = new SymbolBuffer(1, this.T);
    ltEncode(this.structure.params, this.intermediateSymbols(), esi, out, 0);
    return out.bytes;
  }

  private intermediateSymbols(): SymbolBuffer {
    if (this.C) return this.C;
    const p = this.structure.params;
    const C = new SymbolBuffer(p.L, this.T);
    solveSymbols(encodePlan(this.structure), { data: this.source, dataFrom: p.S + p.H }, C);
    this.C = C;
    return C;
  }
}
