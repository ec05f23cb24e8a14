/**
 * The windows and events of a power profile, one step each: the PSM floor, one periodic TAU, an MQTT
 * publish (with the RRC connected window after it), a reboot, and eDRX sleep (or RRC idle). Event energies
 * are the charge above the PSM floor from the action until the module is back in PSM: the floor itself is
 * counted once, over the whole year, by the battery estimate.
 */
import type { EpochMs } from '../../../clock/index.ts';
import type { ScenarioContext, StepContext } from '../../scenario.ts';
import {
  chargeAboveFloor,
  chargeBetween,
  meanCurrentOver,
  millijoules,
  modemOf,
  psmFloorWindow,
  sleepIntoPsm,
} from '../device-power.ts';
import { armBackToPsm, edrxSupport, rrcIdle } from '../module-radio.ts';
import type { DeviceProfile, PowerProfileParams } from './spec.ts';

type Ctx = ScenarioContext<PowerProfileParams>;

export async function floorStep(s: StepContext, p: DeviceProfile, ctx: Ctx): Promise<void> {
  const w = ctx.params.windows;
  const request = { periodicTauS: ctx.params.psm.periodicTau, activeTimeS: ctx.params.psm.activeTime };
  const sleep = await sleepIntoPsm(modemOf(p.device), ctx.clock, request, {
    marginMs: w.margin * 1000,
    signal: s.signal,
  });
  if (sleep.via === 'timing')
    s.note('no PSM URC from the module: PSM taken as reached once the active time ran out');
  const cw = await psmFloorWindow(p.device, ctx.clock, sleep, {
    windowMs: w.floor * 1000,
    settleMs: w.settle * 1000,
    meterWindowMs: w.meterWindow * 1000,
    signal: s.signal,
  });
  if (cw.cut) s.note(cw.cut);
  p.psm = sleep;
  p.floorUa = cw.meanUa;
  p.markers.push({ label: 'PSM floor', start: cw.from, end: cw.to });
  s.measure('psmFloor', cw.meanUa);
  s.note(`granted TAU ${sleep.tauS} s, active time ${sleep.activeTimeS} s; floor from the ${cw.source}`);
}

/** The TAU after the floor window: from one PSM entry (+ settle) to the next (+ settle). */
export async function tauStep(s: StepContext, p: DeviceProfile, ctx: Ctx): Promise<void> {
  const { clock } = ctx;
  const w = ctx.params.windows;
  const psm = p.psm!;
  const tauDue = psm.enteredAt + (psm.tauS - psm.activeTimeS) * 1000;
  const bound = Math.max(0, tauDue - clock.now()) + psm.activeTimeS * 1000 + 2 * w.margin * 1000;
  const back = armBackToPsm(modemOf(p.device), clock, bound, s.signal);
  const end = await back.settled();
  if (end.via === 'timing') s.note('no PSM URC after the TAU: its end taken from the timers');
  const to = await settleAfter(ctx, end.enteredAt, s.signal);
  const from = psm.enteredAt + w.settle * 1000;
  p.tauUc = await chargeAboveFloor(p.device, from, to, p.floorUa!);
  p.markers.push({ label: 'periodic TAU', start: Math.min(tauDue, end.enteredAt), end: end.enteredAt });
  s.measure('tauEnergy', millijoules(p.tauUc, p.voltageMv));
}

export async function publishStep(s: StepContext, p: DeviceProfile, ctx: Ctx): Promise<void> {
  const { clock } = ctx;
  const w = ctx.params.windows;
  const m = ctx.params.mqtt;
  const modem = modemOf(p.device);
  const bound = (p.psm?.activeTimeS ?? ctx.params.psm.activeTime) * 1000 + 2 * w.margin * 1000;
  await modem.wake();
  const connected = armBackToPsm(modem, clock, bound, s.signal);
  try {
    await modem.mqttConnect({
      host: ctx.bench.broker.host,
      port: ctx.bench.broker.port,
      clientId: `rig-${p.device.name}-${ctx.seed}`,
    });
  } catch (e) {
    connected.cancel();
    throw e;
  }
  try {
    // The connection's own RRC tail and active time are over before the publish is timed.
    await connected.settled();
    const t0 = clock.now();
    const back = armBackToPsm(modem, clock, bound, s.signal);
    await modem.wake();
    await modem.mqttPublish(`${m.topic}/${p.device.name}`, payload(m.bytes), m.qos);
    const published = clock.now();
    const released = await back.releasedAt;
    const end = await back.settled();
    if (end.via === 'timing') s.note('no PSM URC after the publish: its end taken from the timers');
    const to = await settleAfter(ctx, end.enteredAt, s.signal);
    p.publishUc = await chargeAboveFloor(p.device, t0, to, p.floorUa!);
    p.markers.push({ label: `MQTT publish (${m.bytes} B)`, start: t0, end: end.enteredAt });
    s.measure('publishEnergy', millijoules(p.publishUc, p.voltageMv));
    const from = published + w.connectedSettle * 1000;
    if (released === undefined || released <= from) {
      s.measure('connectedCurrent', null);
      s.note(
        released === undefined
          ? 'no RRC release (+CSCON: 0) reported after the publish'
          : 'RRC released before the connected window began',
      );
      return;
    }
    const mean = (await chargeBetween(p.device, from, released)) / ((released - from) / 1000);
    p.markers.push({ label: 'RRC connected', start: from, end: released });
    s.measure('connectedCurrent', mean);
  } finally {
    await modem.wake();
    await modem.mqttDisconnect().catch((e: Error) => s.note(`MQTT disconnect: ${e.message.split('\n')[0]}`));
  }
}

