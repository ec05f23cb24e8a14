import type { Clock, Milliseconds } from '../../clock/index.ts';
import type { Modem } from '../../modem/index.ts';
import type { PowerSwitch } from '../../switch/index.ts';

/**
 * The timed sweep, for real hardware (and tested on the emulated bench): time one clean module firmware
 * update, then for offsets swept across that time start the same update again, cut the module's power
 * through the switch at the offset, restore it, and check that the module answers AT and reports either
 * the old or the new version.
 */
export interface TimedTarget {
  /** Put the module into its starting state (old version running) and open a Modem on it. */
  prepare(): Promise<Modem>;
  /** Stage the update image where the module's FOTA takes it from; returns the source to pass. */
  stage(modem: Modem): Promise<string>;
  /** After power returns: a Modem on the module again (reconnect, resync). */
  reopen(): Promise<Modem>;
  oldVersion: string;
  newVersion: string;
}

export interface TimedSweepOptions {
  clock: Clock;
  power: PowerSwitch;
  target: TimedTarget;
  /** Cut points, spread evenly over the clean update's duration (default 10). */
  points?: number;
  /** How long power stays off, ms (default 2000). */
  offMs?: Milliseconds;
  onProgress?: (done: number, total: number) => void;
}

export interface TimedPoint {
  offsetMs: Milliseconds;
  /** What the module reported after power returned. */
  version?: string;
  outcome: 'old' | 'new' | 'bricked' | 'wrong-version';
  detail?: string;
}

export interface TimedSweepReport {
  cleanUpdateMs: Milliseconds;
  points: TimedPoint[];
  failures: TimedPoint[];
}

export async function timedSweep(o: TimedSweepOptions): Promise<TimedSweepReport> {
  const { clock, power, target } = o;
  const count = o.points ?? 10;
  // The clean update, timed.
  let modem = await target.prepare();
  const source = await target.stage(modem);
  const t0 = clock.monotonic();
  const version = await modem.firmwareUpdate(source);
  const cleanUpdateMs = clock.monotonic() - t0;
  if (version !== target.newVersion) {
    throw new Error(`the clean update ended on version ${version}, expected ${target.newVersion}`);
  }
  modem.close();
  const points: TimedPoint[] = [];
  for (let i = 1; i <= count; i++) {
    const offsetMs = Math.round((cleanUpdateMs * i) / (count + 1));
    modem = await target.prepare();
    const staged = await target.stage(modem);
    const update = modem.firmwareUpdate(staged).catch(() => undefined); // the cut ends it one way or another
    await clock.sleep(offsetMs);
    await power.off();
    modem.close();
    await clock.sleep(o.offMs ?? 2000);
    await power.on();
    await update;
    points.push(await judge(target));
    o.onProgress?.(i, count);
  }
  return {
    cleanUpdateMs,
    points,
    failures: points.filter((p) => p.outcome === 'bricked' || p.outcome === 'wrong-version'),
  };

  async function judge(t: TimedTarget): Promise<TimedPoint> {
    const offsetMs = Math.round((cleanUpdateMs * (points.length + 1)) / (count + 1));
    try {
      const m = await t.reopen();
      const v = m.identity.revision;
      m.close();
      if (v === t.oldVersion) return { offsetMs, version: v, outcome: 'old' };
      if (v === t.newVersion) return { offsetMs, version: v, outcome: 'new' };
      return {
        offsetMs,
        version: v,
        outcome: 'wrong-version',
        detail: `neither ${t.oldVersion} nor ${t.newVersion}`,
      };
    } catch (e) {
      return { offsetMs, outcome: 'bricked', detail: (e as Error).message.split('\n')[0] };
    }
  }
}
