/**
 * The recording directory, version 1:
 *
 *   meta.json                 manifest (below), replaced atomically (temp file + rename) at every commit
 *   markers.jsonl             marks and phase begin/end, one JSON object a line, appended as they happen
 *   samples/<chunk>.f32       current, µA, float32 little-endian, CHUNK_SAMPLES per file
 *   samples/<chunk>.u32       the meter's raw 32-bit words (PPK2), when the meter has them
 *   samples/<chunk>.u8        logic port D0–D7, one byte a sample, when the meter has it
 *   pyramid/level-<L>.f64     summary entries: level 1 summarises BASE_SAMPLES samples, each higher level
 *                             FAN_OUT entries of the one below
 *
 * Sample indices are never stored in 32 bits: a sample's index is its position (chunk number × chunk size +
 * offset, both read as JS numbers, exact to 2^53), and JSON carries indices as plain integers.
 *
 * Why float32 for current: the PPK2 digitises 14 bits per range, so a float32's 24-bit mantissa (relative step
 * 6e-8) holds every value the meter can tell apart, at half the size of float64 (17 GB instead of 35 GB a
 * night). The writer rounds samples to float32 before reducing them, so the pyramid describes exactly the values
 * on disk; all sums are float64 with compensation. Where precision matters beyond that, the raw words are kept.
 */
import { z } from 'zod';

export const FORMAT = 'mbms-iot-rig/power-recording';
export const MANIFEST = 'meta.json';
export const MANIFEST_TEMP = 'meta.json.tmp';
export const MARKERS = 'markers.jsonl';
export const SAMPLES_DIR = 'samples';
export const PYRAMID_DIR = 'pyramid';

/** 1 Mi samples: 10.5 s at 100 kS/s, 4 MiB of float32. A crash loses at most the chunk being filled. */
export const CHUNK_SAMPLES = 1 << 20;
/** Samples per level-1 entry. Edges of a span below this are read from the samples themselves. */
export const BASE_SAMPLES = 1024;
/** Entries of level L per entry of level L+1. */
export const FAN_OUT = 16;
/** Levels kept: level 8 entries span 1024·16^7 samples (31 days at 100 kS/s). */
export const MAX_LEVELS = 8;

/** One pyramid entry: six float64 values. */
export const ENTRY_FIELDS = 6;
export const ENTRY_BYTES = ENTRY_FIELDS * 8;
export const E_COUNT = 0; // valid (non-NaN) samples
export const E_SUM = 1; // Σ µA
export const E_SUMSQ = 2; // Σ µA²
export const E_MIN = 3; // +Infinity when no valid sample
export const E_MAX = 4; // −Infinity when no valid sample
export const E_LOGIC = 5; // OR of logic bytes | AND << 8, over valid samples (0xff00 when none)

export const LOGIC_NONE = 0xff << 8;

export function chunkName(chunk: number, kind: 'f32' | 'u32' | 'u8'): string {
  return `${SAMPLES_DIR}/${String(chunk).padStart(12, '0')}.${kind}`;
}

export function levelName(level: number): string {
  return `${PYRAMID_DIR}/level-${level}.f64`;
}

/** Samples covered by one entry of a level (level 0 = one sample). */
export function levelSpan(level: number, base = BASE_SAMPLES, fanOut = FAN_OUT): number {
  return level === 0 ? 1 : base * fanOut ** (level - 1);
}

const GapCause = z.enum(['counter', 'wall-time', 'realign', 'overflow', 'rearm', 'discontinuity']);
export type GapCause = z.infer<typeof GapCause>;

const RecordedGap = z.strictObject({
  at: z.number().int().nonnegative(),
  count: z.number().int().positive(),
  cause: GapCause,
  detail: z.string().optional(),
});
/** Samples stored as NaN because they never arrived; `discontinuity` is a block that started past the end. */
export type RecordedGap = z.infer<typeof RecordedGap>;

const MeterInfoJson = z.object({
  kind: z.enum(['ppk2', 'scpi', 'otii', 'sim']),
  spec: z.string(),
  model: z.string().optional(),
  serial: z.string().optional(),
  firmware: z.string().optional(),
});

export const Manifest = z.strictObject({
  format: z.literal(FORMAT),
  version: z.literal(1),
  meter: MeterInfoJson,
  rateHz: z.number().positive(),
  /** Source voltage (or the voltage energy is computed with in ampere mode). */
  voltageMv: z.number().nonnegative(),
  mode: z.enum(['source', 'ampere']).optional(),
  /** The meter's calibration as it reported it (PPK2 metadata), kept so raw words can be converted again. */
  calibration: z.unknown().optional(),
  /** Samples committed: every file holds at least these; anything past them is ignored. */
  sampleCount: z.number().int().nonnegative(),
  chunkSamples: z.number().int().positive(),
  pyramid: z.strictObject({ baseSamples: z.number().int().positive(), fanOut: z.number().int().min(2) }),
  current: z.literal('f32le'),
  raw: z.boolean(),
  logic: z.boolean(),
  gaps: z.array(RecordedGap),
  /** Clock anchors [sample index, epoch ms], added when the meter's rate and the clock part by > 1 ms. */
  clock: z.array(z.tuple([z.number().int().nonnegative(), z.number()])),
  /** Some chunks' sample files were deliberately not written (synthetic benchmarks). */
  sparse: z.boolean(),
  /** Written by close(); false after a crash. */
  closed: z.boolean(),
  /** Why writing stopped, when it failed. */
  error: z.string().optional(),
  /** Why the meter's stream stopped, when it failed. */
  streamError: z.string().optional(),
});
export type Manifest = z.infer<typeof Manifest>;
