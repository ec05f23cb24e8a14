import type { Clock } from './clock.ts';

/**
 * Event-loop turns a writer keeps a VirtualClock still after its bytes left: on loopback TCP the peer
 * reads them within one or two turns, so five leave a margin without tying the hold to host time.
 */
const DELIVERY_TURNS = 5;

/**
 * Writes bytes and keeps a VirtualClock from jumping ahead until the peer has had the chance to read
 * them. Each side of a loopback link does this for what it writes, so neither holds the clock while
 * it merely waits (an instrument may legitimately take virtual time to answer). RealClock: plain write.
 */
export function writeHeld(
  clock: Clock,
  stream: NodeJS.WritableStream,
  data: string | Buffer,
  reason: string,
  done?: (error?: Error | null) => void,
): void {
  if (clock.kind !== 'virtual') {
    stream.write(data, (error) => done?.(error));
    return;
  }
  const hold = clock.hold(reason);
  stream.write(data, (error) => {
    releaseAfterTurns(hold.release, DELIVERY_TURNS);
    done?.(error);
  });
}

/** Holds the clock while work runs (a TCP connect), released when it settles. */
export async function whileHeld<T>(clock: Clock, reason: string, work: () => Promise<T>): Promise<T> {
  const hold = clock.hold(reason);
  try {
    return await work();
  } finally {
    hold.release();
  }
}

// setImmediate counts event-loop turns, not time: host speed cannot change what it measures.
function releaseAfterTurns(release: () => void, turns: number): void {
  if (turns <= 0) {
    release();
    return;
  }
  setImmediate(() => releaseAfterTurns(release, turns - 1));
}
