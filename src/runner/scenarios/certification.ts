/**
 * `certification`: per module, requirement by requirement, one step each with a stable id
 * (`C-<device>-<requirement>`) and a title that reads as a line of a certificate:
 *   C-01 27.007 commands answer in 27.007 form     C-05 PSM floor current against the datasheet
 *   C-02 attach within a limit                     C-06 multicast reception of a file
 *   C-03 PSM requested against granted             C-07 module FOTA with a signed image
 *   C-04 eDRX requested against granted            C-08 recovery from power cuts
 * A requirement the device cannot be tested for (no eDRX on its RAT, no power switch) is skipped with the
 * reason. A rig error on a device skips its remaining requirements rather than letting them time out.
 */
import { defineScenario } from '../scenario.ts';
import { commands27007 } from './certification/commands.ts';
import { psmFloor } from './certification/floor.ts';
import { fota } from './certification/fota.ts';
import { multicast } from './certification/multicast.ts';
import { attach, edrx, psm } from './certification/network.ts';
import { powerCut } from './certification/power-cut.ts';
import { CERTIFICATION_MEASUREMENTS, CertificationParams, type Requirement } from './certification/spec.ts';

export { CertificationParams } from './certification/spec.ts';

/** In the order they run: C-05 sleeps with the PSM C-03 negotiated; C-08 checks the firmware C-07 installed. */
export const REQUIREMENTS: readonly Requirement[] = [
  commands27007,
  attach,
  psm,
  edrx,
  psmFloor,
  multicast,
  fota,
  powerCut,
];

/** The step id of a requirement on a device. */
export function certificationStepId(device: string, requirement: Requirement): string {
  return `C-${device}-${requirement.slug}`;
}

export const certification = defineScenario({
  kind: 'certification',
  title: 'Module certification',
  description:
    'Per module: 27.007 conformance, attach, PSM and eDRX requested against granted, PSM floor against the ' +
    'datasheet, multicast reception, module FOTA and recovery from power cuts.',
  params: CertificationParams,
  measurements: CERTIFICATION_MEASUREMENTS,
  needs: 'at-ready',
  async run(ctx) {
    for (const d of ctx.devices) {
      let broken: string | undefined;
      for (const r of REQUIREMENTS) {
        const id = certificationStepId(d.name, r);
        const title = r.title(ctx.params);
        const reason = broken ?? (await r.skip?.(d, ctx));
        if (reason !== undefined) {
          ctx.skip(id, title, reason, d);
          continue;
        }
        const verdict = await ctx.step(id, title, { device: d }, (s) => r.run(s, d, ctx));
        if (verdict === 'error') broken = `${r.code} ended in a rig error on this device`;
      }
    }
  },
});