export async function rebootStep(s: StepContext, p: DeviceProfile, ctx: Ctx): Promise<void> {
  const { clock } = ctx;
  const w = ctx.params.windows;
  const modem = modemOf(p.device);
  await modem.wake();
  const t0 = clock.now();
  const bound = (p.psm?.activeTimeS ?? ctx.params.psm.activeTime) * 1000 + 4 * w.margin * 1000;
  const back = armBackToPsm(modem, clock, bound, s.signal);
  try {
    await modem.reboot({ timeoutMs: 2 * w.margin * 1000 });
    // Some modules (the nRF91 SLM) start with the radio off: attaching again is part of the event.
    await modem.attach({ timeoutMs: 4 * w.margin * 1000, signal: s.signal });
  } catch (e) {
    back.cancel();
    throw e;
  }
  const end = await back.settled();
  if (end.via === 'timing') s.note('no PSM URC after the reboot: its end taken from the timers');
  const to = await settleAfter(ctx, end.enteredAt, s.signal);
  const charge = await chargeAboveFloor(p.device, t0, to, p.floorUa!);
  p.markers.push({ label: 'reboot', start: t0, end: end.enteredAt });
  s.measure('rebootEnergy', millijoules(charge, p.voltageMv));
}

/** PSM off, eDRX requested where the module offers it on its RAT; the window covers whole eDRX cycles. */
export async function idleStep(s: StepContext, p: DeviceProfile, ctx: Ctx): Promise<void> {
  const { clock } = ctx;
  const w = ctx.params.windows;
  const d = p.device;
  const modem = modemOf(d);
  await modem.wake();
  const support = await edrxSupport(modem);
  await modem.setPsm('off');
  let label = 'RRC idle';
  let windowS = w.idle ?? 60;
  let edrxOn = false;
  try {
    if (support.unsupported) s.note(support.unsupported);
    else {
      const report = await modem.setEdrx({ mode: support.mode, cycleS: ctx.params.edrx.cycle });
      edrxOn = true;
      const cycle = report.decoded?.nwProvidedCycle?.seconds;
      if (cycle) {
        label = 'eDRX sleep';
        windowS = w.idle ?? 2 * cycle;
        s.note(`eDRX ${cycle} s granted (${support.mode})`);
      } else s.note('eDRX requested but not granted: RRC idle measured');
    }
    const idleAt = await rrcIdle(modem, clock, 2 * w.margin * 1000, s.signal);
    if (idleAt === undefined) s.note('no RRC release seen: the window starts after the margin');
    await clock.sleep(w.settle * 1000, s.signal);
    const cw = await meanCurrentOver(d, clock, windowS * 1000, {
      meterWindowMs: w.meterWindow * 1000,
      signal: s.signal,
    });
    p.markers.push({ label, start: cw.from, end: cw.to });
    s.measure('idleCurrent', cw.meanUa);
    s.note(`${label} over ${Math.round((cw.to - cw.from) / 10) / 100} s (${cw.source})`);
  } finally {
    // Back to what the bench asked of the module.
    await modem.wake();
    if (edrxOn && !d.spec.edrx)
      await modem.setEdrx('off').catch(() => s.note('could not turn eDRX off again'));
    if (d.spec.psm)
      await modem
        .setPsm({ periodicTauS: d.spec.psm.periodicTau, activeTimeS: d.spec.psm.activeTime })
        .catch(() => s.note('could not restore the bench PSM'));
  }
}

/** Wait until settle after an instant (the module's tail after PSM entry); returns that instant. */
async function settleAfter(ctx: Ctx, at: EpochMs, signal: AbortSignal): Promise<EpochMs> {
  const to = at + ctx.params.windows.settle * 1000;
  await ctx.clock.sleep(Math.max(0, to - ctx.clock.now()), signal);
  return to;
}

/** Printable bytes (some MQTT AT commands take the payload as text). */
function payload(bytes: number): Buffer {
  const text = 'rig power profile ';
  return Buffer.from(text.repeat(Math.ceil(bytes / text.length)).slice(0, bytes), 'latin1');
}
