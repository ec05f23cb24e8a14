/**
 * Converting a recording's raw meter words again (another calibration, the spike filter off…) into a new
 * recording. Gaps stay gaps (NaN), markers are copied as they were; the copy streams chunk by chunk and waits
 * for the writer's disk writes, so a night converts in bounded memory.
 */
import type { MicroAmps } from '../meter.ts';
import { RecordingError } from './errors.ts';
import type { RecordingFs } from './fs.ts';
import type { Recording } from './reader.ts';
import { RecordingWriter } from './writer.ts';

export interface ReconvertOptions {
  /** The new recording's directory (created; must be empty). */
  dir: string;
  /** The calibration the new values come from, stored in the new manifest. */
  calibration?: unknown;
  voltageMv?: number;
  fs?: RecordingFs;
  durable?: boolean;
}

export async function reconvertInto(
  source: Recording,
  fn: (raw: number) => MicroAmps,
  options: ReconvertOptions,
): Promise<void> {
  if (!source.hasRaw)
    throw new RecordingError(source.dir, 'reconvert: this recording holds no raw meter words');
  const m = source.manifest;
  const writer = await RecordingWriter.create({
    dir: options.dir,
    meter: m.meter,
    rateHz: m.rateHz,
    voltageMv: options.voltageMv ?? m.voltageMv,
    ...(m.mode ? { mode: m.mode } : {}),
    calibration: options.calibration ?? m.calibration,
    raw: true,
    logic: m.logic,
    chunkSamples: m.chunkSamples,
    pyramid: m.pyramid,
    ...(options.fs ? { fs: options.fs } : {}),
    ...(options.durable !== undefined ? { durable: options.durable } : {}),
  });
  const copy = async (from: number, to: number) => {
    for await (const block of source.blocks(from, to)) {
      const raw = block.raw!;
      const uA = new Float64Array(raw.length);
      for (let i = 0; i < raw.length; i++) uA[i] = fn(raw[i]!);
      writer.append({ ...block, uA });
      if (writer.sampleCount - writer.committedSamples > 2 * m.chunkSamples) await writer.idle();
    }
  };
  try {
    let at = 0;
    for (const gap of source.gaps) {
      await copy(at, gap.at);
      writer.gap(gap);
      at = gap.at + gap.count;
    }
    await copy(at, source.sampleCount);
    for (const record of source.markers()) writer.appendMarker(record);
  } catch (err) {
    await writer.close().catch(() => undefined);
    throw err;
  }
  await writer.close();
}
