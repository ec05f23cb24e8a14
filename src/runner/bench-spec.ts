/**
 * A bench described once, as data (`rig/benches/*.yaml`): modules (a profile and a port, or emulated),
 * meters, switches, the eNB backend, the MQTT broker and the clock. Checked by this schema when it is
 * loaded; built into resources through one explicit registry (bench-builder.ts).
 */
import { z } from 'zod';
import { srsran } from '../enb/index.ts';
import { listModuleProfiles } from '../hardware/index.ts';
import { ConfigFileError, type LineOf, loadYaml } from './yaml-file.ts';

const Name = z
  .string()
  .regex(/^[A-Za-z][\w-]{0,31}$/, 'a name: a letter, then letters, digits, - or _ (at most 32)');

const Loss = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({ kind: z.literal('uniform'), rate: z.number().min(0).max(1) }),
  z.strictObject({
    kind: z.literal('gilbert-elliott'),
    pGoodToBad: z.number().min(0).max(1),
    pBadToGood: z.number().min(0).max(1),
    lossGood: z.number().min(0).max(1).optional(),
    lossBad: z.number().min(0).max(1).optional(),
  }),
]);

const Module = z
  .strictObject({
    name: Name,
    /** A profile id of hardware/modules/. */
    profile: z.string(),
    /** Emulated (firmware-stubs) instead of hardware. */
    emulated: z.boolean().default(false),
    /** A real module's AT port: a path, by-id:<name> or usb:VID:PID[:serial][#ifNN]. */
    port: z.string().optional(),
    baud: z.number().int().positive().optional(),
    /** Announcement format the device takes. */
    announcement: z.enum(['binary', 'xml']).default('binary'),
    /** Power saving the campaigns request (seconds). */
    psm: z
      .strictObject({ periodicTau: z.number().positive(), activeTime: z.number().nonnegative() })
      .nullable()
      .optional(),
    edrx: z.strictObject({ cycle: z.number().positive() }).optional(),
    /** Emulated air: CE level and loss. */
    coverage: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
    loss: Loss.optional(),
    /** The meter measuring this module and the switch cutting its power (bench names). */
    meter: Name.optional(),
    switch: z.string().optional(),
    /**
     * Where campaign energy comes from: `exact` (an emulated module's own current timeline, the default
     * there) or `meter` (a recording of the module's meter, as on a real bench).
     */
    energy: z.enum(['exact', 'meter']).optional(),
    /**
     * srsRAN benches: who receives the session. `module`: the emulated module's own MBMS client (on srsUE's
     * interface); `host`: srsUE and the rig, the image then staged onto the module over AT (the only way for a
     * real module; default for them).
     */
    reception: z.enum(['module', 'host']).optional(),
    /** Emulated modules: fault knobs (probabilities per answer), e.g. { garbage: 0.05, noAnswer: 1 }. */
    faults: z
      .strictObject({
        splitWrites: z.number().min(0).max(1).optional(),
        missingFinalCrlf: z.number().min(0).max(1).optional(),
        garbage: z.number().min(0).max(1).optional(),
        urcStorm: z.number().min(0).max(1).optional(),
        slowAnswer: z.number().min(0).max(1).optional(),
        noAnswer: z.number().min(0).max(1).optional(),
        duplicateOk: z.number().min(0).max(1).optional(),
      })
      .optional(),
  })
  .refine((m) => m.emulated || m.port !== undefined, {
    message: 'a real module needs a port (or emulated: true)',
    path: ['port'],
  })
  .refine((m) => !(m.emulated && m.port !== undefined), {
    message: 'an emulated module has no port',
    path: ['port'],
  })
  .refine((m) => m.emulated || m.faults === undefined, {
    message: 'fault knobs exist only on emulated modules',
    path: ['faults'],
  });

const Meter = z.strictObject({
  name: Name,
  /** `ppk2:<port>`, `scpi:tcp://host:5025`, `otii:tcp://host:1905`; on the emulated bench `emulated-ppk2:<module>`. */
  spec: z
    .string()
    .regex(
      /^(ppk2|scpi|otii|sim|emulated-ppk2)(:.*)?$/,
      'a meter spec: ppk2:…, scpi:…, otii:…, sim:<module>, emulated-ppk2:<module>',
    ),
  /** Supply voltage the meter sets (source mode), mV. */
  voltageMv: z.number().int().positive().default(3800),
  /** PPK2: source (it powers the module, the default) or ampere (in series with the module's own supply). */
  mode: z.enum(['source', 'ampere']).default('source'),
  /** Simulated meters (`sim:`): samples per second (default 100 kS/s, the PPK2's). */
  rateHz: z.number().positive().optional(),
});

