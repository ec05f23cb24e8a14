import { EventEmitter } from 'node:events';
import type { Clock, EpochMs } from '../../src/clock/index.ts';
import { expectParams, integerParam } from './params.ts';
import { HeaderPattern, type MessageUnit, parseProgramMessage } from './program.ts';
import { ErrorQueue, ScpiFailure } from './scpi-errors.ts';

/** Current drawn by the DUT at a clock instant, µA (the lead wires an emulated module's timeline here). */
export type CurrentSource = (tEpochMs: EpochMs) => number;

export type Reply = string | Buffer;

export interface CommandCall {
  params: string[];
  unit: MessageUnit;
}

export interface CommandDefinition {
  /** SCPI header pattern with short forms in capitals and optional nodes in brackets. */
  pattern: string;
  /** Returns the reply of a query; throws ScpiFailure to queue an error (and send no reply). */
  run(call: CommandCall): Reply | undefined | Promise<Reply | undefined>;
}

/** What a personality may use of the instrument it lives in. */
export interface InstrumentHost {
  readonly clock: Clock;
  /** DUT current at t in amperes: the source's µA while the output was on at t, else 0. */
  ampsAt(t: EpochMs): number;
  readonly outputOn: boolean;
  setOutput(on: boolean): void;
}

/** One instrument model: its identity, its commands and its measurement engine. */
export interface Personality {
  /** *IDN? reply. */
  readonly identity: string;
  /** `+0,"No error"` (Keysight) or `0,"No error"` (Keithley). */
  readonly signedErrorCodes: boolean;
  readonly commands: readonly CommandDefinition[];
  /** *RST. */
  reset(): void;
  /** Resolves once overlapped operations (acquisitions) are complete: *OPC?, *WAI. */
  idle(): Promise<void>;
  /** *TRG (IEEE 488.2 bus trigger). */
  busTrigger(): void;
}

export interface ScpiFaultSettings {
  /** Every reply leaves this many ms (on the clock) late. */
  slowReplyMs?: number;
  /** Close the connection when this command arrives (canonical short form, e.g. `FETC:ARR:CURR?`), once, after `skip` pass. */
  dropOn?: { command: string; skip?: number };
  /** Answer this query with garbage instead of its reply, once, after `skip` pass. */
  garbageOn?: { command: string; skip?: number; reply?: string };
}

export interface ExecutionOutcome {
  replies: Reply[];
  /** The connection is to be closed (fault), without replying. */
  drop: boolean;
}

interface InstrumentEvents {
  /** The output (DUT supply) switched, at clock time t. */
  output: [on: boolean, t: EpochMs];
  /** A program message line arrived. */
  line: [text: string];
}

const DEFAULT_GARBAGE = '\x15\xfe?? 3.7e+\x07 garbage';

/**
 * An emulated SCPI instrument: parses program messages, runs the personality's commands, keeps the
 * error queue, the 488.2 status registers it needs (*ESE, *ESR) and the output history that gates
 * the DUT current. Transport-free: server.ts feeds it lines from TCP sessions.
 */
export class EmulatedScpiInstrument extends EventEmitter<InstrumentEvents> {
  readonly clock: Clock;
  readonly errors = new ErrorQueue();
  /** Every line received, in order (for tests). */
  readonly received: string[] = [];
  readonly #personality: Personality;
  readonly #commands: { header: HeaderPattern; def: CommandDefinition }[];
  #current: CurrentSource;
  #ese = 0;
  #esr = 0;
  /** Output switch instants, oldest first; the output is off before the first. */
  readonly #outputHistory: { t: EpochMs; on: boolean }[] = [];
  /** Bytes per second the instrument puts out (0: instant) [M: a plausible LAN figure, not measured]. */
  throughputBytesPerS = 1_000_000;
  #faults: ScpiFaultSettings = {};
  readonly #faultCounts = new Map<string, number>();
  /** One-shot faults that fired, kept for their settings (the garbage text). */
  readonly #spent: ScpiFaultSettings = {};

