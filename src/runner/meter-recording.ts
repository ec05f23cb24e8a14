/**
 * Energy from a bench meter (a PPK2, an SCPI analyser, an Otii) while a step runs: the meter streams into
 * a Recording in the run directory, and an EnergyProbe answers "charge between two instants" from it. This
 * is how a real bench gets energy per campaign phase; the emulated bench has the module's exact timeline.
 */
import { type Clock, type EpochMs, whileHeld } from '../clock/index.ts';
import { type Meter, Recording, RecordingWriter } from '../power/index.ts';
import type { EnergyProbe } from '../update/index.ts';

export interface MeterRecording {
  readonly dir: string;
  readonly startedAt: EpochMs;
  readonly probe: EnergyProbe;
  /** Stop the meter and close the recording (idempotent). */
  stop(): Promise<void>;
}

export async function recordMeter(meter: Meter, dir: string, clock: Clock): Promise<MeterRecording> {
  const { writer, startedAt } = await whileHeld(clock, `starting the recording ${dir}`, async () => {
    const w = await RecordingWriter.create({
      dir,
      meter: meter.info,
      rateHz: meter.rateHz,
      voltageMv: meter.voltageMv,
      clock,
    });
    const at = clock.now();
    await meter.start(w.handlers());
    return { writer: w, startedAt: at };
  });
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= whileHeld(clock, `closing the recording ${dir}`, async () => {
      await meter.stop().catch(() => {});
      await writer.close();
    });
    return stopped;
  };
  return {
    dir,
    startedAt,
    stop,
    probe: {
      voltageMv: meter.voltageMv,
      chargeUc: async (from, to) => {
        // What is committed so far is readable while the meter still streams.
        if (!stopped) await writer.flush();
        const rec = await Recording.open(dir);
        try {
          return (
            await rec.stats({ time: from }, { time: Math.min(to, rec.startTime + rec.durationS * 1000) })
          ).chargeUc;
        } finally {
          await rec.close();
        }
      },
    },
  };
}
