/** What the campaign reads back from the air and the meters, per device, once it is over. */
import type { EpochMs } from '../../clock/index.ts';
import type { SimEnb } from '../../enb/index.ts';
import type { CampaignDevice, CampaignOptions, DeviceRecord } from './types.ts';

/** The simulated eNB, when that is the campaign's backend (its session log has the air figures). */
export function asSim(enb: CampaignOptions['enb']): SimEnb | undefined {
  return enb.kind === 'sim' ? (enb as SimEnb) : undefined;
}

export function airOf(enb: CampaignOptions['enb'], imei: string, from: number): DeviceRecord['air'] {
  const sim = asSim(enb);
  if (!sim) return undefined;
  const air = { received: 0, receivedBytes: 0, lost: 0, missedNotTuned: 0, tunedPackets: 0 };
  for (const s of sim.sessionLog.slice(from)) {
    const d = s.devices.get(imei);
    if (!d) continue;
    air.received += d.received;
    air.receivedBytes += d.receivedBytes;
    air.lost += d.lost;
    air.missedNotTuned += d.missedNotTuned;
    air.tunedPackets += d.tunedPackets;
  }
  return air;
}

export async function measureEnergy(
  d: CampaignDevice,
  r: DeviceRecord,
  from: EpochMs,
  to: EpochMs,
): Promise<void> {
  const probe = d.energy;
  if (!probe) return;
  const mj = (uc: number) => (uc * probe.voltageMv) / 1e6;
  // A span the probe cannot answer (NaN: no valid samples) stays unmeasured rather than poisoning sums.
  for (const p of r.phases) {
    const q = await probe.chargeUc(p.start, p.end);
    if (!Number.isFinite(q)) continue;
    p.chargeUc = q;
    p.energyMj = mj(q);
  }
  const total = await probe.chargeUc(from, to);
  if (Number.isFinite(total)) r.energyMj = mj(total);
}
