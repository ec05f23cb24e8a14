import type { Clock, Milliseconds } from '../clock/index.ts';
import { connectScpi, Ppk2Meter, parseScpiAddress } from '../power/index.ts';
import type { PortDiscoveryOptions } from '../serial/index.ts';
import { type EmulatedPowerTarget, EmulatedSwitch } from './emulated.ts';
import { LcusRelay } from './lcus.ts';
import { NumatoRelay } from './numato.ts';
import { Ppk2Switch } from './ppk2.ts';
import { ScpiOutputSwitch } from './scpi.ts';
import { checkOptions, contactOf, parseSwitchSpec, type SwitchSpec } from './spec.ts';
import { type PowerSwitch, SwitchError, SwitchSpecError } from './switch.ts';

export interface OpenSwitchOptions {
  clock: Clock;
  /**
   * For `emulated:<name>`: what the switch drives (the bench builder wires an emulated module's
   * powerOn/cutPower here; the switch layer never knows about emulators).
   */
  emulated?: (name: string) => EmulatedPowerTarget | undefined;
  /** Serial relays and PPK2: the rig's port lock and where to find ports (extra pty paths). */
  serial?: { lock?: boolean; lockDir?: string; discovery?: PortDiscoveryOptions };
  /** Deadline for a device's answer (default 1 s for relays, 5 s for SCPI). */
  timeoutMs?: Milliseconds;
}

type Factory = (spec: SwitchSpec, o: OpenSwitchOptions) => Promise<PowerSwitch>;

function noChannel(spec: SwitchSpec): void {
  if (spec.channel !== undefined)
    throw new SwitchSpecError(spec.text, `${spec.kind} has no channels; drop "#${spec.channel}"`);
}

/** The explicit registry of switch kinds: `kind:where[#channel]` → driver. */
export const SWITCH_KINDS: Readonly<Record<string, Factory>> = {
  'relay-lcus': (spec, o) => {
    checkOptions(spec, ['contact', 'baud']);
    return LcusRelay.open({
      spec: spec.text,
      port: spec.where,
      contact: contactOf(spec),
      clock: o.clock,
      ...(spec.channel !== undefined && { channel: spec.channel }),
      ...(spec.options.baud !== undefined && { baudRate: baud(spec) }),
      ...(o.serial && { serial: o.serial }),
      ...(o.timeoutMs !== undefined && { timeoutMs: o.timeoutMs }),
    });
  },
  'relay-numato': (spec, o) => {
    checkOptions(spec, ['contact', 'baud', 'verify']);
    const verify = spec.options.verify;
    if (verify !== undefined && verify !== 'yes' && verify !== 'no')
      throw new SwitchSpecError(spec.text, `verify must be yes or no, got "${verify}"`);
    return NumatoRelay.open({
      spec: spec.text,
      port: spec.where,
      contact: contactOf(spec),
      clock: o.clock,
      ...(verify !== undefined && { verify: verify === 'yes' }),
      ...(spec.channel !== undefined && { channel: spec.channel }),
      ...(spec.options.baud !== undefined && { baudRate: baud(spec) }),
      ...(o.serial && { serial: o.serial }),
      ...(o.timeoutMs !== undefined && { timeoutMs: o.timeoutMs }),
    });
  },
  ppk2: async (spec, o) => {
    checkOptions(spec, []);
    noChannel(spec);
    let meter: Ppk2Meter;
    try {
      meter = spec.where.startsWith('usb:')
        ? await Ppk2Meter.find({ spec: spec.where, clock: o.clock, name: spec.text })
        : new Ppk2Meter({
            port: spec.where,
            clock: o.clock,
            name: spec.text,
            ...(o.serial?.lockDir !== undefined && { lockDir: o.serial.lockDir }),
            ...(o.serial?.discovery !== undefined && { discovery: o.serial.discovery }),
          });
      if (!spec.where.startsWith('usb:')) await meter.open();
    } catch (error) {
      throw new SwitchError(spec.text, spec.where, 'open', (error as Error).message, { cause: error });
    }
    return new Ppk2Switch({ clock: o.clock, meter, spec: spec.text, ownsMeter: true });
  },
  scpi: async (spec, o) => {
    // The address keeps its own options (serial:/dev/ttyUSB0?baud=115200).
    const query = Object.entries(spec.options)
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const text = query ? `${spec.where}?${query}` : spec.where;
    let client: Awaited<ReturnType<typeof connectScpi>>;
    try {
      client = await connectScpi(parseScpiAddress(text), {
        clock: o.clock,
        ...(o.timeoutMs !== undefined && { timeoutMs: o.timeoutMs }),
        ...(o.serial && { serial: o.serial }),
      });
    } catch (error) {
      throw new SwitchError(spec.text, spec.where, 'open', (error as Error).message, { cause: error });
    }
    return ScpiOutputSwitch.open({
      clock: o.clock,
      client,
      spec: spec.text,
      ...(spec.channel !== undefined && { channel: spec.channel }),
    });
  },
  emulated: async (spec, o) => {
    checkOptions(spec, []);
    noChannel(spec);
    const target = o.emulated?.(spec.where);
    if (!target)
      throw new SwitchError(
        spec.text,
        '',
        'open',
        o.emulated
          ? `the emulated bench has no module named "${spec.where}"`
          : 'an emulated switch needs the emulated bench (nothing to cut here)',
      );
    return new EmulatedSwitch({ clock: o.clock, name: spec.where, target });
  },
};

function baud(spec: SwitchSpec): number {
  const text = spec.options.baud ?? '';
  if (!/^\d+$/.test(text)) throw new SwitchSpecError(spec.text, `baud must be a whole number, got "${text}"`);
  return Number(text);
}

/**
 * `relay-lcus:/dev/ttyUSB0#1`, `relay-numato:/dev/ttyACM0#0`, `ppk2:/dev/serial/by-id/…` or
 * `ppk2:usb:1915:c00a`, `scpi:tcp://host:5025#1`, `scpi:serial:/dev/ttyUSB1`, `emulated:<name>` → an
 * open PowerSwitch. Relay specs take `?contact=nc` when the DUT is wired through the NC contact.
 */
export async function openSwitch(text: string, options: OpenSwitchOptions): Promise<PowerSwitch> {
  const spec = parseSwitchSpec(text);
  const factory = SWITCH_KINDS[spec.kind];
  if (!factory)
    throw new SwitchSpecError(
      text,
      `unknown switch kind "${spec.kind}"; known: ${Object.keys(SWITCH_KINDS)
        .map((k) => `${k}:`)
        .join(', ')}`,
    );
  return factory(spec, options);
}
