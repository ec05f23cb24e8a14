import type { Clock } from '../../src/clock/index.ts';
import { AtArguments, CommandFailure } from './arguments.ts';
import type { AtCommand, CommandContext, CommandTable, Outcome } from './command.ts';
import { type Invocation, parseCommandBody } from './command-line.ts';
import type { ModuleCore, PowerState, VolatileSettings } from './core.ts';
import type { DialectBehaviour } from './dialect.ts';
import type { FaultInjector } from './faults.ts';
import { LineFraming } from './line-framing.ts';
import { ERROR, type FinalResult, finalText, frameInfo, frameResultCode, NO_RESULT, OK } from './results.ts';

/** What the AT server needs from the module around it. */
export interface AtServerHost {
  readonly core: ModuleCore;
  readonly clock: Clock;
  readonly table: CommandTable;
  readonly behaviour: DialectBehaviour;
  readonly faults: FaultInjector;
  settings(): VolatileSettings;
  power(): PowerState;
  /** Firmware → host bytes. */
  send(bytes: Buffer | string): void;
  /** Lines for the URC-storm fault. */
  stormUrcs(): readonly string[];
  /** A command line arrived while the module sleeps in PSM: it is lost, but the module wakes. */
  wakeOnActivity(): void;
  /** A command finished (the module may now enter PSM, flush state…). */
  idle(): void;
  /** A handler threw something that is not a CommandFailure: an emulator bug. */
  internalError(error: unknown, command: string): void;
}

interface QueuedLine {
  text: string;
  echoed: boolean;
  repeat: boolean;
}

/**
 * The command interpreter of an emulated module: frames command lines, echoes, runs one command
 * line at a time through the command table, shapes the response (V0/V1, CMEE, quiet), holds URCs
 * back while a command runs, and applies the output faults (garbage, URC storms, slow and missing
 * answers, lost CRLF, duplicate OK).
 */
export class AtServer {
  readonly framing: LineFraming;
  readonly #host: AtServerHost;
  readonly #queue: QueuedLine[] = [];
  #pendingUrcs: string[] = [];
  #busy = false;
  #generation = 0;
  #lastLine: string | undefined;

