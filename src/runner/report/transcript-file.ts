/**
 * Reading a transcript evidence file (JSON lines of AT transcript entries) for a report: the first N entries
 * kept, the rest only counted, so an overnight transcript costs no memory. Lines that are not entries (a torn
 * last line, a file written by something else) are kept as raw text: the report shows what is there.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TranscriptEntry } from '../../at/index.ts';
import type { Evidence } from '../model.ts';

export type TranscriptLine = { entry: TranscriptEntry } | { raw: string };

export type LoadedTranscript =
  | { ok: true; lines: TranscriptLine[]; total: number; cut: boolean }
  | { ok: false; error: string };

function asEntry(value: unknown): TranscriptEntry | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.t !== 'number' || typeof v.text !== 'string' || typeof v.dir !== 'string') return undefined;
  return {
    t: v.t,
    port: typeof v.port === 'string' ? v.port : '',
    dir: v.dir as TranscriptEntry['dir'],
    meaning: (typeof v.meaning === 'string' ? v.meaning : 'raw') as TranscriptEntry['meaning'],
    text: v.text,
    bytes: typeof v.bytes === 'number' ? v.bytes : 0,
    ...(typeof v.detail === 'string' ? { detail: v.detail } : {}),
  };
}

export async function loadTranscript(runDir: string, e: Evidence, maxLines = 500): Promise<LoadedTranscript> {
  const stream = createReadStream(join(runDir, e.path), { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('ready', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch (err) {
    return { ok: false, error: `${e.path}: ${(err as Error).message}` };
  }
  const lines: TranscriptLine[] = [];
  let total = 0;
  try {
    for await (const line of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
      if (line.trim() === '') continue;
      total++;
      if (lines.length >= maxLines) continue;
      let entry: TranscriptEntry | undefined;
      try {
        entry = asEntry(JSON.parse(line));
      } catch {
        entry = undefined;
      }
      lines.push(entry ? { entry } : { raw: line.length > 2000 ? `${line.slice(0, 2000)}…` : line });
    }
  } catch (err) {
    return { ok: false, error: `${e.path}: reading failed after ${total} lines: ${(err as Error).message}` };
  }
  return { ok: true, lines, total, cut: total > lines.length };
}
