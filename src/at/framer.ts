/**
 * Byte-level framing of what a module sends. A readline parser is not enough: prompts (`>`, `@`,
 * `CONNECT`, `DOWNLOAD`) may come without a line ending, echo may end in `\r` alone, and binary
 * payloads may contain `OK\r\n`. The framer therefore has three modes, switched synchronously by
 * whoever consumes its tokens (so a switch applies to the rest of the chunk being parsed):
 * - line: split on CR, LF or CRLF, drop empty lines, strip NULs and other non-printables;
 * - prompt armed: a partial line equal to one of the armed prompts is emitted at once;
 * - raw: the next N bytes are delivered untouched.
 */

export type Token =
  | {
      kind: 'line';
      text: string;
      bytes: Buffer;
      garbled: boolean;
      unterminated: boolean;
      inlineHead?: boolean;
    }
  | { kind: 'prompt'; text: string; bytes: Buffer }
  | { kind: 'raw'; bytes: Buffer };

export interface FramerOptions {
  /** A line longer than this without a terminator is flushed as garbage. */
  maxLineBytes?: number;
}

const CR = 0x0d;
const LF = 0x0a;

export class Framer {
  #buf: number[] = [];
  #rawLeft = 0;
  #raw: Buffer[] = [];
  #prompts: string[] = [];
  #inline: ((head: string) => number | undefined) | undefined;
  // A line ended on CR: an LF right after it is part of the same terminator, also before raw bytes.
  #swallowLF = false;
  readonly #maxLine: number;

  constructor(
    private readonly emit: (token: Token) => void,
    options: FramerOptions = {},
  ) {
    this.#maxLine = options.maxLineBytes ?? 4096;
  }

  /** Deliver the next n bytes raw. Takes effect immediately, also in the middle of a chunk. */
  expectRaw(n: number): void {
    if (n <= 0) return;
    this.#rawLeft = n;
    this.#raw = [];
    // Bytes already buffered as a partial line belong to the payload.
    if (this.#buf.length > 0) {
      const pending = Buffer.from(this.#buf);
      this.#buf = [];
      this.#takeRaw(pending, 0);
    }
  }

  get rawPending(): number {
    return this.#rawLeft;
  }

  /** Emit a partial line matching one of these texts as a prompt without waiting for a line end. */
  armPrompts(prompts: string[]): void {
    this.#prompts = prompts;
    this.#checkPrompt();
  }

  disarmPrompts(): void {
    this.#prompts = [];
  }

  /**
   * Binary data inside a line (`+URDFILE: "f",5,"<5 bytes>"`): at each `"` or `,` of a partial line,
   * ask how many raw bytes follow this head; a number emits the head as a line and reads them raw.
   */
  armInline(head: ((head: string) => number | undefined) | undefined): void {
    this.#inline = head;
  }

  /** Bytes of an unterminated line waiting for its end. */
  get partial(): Buffer {
    return Buffer.from(this.#buf);
  }

  /** Emit the partial line as a line (used after a quiet period: a final result with no CRLF). */
  flushPartial(): void {
    if (this.#buf.length > 0) this.#endLine(true);
  }

  push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.#swallowLF) {
        this.#swallowLF = false;
        if (chunk[i] === LF) {
          i++;
          continue;
        }
      }
      if (this.#rawLeft > 0) {
        i = this.#takeRaw(chunk, i);
        continue;
      }
      const b = chunk[i++]!;
      if (b === CR || b === LF) {
        this.#swallowLF = b === CR;
        if (this.#buf.length > 0) this.#endLine(false);
        continue;
      }
      this.#buf.push(b);
      if (this.#buf.length >= this.#maxLine) {
        this.#endLine(true);
        continue;
      }
      if (this.#inline && (b === 0x22 || b === 0x2c) && this.#inlineHead()) continue;
      if (this.#prompts.length > 0) this.#checkPrompt();
    }
  }

  #takeRaw(chunk: Buffer, from: number): number {
    const n = Math.min(this.#rawLeft, chunk.length - from);
    this.#raw.push(chunk.subarray(from, from + n));
    this.#rawLeft -= n;
    if (this.#rawLeft === 0) {
      const bytes = Buffer.concat(this.#raw);
      this.#raw = [];
      this.emit({ kind: 'raw', bytes });
    }
    return from + n;
  }

  #inlineHead(): boolean {
    const bytes = Buffer.from(this.#buf);
    const { text, garbled } = cleanText(bytes);
    const n = this.#inline?.(text.trim());
    if (n === undefined) return false;
    this.#buf = [];
    this.emit({ kind: 'line', text: text.trim(), bytes, garbled, unterminated: true, inlineHead: true });
    if (n > 0) this.expectRaw(n);
    else this.emit({ kind: 'raw', bytes: Buffer.alloc(0) });
    return true;
  }

  #checkPrompt(): void {
    if (this.#buf.length === 0 || this.#buf.length > 16) return;
    const text = cleanText(Buffer.from(this.#buf)).text.trim();
    if (this.#prompts.includes(text)) {
      const bytes = Buffer.from(this.#buf);
      this.#buf = [];
      this.emit({ kind: 'prompt', text, bytes });
    }
  }

  #endLine(unterminated: boolean): void {
    const bytes = Buffer.from(this.#buf);
    this.#buf = [];
    const { text, garbled } = cleanText(bytes);
    if (text.trim().length === 0) {
      // Only NULs/garbage: still reported so the transcript shows it.
      if (garbled) this.emit({ kind: 'line', text: '', bytes, garbled, unterminated });
      return;
    }
    this.emit({ kind: 'line', text: text.trim(), bytes, garbled, unterminated });
  }
}

/** Printable ASCII plus Latin-1 letters pass; NULs, control bytes and 0xFF noise are dropped. */
export function cleanText(bytes: Buffer): { text: string; garbled: boolean } {
  let text = '';
  let garbled = false;
  for (const b of bytes) {
    if ((b >= 0x20 && b < 0x7f) || b === 0x09) text += String.fromCharCode(b);
    else garbled = true;
  }
  return { text, garbled };
}

/** Show bytes as text with control characters escaped: `OK\r\n` → `OK\r\n` literally. */
export function escapeBytes(bytes: Buffer | string, max = 200): string {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  let out = '';
  for (const b of buf.subarray(0, max)) {
    if (b === CR) out += '\\r';
    else if (b === LF) out += '\\n';
    else if (b === 0x5c) out += '\\\\';
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  if (buf.length > max) out += `…(+${buf.length - max} bytes)`;
  return out;
}
