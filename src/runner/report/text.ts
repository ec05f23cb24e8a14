/** How numbers, limits and durations read in every report (console, JUnit, HTML), so they all agree. */
import type { Limits, Measurement, StepRecord } from '../model.ts';

/** Up to 6 significant digits, no exponent below 1e21, trailing zeros dropped. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && (Math.abs(value) >= 1e9 || Math.abs(value) < 1e-4)) return value.toExponential(3);
  const text = Number(value.toPrecision(6)).toString();
  return text;
}

export function formatQuantity(value: number | null, unit: string): string {
  if (value === null || Number.isNaN(value)) return 'not measured';
  return `${formatNumber(value)} ${unit}`;
}

/** `1 µA ≤ x ≤ 5 µA (marginal 0.5 µA)`, `≤ 5 µA`, or `none`. */
export function formatLimits(limits: Limits | undefined, unit: string): string {
  if (!limits || (limits.low === undefined && limits.high === undefined)) return 'none';
  const { low, high, marginal } = limits;
  let text: string;
  if (low !== undefined && high !== undefined)
    text = `${formatNumber(low)} ${unit} ≤ x ≤ ${formatNumber(high)} ${unit}`;
  else if (low !== undefined) text = `≥ ${formatNumber(low)} ${unit}`;
  else text = `≤ ${formatNumber(high!)} ${unit}`;
  return marginal ? `${text} (marginal ${formatNumber(marginal)} ${unit})` : text;
}

/** One measurement in words: `sleep current = 7.2 µA (limits ≤ 5 µA): fail`. */
export function describeMeasurement(m: Measurement): string {
  const who = m.device ? ` [${m.device}]` : '';
  return `${m.name}${who} = ${formatQuantity(m.value, m.unit)} (limits ${formatLimits(m.limits, m.unit)}): ${m.verdict}`;
}

/** `850 ms`, `12.3 s`, `5 min 3 s`, `2 h 5 min`, `3 d 4 h`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  const sign = ms < 0 ? '-' : '';
  const a = Math.abs(ms);
  if (a < 1000) return `${sign}${Math.round(a)} ms`;
  if (a < 60_000) return `${sign}${Number((a / 1000).toPrecision(3))} s`;
  const s = Math.round(a / 1000);
  if (s < 3600) return `${sign}${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${sign}${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${sign}${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** ISO time of an epoch ms, or `n/a`. */
export function formatTime(epochMs: number | undefined): string {
  if (epochMs === undefined || !Number.isFinite(epochMs)) return 'n/a';
  return new Date(epochMs).toISOString();
}

/** Why a step failed, in one message: its own message, else its failed measurements. */
export function failureMessage(step: StepRecord): string {
  if (step.message) return step.message;
  const failed = step.measurements.filter((m) => m.verdict === 'fail');
  if (failed.length > 0) return failed.map(describeMeasurement).join('; ');
  return `${step.verdict} without a message`;
}

/** Verdicts in report order, worst last. */
export const VERDICTS = ['pass', 'marginal', 'fail', 'error', 'skip'] as const;
