/**
 * Replaying an elimination plan (elimination.ts) on symbols: the XORs that turn the right-hand sides D into the
 * intermediate symbols C. This is where the codec spends its time when symbols are large.
 */
import { type EliminationPlan, FIX_RECOMPUTE, FIX_XOR_INACTIVE, PIVOTED } from './elimination.ts';
import {
  copySymbol as copyImported,
  SymbolBuffer,
  xorSymbol as xorImported,
  zeroSymbol as zeroImported,
} from './symbols.ts';

// Local bindings for the hot loops (some module loaders turn imported functions into getters).
const xorSymbol = xorImported;
const copySymbol = copyImported;
const zeroSymbol = zeroImported;

/**
 * The right-hand side of the rows: rows below `dataFrom` are constraints (zero); row r ≥ dataFrom is symbol
 * r − dataFrom of `data`.
 */
export interface RowSymbols {
  readonly data: SymbolBuffer;
  readonly dataFrom: number;
}

/** Replays the plan on symbols: fills C (L symbols) with the intermediate symbols. */
export function solveSymbols(plan: EliminationPlan, rhs: RowSymbols, C: SymbolBuffer): void {
  const { start, cols } = plan.rows;
  const { pivotRow, pivotCol, colState } = plan;
  const setRhs = (dst: SymbolBuffer, i: number, r: number) => {
    if (r < rhs.dataFrom) zeroSymbol(dst, i);
    else copySymbol(dst, i, rhs.data, r - rhs.dataFrom);
  };

  // 1. Symbol parts of the peeled columns, with the inactive columns taken as zero.
  for (let k = 0; k < pivotRow.length; k++) {
    const r = pivotRow[k] as number;
    const c = pivotCol[k] as number;
    setRhs(C, c, r);
    for (let x = start[r] as number; x < (start[r + 1] as number); x++) {
      const cc = cols[x] as number;
      if (cc !== c && colState[cc] === PIVOTED) xorSymbol(C, c, C, cc);
    }
  }

  // 2. The dense system's right-hand sides, then Gauss-Jordan, giving the inactive columns.
  const u = plan.inactive.length;
  const E = new SymbolBuffer(u, C.T);
  for (let s = 0; s < u; s++) {
    const r = plan.slotRow[s] as number;
    setRhs(E, s, r);
    for (let x = start[r] as number; x < (start[r + 1] as number); x++) {
      const c = cols[x] as number;
      if (colState[c] === PIVOTED) xorSymbol(E, s, C, c);
    }
  }
  const ops = plan.slotOps;
  for (let x = 0; x < ops.length; x += 2) xorSymbol(E, ops[x] as number, E, ops[x + 1] as number);
  for (let j = 0; j < u; j++) copySymbol(C, plan.inactive[j] as number, E, plan.inactiveSlot[j] as number);

  // 3. Peeled columns: add what they owe the inactive columns, in peeling order.
  for (let k = 0; k < pivotRow.length; k++) {
    const c = pivotCol[k] as number;
    const mode = plan.fixMode[k];
    if (mode === FIX_XOR_INACTIVE) {
      for (let x = plan.fixStart[k] as number; x < (plan.fixStart[k + 1] as number); x++) {
        xorSymbol(C, c, C, plan.inactive[plan.fixList[x] as number] as number);
      }
    } else if (mode === FIX_RECOMPUTE) {
      const r = pivotRow[k] as number;
      setRhs(C, c, r);
      for (let x = start[r] as number; x < (start[r + 1] as number); x++) {
        const cc = cols[x] as number;
        if (cc !== c) xorSymbol(C, c, C, cc);
      }
    }
  }
}