const Switch = z.strictObject({
  name: Name,
  /** `relay-lcus:<port>#<ch>`, `relay-numato:<port>#<ch>`, `ppk2:<port>`, `scpi:…#<ch>`, `emulated:<module>`. */
  spec: z.string(),
});

const Enb = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('sim'),
    rat: z.enum(['nb-iot', 'lte-m']).default('nb-iot'),
    /** SC-MTCH residual block error rate [M]. */
    scMtchBler: z.number().min(0).max(0.5).optional(),
  }),
  z.strictObject({
    kind: z.literal('srsran'),
    /** srsRAN settings as src/enb/srsran's SrsranConfigInput takes them (checked when the bench is built). */
    config: z.record(z.string(), z.unknown()),
    /**
     * The address of the interface srsUE hands the multicast out on (tun_srsue's, reachable from the rig):
     * emulated modules' MBMS clients read the session there. Default 172.16.0.2 (srsUE's attach address).
     */
    ueAddress: z
      .string()
      .regex(/^\d+\.\d+\.\d+\.\d+$/, 'an IPv4 address')
      .default('172.16.0.2'),
  }),
]);

export const BenchSchema = z.strictObject({
  name: Name,
  description: z.string().optional(),
  /** virtual: the emulated bench's clock (time jumps when everything waits); real: hardware. */
  clock: z.enum(['virtual', 'real']),
  modules: z.array(Module).min(1, 'a bench needs at least one module'),
  meters: z.array(Meter).default([]),
  switches: z.array(Switch).default([]),
  enb: Enb,
  /** The lab's MQTT broker; omitted: the rig starts an embedded one on loopback. */
  broker: z
    .strictObject({ url: z.string().regex(/^mqtts?:\/\/[^/:]+(:\d+)?\/?$/, 'mqtt://host:port') })
    .optional(),
});

export type BenchSpec = z.infer<typeof BenchSchema>;
export type ModuleSpec = BenchSpec['modules'][number];

/** Load and check a bench file: schema, then cross-references (profiles, meter and switch names). */
export function loadBench(file: string, text?: string): { bench: BenchSpec; lineOf: LineOf } {
  const { value: bench, lineOf } = loadYaml(file, BenchSchema, text);
  const problems: { line?: number; key: string; message: string }[] = [];
  const known = new Set(listModuleProfiles());
  const names = new Set<string>();
  const meterNames = new Set(bench.meters.map((m) => m.name));
  const switchNames = new Set(bench.switches.map((s) => s.name));
  for (const [i, m] of bench.modules.entries()) {
    const at = (k: string) => ({ line: lineOf(['modules', i, k]), key: `modules.${i}.${k}` });
    if (!known.has(m.profile))
      problems.push({
        ...at('profile'),
        message: `unknown module profile "${m.profile}" (known: ${[...known].join(', ')})`,
      });
    if (names.has(m.name)) problems.push({ ...at('name'), message: `"${m.name}" is used twice` });
    names.add(m.name);
    if (m.meter && !meterNames.has(m.meter))
      problems.push({ ...at('meter'), message: `no meter named "${m.meter}" in meters` });
    if (m.switch && !switchNames.has(m.switch.split('#')[0]!))
      problems.push({ ...at('switch'), message: `no switch named "${m.switch}" in switches` });
    if (bench.clock === 'virtual' && !m.emulated)
      problems.push({
        ...at('emulated'),
        message: 'a virtual clock needs emulated modules (hardware runs on real time)',
      });
  }
  if (bench.enb.kind === 'srsran') {
    try {
      srsran.parseSrsranConfig(bench.enb.config);
    } catch (e) {
      problems.push({ line: lineOf(['enb', 'config']), key: 'enb.config', message: (e as Error).message });
    }
  }
  if (bench.clock === 'virtual' && bench.enb.kind === 'srsran')
    problems.push({
      line: lineOf(['enb', 'kind']),
      key: 'enb.kind',
      message: 'srsRAN runs on real time: use clock: real',
    });
  if (problems.length > 0) throw new ConfigFileError(file, problems);
  return { bench, lineOf };
}
