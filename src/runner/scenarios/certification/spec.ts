/**
 * What the certification scenario takes (parameters, every one with a default) and what it measures
 * (names, units, default limits). The requirements themselves are one file each beside this one.
 */
import { z } from 'zod';
import type { BenchDevice, MeasurementSpec, ScenarioContext, StepContext } from '../../scenario.ts';
import { EdrxRequestParams, PsmRequestParams, Seconds } from '../params.ts';

export const CertificationParams = z.strictObject({
  /** PSM the module is asked for (C-03) and sleeps with (C-05). */
  psm: PsmRequestParams.prefault({ periodicTau: 3600, activeTime: 20 }),
  /** eDRX cycle the module is asked for (C-04). */
  edrx: EdrxRequestParams.prefault({ cycle: 81.92 }),
  attach: z.strictObject({ timeout: Seconds.default(300) }).prefault({}),
  floor: z
    .strictObject({
      /** Window the PSM floor is averaged over. */
      window: Seconds.default(60),
      /** Wait after PSM entry before the window (the module's own tail, e.g. the BG950A's ~5 s at 30 µA). */
      settle: Seconds.default(5),
      /** Limit = datasheet PSM current × (1 + tolerance). */
      tolerance: z.number().min(0).max(10).default(0.2),
      /** Without an energy probe: the meter records at most this long. */
      meterWindow: Seconds.default(10),
      /** Without a PSM URC: PSM is assumed this long after the active time ran out. */
      margin: Seconds.default(60),
    })
    .prefault({}),
  multicast: z
    .strictObject({
      /** A test TMGI: MBMS Service ID (6 hex digits) + PLMN (6 hex digits). */
      tmgi: z
        .string()
        .regex(/^[0-9A-Fa-f]{12}$/, 'a TMGI is 12 hex digits')
        .default('0000C100F110'),
      group: z.ipv4().default('239.255.77.1'),
      port: z.number().int().min(1).max(65535).default(4077),
      bytes: z.number().int().min(1).max(1_000_000).default(4096),
      /**
       * Carousel passes. Without FEC a packet lost on the air is only made good by a later pass; on the sim
       * air about one 1 KB packet in ten is lost, so four passes leave a file short about once in 2000.
       */
      repetitions: z.number().int().min(1).max(10).default(4),
      timeout: Seconds.default(300),
    })
    .prefault({}),
  fota: z
    .strictObject({
      /** Emulated bench: the version the signed test image carries (default: the emulated set's new version). */
      version: z.string().optional(),
      /** Real bench: per module profile, a signed image file. */
      images: z.record(z.string(), z.string()).default({}),
      /** Real bench, modules that install from a URL: where the lab serves the image (else the rig serves it). */
      url: z.url().optional(),
      /** Address the rig's HTTP server listens on and names in the URL (a real module needs a lab address). */
      serveHost: z.string().default('127.0.0.1'),
      timeout: Seconds.default(1800),
    })
    .prefault({}),
  powerCut: z
    .strictObject({
      cuts: z.number().int().min(1).max(20).default(3),
      off: Seconds.default(2),
      /** Time registered before each cut: cuts land in normal operation, not in an update's confirmation. */
      settle: Seconds.default(10),
      /** Bound on one recovery (answering AT, registered again). */
      timeout: Seconds.default(300),
    })
    .prefault({}),
});
export type CertificationParams = z.infer<typeof CertificationParams>;

/** The 27.007 commands of C-01, each with its measurement. */
export const COMMANDS_27007 = [
  ['at.cgsn', 'AT+CGSN'],
  ['at.cgmr', 'AT+CGMR'],
  ['at.cfun', 'AT+CFUN?'],
  ['at.cereg', 'AT+CEREG?'],
  ['at.cscon', 'AT+CSCON?'],
  ['at.cesq', 'AT+CESQ'],
  ['at.cpsms', 'AT+CPSMS?'],
  ['at.cedrxs', 'AT+CEDRXS?'],
  ['at.cedrxrdp', 'AT+CEDRXRDP'],
  ['at.cmee', 'AT+CMEE?'],
] as const;

const commandMeasurements = Object.fromEntries(
  COMMANDS_27007.map(([name, command]): [string, MeasurementSpec] => [
    name,
    {
      unit: 'count',
      description: `${command} answers in 27.007 form and the rig's parser accepts it (1) or not (0)`,
      limits: { low: 1 },
    },
  ]),
);

export const CERTIFICATION_MEASUREMENTS: Record<string, MeasurementSpec> = {
  ...commandMeasurements,
  'at.conforming': {
    unit: 'count',
    description: `27.007 commands answered in form, of the ${COMMANDS_27007.length} the rig relies on`,
    limits: { low: COMMANDS_27007.length },
  },
  attachTime: {
    unit: 's',
    description: 'full functionality to registered (+CEREG stat 1 or 5)',
    limits: { high: 120, marginal: 30 },
  },
  psmTauGranted: { unit: 's', description: 'periodic TAU (T3412-ext) the network granted' },
  psmActiveGranted: { unit: 's', description: 'active time (T3324) the network granted' },
  edrxCycleGranted: { unit: 's', description: 'eDRX cycle the network granted' },
  edrxPtwGranted: { unit: 's', description: 'paging time window the network granted' },
  psmFloor: { unit: 'µA', description: 'mean current in PSM over the floor window' },
  psmFloorOfLimit: {
    unit: '%',
    description:
      'PSM floor as a share of its limit, the datasheet figure × (1 + tolerance); above 100 % fails',
    limits: { high: 100, marginal: 8 },
  },
  multicastBytes: {
    unit: 'B',
    description: 'bytes of the test file the module reported received by multicast',
  },
  multicastTime: { unit: 's', description: 'session on air to the module reporting the complete file' },
  fotaInstallTime: {
    unit: 's',
    description: 'start of the module firmware update to the new version read back',
    limits: { high: 1800, marginal: 300 },
  },
  recoveryTime: {
    unit: 's',
    description: 'power restored to answering AT and registered again (the slowest of the cuts)',
    limits: { high: 120, marginal: 30 },
  },
};

/** One requirement, run as one step of one device. */
export interface Requirement {
  /** The code in the certificate (C-01…) and the slug of the step id (C-<device>-<slug>). */
  code: string;
  slug: string;
  title(p: CertificationParams): string;
  /** A reason to skip it on this device, checked before the step runs. */
  skip?(d: BenchDevice, ctx: ScenarioContext<CertificationParams>): Promise<string | undefined>;
  run(s: StepContext, d: BenchDevice, ctx: ScenarioContext<CertificationParams>): Promise<void>;
}
