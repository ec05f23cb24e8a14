/**
 * `campaign`: one TR 26.850 update campaign (UC1, UC2, UC3 or the unicast baseline) over the scenario's
 * devices; `multicast-vs-unicast`: UC1 and the unicast baseline on the same devices, side by side.
 * The campaign is one step (its figures and the campaign-wide measurements); each device then gets its own
 * step with its own measurements and verdict, so a report reads device by device.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { BENCH_UPDATE_KEYS, BENCH_VENDOR } from '../../../firmware-stubs/index.ts';
import { Campaign, type CampaignDevice, type CampaignResult, readImageHeader } from '../../update/index.ts';
import { EMULATED_NEW_VERSION, emulatedImage } from '../emulated-campaign.ts';
import { type MeterRecording, recordMeter } from '../meter-recording.ts';
import type { CampaignSummary } from '../model.ts';
import {
  type BenchDevice,
  defineScenario,
  RigError,
  type ScenarioContext,
  type StepContext,
} from '../scenario.ts';
import { attachTimeline } from './device-power.ts';
import { Milliseconds } from './params.ts';

const CampaignParams = z.strictObject({
  useCase: z.enum(['uc1', 'uc2', 'uc3', 'unicast']).default('uc1'),
  /** UC1 / unicast: announcement to session. */
  plannedLead: Milliseconds.default(3_600_000),
  fec: z.enum(['none', 'raptor', 'raptorq']).default('raptor'),
  overhead: z.number().min(0).max(2).default(0.15),
  /** Emulated bench: image payload size and the version per module model (default: the emulated set). */
  payloadBytes: z.number().int().positive().default(12_000),
  versions: z.record(z.string(), z.string()).default({}),
  /** Real bench: per module profile, the signed image file. */
  images: z.record(z.string(), z.string()).default({}),
  /** Repair and report back-off announced in the ADPD, seconds (offsetTime + U(0, randomTimePeriod)). */
  backoff: z.strictObject({ offsetTime: z.number().min(0), randomTimePeriod: z.number().min(0) }).optional(),
  critical: z
    .strictObject({
      interval: Milliseconds.optional(),
      firstLead: Milliseconds.optional(),
      targetFraction: z.number().gt(0).max(1).optional(),
    })
    .default({}),
});
type Params = z.infer<typeof CampaignParams>;

const MEASUREMENTS = {
  updated: { unit: '%', description: 'devices running the new version', limits: { low: 100 } },
  t90: { unit: 's', description: 'time from the announcement until 90 % of the devices were updated' },
  airtime: { unit: 's', description: 'air time the campaign used (multicast sessions and unicast bearers)' },
  unicastEstimate: { unit: 's', description: 'air time the same files take by unicast to each device' },
  energyPerDevice: { unit: 'mJ', description: 'mean energy per device over the whole campaign' },
  updateEnergy: {
    unit: 'mJ',
    description: 'energy of the update itself (reception to read-back), per device',
  },
  batteryDays: { unit: 'days', description: 'days of the device’s sleep consumption one update costs' },
  repairSymbols: { unit: 'count', description: 'symbols sent by file repair' },
  acksMissing: {
    unit: 'count',
    description: 'acknowledgements the broker did not deliver',
    limits: { high: 0 },
  },
  deviceTimeToUpdated: { unit: 's', description: 'announcement to updated, this device' },
  deviceUpdateEnergy: { unit: 'mJ', description: 'energy of the update on this device' },
  wakeAlignment: {
    unit: 's',
    description: '|tuned − scheduled start| for the session the device attended',
    limits: { high: 60, marginal: 15 },
  },
} as const;

export const campaignScenario = defineScenario({
  kind: 'campaign',
  title: 'Update campaign (TR 26.850)',
  description:
    'One multicast update campaign (UC1 planned, UC2 unplanned, UC3 critical) or the unicast baseline over the devices.',
  params: CampaignParams,
  measurements: MEASUREMENTS,
  needs: 'at-ready',
  async run(ctx) {
    await runCampaignSteps(ctx, ctx.params, ctx.params.useCase, '');
  },
});

