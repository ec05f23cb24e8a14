/**
 * `rig campaign`: one update campaign on the emulated bench (virtual time): UC1 planned, UC2 unplanned,
 * UC3 critical, or the unicast baseline, over emulated modules on the sim eNB; MQTT through the broker
 * given, else an embedded one on loopback. Prints who got the update when, at what energy and airtime.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type EmbeddedBroker, startEmbeddedBroker } from '../mqtt/index.ts';
import { EMULATED_NEW_VERSION, runEmulatedCampaign } from '../runner/index.ts';
import type { CampaignResult, UseCase } from '../update/index.ts';
import { UsageError } from './main.ts';

const USE_CASES: readonly UseCase[] = ['uc1', 'uc2', 'uc3', 'unicast'];

export async function runCampaignCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      model: { type: 'string', multiple: true },
      seed: { type: 'string', default: '1' },
      broker: { type: 'string' },
      lead: { type: 'string' },
      loss: { type: 'string' },
      json: { type: 'string' },
    },
  });
  const useCase = (positionals[0] ?? 'uc1') as UseCase;
  if (!USE_CASES.includes(useCase))
    throw new UsageError(
      `rig campaign: use case must be one of ${USE_CASES.join(', ')}, got "${positionals[0]}"`,
    );
  const models = values.model ?? ['quectel-bg95', 'ublox-sara-r5', 'simcom-sim7080g', 'nordic-nrf9160'];
  for (const m of models) {
    if (!EMULATED_NEW_VERSION[m])
      throw new UsageError(
        `rig campaign: --model ${m} is not an emulated model (${Object.keys(EMULATED_NEW_VERSION).join(', ')})`,
      );
  }
  const seed = Number(values.seed);
  if (!Number.isInteger(seed))
    throw new UsageError(`rig campaign: --seed must be an integer, got "${values.seed}"`);
  const loss =
    values.loss === undefined
      ? undefined
      : Number(values.loss.replace(/%$/, '')) / (values.loss.endsWith('%') ? 100 : 1);
  if (loss !== undefined && !(loss >= 0 && loss < 1))
    throw new UsageError(
      `rig campaign: --loss must be a packet loss rate such as 0.05 or 5%, got "${values.loss}"`,
    );
  let embedded: EmbeddedBroker | undefined;
  let broker: { host: string; port: number };
  if (values.broker) {
    const m = /^(?:mqtt:\/\/)?([^:/]+):(\d+)$/.exec(values.broker);
    if (!m) throw new UsageError(`rig campaign: --broker must be host:port, got "${values.broker}"`);
    broker = { host: m[1]!, port: Number(m[2]) };
  } else {
    embedded = await startEmbeddedBroker();
    broker = embedded;
  }
  try {
    const run = await runEmulatedCampaign(
      models.map((profileId, i) => ({
        name: `dut${i + 1}`,
        profileId,
        ...(loss !== undefined ? { loss: { kind: 'uniform' as const, rate: loss } } : {}),
      })),
      {
        broker,
        useCase,
        seed,
        ...(values.lead ? { plannedLeadMs: Number(values.lead) * 1000 } : {}),
      },
    );
    printResult(run.result, run.wallMs, out);
    if (values.json) writeFileSync(values.json, `${JSON.stringify(run.result, null, 2)}\n`);
    return run.result.metrics.updated === run.result.devices.length ? 0 : 1;
  } finally {
    await embedded?.close();
  }
}

function printResult(r: CampaignResult, wallMs: number, out: NodeJS.WritableStream): void {
  const t = (ms: number | null | undefined) => (ms == null ? '—' : `${(ms / 1000).toFixed(0)} s`);
  const w = (s: string) => out.write(`${s}\n`);
  w(
    `campaign ${r.id} ${r.useCase.toUpperCase()}: ${r.plan.sessions.length} session(s) planned; ${((r.endedAt - r.startedAt) / 3_600_000).toFixed(2)} h of bench time in ${(wallMs / 1000).toFixed(1)} s`,
  );
  for (const d of r.devices) {
    const energy = d.energyMj === undefined ? '' : `, ${(d.energyMj / 1000).toFixed(2)} J`;
    const when = d.updatedAt === undefined ? '' : ` after ${t(d.updatedAt - r.plan.announcedAt)}`;
    w(
      `  ${d.name.padEnd(6)} ${(d.model ?? '?').padEnd(18)} ${d.outcome.padEnd(8)} ${d.versionBefore ?? '?'} → ${d.versionAfter ?? '—'}${when}${energy}` +
        (d.failure ? `  [${d.failure.phase}: ${d.failure.message}]` : ''),
    );
  }
  const m = r.metrics;
  w(
    `  updated ${m.updated}/${m.devices}; T50 ${t(m.timeToUpdatedMs.t50)}, T90 ${t(m.timeToUpdatedMs.t90)}, T99 ${t(m.timeToUpdatedMs.t99)}`,
  );
  w(
    `  airtime: multicast ${t(m.airtimeMs.multicast)}, unicast ${t(m.airtimeMs.unicast)}; the same by unicast to each device ≈ ${t(m.unicastEstimateAirtimeMs)}`,
  );
  w(
    `  repair: ${m.repair.requests} request(s), ${m.repair.symbols} symbols; acks ${m.acks.received}/${m.devices}; reports ${m.reports.received}/${m.devices}`,
  );
  if (m.updateEnergyMj !== null)
    w(
      `  energy of the update ${(m.updateEnergyMj / 1000).toFixed(2)} J per device = ${m.batteryDaysPerUpdate?.toFixed(2) ?? '—'} days of its sleep consumption`,
    );
  for (const e of r.errors) w(`  error: ${e}`);
}
