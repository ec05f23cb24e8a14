/**
 * The K-dependent part of the constraint matrix A (RFC 5053 §5.4.2.4.2), built once per K and cached: the S LDPC
 * rows and H Half rows of the pre-code (§5.4.2.3) and the LT rows of the K source symbols (ESI 0..K−1).
 */
import type { EliminationPlan } from './elimination.ts';
import { ltColumns, type RaptorParameters, raptorParameters } from './parameters.ts';

/** Rows of a GF(2) matrix, compressed: row r has ones in the columns cols[start[r]] .. cols[start[r + 1] − 1]. */
export interface SparseRows {
  readonly count: number;
  readonly start: Int32Array;
  readonly cols: Int32Array;
}

export class SparseRowsBuilder {
  private readonly cols: number[] = [];
  private readonly start: number[] = [0];

  add(cols: readonly number[]): void {
    for (const c of cols) this.cols.push(c);
    this.start.push(this.cols.length);
  }

  /** Appends rows [from, to) of another row set. */
  addFrom(rows: SparseRows, from = 0, to = rows.count): void {
    for (let r = from; r < to; r++) {
      const end = rows.start[r + 1] as number;
      for (let k = rows.start[r] as number; k < end; k++) this.cols.push(rows.cols[k] as number);
      this.start.push(this.cols.length);
    }
  }

  build(): SparseRows {
    return {
      count: this.start.length - 1,
      start: Int32Array.from(this.start),
      cols: Int32Array.from(this.cols),
    };
  }
}

export interface RaptorStructure {
  readonly params: RaptorParameters;
  /** Rows 0..S−1: LDPC; rows S..S+H−1: Half. Their right-hand side is zero. */
  readonly constraints: SparseRows;
  /** Row i: the LT row of source symbol i (ESI i). */
  readonly sourceRows: SparseRows;
  /** Encoder's elimination plan for this K (same for every block), set on first use. */
  encodePlan?: EliminationPlan;
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

function buildConstraints(p: RaptorParameters): SparseRows {
  const { K, S, H, Hp } = p;
  const ldpc: number[][] = Array.from({ length: S }, () => []);
  for (let i = 0; i < K; i++) {
    const a = 1 + (Math.floor(i / S) % (S - 1));
    let b = i % S;
    for (let n = 0; n < 3; n++) {
      (ldpc[b] as number[]).push(i);
      b = (b + a) % S;
    }
  }
  const rows = new SparseRowsBuilder();
  for (let s = 0; s < S; s++) rows.add([...(ldpc[s] as number[]), K + s]);

  // m[j]: the j-th Gray code g[i] = i ^ floor(i/2) with exactly H′ bits set.
  const m = new Int32Array(K + S);
  for (let i = 0, j = 0; j < K + S; i++) {
    const g = i ^ (i >>> 1);
    if (popcount(g) === Hp) m[j++] = g;
  }
  for (let h = 0; h < H; h++) {
    const row: number[] = [];
    for (let j = 0; j < K + S; j++) if (((m[j] as number) >>> h) & 1) row.push(j);
    row.push(K + S + h);
    rows.add(row);
  }
  return rows.build();
}

function buildSourceRows(p: RaptorParameters): SparseRows {
  const rows = new SparseRowsBuilder();
  const cols: number[] = [];
  for (let i = 0; i < p.K; i++) {
    cols.length = 0;
    ltColumns(p, i, cols);
    rows.add(cols);
  }
  return rows.build();
}

// Blocks of a file share K (at most two values per file, RFC 5053 §5.3.1.2), so a few entries suffice.
const CACHE_LIMIT = 16;
const cache = new Map<number, RaptorStructure>();

/** The cached structure for K (validated by raptorParameters). */
export function raptorStructure(K: number): RaptorStructure {
  const hit = cache.get(K);
  if (hit) {
    cache.delete(K);
    cache.set(K, hit);
    return hit;
  }
  const params = raptorParameters(K);
  const built: RaptorStructure = {
    params,
    constraints: buildConstraints(params),
    sourceRows: buildSourceRows(params),
  };
  cache.set(K, built);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value as number);
  return built;
}
