/** What went wrong with an announcement document, for callers that branch on it (counters, logs, tests). */
export type AnnounceErrorCode =
  /** The input is larger than the configured limit. */
  | 'too-large'
  /** A DOCTYPE or entity declaration: refused before parsing. */
  | 'dtd-refused'
  /** Not well-formed XML, or a construct we refuse (undefined entity, unknown prefix, deep nesting). */
  | 'malformed-xml'
  /** The root element or namespace is not the one the document type needs. */
  | 'wrong-root'
  /** A required line, element, attribute or field is absent. */
  | 'missing'
  /** A value is not what the syntax, the schema or the profile allows. */
  | 'bad-value'
  /** Something that may appear once appears more often, or lines are out of order. */
  | 'bad-structure'
  /** A binary (PER) announcement ends early, has trailing bytes or a field out of range. */
  | 'bad-binary'
  /** The model holds something the target format cannot carry (generation and encoding only). */
  | 'unrepresentable';

export interface AnnounceErrorDetails {
  code: AnnounceErrorCode;
  /** The caller's name for the input, e.g. `SDP http://bmsc/sdp-1.sdp`; defaults to the document type. */
  resource: string;
  /** What was being done, e.g. `parse`, `generate`, `decode`. */
  operation: string;
  /** Where: `line 7`, `scheduleDescription/serviceSchedule[1]/sessionSchedule[2] (line 12)`, `bit 131`. */
  where?: string;
  /** What is wrong or what was expected. */
  problem: string;
  /** The offending text or value as seen (shortened for the message). */
  seen?: string;
}

const SHOWN_CHARS = 80;

/** Quotes a value for a message: control characters made visible, long values shortened. */
export function shown(value: string): string {
  const escaped = JSON.stringify(value);
  return escaped.length > SHOWN_CHARS + 2 ? `${escaped.slice(0, SHOWN_CHARS)}…"` : escaped;
}

/**
 * The one error every announcement parser, decoder, generator and encoder throws for bad input or an
 * unrepresentable model. Anything else escaping from them is a bug in the rig, and the fuzz tests say so.
 */
export class AnnounceError extends Error {
  override readonly name = 'AnnounceError';
  readonly code: AnnounceErrorCode;
  readonly resource: string;
  readonly operation: string;
  readonly where: string | undefined;
  readonly problem: string;
  readonly seen: string | undefined;

  constructor(details: AnnounceErrorDetails) {
    const where = details.where === undefined ? '' : `${details.where}: `;
    const seen = details.seen === undefined ? '' : `; saw ${shown(details.seen)}`;
    super(`${details.resource}: ${details.operation}: ${where}${details.problem}${seen}`);
    this.code = details.code;
    this.resource = details.resource;
    this.operation = details.operation;
    this.where = details.where;
    this.problem = details.problem;
    this.seen = details.seen;
  }
}
