/**
 * The power-profile scenario on the emulated bench: emulated modules of four dialects over AT, exact
 * energy probes from their current timelines (no meter hardware here), the sim eNB, a real mosquitto for
 * the modules' MQTT. The runner is stood in for by test/helpers/scenario-harness.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { loadModuleProfile } from '../src/hardware/index.ts';
import { periodicTausPerDay } from '../src/runner/scenarios/power-profile/battery.ts';
import { PROFILE_STEPS, powerProfile, powerProfileStepId } from '../src/runner/scenarios/power-profile.ts';
import { mosquittoFor } from './helpers/mosquitto.ts';
import { type HarnessDeviceSpec, openScenarioBench, runScenario } from './helpers/scenario-harness.ts';

const FOUR = [
  { name: 'bg95', profileId: 'quectel-bg95' },
  { name: 'r5', profileId: 'ublox-sara-r5' },
  { name: 'sim7080', profileId: 'simcom-sim7080g' },
  { name: 'nrf91', profileId: 'nordic-nrf9160' },
] as const;

async function profile(t: ExecutionContext, devices: HarnessDeviceSpec[], params: unknown = {}) {
  const port = await mosquittoFor(t);
  const sb = await openScenarioBench({ devices, broker: { host: '127.0.0.1', port } });
  t.teardown(() => sb.close());
  const run = await runScenario(powerProfile, sb, { params });
  t.teardown(() => run.cleanup());
  return run;
}

const id = powerProfileStepId;

interface Trace {
  device: string;
  unit: string;
  voltageMv: number;
  start: number;
  segments: [number, number][];
}

/** Currents the trace holds over [from, to] (ms since its start). */
function currentsIn(trace: Trace, from: number, to: number): Set<number> {
  const out = new Set<number>();
  trace.segments.forEach(([t, uA], i) => {
    const end = trace.segments[i + 1]?.[0] ?? Number.POSITIVE_INFINITY;
    if (end > trace.start + from && t < trace.start + to) out.add(uA);
  });
  return out;
}

test('four dialects: currents per state, energies per event, battery life, and the timeline with its windows', async (t) => {
  const run = await profile(t, [...FOUR]);
  t.is(run.steps.length, FOUR.length * PROFILE_STEPS.length);
  for (const d of FOUR) {
    for (const step of PROFILE_STEPS) {
      const s = run.step(id(d.name, step.slug));
      t.is(s.verdict, 'pass', `${s.id}: ${s.message}`);
    }
    const current = loadModuleProfile(d.profileId).current;
    const floor = run.value(id(d.name, 'floor'), 'psmFloor')!;
    const idle = run.value(id(d.name, 'idle'), 'idleCurrent')!;
    const connected = run.value(id(d.name, 'publish'), 'connectedCurrent')!;
    t.true(floor < idle && idle < connected, `${d.name}: ${floor} < ${idle} < ${connected} µA`);
    // The exact probe reads the state currents the emulated module draws.
    t.is(floor, current.psm.uA);
    t.is(idle, current.edrxSleep.uA);
    t.is(connected, current.connected.uA);
    for (const e of ['tauEnergy', 'publishEnergy', 'rebootEnergy'] as const) {
      const slug = { tauEnergy: 'tau', publishEnergy: 'publish', rebootEnergy: 'reboot' }[e];
      const mj = run.value(id(d.name, slug), e)!;
      t.true(mj > 0 && Number.isFinite(mj), `${d.name} ${e} ${mj} mJ`);
    }
    // A TAU is a short connection and its active time: less than the publish, which also wakes and sends.
    t.true(run.value(id(d.name, 'tau'), 'tauEnergy')! < run.value(id(d.name, 'publish'), 'publishEnergy')!);
    const years = run.value(id(d.name, 'battery'), 'batteryLife')!;
    t.true(years > 0 && Number.isFinite(years), `${d.name}: ${years} years`);
    const share = run.value(id(d.name, 'battery'), 'updateShare')!;
    t.true(share > 0 && share < 100, `${d.name}: update share ${share} %`);
    t.true(run.value(id(d.name, 'battery'), 'averageCurrent')! > floor);

    const evidence = run.step(id(d.name, 'trace')).evidence[0]!;
    t.is(evidence.kind, 'power');
    t.is(evidence.path, `power/${d.name}-profile.json`);
    const trace = JSON.parse(readFileSync(join(run.runDir, evidence.path), 'utf8')) as Trace;
    t.is(trace.device, d.name);
    t.is(trace.unit, 'µA');
    const labels = evidence.markers!.map((m) => m.label);
    t.deepEqual(labels, [
      'PSM floor',
      'periodic TAU',
      'MQTT publish (200 B)',
      'RRC connected',
      'reboot',
      'eDRX sleep',
    ]);
    const marker = (label: string) => evidence.markers!.find((m) => m.label === label)!;
    // Each window holds the state it was measured in, and nothing else.
    t.deepEqual([...currentsIn(trace, marker('PSM floor').start, marker('PSM floor').end)], [current.psm.uA]);
    t.deepEqual(
      [...currentsIn(trace, marker('eDRX sleep').start, marker('eDRX sleep').end)],
      [current.edrxSleep.uA],
    );
    t.deepEqual(
      [...currentsIn(trace, marker('RRC connected').start, marker('RRC connected').end)],
      [current.connected.uA],
    );
    t.true(currentsIn(trace, marker('reboot').start, marker('reboot').end).has(current.boot.uA));
    for (const m of evidence.markers!)
      t.true(m.start >= 0 && m.end >= m.start, `${m.label} inside the trace`);
  }
});

