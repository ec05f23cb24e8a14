/** What went wrong with an FDT, for callers that branch on it (counters, logs, tests). */
export type FdtErrorCode =
  /** The input is bigger than the configured limit. */
  | 'too-large'
  /** A DOCTYPE, DTD or entity declaration: refused before parsing. */
  | 'dtd-refused'
  /** Not well-formed XML (or a construct we refuse: undefined entity reference, bad character, nesting). */
  | 'malformed-xml'
  /** The root element is not an FDT-Instance in an accepted namespace. */
  | 'wrong-root'
  /** A required attribute or element is absent. */
  | 'missing'
  /** An attribute or element value is not what the schema or the 3GPP profile allows. */
  | 'bad-value'
  /** Two File elements with the same TOI. */
  | 'duplicate-toi'
  /** A binary (PER) FDT ends early, has trailing bytes or a field out of range. */
  | 'bad-binary'
  /** The model holds something the target format cannot carry (encoding only). */
  | 'unrepresentable';

export interface FdtErrorDetails {
  code: FdtErrorCode;
  /** What was being done, e.g. `decode FDT XML` or `encode binary FDT`. */
  operation: string;
  /** Where in the document, e.g. `FDT-Instance/File[2]` or `fileDescription[0].contentLocation`. */
  where?: string;
  /** The attribute or field at fault, e.g. `TOI`. */
  attribute?: string;
  /** The offending value as seen (shortened for the message). */
  value?: string;
  /** What is wrong, in words, when expected/value do not say it all. */
  problem?: string;
  /** What would have been accepted. */
  expected?: string;
  /** Caller's name for the input (e.g. `FDT instance 17 from 239.1.1.1:4000`), put first in the message. */
  source?: string;
}

const SHOWN_VALUE_CHARS = 80;

function shorten(value: string): string {
  const shown = value.length > SHOWN_VALUE_CHARS ? `${value.slice(0, SHOWN_VALUE_CHARS)}…` : value;
  return JSON.stringify(shown);
}

/**
 * The one error the FDT codecs throw for bad input. Anything else escaping a decoder is a bug
 * (the fuzz tests hold the decoders to that).
 */
export class FdtError extends Error {
  override readonly name = 'FdtError';
  readonly code: FdtErrorCode;
  readonly operation: string;
  readonly where: string | undefined;
  readonly attribute: string | undefined;
  readonly value: string | undefined;
  readonly expected: string | undefined;

  constructor(details: FdtErrorDetails, options?: { cause?: unknown }) {
    const head = [details.source, details.operation].filter(Boolean).join(': ');
    const location = [details.where, details.attribute && `attribute ${details.attribute}`]
      .filter(Boolean)
      .join(' ');
    const body = [
      details.problem,
      details.expected && `expected ${details.expected}`,
      details.value !== undefined && `got ${shorten(details.value)}`,
    ]
      .filter(Boolean)
      .join(', ');
    super(`${[head, location, body].filter(Boolean).join(': ')} [${details.code}]`, options);
    this.code = details.code;
    this.operation = details.operation;
    this.where = details.where;
    this.attribute = details.attribute;
    this.value = details.value;
    this.expected = details.expected;
  }
}