export const comparisonScenario = defineScenario({
  kind: 'multicast-vs-unicast',
  title: 'Multicast against unicast',
  description:
    'UC1 by multicast and the same update by unicast to each device, with airtime and energy side by side.',
  params: CampaignParams,
  measurements: {
    ...MEASUREMENTS,
    airtimeRatio: {
      unit: 'ratio',
      description: 'unicast air time / multicast air time (above 1: multicast saves air time)',
      limits: { low: 1 },
    },
    energyRatio: { unit: 'ratio', description: 'unicast energy per device / multicast energy per device' },
  },
  needs: 'at-ready',
  async run(ctx) {
    if (ctx.bench.enb.kind !== 'sim') {
      ctx.skip(
        'comparison',
        'multicast against unicast',
        'the unicast baseline needs the simulated eNB (srsRAN has no unicast bearer to the modules)',
      );
      return;
    }
    const multi = await runCampaignSteps(ctx, { ...ctx.params, useCase: 'uc1' }, 'uc1', 'multicast-');
    const uni = await runCampaignSteps(ctx, { ...ctx.params, useCase: 'unicast' }, 'unicast', 'unicast-');
    await ctx.step('comparison', 'unicast against multicast: air time and energy', {}, async (s) => {
      if (!multi || !uni) return s.fail('one of the two campaigns did not run to the end');
      const ma = multi.metrics.airtimeMs.multicast;
      const ua = uni.metrics.airtimeMs.unicast;
      s.measure('airtimeRatio', ma > 0 ? ua / ma : null);
      const me = multi.metrics.energyPerDeviceMj?.mean;
      const ue = uni.metrics.energyPerDeviceMj?.mean;
      if (me !== undefined && ue !== undefined) s.measure('energyRatio', ue / me);
    });
  },
});

async function runCampaignSteps(
  ctx: ScenarioContext<Params>,
  p: Params,
  useCase: Params['useCase'],
  prefix: string,
): Promise<CampaignResult | undefined> {
  let result: CampaignResult | undefined;
  const devices = ctx.devices;
  const recordings = new Map<string, MeterRecording>();
  // On srsRAN, srsUE receives for the modules that cannot (real ones, or those the bench says so).
  const srsran = ctx.bench.enb.kind === 'srsran';
  const hostReceived = (d: BenchDevice) =>
    srsran && (d.spec.reception === 'host' || (!d.spec.emulated && d.spec.reception !== 'module'));
  await ctx.step(
    `${prefix}campaign`,
    `${useCase.toUpperCase()} campaign over ${devices.length} device(s)`,
    {},
    async (s) => {
      // Devices measured by a bench meter (a real bench) record it for the whole campaign.
      for (const d of devices) {
        if (d.energy || !d.meter) continue;
        const dir = `power/${prefix}${useCase}-${d.name}`;
        recordings.set(d.name, await recordMeter(await d.meter(), join(ctx.runDir, dir), ctx.clock));
      }
      const campaign = new Campaign({
        useCase,
        clock: ctx.clock,
        seed: ctx.seed,
        enb: ctx.bench.enb,
        broker: ctx.bench.broker,
        devices: devices.map((d) => {
          const cd = {
            ...campaignDevice(d, p, d.spec.emulated),
            ...(hostReceived(d) ? { reception: 'host' as const } : {}),
          };
          const rec = recordings.get(d.name);
          return rec ? { ...cd, energy: rec.probe } : cd;
        }),
        id: `${ctx.seed}-${prefix}${useCase}`,
        plannedLeadMs: p.plannedLead,
        fec: p.fec === 'none' ? 0 : p.fec === 'raptor' ? 1 : 6,
        overhead: p.overhead,
        ...(p.backoff ? { backoff: p.backoff } : {}),
        ...(ctx.bench.hostReception ? { hostReception: ctx.bench.hostReception } : {}),
        critical: {
          ...(p.critical.interval !== undefined ? { intervalMs: p.critical.interval } : {}),
          ...(p.critical.firstLead !== undefined ? { firstLeadMs: p.critical.firstLead } : {}),
          ...(p.critical.targetFraction !== undefined ? { targetFraction: p.critical.targetFraction } : {}),
        },
        signal: s.signal,
        ...(devices.every((d) => d.spec.emulated) ? { verification: emulatedVerification() } : {}),
      });
      campaign.on('session', (e) => {
        if (e.state === 'skipped') s.note(`repetition ${e.repetition} cancelled: ${e.detail}`);
      });
      try {
        result = await campaign.run();
      } finally {
        for (const r of recordings.values()) await r.stop();
      }
      s.campaign(summaryOf(result));
      const m = result.metrics;
      s.measure('updated', m.devices === 0 ? null : (100 * m.updated) / m.devices);
      if (m.timeToUpdatedMs.t90 !== null) s.measure('t90', m.timeToUpdatedMs.t90 / 1000);
      s.measure('airtime', (m.airtimeMs.multicast + m.airtimeMs.unicast) / 1000);
      if (m.unicastEstimateAirtimeMs !== null)
        s.measure('unicastEstimate', m.unicastEstimateAirtimeMs / 1000);
      if (m.energyPerDeviceMj) s.measure('energyPerDevice', m.energyPerDeviceMj.mean);
      if (m.updateEnergyMj !== null) s.measure('updateEnergy', m.updateEnergyMj);
      if (m.batteryDaysPerUpdate !== null) s.measure('batteryDays', m.batteryDaysPerUpdate);
      s.measure('repairSymbols', m.repair.symbols);
      s.measure('acksMissing', m.acks.missing);
      for (const e of result.errors) s.note(e);
    },
  );
  if (!result) return undefined;
  const r = result;
  for (const d of devices) {
    const rec = r.devices.find((x) => x.name === d.name);
    await ctx.step(
      `${prefix}device-${d.name}`,
      `${d.name} updated (${useCase.toUpperCase()})`,
      { device: d },
      async (s) => {
        attachEvidence(s, d, r, prefix, recordings.get(d.name), ctx.runDir);
        if (!rec) return s.fail('not in the campaign result');
        if (rec.updatedAt !== undefined)
          s.measure('deviceTimeToUpdated', (rec.updatedAt - r.plan.announcedAt) / 1000);
        const upd = rec.phases.filter((ph) =>
          ['reception', 'verification', 'install', 'acknowledgement', 'readback'].includes(ph.phase),
        );
        if (upd.some((ph) => ph.energyMj !== undefined))
          s.measure(
            'deviceUpdateEnergy',
            upd.reduce((a, ph) => a + (ph.energyMj ?? 0), 0),
          );
        const attended = rec.attended[rec.attended.length - 1];
        if (attended) s.measure('wakeAlignment', Math.abs(attended.alignmentErrorMs) / 1000);
        if (rec.outcome === 'errored')
          throw new RigError('infrastructure', `${rec.failure?.phase}: ${rec.failure?.message}`);
        if (rec.outcome !== 'updated')
          s.fail(`${rec.failure?.phase ?? 'campaign'}: ${rec.failure?.message ?? 'not updated'}`);
        if (rec.ack && 'failed' in rec.ack) s.note(`acknowledgement not sent: ${rec.ack.failed}`);
      },
    );
  }
  return r;
}

