/**
 * Update campaigns on the emulated bench. (1) Virtual-time speed-up: a UC1 campaign spanning 24 h of
 * bench time (the session 24 h after the announcement) with four modules of four dialects: bench time
 * over wall time. (2) Scaling: campaign wall time and peak memory for growing fleets of emulated modules
 * (each a full AT server, AtEngine, Modem, MBMS client and MQTT session through an embedded broker),
 * per device against the 10-device run of the same sweep.
 */
import { startEmbeddedBroker } from '../src/mqtt/index.ts';
import { runEmulatedCampaign } from '../src/runner/index.ts';
import { startMosquitto } from '../test/helpers/mosquitto.ts';

const MODELS = ['quectel-bg95', 'ublox-sara-r5', 'simcom-sim7080g', 'nordic-nrf9160'] as const;

/** Fleet sizes: RIG_BENCH_FLEET=10,100,1000,10000 (the default stops at 1,000 to keep `npm run bench` short). */
const SIZES = (process.env.RIG_BENCH_FLEET ?? '10,100,1000').split(',').map(Number);

export async function benchCampaign(): Promise<string[]> {
  const lines: string[] = [];
  const broker = await startEmbeddedBroker();
  try {
    const day = await runEmulatedCampaign(
      MODELS.map((profileId, i) => ({ name: `dut${i + 1}`, profileId })),
      { broker, useCase: 'uc1', plannedLeadMs: 24 * 3_600_000 },
    );
    const virtualMs = day.clock.now() - day.result.startedAt;
    lines.push(
      `UC1, 4 modules (4 dialects): ${(virtualMs / 3_600_000).toFixed(1)} h of bench time in ${(day.wallMs / 1000).toFixed(2)} s wall = ` +
        `${Math.round(virtualMs / day.wallMs).toLocaleString('en')}× real time; ${day.result.metrics.updated}/4 updated`,
    );
    let base: number | undefined;
    for (const n of SIZES) {
      const specs = Array.from({ length: n }, (_, i) => ({ name: `d${i + 1}`, profileId: 'quectel-bg95' }));
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 50);
      // The embedded broker shares this process's descriptors (two per device): big fleets use mosquitto.
      const external = n > 4000 ? await startMosquitto() : undefined;
      const run = await runEmulatedCampaign(specs, {
        broker: external ? { host: '127.0.0.1', port: external.port } : broker,
        useCase: 'uc1',
        plannedLeadMs: 3_600_000,
      }).finally(async () => {
        clearInterval(sampler);
        await external?.stop();
      });
      const perDevice = run.wallMs / n;
      base ??= perDevice;
      const m = run.result.metrics;
      lines.push(
        `${String(n).padStart(6)} devices: ${(run.wallMs / 1000).toFixed(1)} s wall, ${perDevice.toFixed(1)} ms/device ` +
          `(${(perDevice / base).toFixed(2)}× the ${SIZES[0]}-device cost per device), peak RSS +${((peak - before) / 2 ** 20).toFixed(0)} MiB ` +
          `(${((peak - before) / 1024 / n).toFixed(0)} KiB/device); ${m.updated}/${n} updated, T90 ${((m.timeToUpdatedMs.t90 ?? Number.NaN) / 1000).toFixed(0)} s, ` +
          `airtime ${(m.airtimeMs.multicast / 1000).toFixed(1)} s multicast vs ${((m.unicastEstimateAirtimeMs ?? 0) / 1000).toFixed(0)} s by unicast`,
      );
    }
  } finally {
    await broker.close();
  }
  return lines;
}
