/**
 * Scenarios: TypeScript that a plan names, with parameters (checked by a schema), the measurements it
 * declares (name, unit, default limits with a marginal band) and the bring-up state its devices need.
 * A scenario runs steps; each step records measurements against limits and attaches evidence. A step's
 * verdict is the worst of its measurements, unless it ends with fail() (the device did not meet a
 * requirement) or an error (the rig broke).
 */
import type { z } from 'zod';
import type { AtEngine } from '../at/index.ts';
import type { Clock, EpochMs } from '../clock/index.ts';
import type { EnbBackend } from '../enb/index.ts';
import type { Modem } from '../modem/index.ts';
import type { Meter } from '../power/index.ts';
import type { PowerSwitch } from '../switch/index.ts';
import type { EnergyProbe, HostReception } from '../update/index.ts';
import type { BenchSpec, ModuleSpec } from './bench-spec.ts';
import type { BringUpState, CampaignSummary, ErrorKind, Evidence, Limits, Verdict } from './model.ts';
import type { Unit } from './units.ts';

export interface MeasurementSpec {
  unit: Unit;
  description: string;
  /** Default limits (the plan may override them, in any unit of the same dimension). */
  limits?: Limits;
}

/** A device of the built bench, as scenarios see it. */
export interface BenchDevice {
  name: string;
  spec: ModuleSpec;
  profileId: string;
  /** Set once the device reached at-ready. */
  modem?: Modem;
  engine?: AtEngine;
  /** Charge between two instants: the module's exact timeline (emulated) or the bench meter's recording. */
  energy?: EnergyProbe;
  /** The meter measuring this device (opened on first use), and the switch cutting its power. */
  meter?: () => Promise<Meter>;
  switch?: () => Promise<PowerSwitch>;
  /** Where the device's state reached, and why it stopped when it did (sticky). */
  bringUp: { state: BringUpState; failed?: string; error?: unknown; reported?: boolean };
  /** Emulated modules: the current timeline as evidence (exact). */
  timeline?: (
    from: EpochMs,
    to: EpochMs,
  ) => { start: EpochMs; end?: EpochMs; segments: [number, number][]; voltageMv: number };
}

export interface BuiltBench {
  spec: BenchSpec;
  file: string;
  clock: Clock;
  seed: number;
  emulated: boolean;
  enb: EnbBackend;
  broker: { host: string; port: number };
  devices: BenchDevice[];
  /** srsRAN benches: srsUE's reception on behalf of modules that cannot receive (campaign `reception: host`). */
  hostReception?: HostReception;
  close(): Promise<void>;
}

export class StepFailure extends Error {
  override name = 'StepFailure';
}

/** The rig or its infrastructure broke: an ERROR verdict, never a device failure. */
export class RigError extends Error {
  override name = 'RigError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export interface StepContext {
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly device?: BenchDevice;
  /**
   * Record a measurement declared by the scenario; returns its verdict. `limits` are this device's own (a
   * datasheet figure from its profile); limits the plan gives still take precedence, then these, then the
   * scenario's defaults.
   */
  measure(name: string, value: number | null, options?: { device?: string; limits?: Limits }): Verdict;
  /** Attach evidence: content written under the run directory (`file` relative to it), or a path already there. */
  evidence(
    e: Omit<Evidence, 'path'> & ({ path: string } | { file: string; content: string | Uint8Array }),
  ): void;
  /** A campaign's figures for the reports. */
  campaign(summary: CampaignSummary): void;
  /** A requirement not met by the device: the step fails with this message. */
  fail(message: string): never;
  /** A note in the step's message (kept with any verdict). */
  note(message: string): void;
}

export interface ScenarioContext<P> {
  readonly params: P;
  readonly bench: BuiltBench;
  readonly clock: Clock;
  readonly seed: number;
  readonly signal: AbortSignal;
  readonly runDir: string;
  /** Devices that reached the scenario's bring-up state. The others are skipped, with their reason. */
  readonly devices: readonly BenchDevice[];
  /**
   * Run a step. Steps already finished in the log of a resumed run are not run again: the call returns
   * their recorded verdict.
   */
  step(
    id: string,
    title: string,
    options: { device?: BenchDevice },
    run: (s: StepContext) => Promise<void>,
  ): Promise<Verdict>;
  /** Record a step as skipped without running it. */
  skip(id: string, title: string, reason: string, device?: BenchDevice): void;
}

export interface ScenarioKind<P = unknown> {
  kind: string;
  title: string;
  description: string;
  params: z.ZodType<P>;
  measurements: Record<string, MeasurementSpec>;
  /** Bring-up each device needs; 'off' runs on every device whatever happened. */
  needs: BringUpState;
  run(ctx: ScenarioContext<P>): Promise<void>;
}

/** Identity helper that keeps P inferred from the params schema. */
export function defineScenario<S extends z.ZodType>(
  k: Omit<ScenarioKind<z.infer<S>>, 'params'> & { params: S },
): ScenarioKind<z.infer<S>> {
  return k as ScenarioKind<z.infer<S>>;
}
