/**
 * Update campaigns end to end on the emulated bench: emulated modules over AT, the sim eNB's air, the
 * devices' MBMS clients, a real mosquitto for announcements and acknowledgements, repair and report
 * servers on loopback. The air is a model (no RF here): the sim eNB stands in for SC-PTM.
 */
import test from 'ava';
import { NEW_VERSION, runEmulatedCampaign } from './helpers/campaign-bench.ts';
import { mosquittoFor, startMosquitto } from './helpers/mosquitto.ts';

const FOUR = [
  { name: 'bg95', profileId: 'quectel-bg95' },
  { name: 'r5', profileId: 'ublox-sara-r5' },
  { name: 'sim7080', profileId: 'simcom-sim7080g' },
  { name: 'nrf91', profileId: 'nordic-nrf9160' },
] as const;

test('UC1 (sim air): four modules of four dialects wake for the planned session, install, acknowledge over MQTT and report', async (t) => {
  const brokerPort = await mosquittoFor(t);
  const { result } = await runEmulatedCampaign(FOUR, {
    brokerPort,
    useCase: 'uc1',
    plannedLeadMs: 3_600_000,
  });
  t.deepEqual(result.errors, []);
  const start = result.plan.sessions[0]!.start;
  t.is(start - result.plan.announcedAt >= 3_600_000, true, 'the session is an hour after the announcement');
  for (const d of result.devices) {
    t.is(d.outcome, 'updated', `${d.name}: ${d.failure?.message}`);
    t.true(d.versionAfter?.includes(NEW_VERSION[FOUR.find((f) => f.name === d.name)!.profileId]!));
    // Told ahead: the announcement arrived at once, long before the session.
    t.true(d.announcedAt! - result.plan.announcedAt < 60_000, `${d.name} heard of the session at once`);
    // Woke for it: tuned within the wake guard before the start, never after.
    t.is(d.attended.length, 1);
    t.true(
      d.attended[0]!.alignmentErrorMs <= 0 && d.attended[0]!.alignmentErrorMs >= -15_000,
      `${d.name} aligned`,
    );
    t.truthy(d.ackReceivedAt, `${d.name}: the broker carried its acknowledgement`);
    t.truthy(d.reportReceivedAt, `${d.name}: its reception report reached the collector`);
    t.deepEqual(
      d.phases.map((p) => p.phase),
      [
        'setup',
        'wait-announcement',
        'sleep-until-session',
        'reception',
        'verification',
        'install',
        'acknowledgement',
        'readback',
      ],
    );
    t.true(d.phases.every((p) => p.energyMj !== undefined && p.energyMj >= 0));
    t.true(d.air!.received > 0 && d.air!.tunedPackets >= d.air!.received, `${d.name} heard the session`);
  }
  const m = result.metrics;
  t.is(m.updated, 4);
  t.is(m.deliverySuccess, 1);
  t.true(
    m.timeToUpdatedMs.t50! <= m.timeToUpdatedMs.t90! && m.timeToUpdatedMs.t90! <= m.timeToUpdatedMs.t99!,
  );
  t.true(
    m.airtimeMs.multicast > 0 && m.unicastEstimateAirtimeMs! > m.airtimeMs.multicast,
    'one broadcast beats four unicasts',
  );
  t.true(m.batteryDaysPerUpdate! > 0);
});

test('UC2 (sim air): the lead time exceeds the longest PSM period and every sleeping device hears of the session at its next wake', async (t) => {
  const brokerPort = await mosquittoFor(t);
  const { result } = await runEmulatedCampaign(
    [
      { name: 'short', profileId: 'quectel-bg95', psm: { periodicTauS: 3600, activeTimeS: 60 } },
      { name: 'long', profileId: 'ublox-sara-r5', psm: { periodicTauS: 6 * 3600, activeTimeS: 60 } },
    ],
    { brokerPort, useCase: 'uc2' },
  );
  const lead = result.plan.leadTime!;
  const start = result.plan.sessions[0]!.start;
  t.true(lead.longestSleepMs >= 6 * 3600_000, 'the 6 h device limits the lead time');
  t.true(
    start - result.plan.announcedAt > lead.longestSleepMs,
    'TR 26.850 UC2: lead time > longest PSM period',
  );
  const [short, long] = result.devices;
  // Announced while both slept: each heard of it only at its next periodic TAU.
  t.true(
    short!.announcedAt! - result.plan.announcedAt > 60_000 &&
      short!.announcedAt! - result.plan.announcedAt <= 3600_000,
  );
  t.true(long!.announcedAt! > short!.announcedAt!, 'the long sleeper hears later');
  t.true(long!.announcedAt! < start, 'but still before the session');
  for (const d of result.devices) t.is(d.outcome, 'updated', `${d.name}: ${d.failure?.message}`);
});

