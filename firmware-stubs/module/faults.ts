import type { Clock, EpochMs, Milliseconds, Timer } from '../../src/clock/index.ts';
import type { SeededRandom } from '../random.ts';

/**
 * Fault knobs of an emulated module. Probabilities are per event (0 never, 1 always) and drawn from
 * the module's seeded "faults" stream, so a faulty run replays exactly.
 */
export interface FaultSettings {
  /** Each output write is cut at random byte boundaries into several writes. */
  splitWrites?: number;
  /** A final result code loses its trailing CRLF. */
  missingFinalCrlf?: number;
  /** Garbage and NUL bytes appear between output lines. */
  garbage?: number;
  /** A burst of URCs arrives between the information lines and the final result. */
  urcStorm?: number;
  /** URCs per storm (default 5). */
  urcStormSize?: number;
  /** The final result comes late. */
  slowAnswer?: number;
  /** Delay before a slow final result (default 3000 ms, on the injected clock). */
  slowAnswerMs?: Milliseconds;
  /** A command is swallowed: echoed, then neither executed nor answered. */
  noAnswer?: number;
  /** OK is sent twice. */
  duplicateOk?: number;
  /** The module reboots on its own at this instant (injected clock). */
  rebootAt?: EpochMs;
  /** The UART vanishes at this instant and returns forMs later (USB re-enumeration). */
  portVanish?: { at: EpochMs; forMs: Milliseconds };
}

/** The runtime face of the knobs: module.faults. */
export interface FaultControls {
  readonly settings: Readonly<FaultSettings>;
  /** Change some knobs (undefined clears one). */
  set(changes: Partial<FaultSettings>): void;
  /** All knobs off. */
  clear(): void;
  /** Reboot at an instant on the module's clock. */
  rebootAt(at: EpochMs): void;
  /** Make the port vanish now (or at `at`) for forMs. */
  vanishPort(forMs: Milliseconds, at?: EpochMs): void;
}

// Line noise as a UART shows it at boot or on a glitch: NULs and non-printable bytes (never CR/LF).
const GARBAGE_BYTES = [0x00, 0x00, 0x00, 0xff, 0xfe, 0x80, 0x1b, 0x7f, 0xaa, 0xf0];

/** What the timed faults do to the module. */
export interface FaultActions {
  reboot(): void;
  vanishPort(): void;
  restorePort(): void;
}

/**
 * Draws fault decisions (the module and AT server ask it at each point where a fault can strike) and
 * runs the timed faults (reboot, port vanish) on the module's clock. Its timers outlive reboots.
 */
export class FaultInjector implements FaultControls {
  #settings: FaultSettings;
  readonly #random: SeededRandom;
  readonly #clock: Clock;
  #actions: FaultActions | undefined;
  #timers: Timer[] = [];

  constructor(random: SeededRandom, initial: FaultSettings, clock: Clock) {
    this.#random = random;
    this.#settings = { ...initial };
    this.#clock = clock;
  }

  /** Start the timed faults (once the module can act on them). */
  arm(actions: FaultActions): void {
    this.#actions = actions;
    this.#schedule();
  }

  /** Cancel the timed faults for good. */
  dispose(): void {
    this.#actions = undefined;
    this.#cancel();
  }

  get settings(): Readonly<FaultSettings> {
    return this.#settings;
  }

  set(changes: Partial<FaultSettings>): void {
    this.#settings = { ...this.#settings, ...changes };
    for (const key of Object.keys(this.#settings) as (keyof FaultSettings)[]) {
      if (this.#settings[key] === undefined) delete this.#settings[key];
    }
    if ('rebootAt' in changes || 'portVanish' in changes) this.#schedule();
  }

  clear(): void {
    this.#settings = {};
    this.#schedule();
  }

  rebootAt(at: EpochMs): void {
    this.set({ rebootAt: at });
  }

  vanishPort(forMs: Milliseconds, at?: EpochMs): void {
    this.set({ portVanish: { at: at ?? this.#clock.now(), forMs } });
  }

  #schedule(): void {
    this.#cancel();
    const actions = this.#actions;
    if (!actions) return;
    const { rebootAt, portVanish } = this.#settings;
    const now = this.#clock.now();
    if (rebootAt !== undefined && rebootAt >= now) {
      this.#timers.push(this.#clock.setTimer(rebootAt - now, () => actions.reboot()));
    }
    if (portVanish && portVanish.at >= now) {
      this.#timers.push(
        this.#clock.setTimer(portVanish.at - now, () => {
          actions.vanishPort();
          this.#timers.push(this.#clock.setTimer(portVanish.forMs, () => actions.restorePort()));
        }),
      );
    }
  }

  #cancel(): void {
    for (const t of this.#timers) t.cancel();
    this.#timers = [];
  }

  /** Offsets at which to cut a write of length bytes (empty: one write). */
  splitPoints(length: number): number[] {
    if (length < 2 || !this.#random.chance(this.#settings.splitWrites)) return [];
    const count = this.#random.int(1, Math.min(4, length - 1));
    const points = new Set<number>();
    for (let i = 0; i < count; i++) points.add(this.#random.int(1, length - 1));
    return [...points].sort((a, b) => a - b);
  }

  /** Bytes to slip in before an output line, if any (never CR or LF). */
  garbage(): Buffer | undefined {
    if (!this.#random.chance(this.#settings.garbage)) return undefined;
    const n = this.#random.int(1, 8);
    return Buffer.from(Array.from({ length: n }, () => this.#random.pick(GARBAGE_BYTES)));
  }

  dropFinalCrlf(): boolean {
    return this.#random.chance(this.#settings.missingFinalCrlf);
  }

  /** URCs to inject before a final result (0: none). */
  stormSize(): number {
    return this.#random.chance(this.#settings.urcStorm) ? (this.#settings.urcStormSize ?? 5) : 0;
  }

  /** Delay before a final result in ms (0: on time). */
  slowAnswerMs(): Milliseconds {
    return this.#random.chance(this.#settings.slowAnswer) ? (this.#settings.slowAnswerMs ?? 3000) : 0;
  }

  swallow(): boolean {
    return this.#random.chance(this.#settings.noAnswer);
  }

  duplicateOk(): boolean {
    return this.#random.chance(this.#settings.duplicateOk);
  }

  pick<T>(items: readonly T[]): T {
    return this.#random.pick(items);
  }
}
