import type { ExecutionContext } from 'ava';

export interface SessionRecord {
  transcript: string;
  timeline: unknown[];
}

/**
 * The emulated bench is deterministic: the same seed gives a byte-identical transcript and the same
 * current timeline; another seed gives another transcript.
 */
export async function checkSeedDeterminism(
  t: ExecutionContext,
  session: (seed: number) => Promise<SessionRecord>,
  seed: number,
): Promise<void> {
  const a = await session(seed);
  const b = await session(seed);
  t.is(a.transcript, b.transcript);
  t.deepEqual(a.timeline, b.timeline);
  const c = await session(seed + 1);
  t.not(a.transcript, c.transcript);
}
