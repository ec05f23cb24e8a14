/**
 * C-02 attach, C-03 PSM and C-04 eDRX, requested against granted. The rig's 24.008 encodings are checked
 * to round-trip, and the module to store exactly the bits the rig sent; the grant is the network's call
 * and is recorded, not judged, unless there is none.
 */
import {
  decodeGprsTimer2,
  decodeGprsTimer3,
  encodeEdrxCycle,
  encodeGprsTimer2,
  encodeGprsTimer3,
  type GprsTimer,
  REGISTRATION_STATUS,
} from '../../../at/index.ts';
import { modemOf } from '../device-power.ts';
import { edrxModeOf, edrxSupport } from '../module-radio.ts';
import type { Requirement } from './spec.ts';

export const attach: Requirement = {
  code: 'C-02',
  slug: 'attach',
  title: (p) => `C-02 registers on the network within the limit (bound ${p.attach.timeout} s)`,
  async run(s, d, ctx) {
    const modem = modemOf(d);
    await modem.wake();
    // Radio off first, so the time runs from a real start, not from a registration already there.
    await modem.setFunctionality(4);
    const t0 = ctx.clock.now();
    const reg = await modem.attach({ timeoutMs: ctx.params.attach.timeout * 1000, signal: s.signal });
    s.measure('attachTime', (ctx.clock.now() - t0) / 1000);
    s.note(`${REGISTRATION_STATUS[reg.stat] ?? `stat ${reg.stat}`}, AcT ${reg.act ?? 'not reported'}`);
  },
};

export const psm: Requirement = {
  code: 'C-03',
  slug: 'psm',
  title: (p) =>
    `C-03 PSM: TAU ${p.psm.periodicTau} s and active time ${p.psm.activeTime} s requested in 24.008 form, the grant reported`,
  async run(s, d, ctx) {
    const request = { periodicTauS: ctx.params.psm.periodicTau, activeTimeS: ctx.params.psm.activeTime };
    const tau = encodeGprsTimer3(request.periodicTauS);
    const active = encodeGprsTimer2(request.activeTimeS);
    const problems = [
      roundTrip('T3412-ext', tau, decodeGprsTimer3(tau.bits), request.periodicTauS, (m) => s.note(m)),
      roundTrip('T3324', active, decodeGprsTimer2(active.bits), request.activeTimeS, (m) => s.note(m)),
    ].filter((x) => x !== undefined);
    const modem = modemOf(d);
    await modem.wake();
    const report = await modem.setPsm(request);
    const stored = report.requested;
    if (stored.periodicTau?.bits !== tau.bits)
      problems.push(`AT+CPSMS? holds TAU ${stored.periodicTau?.bits ?? 'none'}, the rig sent ${tau.bits}`);
    if (stored.activeTime?.bits !== active.bits)
      problems.push(
        `AT+CPSMS? holds active time ${stored.activeTime?.bits ?? 'none'}, the rig sent ${active.bits}`,
      );
    const granted = report.granted;
    s.measure('psmTauGranted', granted?.periodicTau?.seconds ?? null);
    s.measure('psmActiveGranted', granted?.activeTime?.seconds ?? null);
    if (!granted) problems.push('the module reports no granted timers (+CEREG n=5 or its vendor command)');
    else {
      s.note(
        `granted TAU ${describe(granted.periodicTau)}, active time ${describe(granted.activeTime)} (${report.grantedFrom})`,
      );
      if (granted.activeTime?.deactivated) problems.push('the network deactivated T3324: PSM is not granted');
      for (const [what, t] of [
        ['TAU', granted.periodicTau],
        ['active time', granted.activeTime],
      ] as const) {
        if (t && !t.assignedUnit) s.note(`granted ${what} ${t.bits} uses an unassigned unit`);
      }
    }
    if (problems.length > 0) s.fail(problems.join('; '));
  },
};

export const edrx: Requirement = {
  code: 'C-04',
  slug: 'edrx',
  title: (p) => `C-04 eDRX: a ${p.edrx.cycle} s cycle requested in 24.008 form, the grant reported`,
  async skip(d) {
    // Only a probe: when it cannot tell, the step runs and reports what went wrong.
    try {
      const modem = modemOf(d);
      await modem.wake();
      return (await edrxSupport(modem)).unsupported;
    } catch {
      return undefined;
    }
  },
  async run(s, d, ctx) {
    const modem = modemOf(d);
    await modem.wake();
    const { actType, mode } = await edrxModeOf(modem);
    const code = encodeEdrxCycle(ctx.params.edrx.cycle, mode);
    if (code.seconds !== ctx.params.edrx.cycle)
      s.note(`${ctx.params.edrx.cycle} s is not a ${mode} cycle: ${code.seconds} s (${code.bits}) requested`);
    const report = await modem.setEdrx({ mode, cycleS: ctx.params.edrx.cycle });
    const problems: string[] = [];
    if (report.actType !== actType)
      problems.push(`AT+CEDRXRDP reports AcT-type ${report.actType}, expected ${actType} (${mode})`);
    if (report.requestedEdrx !== code.bits)
      problems.push(
        `AT+CEDRXRDP reports requested ${report.requestedEdrx ?? 'none'}, the rig sent ${code.bits}`,
      );
    const cycle = report.decoded?.nwProvidedCycle;
    const ptw = report.decoded?.ptw;
    s.measure('edrxCycleGranted', cycle?.seconds ?? null);
    if (ptw) s.measure('edrxPtwGranted', ptw.seconds);
    if (!cycle) problems.push('no network-provided eDRX value in AT+CEDRXRDP');
    else
      s.note(
        `granted cycle ${cycle.seconds} s (${cycle.bits}), PTW ${ptw ? `${ptw.seconds} s` : 'not reported'}`,
      );
    if (problems.length > 0) s.fail(problems.join('; '));
  },
};

/** Encoding check of a requested timer: the bits decode to what the encoder meant, not below the request. */
function roundTrip(
  name: string,
  encoded: GprsTimer,
  decoded: GprsTimer,
  requestedS: number,
  note: (m: string) => void,
): string | undefined {
  if (decoded.seconds !== encoded.seconds || decoded.deactivated || !decoded.assignedUnit)
    return `${name} ${encoded.bits} decodes to ${decoded.seconds} s, encoded for ${encoded.seconds} s`;
  if (decoded.seconds === null || decoded.seconds < requestedS)
    return `${name} ${encoded.bits} (${decoded.seconds} s) is below the requested ${requestedS} s`;
  if (decoded.seconds !== requestedS)
    note(`${name}: ${requestedS} s is not representable; ${decoded.seconds} s (${encoded.bits}) requested`);
  return undefined;
}

function describe(t: GprsTimer | undefined): string {
  if (!t) return 'not reported';
  return t.deactivated ? `deactivated (${t.bits})` : `${t.seconds} s (${t.bits})`;
}
