import { SwitchSpecError } from './switch.ts';

/** A switch spec taken apart: `kind:where[#channel][?option=value&…]`. */
export interface SwitchSpec {
  kind: string;
  /** The port, address or name after `kind:` (without channel and options). */
  where: string;
  channel?: number;
  options: Record<string, string>;
  /** The spec as given. */
  text: string;
}

/**
 * `relay-lcus:/dev/ttyUSB0#1`, `relay-numato:/dev/ttyACM0#0?contact=nc`, `ppk2:/dev/ttyACM1`,
 * `scpi:tcp://10.0.0.5:5025#1`, `emulated:dut1`. The channel is a trailing `#<digits>`, so a port
 * spec's own `#ifNN` (`usb:1a86:7523#if00`) stays part of the port.
 */
export function parseSwitchSpec(text: string): SwitchSpec {
  const colon = text.indexOf(':');
  if (colon <= 0)
    throw new SwitchSpecError(text, 'expected <kind>:<where>[#channel], e.g. relay-lcus:/dev/ttyUSB0#1');
  const kind = text.slice(0, colon);
  let rest = text.slice(colon + 1);
  const options: Record<string, string> = {};
  const q = rest.lastIndexOf('?');
  if (q >= 0) {
    for (const pair of rest.slice(q + 1).split('&')) {
      const m = /^([a-z]+)=([^=&]+)$/.exec(pair);
      if (!m) throw new SwitchSpecError(text, `option ${JSON.stringify(pair)} is not <name>=<value>`);
      options[m[1]!] = m[2]!;
    }
    rest = rest.slice(0, q);
  }
  let channel: number | undefined;
  const hash = /#(\d+)$/.exec(rest);
  if (hash) {
    channel = Number(hash[1]);
    rest = rest.slice(0, hash.index);
  } else if (/#[^#]*$/.test(rest) && !/#if\d+$/.test(rest)) {
    throw new SwitchSpecError(
      text,
      `channel after # must be a whole number, got "${rest.slice(rest.lastIndexOf('#') + 1)}"`,
    );
  }
  if (rest === '') throw new SwitchSpecError(text, `nothing after "${kind}:"`);
  return { kind, where: rest, ...(channel !== undefined && { channel }), options, text };
}

/** `contact=no` (default: the DUT is powered while the coil is energised) or `contact=nc`. */
export function contactOf(spec: SwitchSpec): 'no' | 'nc' {
  const contact = spec.options.contact ?? 'no';
  if (contact !== 'no' && contact !== 'nc')
    throw new SwitchSpecError(spec.text, `contact must be no or nc, got "${contact}"`);
  return contact;
}

/** Rejects options a kind does not take, so a typo is not silently ignored. */
export function checkOptions(spec: SwitchSpec, allowed: readonly string[]): void {
  for (const key of Object.keys(spec.options)) {
    if (!allowed.includes(key))
      throw new SwitchSpecError(
        spec.text,
        `unknown option "${key}" for ${spec.kind}${allowed.length ? ` (takes ${allowed.join(', ')})` : ' (takes none)'}`,
      );
  }
}
