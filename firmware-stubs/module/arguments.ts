import { CME, cme, type FinalResult } from './results.ts';

/**
 * Thrown by a handler (or the argument readers) to end the command with a given final result;
 * the AT server turns it into the response. Keeps handlers free of error plumbing.
 */
export class CommandFailure extends Error {
  override name = 'CommandFailure';
  constructor(
    readonly result: FinalResult,
    message?: string,
  ) {
    super(message ?? `command failed with ${JSON.stringify(result)}`);
  }
}

/** The parameters of a set command (`AT+X=1,"a,b",,3`), read one by one with checks. */
export class AtArguments {
  readonly #items: { text: string; quoted: boolean }[];

  constructor(raw: string) {
    this.#items = raw.trim() === '' ? [] : splitArguments(raw);
  }

  get count(): number {
    return this.#items.length;
  }

  /** True when the parameter is absent or empty (`AT+X=1,,3` → index 1). */
  isEmpty(i: number): boolean {
    const item = this.#items[i];
    return item === undefined || (!item.quoted && item.text === '');
  }

  /** An integer, checked against a range or a list; def when empty (an error when no def). */
  int(
    i: number,
    check: { min?: number; max?: number; oneOf?: readonly number[]; def?: number } = {},
  ): number {
    if (this.isEmpty(i)) {
      if (check.def !== undefined) return check.def;
      throw invalid();
    }
    const item = this.#items[i]!;
    if (item.quoted || !/^[+-]?\d+$/.test(item.text)) throw invalid();
    const v = Number(item.text);
    if (check.min !== undefined && v < check.min) throw invalid();
    if (check.max !== undefined && v > check.max) throw invalid();
    if (check.oneOf && !check.oneOf.includes(v)) throw invalid();
    return v;
  }

  /** A string, quoted or not; def when empty (an error when no def). */
  str(i: number, check: { def?: string; pattern?: RegExp; maxLength?: number } = {}): string {
    if (this.isEmpty(i)) {
      if (check.def !== undefined) return check.def;
      throw invalid();
    }
    const text = this.#items[i]!.text;
    if (check.pattern && !check.pattern.test(text)) throw invalid();
    if (check.maxLength !== undefined && text.length > check.maxLength) throw invalid();
    return text;
  }

  /** A string that must be quoted (27.007 <string> parameters). */
  quoted(i: number, check: { def?: string; pattern?: RegExp; maxLength?: number } = {}): string {
    if (!this.isEmpty(i) && !this.#items[i]!.quoted) throw invalid();
    return this.str(i, check);
  }

  /** Fail when more than n parameters were given. */
  atMost(n: number): this {
    if (this.#items.length > n) throw invalid();
    return this;
  }
}

function invalid(): CommandFailure {
  return new CommandFailure(cme(CME.incorrectParameters), 'incorrect parameters');
}

function splitArguments(raw: string): { text: string; quoted: boolean }[] {
  const out: { text: string; quoted: boolean }[] = [];
  let i = 0;
  for (;;) {
    while (raw[i] === ' ') i++;
    if (raw[i] === '"') {
      const end = raw.indexOf('"', i + 1);
      if (end < 0) throw invalid();
      out.push({ text: raw.slice(i + 1, end), quoted: true });
      i = end + 1;
      while (raw[i] === ' ') i++;
    } else {
      let end = raw.indexOf(',', i);
      if (end < 0) end = raw.length;
      out.push({ text: raw.slice(i, end).trim(), quoted: false });
      i = end;
    }
    if (i >= raw.length) return out;
    if (raw[i] !== ',') throw invalid();
    i++;
  }
}
