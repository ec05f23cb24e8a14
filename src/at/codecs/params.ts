import { AtParseError } from './errors.ts';

/**
 * One parameter of an AT information line. `raw` is the parameter's text as it appeared (trimmed), so a
 * codec can keep leading zeros (`"0011"` printed bare reads as the number 11) and errors can quote it.
 * `range` only appears inside a list, as in test responses: `(0-3)`.
 */
export type Param =
  | { kind: 'number'; value: number; raw: string }
  | { kind: 'string'; value: string; raw: string }
  | { kind: 'token'; value: string; raw: string }
  | { kind: 'empty'; raw: '' }
  | { kind: 'range'; min: number; max: number; raw: string }
  | { kind: 'list'; items: Param[]; raw: string };

export interface InfoLine {
  /** `+CEREG`, `%XMONITOR`, `#XFOTA`, `$FOO`, `+CME ERROR`: everything before the first colon. */
  prefix: string;
  params: Param[];
}

/** Parenthesised lists nest only one or two deep in practice; the cap keeps hostile input bounded. */
const MAX_LIST_DEPTH = 8;

const INTEGER = /^[+-]?\d+$/;
const RANGE = /^(-?\d+)\s*-\s*(-?\d+)$/;

interface Context {
  command: string;
  line: string;
}

/**
 * Splits the text after `<prefix>:` into parameters. Quoted strings may hold commas, colons and
 * parentheses; `1,,,"x"` has two empty parameters; `(0-3),(1,2)` gives two lists. An empty or blank text
 * has no parameters. Throws AtParseError for an unterminated quote or list, or text glued to a quote.
 */
export function splitParams(text: string, context?: Partial<Context>): Param[] {
  const ctx: Context = { command: context?.command ?? 'AT', line: context?.line ?? text };
  if (text.trim() === '') return [];
  const scanner = new Scanner(text, ctx);
  const params: Param[] = [];
  for (;;) {
    params.push(scanner.param(0, params.length + 1));
    if (scanner.atEnd()) return params;
    scanner.expectComma(params.length);
  }
}

/** Parses `+CEREG: 5,1,"002F"` into its prefix and parameters. */
export function parseInfoLine(line: string): InfoLine {
  const prefix = infoLinePrefix(line);
  if (prefix === undefined) {
    const colon = line.indexOf(':');
    throw new AtParseError({
      command: 'AT',
      expected: 'an information line "<+|%|#|$>NAME: params"',
      line,
      got: colon < 0 ? line : line.slice(0, colon),
    });
  }
  return { prefix, params: splitParams(line.slice(line.indexOf(':') + 1), { command: prefix, line }) };
}

/** The `+XXX` / `%XXX` / `#XXX` / `$XXX` before the first colon, or undefined when the line has none. */
export function infoLinePrefix(line: string): string | undefined {
  const colon = line.indexOf(':');
  const prefix = colon < 0 ? '' : line.slice(0, colon).trim();
  return /^[+%#$][A-Za-z0-9][A-Za-z0-9_ ]*$/.test(prefix) ? prefix : undefined;
}

class Scanner {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly ctx: Context,
  ) {}

  atEnd(): boolean {
    this.skipBlanks();
    return this.pos >= this.text.length;
  }

  expectComma(afterIndex: number): void {
    this.skipBlanks();
    if (this.text[this.pos] !== ',') this.fail(`"," after parameter ${afterIndex}`, afterIndex + 1);
    this.pos++;
  }

  /** Reads one parameter; `depth` > 0 means inside a list, where `)` also ends a parameter. */
  param(depth: number, index: number): Param {
    this.skipBlanks();
    const ch = this.text[this.pos];
    if (ch === '"') return this.quoted(depth, index);
    if (ch === '(') return this.list(depth, index);
    return this.bare(depth, index);
  }

  private quoted(depth: number, index: number): Param {
    const start = this.pos;
    const close = this.text.indexOf('"', start + 1);
    if (close < 0) this.fail('a closing quote', index, this.text.slice(start));
    this.pos = close + 1;
    this.expectEndOfParam(depth, index);
    return {
      kind: 'string',
      value: this.text.slice(start + 1, close),
      raw: this.text.slice(start, close + 1),
    };
  }

  private list(depth: number, index: number): Param {
    if (depth >= MAX_LIST_DEPTH) this.fail(`lists nested at most ${MAX_LIST_DEPTH} deep`, index);
    const start = this.pos;
    this.pos++;
    const items: Param[] = [];
    this.skipBlanks();
    if (this.text[this.pos] === ')') {
      this.pos++;
    } else {
      for (;;) {
        items.push(this.param(depth + 1, index));
        this.skipBlanks();
        const next = this.text[this.pos];
        this.pos++;
        if (next === ')') break;
        if (next !== ',') this.fail('"," or ")" in list', index, this.text.slice(start));
      }
    }
    const raw = this.text.slice(start, this.pos);
    this.expectEndOfParam(depth, index);
    return { kind: 'list', items, raw };
  }

  private bare(depth: number, index: number): Param {
    const start = this.pos;
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos];
      if (ch === ',' || (depth > 0 && ch === ')')) break;
      if (ch === '"' || ch === '(' || ch === ')') {
        this.fail('a parameter without stray quotes or parentheses', index, this.text.slice(start));
      }
      this.pos++;
    }
    const raw = this.text.slice(start, this.pos).trim();
    if (raw === '') return { kind: 'empty', raw: '' };
    if (INTEGER.test(raw)) {
      const value = Number(raw);
      if (Number.isSafeInteger(value)) return { kind: 'number', value, raw };
    }
    const range = depth > 0 ? RANGE.exec(raw) : null;
    if (range) return { kind: 'range', min: Number(range[1]), max: Number(range[2]), raw };
    return { kind: 'token', value: raw, raw };
  }

  private expectEndOfParam(depth: number, index: number): void {
    this.skipBlanks();
    const ch = this.text[this.pos];
    if (ch === undefined || ch === ',' || (depth > 0 && ch === ')')) return;
    this.fail('"," after a quoted string or list', index, this.text.slice(this.pos));
  }

  private skipBlanks(): void {
    while (this.text[this.pos] === ' ' || this.text[this.pos] === '\t' || this.text[this.pos] === '\r') {
      this.pos++;
    }
  }

  private fail(expected: string, parameter: number, got?: string): never {
    throw new AtParseError({ command: this.ctx.command, expected, line: this.ctx.line, parameter, got });
  }
}
