/**
 * Driving a module into a power state and measuring it, for the certification and power-profile
 * scenarios: PSM requested and slept into, mean currents over windows (the energy probe, or a short meter
 * recording), the PSM floor window, and the charge of an event above the PSM floor.
 */
import type { Clock, EpochMs } from '../../clock/index.ts';
import { loadModuleProfile } from '../../hardware/index.ts';
import type { Modem, PsmReport, PsmRequest } from '../../modem/index.ts';
import { type BenchDevice, RigError, type StepContext, StepFailure } from '../scenario.ts';
import { armed, armPsmEntry } from './module-radio.ts';

export interface PsmSleep {
  /** When the module reported PSM (or, without a PSM URC, when the active time had surely run out). */
  enteredAt: EpochMs;
  via: 'urc' | 'timing';
  report: PsmReport;
  /** Granted timers (the requested ones where the module reports no grant), seconds. */
  tauS: number;
  activeTimeS: number;
}

/**
 * Request PSM (a module renegotiates its timers in a TAU) and wait until it sleeps: its PSM URC, or the
 * granted active time plus marginMs after the request when it prints none.
 */
export async function sleepIntoPsm(
  modem: Modem,
  clock: Clock,
  request: PsmRequest,
  o: { marginMs: number; signal?: AbortSignal },
): Promise<PsmSleep> {
  await modem.wake();
  // The wait is armed with a long bound; once the grant is known it is cut to the active time + margin.
  const entry = armPsmEntry(modem, clock, 24 * 3_600_000, o.signal);
  let report: PsmReport;
  try {
    report = await modem.setPsm(request);
  } catch (e) {
    entry.cancel();
    throw e;
  }
  const grantedActive = report.granted?.activeTime;
  if (!report.enabled || grantedActive?.deactivated) {
    entry.cancel();
    throw new StepFailure(
      `PSM not granted: AT+CPSMS? mode ${report.enabled ? 1 : 0}, granted active time ${grantedActive?.bits ?? 'not reported'}`,
    );
  }
  const activeTimeS = grantedActive?.seconds ?? request.activeTimeS;
  const tauS = report.granted?.periodicTau?.seconds ?? request.periodicTauS;
  const bound = armed(clock, activeTimeS * 1000 + o.marginMs, o.signal, () => () => {});
  const at = await Promise.race([entry.at, bound.at]);
  entry.cancel();
  bound.cancel();
  if (at !== undefined) return { enteredAt: at, via: 'urc', report, tauS, activeTimeS };
  return { enteredAt: clock.now(), via: 'timing', report, tauS, activeTimeS };
}

export interface CurrentWindow {
  meanUa: number;
  from: EpochMs;
  to: EpochMs;
  source: 'energy probe' | 'meter';
}

/**
 * Mean current over the next windowMs: the energy probe's charge over the window, or, with a meter and no
 * probe, a recording of at most meterWindowMs. Nothing may talk to the module meanwhile.
 */
export async function meanCurrentOver(
  device: BenchDevice,
  clock: Clock,
  windowMs: number,
  o: { meterWindowMs: number; signal?: AbortSignal },
): Promise<CurrentWindow> {
  if (device.energy) {
    const from = clock.now();
    await clock.sleep(windowMs, o.signal);
    const to = clock.now();
    const charge = await device.energy.chargeUc(from, to);
    return { meanUa: charge / ((to - from) / 1000), from, to, source: 'energy probe' };
  }
  if (device.meter) return meterRecording(device, clock, Math.min(windowMs, o.meterWindowMs), o.signal);
  throw new RigError(
    'configuration',
    `${device.name}: no energy probe and no meter measure this device: give it a meter in the bench`,
  );
}

async function meterRecording(
  device: BenchDevice,
  clock: Clock,
  windowMs: number,
  signal?: AbortSignal,
): Promise<CurrentWindow> {
  const meter = await device.meter!().catch((e: Error) => {
    throw new RigError('infrastructure', `${device.name}: opening its meter: ${e.message}`);
  });
  let sum = 0;
  let n = 0;
  let failure: Error | undefined;
  const from = clock.now();
  const started = meter.start({
    samples: (b) => {
      for (const uA of b.uA) {
        if (Number.isNaN(uA)) continue;
        sum += uA;
        n++;
      }
    },
    error: (e) => {
      failure = e;
    },
  });
  await started.catch((e: Error) => {
    throw new RigError('infrastructure', `meter ${meter.info.spec}: starting a recording: ${e.message}`);
  });
  try {
    await clock.sleep(windowMs, signal);
  } finally {
    await meter.stop();
  }
  const to = clock.now();
  if (failure) throw new RigError('infrastructure', `meter ${meter.info.spec}: ${failure.message}`);
  if (n === 0)
    throw new RigError('infrastructure', `meter ${meter.info.spec}: no valid samples in ${windowMs} ms`);
  return { meanUa: sum / n, from, to, source: 'meter' };
}

