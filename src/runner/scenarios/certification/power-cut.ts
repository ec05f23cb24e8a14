/**
 * C-08: recovery from power cuts. With the device's power switch the supply is cut (2 s by default) and
 * restored, several times, each time once the module has been registered for a while (a cut then lands in
 * normal operation, not in the confirmation window of an update just installed). After each cut the module
 * must answer AT again, report the firmware it ran before and register again.
 *
 * A cut loses the module's RAM settings (echo, error verbosity, URC levels), so the Modem is opened anew
 * on the same AT engine and replaces the device's Modem.
 */
import { Modem } from '../../../modem/index.ts';
import type { PowerSwitch } from '../../../switch/index.ts';
import { RigError } from '../../scenario.ts';
import { modemOf } from '../device-power.ts';
import type { Requirement } from './spec.ts';

export const powerCut: Requirement = {
  code: 'C-08',
  slug: 'power-cut',
  title: (p) =>
    `C-08 recovers from ${p.powerCut.cuts} power cuts of ${p.powerCut.off} s: answers AT, same firmware, registers again`,
  async skip(d) {
    return d.switch ? undefined : 'no power switch is configured for this device';
  },
  async run(s, d, ctx) {
    const p = ctx.params.powerCut;
    const clock = ctx.clock;
    const timeoutMs = p.timeout * 1000;
    let sw: PowerSwitch;
    try {
      sw = await d.switch!();
    } catch (e) {
      throw new RigError('infrastructure', `${d.name}: opening its power switch: ${(e as Error).message}`);
    }
    let modem = modemOf(d);
    await modem.wake();
    await modem.attach({ timeoutMs, signal: s.signal });
    const version = modem.identity.revision;
    const times: number[] = [];
    const record = () => {
      if (times.length > 0) s.measure('recoveryTime', Math.max(...times) / 1000);
      if (times.length > 1) s.note(`recovery per cut: ${times.map((t) => `${t / 1000} s`).join(', ')}`);
    };
    for (let cut = 1; cut <= p.cuts; cut++) {
      await clock.sleep(p.settle * 1000, s.signal);
      await switchPower(sw, false, d.name);
      await clock.sleep(p.off * 1000, s.signal);
      await switchPower(sw, true, d.name);
      const restored = clock.now();
      modem.close();
      try {
        modem = await Modem.open(d.engine ?? modem.engine, {
          clock,
          expect: { profileId: d.profileId },
          contactTimeoutMs: timeoutMs,
        });
      } catch (e) {
        record();
        s.fail(`cut ${cut}: the module did not come back: ${firstLine(e)}`);
      }
      d.modem = modem;
      try {
        await modem.attach({
          timeoutMs: Math.max(1, timeoutMs - (clock.now() - restored)),
          signal: s.signal,
        });
      } catch (e) {
        if (s.signal.aborted) throw e;
        record();
        s.fail(`cut ${cut}: answers AT but did not register again: ${firstLine(e)}`);
      }
      times.push(clock.now() - restored);
      if (modem.identity.revision !== version) {
        record();
        s.fail(
          `cut ${cut}: the module reports firmware "${modem.identity.revision}", it ran "${version}" before`,
        );
      }
    }
    record();
  },
};

async function switchPower(sw: PowerSwitch, on: boolean, device: string): Promise<void> {
  try {
    await (on ? sw.on() : sw.off());
  } catch (e) {
    throw new RigError(
      'infrastructure',
      `${device}: switching its power ${on ? 'on' : 'off'}: ${(e as Error).message}`,
    );
  }
}

function firstLine(e: unknown): string {
  return String((e as Error).message ?? e).split('\n')[0]!;
}
