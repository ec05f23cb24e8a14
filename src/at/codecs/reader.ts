import { AtParseError } from './errors.ts';
import { infoLinePrefix, type Param, splitParams } from './params.ts';

/** Allowed integers: an inclusive range or an explicit set. */
export type IntSpec = { min: number; max: number } | readonly number[];

/**
 * Typed access to the parameters of one information line, with errors that name the command, the
 * parameter and the line. Indexes are 0-based; messages count from 1 as the manuals do.
 */
export class ParamReader {
  private constructor(
    readonly command: string,
    readonly line: string,
    readonly params: readonly Param[],
  ) {}

  /** Parses `line` and checks that its prefix is `command` (case-insensitive). */
  static of(command: string, line: string): ParamReader {
    const prefix = infoLinePrefix(line);
    if (prefix?.toUpperCase() !== command.toUpperCase()) {
      const colon = line.indexOf(':');
      const got = prefix ?? (colon < 0 ? line : line.slice(0, colon));
      throw new AtParseError({ command, expected: `prefix "${command}:"`, line, got });
    }
    return new ParamReader(command, line, splitParams(line.slice(line.indexOf(':') + 1), { command, line }));
  }

  get count(): number {
    return this.params.length;
  }

  fail(expected: string, index?: number): never {
    const param = index === undefined ? undefined : this.params[index];
    throw new AtParseError({
      command: this.command,
      expected,
      line: this.line,
      parameter: index === undefined ? undefined : index + 1,
      got: index === undefined ? undefined : param === undefined ? null : param.raw,
    });
  }

  /** True when the parameter is absent or empty (`1,,3`). */
  isEmpty(index: number): boolean {
    const p = this.params[index];
    return p === undefined || p.kind === 'empty';
  }

  /** Fails unless the line has at least `min` and at most `max` parameters. */
  countBetween(min: number, max: number, what: string): void {
    if (this.count > max) this.fail(`at most ${max} parameters (${what})`, max);
    if (this.count < min) this.fail(`at least ${min} parameters (${what})`, this.count);
  }

  int(index: number, name: string, spec: IntSpec): number {
    const p = this.params[index];
    const expected = `${name} ${describeSpec(spec)}`;
    if (p?.kind !== 'number' || !fits(p.value, spec)) this.fail(expected, index);
    return p.value;
  }

  optInt(index: number, name: string, spec: IntSpec): number | undefined {
    return this.isEmpty(index) ? undefined : this.int(index, name, spec);
  }

  /** A quoted string; `pattern`, when given, must match the whole content. */
  str(index: number, name: string, pattern?: RegExp): string {
    const p = this.params[index];
    if (p?.kind !== 'string' || (pattern !== undefined && !pattern.test(p.value))) {
      this.fail(pattern === undefined ? `quoted ${name}` : `quoted ${name} ${pattern.source}`, index);
    }
    return p.value;
  }

  optStr(index: number, name: string, pattern?: RegExp): string | undefined {
    return this.isEmpty(index) ? undefined : this.str(index, name, pattern);
  }

  /**
   * A bit string of `width` bits, quoted as 27.007 prescribes or bare as some firmware prints it (bare
   * digits tokenize as a number, so the raw text is used to keep leading zeros).
   */
  optBits(index: number, name: string, width: number): string | undefined {
    if (this.isEmpty(index)) return undefined;
    const p = this.params[index]!;
    const text = p.kind === 'string' ? p.value : p.kind === 'number' || p.kind === 'token' ? p.raw : '';
    if (text.length !== width || !/^[01]+$/.test(text)) this.fail(`${name} as ${width} bits "0"/"1"`, index);
    return text;
  }

  /**
   * A hexadecimal string of `minDigits`..`maxDigits` digits, returned upper-case and zero-padded to
   * `maxDigits` (some firmware drops leading zeros of a cell id). Quoted; bare accepted for lenient firmware.
   */
  optHex(index: number, name: string, minDigits: number, maxDigits: number): string | undefined {
    if (this.isEmpty(index)) return undefined;
    const p = this.params[index]!;
    const text = p.kind === 'string' ? p.value : p.kind === 'number' || p.kind === 'token' ? p.raw : '';
    if (text.length < minDigits || text.length > maxDigits || !/^[0-9A-Fa-f]+$/.test(text)) {
      const digits = minDigits === maxDigits ? `${maxDigits}` : `${minDigits}..${maxDigits}`;
      this.fail(`${name} as ${digits} hex digits`, index);
    }
    return text.toUpperCase().padStart(maxDigits, '0');
  }
}

function fits(value: number, spec: IntSpec): boolean {
  if (Array.isArray(spec)) return spec.includes(value);
  const range = spec as { min: number; max: number };
  return value >= range.min && value <= range.max;
}

/** `0..10`, or for sets `0..10 or 90`, `0, 1 or 4`. */
export function describeSpec(spec: IntSpec): string {
  if (!Array.isArray(spec)) {
    const range = spec as { min: number; max: number };
    return `${range.min}..${range.max}`;
  }
  const sorted = [...(spec as readonly number[])].sort((a, b) => a - b);
  const runs: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    runs.push(j - i >= 2 ? `${sorted[i]}..${sorted[j]}` : sorted.slice(i, j + 1).join(', '));
    i = j + 1;
  }
  return runs.length > 1 ? `${runs.slice(0, -1).join(', ')} or ${runs.at(-1)}` : (runs[0] ?? 'nothing');
}

/** A value in a set command: number, quoted string, `{ bare }` for unquoted text, undefined = omitted. */
export type SetValue = number | string | { bare: string } | undefined;

/**
 * Builds `AT<command>=<v1>,<v2>,…` with strings quoted and trailing omitted values dropped. Strings may
 * not contain quotes or control characters: 27.007's `\22` escapes are not used by the rig.
 */
export function formatSetCommand(command: string, values: readonly SetValue[]): string {
  let last = values.length;
  while (last > 0 && values[last - 1] === undefined) last--;
  const parts = values.slice(0, last).map((v, i) => {
    if (v === undefined) return '';
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v))
        throw new RangeError(`AT${command}: parameter ${i + 1} must be an integer, got ${v}`);
      return String(v);
    }
    const text = typeof v === 'string' ? v : v.bare;
    if (/["\u0000-\u001f\u007f]/.test(text)) {
      throw new RangeError(
        `AT${command}: parameter ${i + 1} contains a quote or control character: ${JSON.stringify(text)}`,
      );
    }
    if (typeof v !== 'string' && /[,()]/.test(text)) {
      throw new RangeError(
        `AT${command}: bare parameter ${i + 1} contains "," or parentheses: ${JSON.stringify(text)}`,
      );
    }
    return typeof v === 'string' ? `"${text}"` : text;
  });
  return `AT${command}=${parts.join(',')}`;
}
