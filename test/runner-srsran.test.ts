/**
 * A campaign over srsRAN, end to end, with the srsRAN STAND-IN (no srsRAN and no radio here): the runner
 * builds an srsran bench (stand-in binaries supervised in order), the FLUTE session goes into the ingress,
 * and the emulated module's MBMS client reads it from the interface srsUE would hand it out on (loopback in
 * a network namespace), then the module installs and acknowledges. Real time, so it takes a minute.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'ava';
import { SRSRAN_ROLES, standInDir } from './fixtures/srsran-standin-dir.ts';
import { createNamespace, netnsAvailable } from './helpers/netns.ts';

test('srsRAN stand-in bench: a UC1 campaign reaches one module through srsUE’s interface, and another through the host (srsUE + rig, staged over AT); both update', async (t) => {
  t.timeout(240_000);
  if (!netnsAvailable() && process.env.RIG_NO_NETNS === '1') {
    t.log('RIG_NO_NETNS=1: no network namespaces on this machine; the srsRAN campaign path is not exercised');
    t.pass();
    return;
  }
  t.true(
    netnsAvailable(),
    'network namespaces need root and iproute2 (set RIG_NO_NETNS=1 to run without them)',
  );
  const s = await standInDir(t);
  const ns = createNamespace(t);
  const config = {
    workDir: join(s.dir, 'run'),
    binaries: Object.fromEntries(SRSRAN_ROLES.map((r) => [r, s.bin(r)])),
    ue: { netns: '' },
    epc: { enabled: false },
    stopGraceMs: 300,
    ingress: { interface: '127.0.0.1' },
  };
  const bench = join(s.dir, 'bench.yaml');
  writeFileSync(
    bench,
    `name: srsran-standin
clock: real
modules:
  - name: bg95
    profile: quectel-bg95
    emulated: true
    psm: null
  # Received on its behalf by srsUE and the rig, then staged over AT: the path of a real module.
  - name: r5
    profile: ublox-sara-r5
    emulated: true
    reception: host
    psm: null
enb:
  kind: srsran
  ueAddress: 127.0.0.1
  config: ${JSON.stringify(config)}
`,
  );
  const plan = join(s.dir, 'plan.yaml');
  writeFileSync(
    plan,
    `name: srsran
scenarios:
  - id: uc1
    scenario: campaign
    params: { useCase: uc1, plannedLead: 15 s, backoff: { offsetTime: 0, randomTimePeriod: 1 } }
`,
  );
  const url = (p: string) => JSON.stringify(pathToFileURL(join(import.meta.dirname, '..', p)).href);
  const script = `
    import { runPlan } from ${url('src/runner/runner.ts')};
    import { SCENARIOS } from ${url('src/runner/scenarios/index.ts')};
    import { replay } from ${url('src/runner/model.ts')};
    import { readResultsLog } from ${url('src/runner/results-log.ts')};
    process.env.RIG_LOCK_DIR = ${JSON.stringify(s.dir)};
    const o = await runPlan({ planFile: ${JSON.stringify(plan)}, benchFile: ${JSON.stringify(bench)}, registry: SCENARIOS, runsDir: ${JSON.stringify(join(s.dir, 'runs'))}, seed: 1 });
    const run = replay(readResultsLog(o.runDir + '/results.jsonl').events);
    const steps = run.scenarios.flatMap((x) => x.steps.map((st) => ({ id: st.id, verdict: st.verdict, message: st.message, campaign: st.campaign && { devices: st.campaign.devices.map((d) => ({ outcome: d.outcome, versionAfter: d.versionAfter, fileStatus: d.fileStatus, install: d.install?.path })) } })));
    process.stdout.write(JSON.stringify({ verdict: o.verdict, steps, resources: run.resources.map((r) => r.kind + ':' + r.ok) }));
  `;
  const r = await ns.run([process.execPath, '--import', 'tsx', '--input-type=module', '-e', script]);
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    verdict: string;
    steps: {
      id: string;
      verdict: string;
      message?: string;
      campaign?: {
        devices: { outcome: string; versionAfter?: string; fileStatus?: string; install?: string }[];
      };
    }[];
    resources: string[];
  };
  t.deepEqual(out.resources, ['broker:true', 'enb:true']);
  t.is(out.verdict, 'pass', JSON.stringify(out.steps));
  const campaign = out.steps.find((x) => x.id === 'campaign')!;
  t.deepEqual(campaign.campaign!.devices, [
    { outcome: 'updated', versionAfter: '2.0.4', fileStatus: 'complete', install: 'module-file' },
    { outcome: 'updated', versionAfter: '3.16.0', fileStatus: 'complete', install: 'upload' },
  ]);
});