test('UC3 (sim air): reachable devices are paged and take the first session; a sleeper hears at its TAU and takes a later repetition', async (t) => {
  const brokerPort = await mosquittoFor(t);
  const { result } = await runEmulatedCampaign(
    [
      { name: 'edrx', profileId: 'quectel-bg95', psm: null, edrx: { mode: 'wb-s1', cycleS: 81.92 } },
      { name: 'sleeper', profileId: 'ublox-sara-r5', psm: { periodicTauS: 2 * 3600, activeTimeS: 30 } },
    ],
    { brokerPort, useCase: 'uc3', critical: { intervalMs: 20 * 60_000, targetFraction: 1 } },
  );
  t.true(result.plan.sessions.length > 1, 'the session is repeated');
  t.truthy(result.plan.critical);
  const pages = new Map(result.pages!.map((p) => [p.device, p]));
  const [edrx, sleeper] = result.devices;
  t.truthy(pages.get(edrx!.imei!)?.at, 'the eDRX device was paged at its occasion');
  t.is(pages.get(sleeper!.imei!)?.reason, 'unreachable', 'the PSM sleeper could not be paged');
  t.is(edrx!.attended[0]!.repetition, 1);
  t.true(sleeper!.attended[0]!.repetition > 1, 'the sleeper took a later repetition');
  for (const d of result.devices) t.is(d.outcome, 'updated', `${d.name}: ${d.failure?.message}`);
  // Once everyone has it, the remaining repetitions are cancelled: fewer went on air than planned.
  t.true(result.metrics.airtimeMs.multicast > 0);
});

test('loss on the air (Gilbert-Elliott bursts) without FEC is recovered by symbol repair over HTTP; the device still updates', async (t) => {
  const brokerPort = await mosquittoFor(t);
  const { result, fleet } = await runEmulatedCampaign(
    [
      {
        name: 'bursty',
        profileId: 'quectel-bg95',
        loss: { kind: 'gilbert-elliott', pGoodToBad: 0.1, pBadToGood: 0.3, lossBad: 1 },
      },
    ],
    // Compact No-Code: no FEC margin, so what the bursts took must come back by repair.
    { brokerPort, useCase: 'uc1', plannedLeadMs: 600_000, fec: 0 },
  );
  const d = result.devices[0]!;
  t.is(d.outcome, 'updated', d.failure?.message);
  t.true(d.air!.lost > 0, 'bursts lost packets');
  t.true(result.metrics.repair.requests > 0 && result.metrics.repair.symbols > 0, 'symbols were repaired');
  t.true(d.repairedBytes! > 0, 'the repair is attributed to the device');
  const record = fleet.devices[0]!.client.records[0]!;
  t.false(record.receivedBeforeRepair);
  t.true(record.receivedAfterRepair);
});

test('the unicast baseline sends each device its own file on its own bearer: more airtime than one multicast', async (t) => {
  const brokerPort = await mosquittoFor(t);
  const specs = [
    { name: 'a', profileId: 'quectel-bg95' },
    { name: 'b', profileId: 'quectel-bg96' },
    { name: 'c', profileId: 'quectel-bc66' },
  ];
  const uni = await runEmulatedCampaign(specs, { brokerPort, useCase: 'unicast', plannedLeadMs: 600_000 });
  const multi = await runEmulatedCampaign(specs, { brokerPort, useCase: 'uc1', plannedLeadMs: 600_000 });
  t.is(uni.result.metrics.updated, 3);
  t.is(multi.result.metrics.updated, 3);
  t.is(uni.result.plan.sessions.length, 3, 'one window per device');
  t.true(uni.result.metrics.airtimeMs.unicast > multi.result.metrics.airtimeMs.multicast);
  t.is(uni.result.metrics.airtimeMs.multicast, 0);
});