test('the usage profile drives the battery life: fewer uplinks last longer, and TAUs come back when uplinks are rare', async (t) => {
  const devices = [{ name: 'bg95', profileId: 'quectel-bg95' }];
  const busy = await profile(t, devices, { usage: { uplinksPerDay: 96 } });
  const quiet = await profile(t, devices, { usage: { uplinksPerDay: 1, tauPeriod: '1 h' } });
  const busyYears = busy.value(id('bg95', 'battery'), 'batteryLife')!;
  const quietYears = quiet.value(id('bg95', 'battery'), 'batteryLife')!;
  t.true(quietYears > busyYears, `${quietYears} > ${busyYears}`);
  t.regex(busy.step(id('bg95', 'battery')).message ?? '', /0 TAU\/day, 96 uplinks\/day/);
  t.regex(quiet.step(id('bg95', 'battery')).message ?? '', /23 TAU\/day, 1 uplinks\/day/);
  // An update weighs more where the rest of the budget is small.
  t.true(
    quiet.value(id('bg95', 'battery'), 'updateShare')! > busy.value(id('bg95', 'battery'), 'updateShare')!,
  );
});

test('periodic TAUs per day: T3412 restarts at every uplink', (t) => {
  t.is(periodicTausPerDay(3600, 0), 24);
  t.is(periodicTausPerDay(4 * 3600, 24), 0, 'an uplink every hour: the 4 h timer never runs out');
  t.is(periodicTausPerDay(3600, 4), 20, 'six hours between uplinks: five TAUs in each gap');
  t.is(periodicTausPerDay(7200, 8), 8);
  t.is(periodicTausPerDay(3600, 1), 23, 'the 24th would fall on the next uplink');
});

test('with only a meter, the state currents come from short recordings; event energies need a probe, so the rest is skipped', async (t) => {
  const run = await profile(t, [{ name: 'metered', profileId: 'nordic-nrf9160', measurement: 'meter' }]);
  const floor = run.step(id('metered', 'floor'));
  t.is(floor.verdict, 'pass', floor.message);
  const floorUa = run.value(id('metered', 'floor'), 'psmFloor')!;
  t.true(Math.abs(floorUa - loadModuleProfile('nordic-nrf9160').current.psm.uA) < 1e-6, `${floorUa} µA`);
  const tau = run.step(id('metered', 'tau'));
  t.is(tau.verdict, 'error');
  t.is(tau.errorKind, 'configuration');
  t.regex(tau.message ?? '', /need an energy probe/);
  for (const slug of ['publish', 'reboot', 'idle', 'battery']) {
    t.is(run.step(id('metered', slug)).verdict, 'skip');
    t.regex(run.step(id('metered', slug)).message ?? '', /rig error/);
  }
});
