import { parseArgs } from 'node:util';
import { createEmulatedModule, type EmulatedModule } from '../../firmware-stubs/index.ts';
import { type Clock, RealClock, VirtualClock } from '../clock/index.ts';
import { loadModuleProfile } from '../hardware/index.ts';
import { openSwitch, SwitchError } from '../switch/index.ts';
import { UsageError } from './main.ts';
import { parseDuration } from './power.ts';

type Out = NodeJS.WritableStream;

export const POWER_CYCLE_USAGE = `rig power-cycle <switch-spec> [--off 2s] [--on 2s] [--times N] [--json]
    Cut the DUT's power for --off, restore it, and wait --on before the next cut; N times (default 1).
    <switch-spec>: relay-lcus:<port>[#channel 1..8], relay-numato:<port>[#channel 0..31] (either with
    ?contact=nc when the DUT is on the normally-closed contact), ppk2:<port>, scpi:tcp://host:5025[#output],
    scpi:serial:<port>, emulated:<model> (an emulated module on virtual time; its states are printed).`;

interface CycleRecord {
  n: number;
  /** ms since the first cut, on the switch's clock, rounded to whole ms. */
  offAt: number;
  onAt: number;
  /** Emulated module: the states it went through in this cycle. */
  states?: string[];
}

/** `rig power-cycle`: returns 0 when every cycle switched, 1 when a switch failed. */
export async function runPowerCycle(argv: string[], out: Out): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`rig power-cycle: ${(error as Error).message}\n${POWER_CYCLE_USAGE}`);
  }
  const { spec, offMs, onMs, times, json } = parsed;

  const emulatedModel = spec.startsWith('emulated:') ? spec.slice('emulated:'.length) : undefined;
  const clock: Clock = emulatedModel !== undefined ? new VirtualClock() : new RealClock();
  let module: EmulatedModule | undefined;
  const power = await openSwitch(spec, {
    clock,
    emulated: (model) => {
      try {
        module = createEmulatedModule({ profile: loadModuleProfile(model), clock, seed: 1 });
      } catch {
        return undefined; // not a module profile: openSwitch names the bad spec
      }
      return module;
    },
  });
  const cycles: CycleRecord[] = [];
  let failure: string | undefined;
  try {
    if (module) {
      // The emulated module starts unpowered: power it and let it boot, as a bench would.
      await power.on();
      await clock.sleep(module.profile.timing.bootMs + 1000);
    }
    const t0 = clock.monotonic();
    for (let n = 1; n <= times; n++) {
      const cutAt = clock.now();
      const offAt = Math.round(clock.monotonic() - t0);
      await power.cycle(offMs);
      const onAt = Math.round(clock.monotonic() - t0);
      if (n < times || module) await clock.sleep(onMs);
      const record: CycleRecord = { n, offAt, onAt };
      if (module) record.states = module.timeline.segments.filter((s) => s.t >= cutAt).map((s) => s.state);
      cycles.push(record);
      if (!json) out.write(describe(record, times));
    }
  } catch (error) {
    if (!(error instanceof SwitchError)) throw error;
    failure = error.message;
  } finally {
    await power.close();
    await module?.close();
  }
  if (json) {
    out.write(
      `${JSON.stringify({ switch: power.info, offMs, onMs, times, cycles, ok: failure === undefined, ...(failure && { error: failure }) }, null, 2)}\n`,
    );
  } else if (failure) out.write(`power-cycle failed: ${failure}\n`);
  return failure === undefined ? 0 : 1;
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      off: { type: 'string', default: '2s' },
      on: { type: 'string', default: '2s' },
      times: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
    },
  });
  const [spec, ...extra] = positionals;
  if (!spec) throw new UsageError(`rig power-cycle: which switch?\n${POWER_CYCLE_USAGE}`);
  if (extra.length)
    throw new UsageError(`rig power-cycle: one switch at a time, got also ${extra.join(' ')}`);
  if (!/^[1-9]\d*$/.test(values.times))
    throw new UsageError(`rig power-cycle: --times must be a whole number ≥ 1, got "${values.times}"`);
  return {
    spec,
    offMs: parseDuration(values.off, '--off'),
    onMs: parseDuration(values.on, '--on'),
    times: Number(values.times),
    json: values.json,
  };
}

function describe(r: CycleRecord, times: number): string {
  const states = r.states ? `; module: ${r.states.join(' → ')}` : '';
  return `cycle ${r.n}/${times}: off at +${r.offAt} ms, on at +${r.onAt} ms (off ${r.onAt - r.offAt} ms)${states}\n`;
}
