import { z } from 'zod';
import { EnbError } from '../backend.ts';

/**
 * What the srsRAN 4G (23.04) backend runs: one cell with eMBMS (MBSFN) on, the MBMS gateway that feeds
 * it, optionally the EPC (needs kernel SCTP) and optionally srsUE over ZeroMQ playing the device.
 * Defaults are the values the eMBMS app note and the observed ZMQ run use (reference §2, §10).
 */

const Ipv4 = z.ipv4();
const Loopback = Ipv4.refine((a) => a.startsWith('127.'), 'must be a loopback address (127.0.0.0/8)');
const MulticastGroup = Ipv4.refine((a) => {
  const first = Number(a.split('.')[0]);
  return first >= 224 && first <= 239;
}, 'must be an IPv4 multicast address (224.0.0.0/4)');
const Port = z.number().int().min(1).max(65535);
const Hex = (digits: number) =>
  z.string().regex(new RegExp(`^[0-9a-fA-F]{${digits}}$`), `must be ${digits} hex digits`);
const Digits = (n: number) => z.string().regex(new RegExp(`^\\d{${n}}$`), `must be ${n} decimal digits`);
const IfName = z.string().regex(/^[A-Za-z0-9_.-]{1,15}$/, 'must be a Linux interface name (1-15 characters)');
const LogLevel = z.enum(['debug', 'info', 'warning', 'error', 'none']);

/** Cell bandwidths LTE defines, in PRBs. */
export const N_PRB_VALUES = [6, 15, 25, 50, 75, 100] as const;
export type NPrb = (typeof N_PRB_VALUES)[number];

const ZmqRadio = z.strictObject({
  kind: z.literal('zmq'),
  /** ZeroMQ endpoints bind here; loopback only, so the virtual air never leaves the host. */
  host: Loopback.default('127.0.0.1'),
  /** The eNB transmits on this port; srsUE receives from it. */
  enbTxPort: Port.default(2000),
  /** The eNB receives on this port; srsUE transmits to it. */
  enbRxPort: Port.default(2001),
  /** ZeroMQ base sample rate in Hz; when absent, the value test/run_lte.sh uses for n_prb. */
  baseSrateHz: z.number().positive().optional(),
});

const UhdRadio = z.strictObject({
  kind: z.literal('uhd'),
  /** UHD device arguments, e.g. "type=b200,serial=3123ABC". */
  deviceArgs: z.string().default('type=b200'),
  txGain: z.number().default(80),
  rxGain: z.number().default(40),
});

const Cell = z.strictObject({
  dlEarfcn: z.number().int().min(0).max(65535).default(3350),
  /** E-UTRA band; optional, checked against dlEarfcn when given. */
  band: z.number().int().positive().optional(),
  nPrb: z
    .number()
    .refine(
      (n): n is NPrb => (N_PRB_VALUES as readonly number[]).includes(n),
      'must be 6, 15, 25, 50, 75 or 100',
    )
    .default(25),
  mcc: Digits(3).default('001'),
  mnc: z
    .string()
    .regex(/^\d{2,3}$/, 'must be 2 or 3 decimal digits')
    .default('01'),
  tac: z.number().int().min(0).max(0xffff).default(7),
  pci: z.number().int().min(0).max(503).default(1),
  cellId: z.number().int().min(0).max(255).default(1),
  enbId: z.number().int().min(0).max(0xfffff).default(0x19b),
  txGain: z.number().default(80),
  rxGain: z.number().default(40),
});

const Mbsfn = z.strictObject({
  /** PMCH (MTCH) MCS, embms.mcs; 10 was observed working over ZMQ, the srsRAN example uses 20. */
  mcs: z.number().int().min(0).max(28).default(10),
  /** SIB2 one-frame subframe bitmap (6 bits; FDD bit 5..0 = subframes 1, 2, 3, 6, 7, 8). */
  subframeAllocation: z.number().int().min(1).max(63).default(63),
  radioframeAllocationPeriod: z
    .union([z.literal(1), z.literal(2), z.literal(4), z.literal(8), z.literal(16), z.literal(32)])
    .default(1),
  radioframeAllocationOffset: z.number().int().min(0).max(7).default(0),
  areaId: z.number().int().min(0).max(255).default(1),
  nonMbsfnRegionLength: z.enum(['s1', 's2']).default('s2'),
  mcchRepetitionPeriod: z.enum(['rf32', 'rf64', 'rf128', 'rf256']).default('rf64'),
  mcchModificationPeriod: z.enum(['rf512', 'rf1024']).default('rf512'),
  mcchOffset: z.number().int().min(0).max(10).default(0),
  /** sf_alloc_info: which MBSFN subframes of an MCCH frame carry the MCCH (subset of subframeAllocation). */
  mcchSubframes: z.number().int().min(1).max(63).default(32),
  signallingMcs: z.enum(['n2', 'n7', 'n13', 'n19']).default('n2'),
  notificationRepetitionCoeff: z.enum(['n2', 'n4']).default('n2'),
  notificationOffset: z.number().int().min(0).max(10).default(0),
  notificationSubframeIndex: z.number().int().min(1).max(6).default(1),
  notificationIndicator: z.number().int().min(0).max(7).default(0),
});

