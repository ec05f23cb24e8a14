/**
 * The certification scenario on the emulated bench: emulated modules of four dialects over AT, the sim
 * eNB's air (no RF here), exact energy probes from the modules' current timelines, emulated power
 * switches, a real mosquitto. The runner is stood in for by test/helpers/scenario-harness.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { type AtCommand, type Dialect, quectel } from '../firmware-stubs/index.ts';
import { imeiCheckDigit } from '../src/at/index.ts';
import { loadModuleProfile } from '../src/hardware/index.ts';
import { EMULATED_NEW_VERSION } from '../src/runner/index.ts';
import { certification, certificationStepId, REQUIREMENTS } from '../src/runner/scenarios/certification.ts';
import { mosquittoFor } from './helpers/mosquitto.ts';
import { type HarnessDeviceSpec, openScenarioBench, runScenario } from './helpers/scenario-harness.ts';

const FOUR = [
  { name: 'bg95', profileId: 'quectel-bg95' },
  { name: 'r5', profileId: 'ublox-sara-r5' },
  { name: 'sim7080', profileId: 'simcom-sim7080g' },
  { name: 'nrf91', profileId: 'nordic-nrf9160' },
] as const;

async function certify(t: ExecutionContext, devices: HarnessDeviceSpec[], params = {}) {
  const port = await mosquittoFor(t);
  const sb = await openScenarioBench({ devices, broker: { host: '127.0.0.1', port } });
  t.teardown(() => sb.close());
  const run = await runScenario(certification, sb, { params });
  t.teardown(() => run.cleanup());
  return { run, sb };
}

const id = (device: string, slug: string) => `C-${device}-${slug}`;

test('every requirement passes on the four emulated dialects, each a step with a stable id and a certificate title', async (t) => {
  const { run, sb } = await certify(t, [...FOUR]);
  t.is(run.steps.length, FOUR.length * REQUIREMENTS.length);
  for (const d of FOUR) {
    for (const r of REQUIREMENTS) {
      const step = run.step(certificationStepId(d.name, r));
      t.is(step.verdict, 'pass', `${step.id}: ${step.message}`);
      t.is(step.device, d.name);
      t.true(step.title.startsWith(`${r.code} `), step.title);
    }
    const profile = loadModuleProfile(d.profileId);
    // C-01: every command answered in form, one measurement each plus the count.
    const c01 = run.step(id(d.name, '27007'));
    t.is(c01.measurements.filter((m) => m.name.startsWith('at.') && m.value === 1).length, 10);
    t.is(run.value(id(d.name, '27007'), 'at.conforming'), 10);
    // C-02: the attach takes the module's attach time (boot and search are not in it).
    const attach = run.value(id(d.name, 'attach'), 'attachTime')!;
    t.true(attach > 0 && attach < 30, `${d.name} attach ${attach} s`);
    // C-03: the emulated network grants what was asked.
    t.is(run.value(id(d.name, 'psm'), 'psmTauGranted'), 3600);
    t.is(run.value(id(d.name, 'psm'), 'psmActiveGranted'), 20);
    t.is(run.value(id(d.name, 'edrx'), 'edrxCycleGranted'), 81.92);
    // C-05: the exact probe reads the profile's PSM current.
    t.is(run.value(id(d.name, 'floor'), 'psmFloor'), profile.current.psm.uA);
    t.true(Math.abs(run.value(id(d.name, 'floor'), 'psmFloorOfLimit')! - 100 / 1.2) < 1e-9);
    const floorEvidence = run.step(id(d.name, 'floor')).evidence[0]!;
    t.is(floorEvidence.kind, 'power');
    const trace = JSON.parse(readFileSync(join(run.runDir, floorEvidence.path), 'utf8'));
    t.is(trace.unit, 'µA');
    t.true(trace.segments.some(([, uA]: [number, number]) => uA === profile.current.psm.uA));
    // C-06: the file came whole.
    t.is(run.value(id(d.name, 'multicast'), 'multicastBytes'), 4096);
    t.true(run.value(id(d.name, 'multicast'), 'multicastTime')! > 0);
    // C-07: the module runs the new version; C-08 kept it across three cuts.
    t.true(
      sb.bench.devices
        .find((x) => x.name === d.name)!
        .modem!.identity.revision.includes(EMULATED_NEW_VERSION[d.profileId]!),
    );
    const recovery = run.value(id(d.name, 'power-cut'), 'recoveryTime')!;
    t.true(recovery * 1000 >= profile.timing.bootMs, `${d.name} recovered in ${recovery} s`);
    t.true(run.value(id(d.name, 'fota'), 'fotaInstallTime')! > 0);
  }
});

/** Quectel, but AT+CGSN prints an IMEI with a wrong check digit and AT+CSCON? leaves out <n>. */
function sloppyQuectel(imei14: string): Dialect {
  const wrong = (imeiCheckDigit(imei14) + 1) % 10;
  const overrides: AtCommand[] = [
    {
      name: '+CGSN',
      summary: 'IMEI, wrong check digit',
      exec: (ctx) => {
        ctx.info(`${imei14}${wrong}`);
        return undefined;
      },
    },
    {
      name: '+CSCON',
      summary: 'mode only',
      read: (ctx) => {
        ctx.info('+CSCON: 0');
        return undefined;
      },
    },
  ];
  return {
    ...quectel,
    bind(core) {
      const binding = quectel.bind(core);
      return Object.create(binding, { commands: { value: [...binding.commands, ...overrides] } });
    },
  };
}

