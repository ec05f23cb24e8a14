/** Renders a line for an error message: quoted, with control characters and quotes made visible. */
export function quoteLine(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\r') out += '\\r';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
    else out += ch;
  }
  return '"' + out + '"';
}

export interface AtParseErrorDetails {
  /** The command or prefix being parsed, e.g. `+CEREG`. */
  command: string;
  /** What the parser was looking for, e.g. `<stat> 0..10`. */
  expected: string;
  /** The whole line that failed. */
  line: string;
  /** 1-based parameter position, when the failure is about one parameter. */
  parameter?: number;
  /** The offending text as it appeared in the line; null when the line ended before it. */
  got?: string | null;
}

/**
 * A response line that does not match the command's syntax. Every codec throws this and only this for
 * bad input, so the engine can tell a malformed module response from a bug in the rig.
 */
export class AtParseError extends Error {
  override readonly name = 'AtParseError';
  readonly command: string;
  readonly expected: string;
  readonly line: string;
  readonly parameter: number | undefined;
  readonly got: string | null | undefined;

  constructor(details: AtParseErrorDetails) {
    const where = details.parameter === undefined ? '' : ` at parameter ${details.parameter}`;
    const got =
      details.got === undefined
        ? ''
        : details.got === null
          ? ', got nothing'
          : `, got ${quoteLine(details.got)}`;
    super(
      `${details.command}: expected ${details.expected}${where}${got} in line ${quoteLine(details.line)}`,
    );
    this.command = details.command;
    this.expected = details.expected;
    this.line = details.line;
    this.parameter = details.parameter;
    this.got = details.got;
  }
}
