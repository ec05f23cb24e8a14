/**
 * Solving A·C = D over GF(2) for the L intermediate symbols (RFC 5053 §5.4.2.4.2 and §5.5), in two steps: a plan
 * computed on the matrix alone (which rows determine which columns, in what order), then its replay on symbols.
 *
 * The plan is inactivation decoding: rows are peeled (a row with one unknown column left determines that column)
 * over the sparse rows (LDPC and LT); when no such row is left, the row with the fewest unknowns keeps one of
 * them and the others are "inactivated", i.e. deferred. The dense Half rows are not peeled. Expressing every
 * peeled column as its symbol part plus a combination of inactive columns turns the rows left over into a small
 * dense system over the inactive columns (the Schur complement), solved by Gauss-Jordan on bit rows. Every step
 * is an exact elimination, so the plan exists exactly when A has full column rank: any sufficient set of rows
 * decodes, not only typical ones. The replay on symbols is in solve.ts.
 */
import type { SparseRows } from './structure.ts';

/** Column states in a plan. */
const ACTIVE = 0;
export const PIVOTED = 1;
const INACTIVE = 2;

/** How the fix pass completes a peeled column (see solveSymbols). */
const FIX_NONE = 0;
export const FIX_XOR_INACTIVE = 1;
export const FIX_RECOMPUTE = 2;

export interface EliminationPlan {
  readonly L: number;
  readonly rows: SparseRows;
  /** Peeling order: row pivotRow[k] determines column pivotCol[k] from columns determined before it. */
  readonly pivotRow: Int32Array;
  readonly pivotCol: Int32Array;
  readonly colState: Uint8Array;
  /** Columns solved by the dense phase. */
  readonly inactive: Int32Array;
  /** The leftover row feeding each dense slot. */
  readonly slotRow: Int32Array;
  /** Gauss-Jordan on slots: pairs (target, source), E[target] ^= E[source]. */
  readonly slotOps: Int32Array;
  /** The slot that holds the value of inactive[j] once the operations are done. */
  readonly inactiveSlot: Int32Array;
  /** Per pivot: how to add the inactive columns' contribution to its symbol part. */
  readonly fixMode: Uint8Array;
  readonly fixStart: Int32Array;
  readonly fixList: Int32Array;
}

/**
 * Plans the solution of rows·C = D for C (L columns). Rows [heavyFrom, heavyTo) are dense and go straight to the
 * dense phase. Returns undefined when the rows do not have rank L.
 */
