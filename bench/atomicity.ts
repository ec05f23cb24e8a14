/**
 * Atomicity sweep throughput: interrupted-and-resumed updates per second for a 256 KiB image on one core,
 * per update mode, each cut (before, torn, after) at every flash operation of the upgrade, then recovered
 * and checked. Anchor: MCUboot's simulator, about 50,000 interrupted upgrades in 4–5 minutes on this kind
 * of machine (≈ 185/s; reference atomic-update.md §1.6); the target is ≥ 10× that.
 */
import { sweepPowerCuts } from '../firmware-stubs/agent/index.ts';
import { slotSectorsFor, stubImagePair } from '../src/update/atomicity/index.ts';

const MCUBOOT_RATE = 50_000 / 270;
const PAYLOAD = 256 * 1024;
const geometry = { sectorSize: 4096, writeAlign: 8, erasedValue: 0xff as const };

export async function benchAtomicity(): Promise<string[]> {
  const images = stubImagePair('bench-module', PAYLOAD, 1);
  const slotSectors = slotSectorsFor(images.new.length, geometry);
  const lines = [
    `256 KiB payload (${images.new.length} B image), ${geometry.sectorSize} B sectors, ${slotSectors}-sector slots; ` +
      `MCUboot sim anchor ≈ ${MCUBOOT_RATE.toFixed(0)}/s`,
  ];
  for (const mode of ['swap-scratch', 'overwrite-only'] as const) {
    const run = (seed: number) => sweepPowerCuts({ mode, geometry, slotSectors, seed, images });
    run(0); // warm-up: JIT and the first hashes are not what a long sweep pays per point
    const started = performance.now();
    const cpu = process.cpuUsage();
    let points = 0;
    let failures = 0;
    let ops = 0;
    for (let seed = 1; seed <= 2; seed++) {
      const r = run(seed);
      points += r.points;
      failures += r.failures.length;
      ops = r.opsPerUpdate;
    }
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    // Wall-clock rate; the CPU-time rate beside it is what one core gives when the machine is shared.
    const rate = points / seconds;
    const cpuRate = points / cpuSeconds;
    lines.push(
      `${mode.padEnd(14)} ${ops} flash ops/update, ${points} interrupted updates in ${seconds.toFixed(2)} s (${cpuSeconds.toFixed(2)} s CPU) = ` +
        `${rate.toFixed(0)}/s = ${(rate / MCUBOOT_RATE).toFixed(1)}× MCUboot sim ` +
        `(per CPU second ${cpuRate.toFixed(0)}/s; ${failures} failures)`,
    );
  }
  return lines;
}
