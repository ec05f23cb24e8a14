/**
 * C-05: the PSM floor against the datasheet. The module is asked for PSM and left alone until it sleeps
 * (its PSM URC, or the active time plus a margin), then its mean current is taken over a window that ends
 * before the next periodic TAU. Limit: the profile's `current.psm` × (1 + tolerance).
 */
import type { Clock } from '../../../clock/index.ts';
import { loadModuleProfile } from '../../../hardware/index.ts';
import { type BenchDevice, RigError, type StepContext } from '../../scenario.ts';
import { attachTimeline, modemOf, psmFloorWindow, sleepIntoPsm } from '../device-power.ts';
import type { Requirement } from './spec.ts';

export const psmFloor: Requirement = {
  code: 'C-05',
  slug: 'floor',
  title: (p) => `C-05 PSM floor current within the datasheet figure + ${round(p.floor.tolerance * 100)} %`,
  async run(s, d, ctx) {
    const p = ctx.params.floor;
    const clock = ctx.clock;
    const datasheet = loadModuleProfile(d.profileId).current.psm;
    const limitUa = datasheet.uA * (1 + p.tolerance);
    if (!(limitUa > 0))
      throw new RigError(
        'configuration',
        `profile ${d.profileId}: current.psm is ${datasheet.uA} µA, no limit to check`,
      );
    const sleep = await sleepIntoPsm(
      modemOf(d),
      clock,
      { periodicTauS: ctx.params.psm.periodicTau, activeTimeS: ctx.params.psm.activeTime },
      { marginMs: p.margin * 1000, signal: s.signal },
    );
    if (sleep.via === 'timing')
      s.note('no PSM URC from the module: PSM taken as reached once the active time ran out');
    const w = await psmFloorWindow(d, clock, sleep, {
      windowMs: p.window * 1000,
      settleMs: p.settle * 1000,
      meterWindowMs: p.meterWindow * 1000,
      signal: s.signal,
    });
    if (w.cut) s.note(w.cut);
    // Judged against this module's datasheet figure (+ tolerance); the % of it below says the same as a ratio.
    s.measure('psmFloor', w.meanUa, { limits: { high: limitUa, marginal: limitUa * 0.08 } });
    const verdict = s.measure('psmFloorOfLimit', (100 * w.meanUa) / limitUa);
    attachTrace(s, d, clock, sleep.enteredAt, w.from, w.to);
    const text =
      `PSM floor ${round(w.meanUa)} µA over ${round((w.to - w.from) / 1000)} s (${w.source}); ` +
      `limit ${round(limitUa)} µA = datasheet ${datasheet.uA} µA (${datasheet.source}) + ${round(p.tolerance * 100)} %`;
    if (verdict === 'fail') s.fail(`${text}: above the limit`);
    s.note(verdict === 'marginal' ? `${text}: close to the limit` : text);
  },
};

function attachTrace(
  s: StepContext,
  d: BenchDevice,
  clock: Clock,
  from: number,
  windowFrom: number,
  to: number,
): void {
  attachTimeline(s, d, {
    from: Math.min(from, windowFrom) - 10_000,
    to: Math.max(to, clock.now()),
    title: `${d.name}: current into PSM and over the floor window`,
    file: `power/${d.name}-certification-floor.json`,
    markers: [
      { label: 'PSM entry', start: from, end: from },
      { label: 'PSM floor window', start: windowFrom, end: to },
    ],
  });
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
