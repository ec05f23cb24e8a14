/**
 * When and where an associated delivery procedure sends its requests (TS 26.346 §9.3.4, §9.3.5, §9.3.8,
 * §9.4.4, §9.4.5): Back-off Time = offsetTime + U(0, randomTimePeriod) seconds, and a server drawn
 * uniformly from the highest-priority list that still has one available; servers that do not answer
 * are dropped, servers that answered 503 rest until their Retry-After.
 */
import type { EpochMs, Milliseconds } from '../../clock/index.ts';

/** The ADPD's basicProcedureType timing attributes, in seconds. */
export interface BackoffParams {
  offsetTime?: number;
  randomTimePeriod: number;
}

/** Whole milliseconds, so virtual instants stay exact (epoch ms plus a fraction would lose bits). */
export function backoffDelayMs(p: BackoffParams, random: () => number): Milliseconds {
  return Math.round(((p.offsetTime ?? 0) + random() * p.randomTimePeriod) * 1000);
}

export function pickUniform<T>(items: readonly T[], random: () => number): T | undefined {
  if (items.length === 0) return undefined;
  return items[Math.min(items.length - 1, Math.floor(random() * items.length))];
}

export type ServerState =
  | { kind: 'dead'; reason: string }
  | { kind: 'resting'; until: EpochMs; reason: string };

export class ServerPool {
  readonly #lists: readonly (readonly string[])[];
  readonly #random: () => number;
  readonly #state = new Map<string, ServerState>();

  /** lists in priority order: for repair, Alternate-Content-Location-1, -2, then the symbol servers. */
  constructor(lists: readonly (readonly string[])[], random: () => number) {
    this.#lists = lists;
    this.#random = random;
  }

  /** A server available at `now`, uniformly from the first list that has one; undefined when none. */
  pick(now: EpochMs): string | undefined {
    for (const list of this.#lists) {
      const available = list.filter((s) => this.#available(s, now));
      if (available.length > 0) return pickUniform(available, this.#random);
    }
    return undefined;
  }

  markDead(server: string, reason: string): void {
    this.#state.set(server, { kind: 'dead', reason });
  }

  markResting(server: string, until: EpochMs, reason: string): void {
    this.#state.set(server, { kind: 'resting', until, reason });
  }

  /** The earliest instant a resting server becomes available again (none if all are dead). */
  nextWake(now: EpochMs): EpochMs | undefined {
    let best: EpochMs | undefined;
    for (const s of this.#state.values()) {
      if (s.kind === 'resting' && s.until > now && (best === undefined || s.until < best)) best = s.until;
    }
    return best;
  }

  /** Why each excluded server is excluded, for error messages. */
  describe(): string {
    return [...this.#state.entries()]
      .map(
        ([s, st]) =>
          `${s}: ${st.kind === 'dead' ? st.reason : `${st.reason} until ${new Date(st.until).toISOString()}`}`,
      )
      .join('; ');
  }

  #available(server: string, now: EpochMs): boolean {
    const s = this.#state.get(server);
    return s === undefined || (s.kind === 'resting' && s.until <= now);
  }
}