test('C-01 fails a module whose answers are not in 27.007 form, listing each command and why', async (t) => {
  const imei14 = '35265610000004';
  const { run } = await certify(t, [
    { name: 'sloppy', profileId: 'quectel-bg95', dialect: sloppyQuectel(imei14), switch: false },
  ]);
  const c01 = run.step(id('sloppy', '27007'));
  t.is(c01.verdict, 'fail');
  const wrong = (imeiCheckDigit(imei14) + 1) % 10;
  t.regex(
    c01.message ?? '',
    new RegExp(
      `AT\\+CGSN: IMEI ${imei14}${wrong} has check digit ${wrong}, Luhn gives ${imeiCheckDigit(imei14)}`,
    ),
  );
  t.regex(c01.message ?? '', /AT\+CSCON\?: /);
  t.is(run.value(id('sloppy', '27007'), 'at.cgsn'), 0);
  t.is(run.value(id('sloppy', '27007'), 'at.cscon'), 0);
  t.is(run.value(id('sloppy', '27007'), 'at.cereg'), 1);
  t.is(run.value(id('sloppy', '27007'), 'at.conforming'), 8);
  t.is(run.step(id('sloppy', 'attach')).verdict, 'pass', 'the other requirements do not depend on it');
});

test('a module whose PSM floor is above its datasheet figure fails C-…-floor with the value and the limit', async (t) => {
  const bg95 = loadModuleProfile('quectel-bg95');
  const hungry = structuredClone(bg95);
  hungry.current.psm = { ...bg95.current.psm, uA: 4.5 };
  const { run } = await certify(t, [{ name: 'hungry', profileId: 'quectel-bg95', profile: hungry }], {});
  const floor = run.step(id('hungry', 'floor'));
  t.is(floor.verdict, 'fail');
  t.regex(
    floor.message ?? '',
    /PSM floor 4\.5 µA .*limit 3\.6 µA = datasheet 3 µA .*\+ 20 %: above the limit/,
  );
  t.is(run.value(id('hungry', 'floor'), 'psmFloor'), 4.5);
  // The µA figure itself is judged against this module's own limit (a per-device limit).
  const psmFloor = floor.measurements.find((m) => m.name === 'psmFloor')!;
  t.is(psmFloor.verdict, 'fail');
  t.true(Math.abs(psmFloor.limits!.high! - 3.6) < 1e-9);
  t.true(Math.abs(run.value(id('hungry', 'floor'), 'psmFloorOfLimit')! - 125) < 1e-9);
  // Only the floor is wrong with it.
  for (const s of run.steps.filter((x) => x.id !== floor.id))
    t.is(s.verdict, 'pass', `${s.id}: ${s.message}`);
});

test('a floor inside the tolerance but near the limit is marginal; a wider tolerance passes it', async (t) => {
  const bg95 = loadModuleProfile('quectel-bg95');
  const close = structuredClone(bg95);
  close.current.psm = { ...bg95.current.psm, uA: 3.5 };
  const devices = [{ name: 'close', profileId: 'quectel-bg95', profile: close }];
  const { run } = await certify(t, devices);
  t.is(run.step(id('close', 'floor')).verdict, 'marginal');
  t.regex(run.step(id('close', 'floor')).message ?? '', /close to the limit/);
  const wide = await certify(t, devices, { floor: { tolerance: 0.5 } });
  t.is(wide.run.step(id('close', 'floor')).verdict, 'pass');
  t.true(wide.run.step(id('close', 'floor')).title.includes('+ 50 %'));
});

test('a device without a power switch skips the power-cut requirement with the reason', async (t) => {
  const { run } = await certify(t, [{ name: 'noswitch', profileId: 'nordic-nrf9160', switch: false }]);
  const cut = run.step(id('noswitch', 'power-cut'));
  t.is(cut.verdict, 'skip');
  t.regex(cut.message ?? '', /no power switch/);
  t.is(run.step(id('noswitch', 'fota')).verdict, 'pass');
});

test('with a meter and no energy probe the floor comes from a short meter recording', async (t) => {
  const { run } = await certify(t, [{ name: 'metered', profileId: 'simcom-sim7080g', measurement: 'meter' }]);
  const floor = run.step(id('metered', 'floor'));
  t.is(floor.verdict, 'pass', floor.message);
  t.regex(floor.message ?? '', /over 10 s \(meter\)/);
  const floorUa = run.value(id('metered', 'floor'), 'psmFloor')!;
  t.true(Math.abs(floorUa - loadModuleProfile('simcom-sim7080g').current.psm.uA) < 1e-6, `${floorUa} µA`);
});

test('parameters: PSM and eDRX requests reach the module; an unrepresentable TAU is rounded up and noted', async (t) => {
  const { run } = await certify(t, [{ name: 'bg95', profileId: 'quectel-bg95' }], {
    psm: { periodicTau: '1000 s', activeTime: '0.5 min' },
    edrx: { cycle: '163.84 s' },
    powerCut: { cuts: 1 },
  });
  t.is(run.value(id('bg95', 'psm'), 'psmTauGranted'), 1020);
  t.is(run.value(id('bg95', 'psm'), 'psmActiveGranted'), 30);
  t.regex(run.step(id('bg95', 'psm')).message ?? '', /T3412-ext: 1000 s is not representable; 1020 s/);
  t.is(run.value(id('bg95', 'edrx'), 'edrxCycleGranted'), 163.84);
  t.notRegex(run.step(id('bg95', 'power-cut')).message ?? '', /per cut/);
});
