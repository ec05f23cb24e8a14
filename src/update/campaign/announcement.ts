/** The announcement of a campaign, per device: its sessions, files, procedures and timing inputs. */
import type { announce } from '../../mbms/index.ts';
import type { planCampaign, SessionWindow } from './schedule.ts';
import type { CampaignServer } from './server.ts';
import type { CampaignDevice, CampaignOptions } from './types.ts';

/** The granted timers as the announcement rules see them. */
export async function wakePattern(d: CampaignDevice, imei: string): Promise<announce.DeviceWakePattern> {
  const psm = await d.modem.readPsm().catch(() => undefined);
  const tau = psm?.granted?.periodicTau?.seconds ?? psm?.requested.periodicTau?.seconds ?? null;
  const active = psm?.granted?.activeTime?.seconds ?? null;
  return {
    id: imei,
    ...(psm?.enabled && tau ? { psmPeriodMs: tau * 1000 } : {}),
    ...(psm?.enabled && active !== null ? { activeTimeMs: active * 1000 } : {}),
  };
}

/** Bytes a FLUTE session of this file puts on air: symbols with their FEC overhead, plus headers. */
export function flutedBytes(size: number, symbolLength: number, overhead: number): number {
  const symbols = Math.ceil(size / symbolLength);
  const total = symbols + Math.ceil(symbols * overhead);
  return total * (symbolLength + 44) + 4 * 1500; // ALC/LCT + UDP/IP per packet, and the FDT repetitions
}

export function announcementFor(
  id: string,
  tmgi: string,
  plan: Awaited<ReturnType<typeof planCampaign>>,
  windows: readonly SessionWindow[],
  server: CampaignServer,
  d: CampaignDevice,
  o: CampaignOptions,
  backoff: { offsetTime: number; randomTimePeriod: number },
): announce.AnnouncementContent {
  const first = windows[0] ?? plan.windows[0]!;
  const last = windows[windows.length - 1] ?? first;
  const base = `http://bmsc.rig/${id}`;
  const binary = d.announcement === 'binary';
  const fecId = o.fec ?? 1;
  return {
    validFrom: Math.floor(plan.plan.announcedAt / 1000) * 1000,
    validUntil: Math.ceil((last.stop + 3_600_000) / 1000) * 1000,
    usd: {
      serviceId: `urn:rig:${id}`,
      serviceClass: 'urn:oma:bcast:ext_bsc_3gpp:exApp:FOTA',
      requiredFeatures: [22],
      deliveryMethods: [
        {
          sessionDescriptionUri: `${base}/session.sdp`,
          associatedProcedureDescriptionUri: `${base}/adpd.xml`,
        },
      ],
      scheduleDescriptionUri: `${base}/schedule.xml`,
    },
    session: {
      tmgi,
      serviceId: `urn:rig:${id}`,
      group: first.group,
      port: first.port,
      sourceAddress: '127.0.0.1',
      tsi: o.tsi ?? 1,
      start: first.start,
      stop: last.stop,
      fec: {
        encodingId: fecId,
        redundancyPercent: Math.round((fecId === 0 ? 0 : (o.overhead ?? 0.15)) * 100),
      },
      procedures: {
        fileRepair: { serverUris: [server.repairServer.serviceUri], ...backoff },
        receptionReport: {
          serverUris: [binary ? server.collector.coapUri : server.collector.serviceUri],
          ...backoff,
          // Low-end devices answer a coap:// report server with RAck-IoT (TR 26.850 7.7).
          reportType: 'RAck',
        },
      },
    },
    schedule: {
      serviceId: `urn:rig:${id}`,
      sessions: windows.map((w, i) => ({ start: w.start, stop: w.stop, index: i + 1 })),
      files: [server.fileFor(d.image.deviceClass)].map((f) => ({
        contentLocation: f.contentLocation,
        md5: f.md5,
        windows: windows.map((w) => ({ start: w.start, stop: w.stop })),
        fdt: {
          toi: server.files.indexOf(f) + 1,
          contentLength: f.image.bytes.length,
        },
      })),
      cancelled: { sessions: [], files: [] },
    },
  };
}

/** A 24-bit MBMS Service ID (6 hex digits) from the campaign id (FNV-1a), never 000000. */
export function serviceIdOf(id: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return ((h % 0xfffffe) + 1).toString(16).toUpperCase().padStart(6, '0');
}
