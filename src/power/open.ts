import type { Clock } from '../clock/index.ts';
import { type Meter, MeterError } from './meter.ts';
import { OtiiMeter } from './otii/index.ts';
import { Ppk2Meter } from './ppk2/index.ts';
import { ScpiMeter } from './scpi/index.ts';
import { type CurrentSource, SimulatedMeter } from './sim/index.ts';

export interface OpenMeterOptions {
  clock: Clock;
  /** The meter's name in the bench, for errors. */
  name?: string;
  /**
   * For `sim:<target>`: the current source to sample (the bench builder wires an emulated module's
   * timeline here; the power layer never knows about emulators).
   */
  simSource?: (target: string) => CurrentSource;
  /** Samples per second of a simulated meter (default 100 kS/s). */
  simRateHz?: number;
  seed?: number;
  /** Extra serial paths to consider (ptys). */
  extraPaths?: string[];
}

type Factory = (where: string, o: OpenMeterOptions, spec: string) => Meter | Promise<Meter>;

/** The explicit registry of meter kinds: `kind:where` → driver. */
export const METER_KINDS: Readonly<Record<string, Factory>> = {
  ppk2: (where, o) =>
    where === '' || where.startsWith('usb:')
      ? Ppk2Meter.find({
          ...(where ? { spec: where } : {}),
          clock: o.clock,
          ...(o.name ? { name: o.name } : {}),
        })
      : new Ppk2Meter({
          port: where,
          clock: o.clock,
          ...(o.name ? { name: o.name } : {}),
          ...(o.extraPaths ? { discovery: { extraPaths: o.extraPaths } } : {}),
        }),
  scpi: (where, o) => new ScpiMeter({ spec: where, clock: o.clock, ...(o.name ? { name: o.name } : {}) }),
  otii: (where, o) => {
    const m = /^(?:tcp:\/\/)?([^:/]+)?(?::(\d+))?\/?$/.exec(where);
    if (!m) throw new MeterError(where, `expected otii:tcp://<host>[:<port>], got "otii:${where}"`);
    return new OtiiMeter({
      clock: o.clock,
      ...(m[1] ? { host: m[1] } : {}),
      ...(m[2] ? { port: Number(m[2]) } : {}),
      ...(o.name ? { name: o.name } : {}),
    });
  },
  sim: (where, o, spec) => {
    if (!o.simSource)
      throw new MeterError(spec, 'a simulated meter needs a current source; only the emulated bench has one');
    return new SimulatedMeter({
      spec,
      clock: o.clock,
      source: o.simSource(where),
      ...(o.simRateHz ? { rateHz: o.simRateHz } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      noise: { relative: 0.01, floorUa: 0.05 },
    });
  },
};

/**
 * `ppk2:/dev/serial/by-id/…`, `ppk2:usb:1915:c00a`, `ppk2` (the only one), `scpi:tcp://host:5025`,
 * `scpi:serial:/dev/ttyUSB0`, `otii:tcp://127.0.0.1:1905`, `sim:quectel-bg95` → an opened Meter.
 */
export async function openMeter(spec: string, options: OpenMeterOptions): Promise<Meter> {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const where = colon < 0 ? '' : spec.slice(colon + 1);
  const factory = METER_KINDS[kind];
  if (!factory) {
    throw new MeterError(
      spec,
      `unknown meter kind "${kind}"; known: ${Object.keys(METER_KINDS)
        .map((k) => `${k}:`)
        .join(', ')}`,
    );
  }
  const meter = await factory(where, options, spec);
  await meter.open();
  return meter;
}
