/**
 * The evidence files and campaign summary of the reporter tests' run directory (report-run-dir.ts): an AT
 * transcript, an emulated module's power timeline, a real Recording, a campaign summary shaped by the real
 * CampaignMetrics/DeviceRecord types, with hostile strings in the places a device or a plan puts text.
 */
import { writeFileSync } from 'node:fs';
import type { TranscriptEntry } from '../../src/at/index.ts';
import { RecordingWriter } from '../../src/power/index.ts';
import type { CampaignSummary } from '../../src/runner/model.ts';
import type { CampaignMetrics, DeviceRecord } from '../../src/update/index.ts';

export const HOSTILE = '</script><img src=x onerror=alert(1)>';
export const CDATA_END = 'a ]]> b';
export const CONTROLS = 'nul\u0000 bell\u0007 esc\u001b[31m vt\u000b del\u007f end';
/** Entries in the transcript file (more than the HTML shows by default). */
export const TRANSCRIPT_ENTRIES = 700;
export const T0 = Date.UTC(2026, 10, 26, 0, 0, 0);

export function campaignSummary(): CampaignSummary {
  const announcedAt = T0 + 60_000;
  const metrics: CampaignMetrics = {
    useCase: 'uc1',
    devices: 2,
    updated: 1,
    failed: 1,
    errored: 0,
    deliverySuccess: 1,
    updateSuccess: 0.5,
    timeToUpdatedMs: { t50: 3_600_000, t90: null, t99: null },
    alignmentErrorMs: { mean: 120, max: 200 },
    repair: { requests: 1, bytes: 512, symbols: 4 },
    airtimeMs: { multicast: 42_000, unicast: 3_000 },
    unicastEstimateAirtimeMs: 90_000,
    energyPerDeviceMj: { mean: 900, max: 1100 },
    updateEnergyMj: 650,
    batteryDaysPerUpdate: 0.8,
    acks: { received: 1, missing: 1 },
    reports: { received: 2 },
  };
  const phase = (
    p: DeviceRecord['phases'][number]['phase'],
    start: number,
    end: number,
    energyMj: number,
  ) => ({
    phase: p,
    start: T0 + start,
    end: T0 + end,
    energyMj,
  });
  const devices: DeviceRecord[] = [
    {
      name: 'dut1',
      model: 'BG95-M3',
      imei: '861234050000011',
      versionBefore: '2.0.3',
      versionAfter: '2.0.4',
      outcome: 'updated',
      announcementFormat: 'binary',
      announcedAt,
      attended: [
        { repetition: 1, scheduledStart: T0 + 3_000_000, tunedAt: T0 + 3_000_120, alignmentErrorMs: 120 },
      ],
      fileStatus: 'complete',
      updatedAt: announcedAt + 3_600_000,
      phases: [
        phase('setup', 0, 60_000, 100),
        phase('reception', 3_000_000, 3_100_000, 400),
        phase('install', 3_100_000, 3_200_000, 250),
      ],
      energyMj: 750,
    },
    {
      name: HOSTILE,
      model: 'SARA-R510M8S',
      versionBefore: '3.15.0',
      versionAfter: '3.15.0',
      outcome: 'failed',
      failure: { phase: 'verification', message: `signature rejected ${CDATA_END} ${CONTROLS}` },
      announcementFormat: 'xml',
      announcedAt,
      attended: [],
      fileStatus: 'complete',
      phases: [phase('setup', 0, 60_000, 120), phase('reception', 3_000_000, 3_200_000, 980)],
      energyMj: 1100,
    },
  ];
  return {
    useCase: 'uc1',
    metrics: metrics as unknown as Record<string, unknown>,
    devices: devices as unknown as Record<string, unknown>[],
    plan: { announcedAt, sessions: [{ repetition: 1, start: T0 + 3_000_000, stop: T0 + 3_200_000 }] },
    errors: [`broker ${HOSTILE} went away once`],
  };
}

export function transcriptFile(path: string): void {
  const lines: string[] = [];
  for (let i = 0; i < TRANSCRIPT_ENTRIES; i++) {
    const e: TranscriptEntry =
      i % 2 === 0
        ? {
            t: T0 + i * 10,
            port: '/dev/ttyUSB2',
            dir: 'tx',
            meaning: 'command',
            text: 'AT+CEREG?\\r',
            bytes: 10,
          }
        : {
            t: T0 + i * 10 + 5,
            port: '/dev/ttyUSB2',
            dir: 'rx',
            meaning: 'info',
            text: i === 1 ? `${HOSTILE} ${CDATA_END} ${CONTROLS}` : '+CEREG: 0,5\\r\\n',
            bytes: 14,
            detail: i === 1 ? HOSTILE : 'AT+CEREG?',
          };
    lines.push(JSON.stringify(e));
  }
  lines.push('{"t": not json');
  writeFileSync(path, `${lines.join('\n')}\n`);
}

export function timelineFile(path: string): void {
  // A PSM cycle: attach, idle, PSM floor, a reception burst, install, back to PSM.
  const at = (s: number) => T0 + s * 1000;
  const segments = [
    [at(0), 90_000],
    [at(5), 8_000],
    [at(20), 3.2],
    [at(50), 62_000],
    [at(80), 25_000],
    [at(95), 3.1],
  ];
  writeFileSync(
    path,
    JSON.stringify({ device: 'dut1', unit: 'µA', voltageMv: 3800, start: T0, end: at(120), segments }),
  );
}

export async function recordingDir(dir: string): Promise<void> {
  const rate = 1000;
  const w = await RecordingWriter.create({
    dir,
    meter: { kind: 'sim', spec: 'sim:ublox-sara-r5', model: `meter ${HOSTILE}` },
    rateHz: rate,
    voltageMv: 3700,
    durable: false,
    chunkSamples: 8192,
    pyramid: { baseSamples: 16, fanOut: 4 },
  });
  const n = 30 * rate;
  w.beginPhase('download', 5 * rate);
  w.endPhase('download', 15 * rate);
  w.beginPhase(HOSTILE, 15 * rate);
  w.endPhase(HOSTILE, 20 * rate);
  w.mark('reboot', 20 * rate);
  for (let start = 0; start < n; start += 1000) {
    const uA = new Float64Array(1000);
    for (let i = 0; i < uA.length; i++) {
      const s = (start + i) / rate;
      uA[i] = s >= 5 && s < 15 ? 60_000 + ((start + i) % 97) * 100 : s >= 15 && s < 20 ? 30_000 : 4 + (i % 3);
    }
    w.append({ start, uA, t0: T0 + (start * 1000) / rate });
  }
  await w.close();
}
