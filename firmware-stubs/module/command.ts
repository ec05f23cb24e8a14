import type { Milliseconds } from '../../src/clock/index.ts';
import type { AtArguments } from './arguments.ts';
import type { ModuleCore } from './core.ts';
import type { RawResult } from './line-framing.ts';
import type { Outcome } from './results.ts';

export type { Outcome };

/** Handed to every command handler while its command runs. */
export interface CommandContext {
  readonly module: ModuleCore;
  /** Aborted when the module reboots or loses power mid-command: stop, write nothing more. */
  readonly signal: AbortSignal;
  /** An information line (`+CFUN: 1`), framed per ATV. */
  info(text: string): void;
  /** An intermediate result code (`CONNECT`, `DOWNLOAD`), framed like a result code. */
  result(text: string): void;
  /** A prompt written as is, without CRLF (`> `). */
  prompt(text: string): void;
  /** Raw bytes to the host (file download). */
  raw(bytes: Uint8Array | string): void;
  /** Read exactly n raw bytes from the host; timeout restarts with each chunk. */
  readExactly(
    n: number,
    opts: { timeoutMs: Milliseconds; every?: number; onEvery?: (received: number) => void },
  ): Promise<RawResult>;
  /** Read raw bytes until a stop byte (Ctrl-Z) or cancel byte (ESC). */
  readUntil(opts: {
    stop: number;
    cancel?: number;
    max: number;
    timeoutMs: Milliseconds;
  }): Promise<RawResult>;
  /** Wait on the module's clock (aborts with the command). */
  sleep(ms: Milliseconds): Promise<void>;
  /** Run after the final result has been written (reboots, power-down). */
  afterResponse(fn: () => void): void;
}

type Handler<A extends unknown[]> = (ctx: CommandContext, ...args: A) => Outcome | Promise<Outcome>;

/**
 * One AT command. Extended commands (`+CFUN`, `#XMBMSSRV`) give handlers per form; basic V.250
 * commands (`E`, `V`, `&F`, `S` for S-registers) give `basic`, which receives the text after the letter.
 * A form without a handler answers as the dialect answers unsupported commands.
 */
export interface AtCommand {
  /** Upper case with prefix: '+CFUN', '#XMBMSCFG'; basic: 'E', '&F', 'S' (all S-registers). */
  readonly name: string;
  /** One line for AT+CLAC and the README. */
  readonly summary: string;
  /** Synthetic: no shipping module has it. AT+CLAC says so. */
  readonly nonStandard?: boolean;
  /** Left out of AT+CLAC. */
  readonly hidden?: boolean;
  readonly set?: Handler<[AtArguments]>;
  readonly read?: Handler<[]>;
  readonly test?: Handler<[]>;
  readonly exec?: Handler<[]>;
  readonly basic?: Handler<[string]>;
}

/** Commands by name; later registrations replace earlier ones (a dialect overrides the core). */
export class CommandTable {
  readonly #commands = new Map<string, AtCommand>();

  add(commands: readonly AtCommand[]): this {
    for (const c of commands) this.#commands.set(c.name.toUpperCase(), c);
    return this;
  }

  get(name: string): AtCommand | undefined {
    return this.#commands.get(name.toUpperCase());
  }

  list(): AtCommand[] {
    return [...this.#commands.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