function campaignDevice(d: BenchDevice, p: Params, emulated: boolean): CampaignDevice {
  const psm = d.spec.psm === null ? undefined : (d.spec.psm ?? { periodicTau: 4 * 3600, activeTime: 60 });
  let image: CampaignDevice['image'];
  if (emulated) {
    const version = p.versions[d.profileId] ?? EMULATED_NEW_VERSION[d.profileId];
    if (!version)
      throw new RigError(
        'configuration',
        `no update version for emulated model ${d.profileId}: give params.versions`,
      );
    image = { deviceClass: d.profileId, version, bytes: emulatedImage(d.profileId, version, p.payloadBytes) };
  } else {
    const file = p.images[d.profileId];
    if (!file)
      throw new RigError(
        'configuration',
        `no image for ${d.profileId}: give params.images.${d.profileId} (a signed image file)`,
      );
    const bytes = readFileSync(file);
    const { manifest } = readImageHeader(bytes);
    image = { deviceClass: manifest.deviceClass, version: manifest.version, bytes };
  }
  return {
    name: d.name,
    modem: d.modem!,
    announcement: d.spec.announcement,
    ...(psm ? { psm: { periodicTauS: psm.periodicTau, activeTimeS: psm.activeTime } } : {}),
    ...(d.spec.edrx ? { edrx: { mode: 'wb-s1' as const, cycleS: d.spec.edrx.cycle } } : {}),
    ...(d.energy ? { energy: d.energy } : {}),
    image,
  };
}

function attachEvidence(
  s: StepContext,
  d: BenchDevice,
  r: CampaignResult,
  prefix: string,
  recording: MeterRecording | undefined,
  runDir: string,
): void {
  const rec = r.devices.find((x) => x.name === d.name);
  if (recording && rec) {
    s.evidence({
      kind: 'power',
      title: `${d.name}: current during the ${r.useCase.toUpperCase()} campaign (meter recording)`,
      device: d.name,
      path: relative(runDir, recording.dir),
      markers: rec.phases.map((ph) => ({
        label: ph.phase,
        start: ph.start - recording.startedAt,
        end: ph.end - recording.startedAt,
      })),
    });
  } else if (rec) {
    attachTimeline(s, d, {
      from: r.startedAt,
      to: r.endedAt,
      title: `${d.name}: current during the ${r.useCase.toUpperCase()} campaign`,
      file: `power/${prefix}${r.useCase}-${d.name}.json`,
      markers: rec.phases.map((ph) => ({ label: ph.phase, start: ph.start, end: ph.end })),
    });
  }
  s.evidence({
    kind: 'transcript',
    title: `${d.name}: AT transcript`,
    device: d.name,
    path: `transcripts/${d.name}.jsonl`,
  });
}

/** A JSON-safe copy of the figures (no image bytes, no functions). */
function summaryOf(r: CampaignResult): CampaignSummary {
  return JSON.parse(
    JSON.stringify({
      useCase: r.useCase,
      metrics: r.metrics,
      devices: r.devices,
      plan: r.plan,
      errors: r.errors,
    }),
  ) as CampaignSummary;
}

function emulatedVerification() {
  return { publicKey: BENCH_UPDATE_KEYS.publicKey, vendor: BENCH_VENDOR };
}