  constructor(host: AtServerHost) {
    this.#host = host;
    this.framing = new LineFraming(
      {
        line: (text) => this.#onLine(text, false),
        repeat: () => this.#onLine('', true),
        commandBytes: (bytes) => {
          if (this.#host.power() === 'on' && this.#host.settings().echo) this.#host.send(bytes);
        },
      },
      host.clock,
    );
  }

  /** A command is running (URCs wait). */
  get busy(): boolean {
    return this.#busy || this.framing.rawMode;
  }

  /** Bytes from the host. Ignored while the module is off or booting. */
  receive(chunk: Buffer): void {
    const power = this.#host.power();
    if (power === 'off' || power === 'booting') return;
    const s3 = this.#host.settings().s3;
    if (this.framing.terminator !== s3) this.framing.setTerminator(s3);
    this.framing.push(chunk);
  }

  /** An unsolicited line: written now, or after the running command's final result. */
  urc(text: string): void {
    if (this.#host.power() !== 'on') return;
    if (this.busy) this.#pendingUrcs.push(text);
    else this.#writeUrc(text);
  }

  /** Write an unsolicited line now, even mid-command (last words before power-down or PSM). */
  announce(text: string): void {
    if (this.#host.power() === 'on') this.#writeUrc(text);
  }

  /** Forget everything in flight (reboot, power cut). */
  reset(): void {
    this.#generation++;
    this.#queue.length = 0;
    this.#pendingUrcs = [];
    this.#busy = false;
    this.#lastLine = undefined;
    this.framing.reset();
  }

  /** Run queued command lines (called when AT becomes ready). */
  pump(): void {
    if (this.#busy || this.#host.power() !== 'on') return;
    const next = this.#queue.shift();
    if (!next) {
      this.#flushUrcs();
      return;
    }
    this.#busy = true;
    const generation = this.#generation;
    void this.#run(next, generation)
      .catch((error: unknown) => this.#host.internalError(error, next.text))
      .finally(() => {
        if (generation !== this.#generation) return;
        this.#busy = false;
        this.#flushUrcs();
        this.#host.idle();
        this.pump();
      });
  }

  #onLine(text: string, repeat: boolean): void {
    const power = this.#host.power();
    if (power === 'asleep') {
      this.#host.wakeOnActivity(); // the line itself is lost
      return;
    }
    if (power !== 'on' && power !== 'waking') return;
    this.#queue.push({ text, repeat, echoed: power === 'on' });
    this.pump();
  }

  async #run(entry: QueuedLine, generation: number): Promise<void> {
    const host = this.#host;
    const s = host.settings();
    if (!entry.echoed && s.echo && !entry.repeat)
      this.#send(entry.text + String.fromCharCode(s.s3), generation);
    const line = entry.repeat ? (this.#lastLine ?? '') : entry.text;
    const at = line.search(/at/i);
    if (at < 0) return; // not a command line: modules ignore it
    this.#lastLine = line;
    if (host.faults.swallow()) return;
    const body = line.slice(at + 2);
    const parsed = parseCommandBody(body);
    const after: (() => void)[] = [];
    let final: FinalResult = OK;
    if (!parsed.ok) final = ERROR;
    else {
      for (const inv of parsed.invocations) {
        const ctx = this.#context(generation, after);
        final = await this.#invoke(inv, ctx);
        if (generation !== this.#generation) return;
        if (final.kind !== 'ok') break;
      }
    }
    await this.#finish(final, generation);
    if (generation !== this.#generation) return;
    for (const fn of after) fn();
  }

  async #invoke(inv: Invocation, ctx: CommandContext): Promise<FinalResult> {
    const { table, behaviour } = this.#host;
    try {
      let outcome: Outcome;
      if (inv.type === 'basic') {
        const isRegister = /^S\d+$/.test(inv.name);
        const cmd = table.get(isRegister ? 'S' : inv.name);
        if (!cmd?.basic) return behaviour.unknownCommand;
        outcome = await cmd.basic(ctx, isRegister ? inv.name.slice(1) + inv.param : inv.param);
      } else {
        const cmd = table.get(inv.name);
        if (!cmd) return behaviour.unknownCommand;
        outcome = await this.#invokeForm(cmd, inv, ctx);
      }
      return outcome ?? OK;
    } catch (error) {
      if (error instanceof CommandFailure) return error.result;
      if (ctx.signal.aborted) return NO_RESULT;
      this.#host.internalError(error, inv.text);
      return ERROR;
    }
  }

  #invokeForm(
    cmd: AtCommand,
    inv: Invocation & { type: 'extended' },
    ctx: CommandContext,
  ): Outcome | Promise<Outcome> {
    const unsupported = this.#host.behaviour.unsupportedForm;
    switch (inv.form) {
      case 'set':
        return cmd.set ? cmd.set(ctx, new AtArguments(inv.args)) : unsupported;
      case 'read':
        return cmd.read ? cmd.read(ctx) : unsupported;
      case 'exec':
        return cmd.exec ? cmd.exec(ctx) : unsupported;
      case 'test':
        if (cmd.test) return cmd.test(ctx);
        return cmd.set ? OK : unsupported;
    }
  }

  #context(generation: number, after: (() => void)[]): CommandContext {
    const host = this.#host;
    let firstInfo = true;
    const alive = () => generation === this.#generation;
    const signal = host.core.bootSignal;
    return {
      module: host.core,
      signal,
      info: (text) => {
        if (!alive()) return;
        this.#line(frameInfo(text, firstInfo, host.settings()), generation);
        firstInfo = false;
      },
      result: (text) => {
        if (alive()) this.#line(frameResultCode(text, host.settings()), generation);
      },
      prompt: (text) => this.#send(text, generation),
      raw: (bytes) => this.#send(typeof bytes === 'string' ? bytes : Buffer.from(bytes), generation),
      readExactly: (n, opts) => this.framing.readExactly(n, opts),
      readUntil: (opts) => this.framing.readUntil(opts),
      sleep: (ms) => host.clock.sleep(ms, signal),
      afterResponse: (fn) => after.push(fn),
    };
  }

  async #finish(final: FinalResult, generation: number): Promise<void> {
    const host = this.#host;
    const storm = host.faults.stormSize();
    if (storm > 0) {
      const pool = host.stormUrcs();
      for (let i = 0; i < storm && pool.length > 0; i++) this.#writeUrc(host.faults.pick(pool), generation);
    }
    const slow = host.faults.slowAnswerMs();
    if (slow > 0) {
      try {
        await host.clock.sleep(slow, host.core.bootSignal);
      } catch {
        return;
      }
    }
    const s = host.settings();
    const text = finalText(final, s.cmee, host.behaviour.errorTexts);
    if (text === undefined || s.quiet) return;
    let framed = frameResultCode(text, s);
    if (host.faults.dropFinalCrlf()) framed = framed.replace(/[\r\n]+$/, '');
    this.#line(framed, generation);
    if (final.kind === 'ok' && host.faults.duplicateOk()) this.#line(frameResultCode(text, s), generation);
  }

  #flushUrcs(): void {
    while (this.#pendingUrcs.length > 0 && !this.busy && this.#host.power() === 'on') {
      this.#writeUrc(this.#pendingUrcs.shift()!);
    }
  }

  #writeUrc(text: string, generation = this.#generation): void {
    const s = this.#host.settings();
    this.#line(frameInfo(text, true, s), generation);
  }

  // An output line, possibly preceded by garbage (fault).
  #line(text: string, generation: number): void {
    if (generation !== this.#generation) return;
    const junk = this.#host.faults.garbage();
    if (junk) this.#host.send(junk);
    this.#host.send(text);
  }

  #send(bytes: Buffer | string, generation: number): void {
    if (generation === this.#generation) this.#host.send(bytes);
  }
}