/**
 * The PSM floor: mean current over a window that starts settleMs after PSM entry and ends before the next
 * periodic TAU (T3412 runs from the RRC release, the active time before PSM). `cut` says when the granted
 * TAU made the window shorter than asked.
 */
export async function psmFloorWindow(
  device: BenchDevice,
  clock: Clock,
  sleep: PsmSleep,
  o: { windowMs: number; settleMs: number; meterWindowMs: number; signal?: AbortSignal },
): Promise<CurrentWindow & { cut?: string }> {
  const start = Math.max(clock.now(), sleep.enteredAt + o.settleMs);
  await clock.sleep(start - clock.now(), o.signal);
  const nextTau = sleep.enteredAt + (sleep.tauS - sleep.activeTimeS) * 1000;
  let windowMs = o.windowMs;
  let cut: string | undefined;
  if (start + windowMs > nextTau - 1000) {
    windowMs = nextTau - 1000 - start;
    if (windowMs <= 0)
      throw new RigError(
        'configuration',
        `the granted TAU (${sleep.tauS} s) leaves no PSM floor window: request a longer periodic TAU`,
      );
    cut = `window cut to ${Math.round(windowMs) / 1000} s: the granted TAU of ${sleep.tauS} s comes first`;
  }
  const w = await meanCurrentOver(device, clock, windowMs, {
    meterWindowMs: o.meterWindowMs,
    signal: o.signal,
  });
  return cut ? { ...w, cut } : w;
}

/** Charge between two past instants; only an energy probe keeps the past. */
export async function chargeBetween(device: BenchDevice, from: EpochMs, to: EpochMs): Promise<number> {
  if (!device.energy) {
    throw new RigError(
      'configuration',
      `${device.name}: event energies need an energy probe (a meter recording the whole run, or the emulated timeline)`,
    );
  }
  return device.energy.chargeUc(from, to);
}

/** Charge of an event above the floor current over [from, to], µC (never below 0). */
export async function chargeAboveFloor(
  device: BenchDevice,
  from: EpochMs,
  to: EpochMs,
  floorUa: number,
): Promise<number> {
  const total = await chargeBetween(device, from, to);
  return Math.max(0, total - floorUa * ((to - from) / 1000));
}

/** µC at the supply voltage → mJ (µC × mV = nJ). */
export function millijoules(chargeUc: number, voltageMv: number): number {
  return (chargeUc * voltageMv) / 1e6;
}

/** The supply voltage energies are computed at: the probe's, else the profile's nominal supply. */
export function voltageMvOf(device: BenchDevice): number {
  return device.energy?.voltageMv ?? loadModuleProfile(device.profileId).supply.nominalV * 1000;
}

export function modemOf(device: BenchDevice): Modem {
  if (!device.modem)
    throw new RigError('bug', `${device.name}: no Modem although the scenario needs at-ready`);
  return device.modem;
}

/**
 * The device's exact current timeline from `from` to `to` as power evidence (an emulated module's; nothing on a
 * real bench, whose meter records instead), with markers given in clock time.
 */
export function attachTimeline(
  s: StepContext,
  d: BenchDevice,
  o: {
    from: EpochMs;
    to: EpochMs;
    title: string;
    file: string;
    markers: { label: string; start: EpochMs; end: EpochMs }[];
  },
): void {
  if (!d.timeline) return;
  const t = d.timeline(o.from, o.to);
  s.evidence({
    kind: 'power',
    title: o.title,
    device: d.name,
    file: o.file,
    content: JSON.stringify({
      device: d.name,
      unit: 'µA',
      voltageMv: t.voltageMv,
      start: t.start,
      ...(t.end !== undefined ? { end: t.end } : {}),
      segments: t.segments,
    }),
    markers: o.markers.map((m) => ({ label: m.label, start: m.start - t.start, end: m.end - t.start })),
  });
}
