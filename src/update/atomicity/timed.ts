import type { Clock, Milliseconds } from '../../clock/index.ts';
import type { Modem } from '../../modem/index.ts';
import type { PowerSwitch } from '../../switch/index.ts';

/**
 * The timed sweep, for real hardware (and tested on the emulated bench): time one clean module firmware
 * update, then for offsets swept across that time start an update again, cut the module's power through
 * the switch at the offset, restore it, and check that the module answers AT and reports either the
 * version it ran before the update or the one it was updating to.
 */
export interface TimedTarget {
  /** A Modem on the module as it is now (reconnecting, resyncing as needed). */
  prepare(): Promise<Modem>;
  /**
   * Stage the next update where the module's FOTA takes it from: what it updates from and to, and the
   * source to pass to firmwareUpdate. A real bench alternates between two images of equal security
   * counter, so no point needs the old firmware flashed back by other means.
   */
  stage(modem: Modem): Promise<{ source: string; from: string; to: string }>;
  /** After power returns: a Modem on the module again. */
  reopen(): Promise<Modem>;
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
  from: string;
  to: string;
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
  const clean = await target.stage(modem);
  const t0 = clock.monotonic();
  const version = await modem.firmwareUpdate(clean.source);
  const cleanUpdateMs = clock.monotonic() - t0;
  if (version !== clean.to)
    throw new Error(`the clean update ended on version ${version}, expected ${clean.to}`);
  modem.close();
  const points: TimedPoint[] = [];
  for (let i = 1; i <= count; i++) {
    const offsetMs = Math.round((cleanUpdateMs * i) / (count + 1));
    modem = await target.prepare();
    const { source, from, to } = await target.stage(modem);
    const abandon = new AbortController();
    // The cut ends the update one way or another; it is abandoned rather than waited out.
    const update = modem.firmwareUpdate(source, { signal: abandon.signal }).catch(() => undefined);
    await clock.sleep(offsetMs);
    await power.off();
    abandon.abort(new Error('power cut on purpose'));
    modem.close();
    await update;
    await clock.sleep(o.offMs ?? 2000);
    await power.on();
    points.push(await judge({ offsetMs, from, to }));
    o.onProgress?.(i, count);
  }
  const failures = points.filter((p) => p.outcome === 'bricked' || p.outcome === 'wrong-version');
  return { cleanUpdateMs, points, failures };

  async function judge(p: { offsetMs: number; from: string; to: string }): Promise<TimedPoint> {
    try {
      const m = await target.reopen();
      const v = m.identity.revision;
      m.close();
      if (v === p.from) return { ...p, version: v, outcome: 'old' };
      if (v === p.to) return { ...p, version: v, outcome: 'new' };
      return { ...p, version: v, outcome: 'wrong-version', detail: `neither ${p.from} nor ${p.to}` };
    } catch (e) {
      return { ...p, outcome: 'bricked', detail: (e as Error).message.split('\n')[0] };
    }
  }
}
