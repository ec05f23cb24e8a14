/** One write or erase as the fault point sees it; `index` counts every write and erase since creation. */
export interface FlashOperation {
  kind: 'write' | 'erase';
  index: number;
  offset: number;
  length: number;
}

/**
 * Where power can fail: `before` (nothing happens), `tear` (a seeded prefix of a write lands with its next
 * byte half programmed / a seeded prefix of a sector is erased), `after` (the operation completed).
 */
export type CutKind = 'before' | 'tear' | 'after';
export const CUT_KINDS: readonly CutKind[] = ['before', 'tear', 'after'];

export type FaultDecision = 'proceed' | CutKind;

/** Consulted before every write and erase. */
export type FaultPoint = (operation: FlashOperation) => FaultDecision;

/** A fault point that cuts once, at the operation with this absolute index. */
export function cutAtOperation(index: number, kind: CutKind): FaultPoint {
  return (op) => (op.index === index ? kind : 'proceed');
}