const M1u = z.strictObject({
  /** GTP-U multicast group srsmbms sends to and srsenb joins (port 2153 is fixed in srsRAN). */
  group: MulticastGroup.default('239.255.0.1'),
  /** srsmbms' outgoing interface address (IP_MULTICAST_IF). */
  gatewayInterface: Ipv4.default('127.0.1.200'),
  /** srsenb's interface address for the group join. */
  enbInterface: Ipv4.default('127.0.1.201'),
  ttl: z.number().int().min(1).max(255).default(1),
});

const SgiMb = z.strictObject({
  ifName: IfName.default('sgi_mb'),
  /** Address of the TUN srsmbms creates: in the UE subnet on purpose (reverse-path filtering). */
  ifAddr: Ipv4.default('172.16.0.254'),
  ifMask: Ipv4.default('255.255.255.255'),
});

const Subscriber = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, _ or -'),
  imsi: Digits(15),
  key: Hex(32),
  opc: Hex(32),
  amf: Hex(4).default('8000'),
  sqn: Hex(12).default('000000001234'),
  qci: z.number().int().min(1).max(9).default(7),
  ip: z.union([z.literal('dynamic'), Ipv4]).default('dynamic'),
});
export type SrsranSubscriber = z.output<typeof Subscriber>;

const Epc = z.strictObject({
  /** srsepc needs kernel SCTP; without it run srsmbms + srsenb (+ srsUE) only (reference §8, §10). */
  enabled: z.boolean().default(true),
  mmeAddr: Ipv4.default('127.0.1.100'),
  /** srsenb's S1-C and GTP bind address. */
  enbBindAddr: Ipv4.default('127.0.1.1'),
  sgiIfAddr: Ipv4.default('172.16.0.1'),
  sgiIfName: IfName.default('srs_spgw_sgi'),
  apn: z.string().min(1).optional(),
  /** HSS users besides the srsUE one (which is added from `ue`). */
  subscribers: z.array(Subscriber).default([]),
});

const Ue = z.strictObject({
  imsi: Digits(15).default('001010123456780'),
  key: Hex(32).default('00112233445566778899aabbccddeeff'),
  opc: Hex(32).default('63bfa50ee6523365ff14c1f45f88737d'),
  imei: Digits(15).default('353490069873319'),
  /** Network namespace for tun_srsue ('' = the default namespace); must exist before start. */
  netns: z
    .string()
    .regex(/^[A-Za-z0-9_.-]*$/, 'must be a namespace name')
    .default('ue1'),
  tunName: IfName.default('tun_srsue'),
  /** srsUE refuses more than 2 PHY threads with MBMS. */
  nofPhyThreads: z.union([z.literal(1), z.literal(2)]).default(1),
  /** Bytes of each GW PDU hex-dumped in ue.log: lets a test recover payloads without the TUN. */
  gwHexLimit: z.number().int().min(0).default(4000),
  macPcap: z.boolean().default(true),
});

const Binaries = z.strictObject({
  srsmbms: z.string().min(1).default('srsmbms'),
  srsepc: z.string().min(1).default('srsepc'),
  srsenb: z.string().min(1).default('srsenb'),
  srsue: z.string().min(1).default('srsue'),
});
export type SrsranBinaries = z.output<typeof Binaries>;

const Deadlines = z.strictObject({
  srsmbms: z.number().positive().default(15_000),
  srsepc: z.number().positive().default(15_000),
  srsenb: z.number().positive().default(60_000),
  /** Observed: the UE found the cell and started MBMS about 40 s after start on 2 cores. */
  srsue: z.number().positive().default(180_000),
});

