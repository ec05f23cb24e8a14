/**
 * `power-profile`: per module, the current in each state it spends its life in (PSM floor, eDRX sleep or
 * RRC idle, RRC connected), the energy of the events that punctuate it (a periodic TAU, an MQTT publish,
 * a reboot), and from those the battery life of a usage profile and an update's share of it. Every window
 * is driven (the module is put in the state, then left alone) and marked on the device's current timeline,
 * which is attached as evidence. Steps: `P-<device>-<what>`; one that needs a figure an earlier step did not
 * measure is skipped with the reason.
 */
import { type BenchDevice, defineScenario, type ScenarioContext, type StepContext } from '../scenario.ts';
import { voltageMvOf } from './device-power.ts';
import { attachProfileTrace, batteryStep } from './power-profile/battery.ts';
import { type DeviceProfile, POWER_PROFILE_MEASUREMENTS, PowerProfileParams } from './power-profile/spec.ts';
import { floorStep, idleStep, publishStep, rebootStep, tauStep } from './power-profile/windows.ts';

export { PowerProfileParams } from './power-profile/spec.ts';

type Needed = 'floorUa' | 'psm' | 'tauUc' | 'publishUc';

interface ProfileStep {
  slug: string;
  title(p: PowerProfileParams): string;
  needs: readonly Needed[];
  /** Runs even after a rig error on the device (it only reads what was recorded). */
  always?: boolean;
  /** Why the step cannot run on this device at all. */
  unavailable?(d: BenchDevice): string | undefined;
  run(s: StepContext, profile: DeviceProfile, ctx: ScenarioContext<PowerProfileParams>): Promise<void>;
}

export const PROFILE_STEPS: readonly ProfileStep[] = [
  { slug: 'floor', title: () => 'PSM floor current', needs: [], run: floorStep },
  { slug: 'tau', title: () => 'energy of one periodic TAU', needs: ['floorUa', 'psm'], run: tauStep },
  {
    slug: 'publish',
    title: (p) =>
      `energy of an MQTT publish of ${p.mqtt.bytes} bytes, and the RRC connected current after it`,
    needs: ['floorUa'],
    run: publishStep,
  },
  { slug: 'reboot', title: () => 'energy of a reboot back into PSM', needs: ['floorUa'], run: rebootStep },
  {
    slug: 'idle',
    title: () => 'eDRX sleep current (RRC idle without eDRX), PSM off',
    needs: [],
    run: idleStep,
  },
  {
    slug: 'battery',
    title: (p) => `battery life on ${p.battery.capacityMah} mAh, and an update's share of it`,
    needs: ['floorUa', 'tauUc', 'publishUc'],
    run: async (s, profile, ctx) => batteryStep(s, profile, ctx.params),
  },
  {
    slug: 'trace',
    title: () => 'current timeline with the measured windows',
    needs: [],
    always: true,
    unavailable: (d) =>
      d.timeline ? undefined : 'no exact timeline on this bench (a meter recording holds the trace)',
    run: async (s, profile, ctx) => attachProfileTrace(s, profile, ctx.clock.now()),
  },
];

export function powerProfileStepId(device: string, slug: string): string {
  return `P-${device}-${slug}`;
}

export const powerProfile = defineScenario({
  kind: 'power-profile',
  title: 'Power profile',
  description:
    'Per module: PSM floor, eDRX/idle and RRC connected currents, the energy of a periodic TAU, an MQTT ' +
    'publish and a reboot, and the battery life of a usage profile with an update’s share of it.',
  params: PowerProfileParams,
  measurements: POWER_PROFILE_MEASUREMENTS,
  needs: 'registered',
  async run(ctx) {
    for (const d of ctx.devices) {
      const profile: DeviceProfile = {
        device: d,
        start: ctx.clock.now(),
        voltageMv: voltageMvOf(d),
        markers: [],
      };
      let broken: string | undefined;
      for (const step of PROFILE_STEPS) {
        const id = powerProfileStepId(d.name, step.slug);
        const title = step.title(ctx.params);
        const missing = step.needs.filter((k) => profile[k] === undefined);
        const reason =
          step.unavailable?.(d) ??
          (step.always
            ? undefined
            : (broken ??
              (missing.length > 0
                ? `needs ${missing.join(', ')}, which an earlier step did not measure`
                : undefined)));
        if (reason !== undefined) {
          ctx.skip(id, title, reason, d);
          continue;
        }
        const verdict = await ctx.step(id, title, { device: d }, (s) => step.run(s, profile, ctx));
        if (verdict === 'error') broken = `P-${d.name}-${step.slug} ended in a rig error on this device`;
      }
    }
  },
});
