/**
 * power/*.csv: one CSV per power evidence of the run, named `<scenario>.<step>.<device or title>.csv`.
 *
 * - A recording (a real meter's directory) is written by src/power's exporter in the nRF Connect Power
 *   Profiler layout: `Timestamp(ms),Current(uA)[,D0-D7,…]`, one row per sample (or per `samplesPerRow`
 *   samples averaged), streamed, so any length fits.
 * - An emulated module's timeline is exact and piecewise constant: `Time(s),Current(uA)`, one row per change,
 *   time since the trace start; the current holds until the next row's time. The last row repeats the last
 *   current at the trace end, so the file says how long it lasted.
 */
import { createWriteStream, mkdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { exportCsvFile, Recording } from '../../power/index.ts';
import type { Evidence, RunRecord } from '../model.ts';
import { fileSafe } from './escape.ts';
import { PowerTimeline } from './power-trace.ts';

export interface PowerCsvOptions {
  /** Recordings: samples averaged into one row (charge is kept). Default 1: every sample. */
  samplesPerRow?: number;
}

export interface PowerCsvResult {
  /** Files written, absolute. */
  files: string[];
  /** Power evidence that could not be exported, with the reason. */
  skipped: { path: string; reason: string }[];
}

export const TIMELINE_CSV_HEADER = 'Time(s),Current(uA)';

async function timelineCsv(source: string, target: string): Promise<void> {
  const parsed = PowerTimeline.safeParse(JSON.parse(await readFile(source, 'utf8')));
  if (!parsed.success) throw new Error(`not a power timeline: ${parsed.error.issues[0]?.message}`);
  const t = parsed.data;
  const segs = [...t.segments].sort((a, b) => a[0] - b[0]);
  const out = createWriteStream(target);
  const write = (line: string) =>
    out.write(line) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', resolve));
  await write(`${TIMELINE_CSV_HEADER}\n`);
  for (const [at, uA] of segs) await write(`${(at - t.start) / 1000},${uA}\n`);
  const last = segs.at(-1);
  if (last && t.end !== undefined && t.end > last[0]) await write(`${(t.end - t.start) / 1000},${last[1]}\n`);
  out.end();
  await finished(out);
}

/** Every power evidence of the run as CSV in outDir (created). Evidence that fails is listed, not thrown. */
export async function writePowerCsv(
  run: RunRecord,
  runDir: string,
  outDir: string,
  options: PowerCsvOptions = {},
): Promise<PowerCsvResult> {
  const result: PowerCsvResult = { files: [], skipped: [] };
  const used = new Set<string>();
  const power: { e: Evidence; scenario: string; step: string }[] = run.scenarios.flatMap((s) =>
    s.steps.flatMap((st) =>
      st.evidence.filter((e) => e.kind === 'power').map((e) => ({ e, scenario: s.id, step: st.id })),
    ),
  );
  if (power.length === 0) return result;
  mkdirSync(outDir, { recursive: true });
  for (const { e, scenario, step } of power) {
    const base = [scenario, step, e.device ?? e.title].map(fileSafe).join('.');
    let name = `${base}.csv`;
    for (let i = 2; used.has(name); i++) name = `${base}-${i}.csv`;
    used.add(name);
    const source = join(runDir, e.path);
    const target = join(outDir, name);
    try {
      if (statSync(source).isDirectory()) {
        const rec = await Recording.open(source);
        try {
          await exportCsvFile(rec, target, { samplesPerRow: options.samplesPerRow ?? 1 });
        } finally {
          await rec.close();
        }
      } else {
        await timelineCsv(source, target);
      }
      result.files.push(target);
    } catch (err) {
      result.skipped.push({ path: e.path, reason: (err as Error).message });
    }
  }
  return result;
}