export const SrsranConfigSchema = z
  .strictObject({
    /** Where configs, logs and pcaps of a run go. */
    workDir: z.string().min(1),
    binaries: Binaries.prefault({}),
    radio: z.discriminatedUnion('kind', [ZmqRadio, UhdRadio]).prefault({ kind: 'zmq' }),
    cell: Cell.prefault({}),
    mbsfn: Mbsfn.prefault({}),
    m1u: M1u.prefault({}),
    sgiMb: SgiMb.prefault({}),
    epc: Epc.prefault({}),
    ue: Ue.optional(),
    enbPhyThreads: z.number().int().min(1).max(4).default(2),
    log: z
      .strictObject({
        mbms: LogLevel.default('debug'),
        epc: LogLevel.default('info'),
        /** info is needed for "MCH Sched Info" (eNB) and "RX MCH PDU" (UE). */
        enb: LogLevel.default('info'),
        ue: LogLevel.default('info'),
      })
      .prefault({}),
    startDeadlineMs: Deadlines.prefault({}),
    /** SIGINT → SIGTERM → SIGKILL, this long apart (srsUE gives up stopping after 5 s). */
    stopGraceMs: z.number().positive().default(6000),
    ingress: z
      .strictObject({
        /** Local address FLUTE is sent from (IP_MULTICAST_IF); default sgiMb.ifAddr, i.e. into the TUN. */
        interface: Ipv4.optional(),
        /** Overrides the estimated MBSFN capacity as the granted session rate. */
        rateBps: z.number().positive().optional(),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    if (c.ue && c.radio.kind !== 'zmq')
      ctx.addIssue({
        code: 'custom',
        path: ['ue'],
        message: 'srsUE runs here only over ZMQ (radio.kind zmq)',
      });
    if ((c.mbsfn.mcchSubframes & ~c.mbsfn.subframeAllocation) !== 0)
      ctx.addIssue({
        code: 'custom',
        path: ['mbsfn', 'mcchSubframes'],
        message: 'must be a subset of mbsfn.subframeAllocation',
      });
    if (c.cell.band !== undefined && bandOfDlEarfcn(c.cell.dlEarfcn) !== c.cell.band)
      ctx.addIssue({
        code: 'custom',
        path: ['cell', 'band'],
        message: `dlEarfcn ${c.cell.dlEarfcn} is not in band ${c.cell.band}`,
      });
  });

export type SrsranConfig = z.output<typeof SrsranConfigSchema>;
export type SrsranConfigInput = z.input<typeof SrsranConfigSchema>;

/** Validates a config; the error names the key and what was wrong with it. */
export function parseSrsranConfig(input: unknown): SrsranConfig {
  const result = SrsranConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const key = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  throw new EnbError('srsran', `config: ${key}: ${issue.message}`);
}

/** Downlink EARFCN ranges per band (TS 36.101 Table 5.7.3-1), for the bands a lab is likely to use. */
const DL_EARFCN_BANDS: readonly (readonly [band: number, first: number, last: number])[] = [
  [1, 0, 599],
  [2, 600, 1199],
  [3, 1200, 1949],
  [4, 1950, 2399],
  [5, 2400, 2649],
  [7, 2750, 3449],
  [8, 3450, 3799],
  [12, 5010, 5179],
  [13, 5180, 5279],
  [17, 5730, 5849],
  [20, 6150, 6449],
  [28, 9210, 9659],
];

export function bandOfDlEarfcn(earfcn: number): number | undefined {
  return DL_EARFCN_BANDS.find(([, first, last]) => earfcn >= first && earfcn <= last)?.[0];
}

/** HSS users: the configured ones plus srsUE's own (so the UE can attach). */
export function hssSubscribers(config: SrsranConfig): SrsranSubscriber[] {
  const users = [...config.epc.subscribers];
  const ue = config.ue;
  if (ue && !users.some((u) => u.imsi === ue.imsi)) {
    users.push({ name: 'srsue', imsi: ue.imsi, key: ue.key, opc: ue.opc, ...DEFAULT_SUBSCRIPTION });
  }
  return users;
}

const DEFAULT_SUBSCRIPTION = { amf: '8000', sqn: '000000001234', qci: 7, ip: 'dynamic' } as const;
