import { escapeBytes } from './framer.ts';

export type Direction = 'tx' | 'rx' | 'note';

/** What a transcript entry meant to the engine. */
export type Meaning =
  | 'command'
  | 'payload'
  | 'abort'
  | 'echo'
  | 'info'
  | 'final'
  | 'prompt'
  | 'raw'
  | 'urc'
  | 'unsolicited'
  | 'stale'
  | 'garbage'
  | 'event';

export interface TranscriptEntry {
  /** Clock time, epoch ms. */
  t: number;
  port: string;
  dir: Direction;
  meaning: Meaning;
  /** The bytes, escaped (`OK\r\n` shows as `OK\\r\\n`); long binary payloads are shortened. */
  text: string;
  /** Number of bytes on the wire for this entry. */
  bytes: number;
  /** Extra parsed meaning: the command a line belongs to, the URC name, the error described. */
  detail?: string;
}

export type TranscriptSink = (entry: TranscriptEntry) => void;

/**
 * Timestamped record of everything that crossed the port. Entries go to every sink as they happen
 * (the runner's results log is one), and the latest are kept in memory for error messages.
 */
export class Transcript {
  readonly #entries: TranscriptEntry[] = [];
  readonly #sinks = new Set<TranscriptSink>();
  #dropped = 0;

  constructor(
    readonly port: string,
    private readonly now: () => number,
    private readonly keep = 100_000,
  ) {}

  /** Subscribe to every entry from now on; returns an unsubscribe function. */
  onEntry(sink: TranscriptSink): () => void {
    this.#sinks.add(sink);
    return () => this.#sinks.delete(sink);
  }

  record(dir: Direction, meaning: Meaning, bytes: Buffer | string, detail?: string): TranscriptEntry {
    const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    const entry: TranscriptEntry = {
      t: this.now(),
      port: this.port,
      dir,
      meaning,
      text: escapeBytes(buf, meaning === 'raw' || meaning === 'payload' ? 64 : 512),
      bytes: buf.length,
      ...(detail !== undefined ? { detail } : {}),
    };
    this.#entries.push(entry);
    if (this.#entries.length > this.keep) {
      this.#entries.shift();
      this.#dropped++;
    }
    for (const sink of this.#sinks) {
      try {
        sink(entry);
      } catch {
        // A failing sink must not break the engine; the entry stays in memory.
      }
    }
    return entry;
  }

  note(text: string, detail?: string): void {
    this.record('note', 'event', text, detail);
  }

  /** Entries kept in memory (the newest `keep`); `dropped` tells how many older ones were let go. */
  get entries(): readonly TranscriptEntry[] {
    return this.#entries;
  }

  get dropped(): number {
    return this.#dropped;
  }

  /** The last n entries as text, for error messages. */
  tail(n = 6): string[] {
    return this.#entries.slice(-n).map(formatEntry);
  }
}

export function formatEntry(e: TranscriptEntry): string {
  const arrow = e.dir === 'tx' ? '→' : e.dir === 'rx' ? '←' : '·';
  const time = new Date(e.t).toISOString().slice(11, 23);
  return `${time} ${arrow} ${e.text}${e.meaning === 'info' || e.meaning === 'command' ? '' : ` [${e.meaning}${e.detail ? `: ${e.detail}` : ''}]`}`;
}
