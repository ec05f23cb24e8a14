/**
 * CSV in the layout the nRF Connect Power Profiler exports, so the files open in the same tools:
 *
 *   Timestamp(ms),Current(uA),D0-D7,D0,D1,D2,D3,D4,D5,D6,D7
 *   0.02,7.000,10100010,1,0,1,0,0,0,1,0
 *
 * Timestamp = sample index × 10⁶ / rate / 1000, printed as JavaScript prints numbers; current with three
 * decimals; digital columns (only when the recording has logic) D0 first, '0'/'1', or 'X' for a channel that
 * changed within an averaged row; samples without a value (NaN) are left out. Rows are produced block by block
 * and written with backpressure, so a night of samples never sits in memory.
 */
import { createWriteStream } from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Recording, SamplePosition } from '../recording/index.ts';

export interface CsvOptions {
  from?: SamplePosition;
  to?: SamplePosition;
  /** Average this many samples into one row (as the PPK app does for lower rates: charge is kept). Default 1. */
  samplesPerRow?: number;
  /** Digital columns, when the recording has logic (default true). */
  digital?: boolean;
}

export interface CsvResult {
  rows: number;
  bytes: number;
}

export const CSV_HEADER = 'Timestamp(ms),Current(uA)';
export const CSV_DIGITAL_HEADER = 'D0-D7,D0,D1,D2,D3,D4,D5,D6,D7';

/** The two digital columns for logic words (OR of the bits seen | AND << 8). */
const digitalCache = new Map<number, string>();
function digitalColumns(word: number): string {
  let text = digitalCache.get(word);
  if (text === undefined) {
    const chars: string[] = [];
    for (let bit = 0; bit < 8; bit++) {
      const or = (word >> bit) & 1;
      const and = (word >> (8 + bit)) & 1;
      chars.push(and ? '1' : or ? 'X' : '0');
    }
    text = `,${chars.join('')},${chars.join(',')}`;
    digitalCache.set(word, text);
  }
  return text;
}

function timestampMs(index: number, rateHz: number): number {
  return (1e6 * index) / rateHz / 1000;
}

/** The CSV text of a recording (or a span of it), as a stream of pieces. */
export async function* csvLines(recording: Recording, options: CsvOptions = {}): AsyncGenerator<string> {
  const perRow = options.samplesPerRow ?? 1;
  if (!Number.isInteger(perRow) || perRow < 1) {
    throw new RangeError(
      `CSV export of ${recording.dir}: samplesPerRow must be a positive integer, got ${perRow}`,
    );
  }
  const digital = recording.hasLogic && (options.digital ?? true);
  const rate = recording.rateHz;
  yield `${CSV_HEADER}${digital ? `,${CSV_DIGITAL_HEADER}` : ''}\n`;
  // A row being averaged may span blocks.
  let rowStart = -1;
  let n = 0;
  let sum = 0;
  let or = 0;
  let and = 0xff;
  const row = () => {
    const text = `${timestampMs(rowStart, rate)},${(sum / n).toFixed(3)}${digital ? digitalColumns(or | (and << 8)) : ''}\n`;
    n = 0;
    sum = 0;
    or = 0;
    and = 0xff;
    return text;
  };
  let first = -1;
  for await (const block of recording.blocks(options.from, options.to)) {
    const { uA, logic, start } = block;
    if (first < 0) first = start;
    let text = '';
    if (perRow === 1) {
      for (let i = 0; i < uA.length; i++) {
        const v = uA[i]!;
        if (Number.isNaN(v)) continue;
        const d = digital ? digitalColumns(logic![i]! | (logic![i]! << 8)) : '';
        text += `${timestampMs(start + i, rate)},${v.toFixed(3)}${d}\n`;
      }
    } else {
      for (let i = 0; i < uA.length; i++) {
        const index = start + i;
        if ((index - first) % perRow === 0) {
          if (n > 0) text += row();
          rowStart = index;
        }
        const v = uA[i]!;
        if (Number.isNaN(v)) continue;
        n++;
        sum += v;
        if (digital) {
          or |= logic![i]!;
          and &= logic![i]!;
        }
      }
    }
    if (text) yield text;
  }
  if (n > 0) yield row();
}

/** Write the CSV to a stream, waiting on it when it is full. */
export async function writeCsv(
  recording: Recording,
  out: Writable,
  options: CsvOptions = {},
): Promise<CsvResult> {
  const result: CsvResult = { rows: -1, bytes: 0 };
  const counted = async function* () {
    for await (const text of csvLines(recording, options)) {
      result.bytes += text.length; // ASCII only
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) result.rows++;
      yield text;
    }
  };
  await pipeline(Readable.from(counted(), { objectMode: false }), out);
  return result;
}

export async function exportCsvFile(
  recording: Recording,
  path: string,
  options: CsvOptions = {},
): Promise<CsvResult> {
  return writeCsv(recording, createWriteStream(path), options);
}