test('a device that never wakes is reported failed in the phase it stopped, with what was seen; the others update', async (t) => {
  const brokerPort = await mosquittoFor(t);
  const { result } = await runEmulatedCampaign(
    [
      { name: 'ok', profileId: 'quectel-bg95' },
      { name: 'dead', profileId: 'quectel-bg96' },
    ],
    { brokerPort, useCase: 'uc1', plannedLeadMs: 600_000 },
    {
      beforeRun: ({ fleet, clock }) => {
        // Power fails for good a minute into the campaign (after set-up).
        clock.setTimer(60_000, () => fleet.devices[1]!.module.cutPower());
      },
    },
  );
  const [ok, dead] = result.devices;
  t.is(ok!.outcome, 'updated');
  t.not(dead!.outcome, 'updated');
  t.truthy(dead!.failure);
  t.regex(dead!.failure!.message, /AT|timed out|not received|announcement/);
  t.is(result.metrics.updated, 1);
  t.true(dead!.phases.length > 0, 'what was measured before the failure is kept');
});

test('a broker that goes away mid-campaign: acknowledgements fail and are reported, the update itself completes', async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const { result } = await runEmulatedCampaign(
    [{ name: 'bg95', profileId: 'quectel-bg95' }],
    { brokerPort: broker.port, useCase: 'uc1', plannedLeadMs: 600_000 },
    {
      beforeRun: ({ clock }) => {
        clock.setTimer(300_000, () => void broker.stop());
      },
    },
  );
  const d = result.devices[0]!;
  t.is(d.outcome, 'updated', d.failure?.message);
  t.truthy(d.ack && 'failed' in d.ack, 'the acknowledgement could not be sent');
  t.is(d.ackReceivedAt, undefined);
  t.is(result.metrics.acks.missing, 1);
  t.true(
    result.errors.some((e) => /MQTT/.test(e)),
    result.errors.join('; '),
  );
});

test('same seed, same campaign: metrics and per-device phases repeat exactly', async (t) => {
  const brokerPort = await mosquittoFor(t);
  const specs = [
    { name: 'bg95', profileId: 'quectel-bg95', loss: { kind: 'uniform' as const, rate: 0.1 } },
    { name: 'r5', profileId: 'ublox-sara-r5' },
  ];
  const strip = (r: Awaited<ReturnType<typeof runEmulatedCampaign>>['result']) => ({
    metrics: r.metrics,
    devices: r.devices.map((d) => ({
      outcome: d.outcome,
      air: d.air,
      phases: d.phases.map((p) => [p.phase, p.start - r.startedAt, p.end - r.startedAt, p.energyMj]),
      attended: d.attended,
    })),
  });
  const a = await runEmulatedCampaign(specs, {
    brokerPort,
    useCase: 'uc1',
    seed: 42,
    plannedLeadMs: 600_000,
  });
  const b = await runEmulatedCampaign(specs, {
    brokerPort,
    useCase: 'uc1',
    seed: 42,
    plannedLeadMs: 600_000,
  });
  const { ackReceivedAt: _a, ...ma } = { ...strip(a.result) } as Record<string, unknown>;
  t.deepEqual(strip(a.result), strip(b.result));
  t.truthy(ma);
});

test('an eNB that fails mid-session (the sim stopped, standing in for a crashed srsenb): the error is reported and the device completes the file by unicast repair', async (t) => {
  const brokerPort = await mosquittoFor(t);
  const { result, fleet } = await runEmulatedCampaign(
    [{ name: 'bg95', profileId: 'quectel-bg95', psm: null }],
    { brokerPort, useCase: 'uc1', plannedLeadMs: 600_000 },
    {
      beforeRun: ({ fleet, clock }, campaign) => {
        campaign.on('session', (s) => {
          if (s.state === 'on-air') clock.setTimer(2000, () => void fleet.enb.stop());
        });
      },
    },
  );
  t.true(
    result.errors.some((e) => /session 1: .*closed/.test(e)),
    result.errors.join('; '),
  );
  const d = result.devices[0]!;
  t.true(d.air!.received > 0, 'what the air delivered before the failure is kept');
  t.is(d.outcome, 'updated', d.failure?.message);
  t.true(result.metrics.repair.symbols > 0, 'the rest came by repair');
  t.false(fleet.devices[0]!.client.records[0]!.receivedBeforeRepair);
});