export function planElimination(
  rows: SparseRows,
  L: number,
  heavyFrom: number,
  heavyTo: number,
): EliminationPlan | undefined {
  const M = rows.count;
  const { start, cols } = rows;
  const light = (r: number) => r < heavyFrom || r >= heavyTo;

  // Column → light rows, compressed.
  const colStart = new Int32Array(L + 1);
  for (let r = 0; r < M; r++) {
    if (!light(r)) continue;
    for (let k = start[r] as number; k < (start[r + 1] as number); k++) {
      const next = (cols[k] as number) + 1;
      colStart[next] = (colStart[next] as number) + 1;
    }
  }
  for (let c = 0; c < L; c++) colStart[c + 1] = (colStart[c + 1] as number) + (colStart[c] as number);
  const colRows = new Int32Array(colStart[L] as number);
  const fill = colStart.slice(0, L);
  const rowDeg = new Int32Array(M);
  for (let r = 0; r < M; r++) {
    if (!light(r)) continue;
    rowDeg[r] = (start[r + 1] as number) - (start[r] as number);
    for (let k = start[r] as number; k < (start[r + 1] as number); k++) {
      const c = cols[k] as number;
      colRows[fill[c] as number] = r;
      fill[c] = (fill[c] as number) + 1;
    }
  }
  // Live rows per column: light rows not yet used that contain it (to choose what to inactivate).
  const colLive = new Int32Array(L);
  for (let c = 0; c < L; c++) colLive[c] = (colStart[c + 1] as number) - (colStart[c] as number);

  const done = new Uint8Array(M);
  const colState = new Uint8Array(L);
  const pivotRow = new Int32Array(L);
  const pivotCol = new Int32Array(L);
  let P = 0;
  // A row enters the stack when its degree reaches 1; degrees only fall, so each row enters at most once.
  const stack = new Int32Array(M);
  let sp = 0;

  const reduce = (c: number) => {
    for (let k = colStart[c] as number; k < (colStart[c + 1] as number); k++) {
      const q = colRows[k] as number;
      if (done[q]) continue;
      rowDeg[q] = (rowDeg[q] as number) - 1;
      if (rowDeg[q] === 1) stack[sp++] = q;
    }
  };
  const pivot = (r: number) => {
    let c = -1;
    for (let k = start[r] as number; k < (start[r + 1] as number); k++) {
      const cc = cols[k] as number;
      colLive[cc] = (colLive[cc] as number) - 1;
      if (colState[cc] === ACTIVE) c = cc;
    }
    done[r] = 1;
    pivotRow[P] = r;
    pivotCol[P] = c;
    P++;
    colState[c] = PIVOTED;
    reduce(c);
  };

  for (let r = 0; r < M; r++) if (light(r) && rowDeg[r] === 1) stack[sp++] = r;
  for (;;) {
    while (sp > 0) {
      const r = stack[--sp] as number;
      if (!done[r] && rowDeg[r] === 1) pivot(r);
    }
    let best = -1;
    let bestDeg = Number.MAX_SAFE_INTEGER;
    for (let r = 0; r < M && bestDeg > 2; r++) {
      const d = rowDeg[r] as number;
      if (!done[r] && d >= 2 && d < bestDeg && light(r)) {
        best = r;
        bestDeg = d;
      }
    }
    if (best < 0) break;
    // Keep the unknown with the fewest live rows; inactivating the busier ones lowers more row degrees.
    let keep = -1;
    for (let k = start[best] as number; k < (start[best + 1] as number); k++) {
      const c = cols[k] as number;
      if (colState[c] === ACTIVE && (keep < 0 || (colLive[c] as number) < (colLive[keep] as number)))
        keep = c;
    }
    for (let k = start[best] as number; k < (start[best + 1] as number); k++) {
      const c = cols[k] as number;
      if (c !== keep && colState[c] === ACTIVE) {
        colState[c] = INACTIVE;
        reduce(c);
      }
    }
  }

  // Columns no light row could determine are left to the dense phase.
  const inactiveList: number[] = [];
  const inactiveIndex = new Int32Array(L).fill(-1);
  for (let c = 0; c < L; c++) {
    if (colState[c] === ACTIVE) colState[c] = INACTIVE;
    if (colState[c] === INACTIVE) {
      inactiveIndex[c] = inactiveList.length;
      inactiveList.push(c);
    }
  }
  const u = inactiveList.length;
  const w = Math.max(1, Math.ceil(u / 32));

  // B[k]: the inactive columns that pivot k's column depends on (its symbol part excludes them).
  const pivotOf = new Int32Array(L).fill(-1);
  for (let k = 0; k < P; k++) pivotOf[pivotCol[k] as number] = k;
  const B = new Uint32Array(P * w);
  const addRowBits = (r: number, skip: number, target: Uint32Array, base: number) => {
    for (let k = start[r] as number; k < (start[r + 1] as number); k++) {
      const c = cols[k] as number;
      if (c === skip) continue;
      if (colState[c] === PIVOTED) {
        const src = (pivotOf[c] as number) * w;
        for (let x = 0; x < w; x++) target[base + x] = (target[base + x] as number) ^ (B[src + x] as number);
      } else {
        const j = inactiveIndex[c] as number;
        target[base + (j >>> 5)] = (target[base + (j >>> 5)] as number) ^ (1 << (j & 31));
      }
    }
  };
  for (let k = 0; k < P; k++) addRowBits(pivotRow[k] as number, pivotCol[k] as number, B, k * w);

  // The rows not used for peeling, as equations over the inactive columns.
  const leftover: number[] = [];
  for (let r = 0; r < M; r++) if (!done[r]) leftover.push(r);
  const m = leftover.length;
  if (m < u) return undefined;
  const R = new Uint32Array(m * w);
  for (let i = 0; i < m; i++) addRowBits(leftover[i] as number, -1, R, i * w);

  // Gauss-Jordan; operations on rows that never become pivots are dropped afterwards.
  const isPivot = new Uint8Array(m);
  const pivotFor = new Int32Array(u);
  const ops: number[] = [];
  for (let j = 0; j < u; j++) {
    const word = j >>> 5;
    const bit = 1 << (j & 31);
    let p = -1;
    for (let i = 0; i < m; i++) {
      if (!isPivot[i] && (R[i * w + word] as number) & bit) {
        p = i;
        break;
      }
    }
    if (p < 0) return undefined;
    isPivot[p] = 1;
    pivotFor[j] = p;
    for (let i = 0; i < m; i++) {
      if (i === p || !((R[i * w + word] as number) & bit)) continue;
      for (let x = 0; x < w; x++) R[i * w + x] = (R[i * w + x] as number) ^ (R[p * w + x] as number);
      ops.push(i, p);
    }
  }
  const slotOf = new Int32Array(m).fill(-1);
  const slotRow = new Int32Array(u);
  for (let j = 0; j < u; j++) {
    slotOf[pivotFor[j] as number] = j;
    slotRow[j] = leftover[pivotFor[j] as number] as number;
  }
  const slotOps: number[] = [];
  for (let x = 0; x < ops.length; x += 2) {
    const target = slotOf[ops[x] as number] as number;
    if (target >= 0) slotOps.push(target, slotOf[ops[x + 1] as number] as number);
  }

  // Fix pass: per pivot, add the inactive values it depends on, or recompute it from its row, whichever is fewer
  // symbol operations.
  const fixMode = new Uint8Array(P);
  const fixStart = new Int32Array(P + 1);
  const fixList: number[] = [];
  for (let k = 0; k < P; k++) {
    const listed: number[] = [];
    for (let x = 0; x < w; x++) {
      let bits = B[k * w + x] as number;
      while (bits !== 0) {
        const low = bits & -bits;
        listed.push(x * 32 + 31 - Math.clz32(low));
        bits ^= low;
      }
    }
    const r = pivotRow[k] as number;
    const recomputeCost = (start[r + 1] as number) - (start[r] as number);
    if (listed.length === 0) fixMode[k] = FIX_NONE;
    else if (listed.length <= recomputeCost) {
      fixMode[k] = FIX_XOR_INACTIVE;
      for (const j of listed) fixList.push(j);
    } else fixMode[k] = FIX_RECOMPUTE;
    fixStart[k + 1] = fixList.length;
  }

  return {
    L,
    rows,
    pivotRow: pivotRow.slice(0, P),
    pivotCol: pivotCol.slice(0, P),
    colState,
    inactive: Int32Array.from(inactiveList),
    slotRow,
    slotOps: Int32Array.from(slotOps),
    inactiveSlot: pivotFor.map((p) => slotOf[p] as number),
    fixMode,
    fixStart,
    fixList: Int32Array.from(fixList),
  };
}