  constructor(clock: Clock, current: CurrentSource, makePersonality: (host: InstrumentHost) => Personality) {
    super();
    this.clock = clock;
    this.#current = current;
    const outputNow = () => this.#outputAt(this.clock.now());
    const host: InstrumentHost = {
      clock,
      ampsAt: (t) => (this.#outputAt(t) ? this.#current(t) * 1e-6 : 0),
      get outputOn() {
        return outputNow();
      },
      setOutput: (on) => this.#setOutput(on),
    };
    this.#personality = makePersonality(host);
    this.#commands = [...this.#commonCommands(), ...this.#personality.commands].map((def) => ({
      header: new HeaderPattern(def.pattern),
      def,
    }));
  }

  /** Replaces the DUT current source. */
  set current(source: CurrentSource) {
    this.#current = source;
  }

  get outputOn(): boolean {
    return this.#outputAt(this.clock.now());
  }

  readonly faults = {
    set: (settings: ScpiFaultSettings) => {
      this.#faults = { ...this.#faults, ...settings };
    },
    clear: () => {
      this.#faults = {};
      this.#faultCounts.clear();
      this.#spent.dropOn = undefined;
      this.#spent.garbageOn = undefined;
    },
    get: (): ScpiFaultSettings => ({ ...this.#faults }),
  };

  /** Runs one program message line; the session sends the replies (joined by `;`) or drops the link. */
  async execute(line: string): Promise<ExecutionOutcome> {
    this.received.push(line);
    this.emit('line', line);
    const replies: Reply[] = [];
    for (const unit of parseProgramMessage(line)) {
      if (unit instanceof ScpiFailure) {
        this.errors.push(unit.code);
        continue;
      }
      const found = this.#commands.find((c) => c.header.matches(unit));
      if (!found) {
        this.errors.push(-113);
        continue;
      }
      if (unit.suffixes.some((s) => s !== 1)) {
        this.errors.push(-114);
        continue;
      }
      const name = found.header.canonical;
      if (this.#hit('dropOn', name)) return { replies, drop: true };
      const garble = this.#hit('garbageOn', name);
      try {
        const reply = await found.def.run({ params: unit.params, unit });
        if (unit.query && reply !== undefined) {
          replies.push(garble ? (this.#spent.garbageOn?.reply ?? DEFAULT_GARBAGE) : reply);
        }
      } catch (error) {
        if (!(error instanceof ScpiFailure)) throw error;
        this.errors.push(error.code);
      }
    }
    return { replies, drop: false };
  }

  /** Stops what runs on the clock (acquisitions): the instrument is being switched off. */
  shutdown(): void {
    this.#personality.reset();
  }

  /**
   * Clock time before a reply of this many bytes is on the wire: the instrument's output rate (so
   * reading a long array takes time, and back-to-back acquisitions have dead time between them) plus
   * the slow-answer fault.
   */
  replyDelayMs(bytes: number): number {
    const transfer = this.throughputBytesPerS > 0 ? (bytes * 1000) / this.throughputBytesPerS : 0;
    return transfer + (this.#faults.slowReplyMs ?? 0);
  }

  /** One-shot faults: the named command passes `skip` times, the next one is hit, then the fault is spent. */
  #hit(kind: 'dropOn' | 'garbageOn', name: string): boolean {
    const fault = this.#faults[kind];
    if (!fault || fault.command.toUpperCase() !== name) return false;
    const seen = this.#faultCounts.get(kind) ?? 0;
    this.#faultCounts.set(kind, seen + 1);
    if (seen < (fault.skip ?? 0)) return false;
    this.#spent[kind] = fault;
    this.#faults = { ...this.#faults, [kind]: undefined };
    this.#faultCounts.delete(kind);
    return true;
  }

  #outputAt(t: EpochMs): boolean {
    let on = false;
    for (const change of this.#outputHistory) {
      if (change.t > t) break;
      on = change.on;
    }
    return on;
  }

  #setOutput(on: boolean): void {
    const t = this.clock.now();
    if (this.#outputAt(t) === on) return;
    this.#outputHistory.push({ t, on });
    this.emit('output', on, t);
  }

  #errorReply(): string {
    const e = this.errors.pop();
    const code = this.#personality.signedErrorCodes && e.code >= 0 ? `+${e.code}` : String(e.code);
    return `${code},"${e.message}"`;
  }

  #commonCommands(): CommandDefinition[] {
    const p = () => this.#personality;
    return [
      { pattern: '*IDN?', run: () => p().identity },
      {
        pattern: '*RST',
        run: () => {
          this.#setOutput(false);
          p().reset();
          return undefined;
        },
      },
      {
        pattern: '*CLS',
        run: () => {
          this.errors.clear();
          this.#esr = 0;
          return undefined;
        },
      },
      {
        pattern: '*OPC?',
        run: async () => {
          await p().idle();
          return '1';
        },
      },
      {
        pattern: '*OPC',
        run: () => {
          void p()
            .idle()
            .then(() => {
              this.#esr |= 1;
            });
          return undefined;
        },
      },
      {
        pattern: '*WAI',
        run: async () => {
          await p().idle();
          return undefined;
        },
      },
      {
        pattern: '*ESE',
        run: ({ params }) => {
          expectParams(params, 1);
          this.#ese = integerParam(params[0], { min: 0, max: 255 });
          return undefined;
        },
      },
      { pattern: '*ESE?', run: () => String(this.#ese) },
      {
        pattern: '*ESR?',
        run: () => {
          const v = this.#esr;
          this.#esr = 0;
          return String(v);
        },
      },
      { pattern: '*STB?', run: () => String(this.errors.length > 0 ? 4 : 0) },
      {
        pattern: '*TRG',
        run: () => {
          p().busTrigger();
          return undefined;
        },
      },
      { pattern: 'SYSTem:ERRor[:NEXT]?', run: () => this.#errorReply() },
      { pattern: 'SYSTem:VERSion?', run: () => '1999.0' },
    ];
  }
}
