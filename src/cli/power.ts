import { createEmulatedModule, type EmulatedModule } from '../../firmware-stubs/index.ts';
import { AtEngine } from '../at/index.ts';
import { type Clock, RealClock, VirtualClock } from '../clock/index.ts';
import { loadModuleProfile } from '../hardware/index.ts';
import { Modem } from '../modem/index.ts';
import {
  batteryLife,
  type DutyEvent,
  exportCsvFile,
  type Meter,
  openMeter,
  type PhaseStats,
  Recording,
  RecordingWriter,
  type SpanStats,
  writeSummaryJson,
} from '../power/index.ts';
import { UsageError } from './main.ts';

type Out = NodeJS.WritableStream;

/** "10s", "1.5 min", "250ms", "2h" → ms. */
export function parseDuration(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|min|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${what}: expected a duration like 10s, 250ms, 5min or 2h, got "${text}"`);
  const n = Number(m[1]);
  return (
    n * ({ ms: 1, s: 1000, min: 60_000, h: 3_600_000 } as const)[(m[2] ?? 's') as 'ms' | 's' | 'min' | 'h']
  );
}

/** "19Ah", "2600mAh" → mAh. */
export function parseCapacity(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(Ah|mAh)$/i.exec(text.trim());
  if (!m) throw new UsageError(`--capacity: expected e.g. 19Ah or 2600mAh, got "${text}"`);
  return Number(m[1]) * (m[2]!.toLowerCase() === 'ah' ? 1000 : 1);
}

/** "1/180", "2", "0.5" → per day. */
function parseRate(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(?:\/(\d+(?:\.\d+)?))?$/.exec(text.trim());
  if (!m || (m[2] !== undefined && Number(m[2]) === 0))
    throw new UsageError(`${what}: expected a rate per day like 2 or 1/180, got "${text}"`);
  return Number(m[1]) / (m[2] === undefined ? 1 : Number(m[2]));
}

/** "1%", "0.01" → fraction. */
function parseFraction(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(%)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${what}: expected a fraction like 0.8 or 80%, got "${text}"`);
  return Number(m[1]) / (m[2] ? 100 : 1);
}

export interface RecordOptions {
  meter: string;
  durationMs: number;
  out: string;
  voltageMv: number;
  seed: number;
  rateHz?: number;
  json: boolean;
  stdout: Out;
}

/**
 * `rig power record`: stream a meter into a recording directory for a duration, then write its summary.
 * With `sim:<model>` an emulated module (on virtual time) boots, attaches and goes into PSM while it is
 * measured, each of its states marked as a phase.
 */
export async function runPowerRecord(o: RecordOptions): Promise<number> {
  const sim = o.meter.startsWith('sim:');
  const clock: Clock = sim ? new VirtualClock() : new RealClock();
  let module: EmulatedModule | undefined;
  const meter: Meter = await openMeter(o.meter, {
    clock,
    seed: o.seed,
    ...(o.rateHz ? { simRateHz: o.rateHz } : {}),
    simSource: (model) => {
      module = createEmulatedModule({ profile: loadModuleProfile(model), clock, seed: o.seed });
      const m = module;
      return { at: (t) => m.timeline.at(t).uA };
    },
  });
  try {
    await meter.setVoltage(o.voltageMv);
    if (meter.capabilities.dutPower) await meter.setDutPower(true);
    const writer = await RecordingWriter.create({
      dir: o.out,
      meter: meter.info,
      rateHz: meter.rateHz,
      voltageMv: meter.voltageMv,
      clock,
    });
    let phase: string | undefined;
    const follow = (state: string) => {
      if (phase) writer.endPhase(phase, { time: clock.now() });
      phase = state;
      writer.beginPhase(state, { time: clock.now() });
    };
    const onChange = (seg: { state: string }) => follow(seg.state);
    await meter.start(writer.handlers());
    if (module) {
      module.timeline.on('change', onChange);
      module.powerOn();
      void driveEmulated(module, clock);
    }
    await clock.sleep(o.durationMs);
    await meter.stop();
    module?.timeline.off('change', onChange);
    if (phase) writer.endPhase(phase, { time: clock.now() });
    await writer.close();
  } finally {
    await meter.close();
    await module?.close();
  }
  await using rec = await Recording.open(o.out);
  await writeSummaryJson(rec, `${o.out}/summary.json`);
  const total = await rec.stats();
  const phases = await phaseTable(rec);
  if (o.json)
    o.stdout.write(
      `${JSON.stringify({ dir: o.out, meter: o.meter, ...figures(total), phases: phases.map((p) => ({ name: p.name, ...figures(p) })) }, null, 2)}\n`,
    );
  else {
    o.stdout.write(`recorded ${o.meter} for ${(o.durationMs / 1000).toFixed(1)} s into ${o.out}\n`);
    printStats(o.stdout, 'all', total);
    for (const p of phases) printStats(o.stdout, p.name, p);
  }
  return 0;
}

/** A short life for the emulated module while it is measured: attach, ask for PSM. */
async function driveEmulated(module: EmulatedModule, clock: Clock): Promise<void> {
  const engine = new AtEngine(module.host, { name: `sim:${module.profile.id}`, clock });
  try {
    const modem = await Modem.open(engine, { clock, contactTimeoutMs: 30_000 });
    await modem.attach();
    await modem.setPsm({ periodicTauS: 3600, activeTimeS: 20 });
  } catch {
    // The recording shows whatever happened; a module that did not get there is visible in it.
  }
}

async function phaseTable(rec: Recording): Promise<PhaseStats[]> {
  const names = [...new Set(rec.phases().map((p) => p.name))];
  return Promise.all(names.map((n) => rec.phaseStats(n)));
}

function figures(s: SpanStats) {
  return {
    averageUa: s.meanUa,
    minUa: s.minUa,
    maxUa: s.maxUa,
    chargeUc: s.chargeUc,
    chargeMah: s.chargeMah,
    energyMj: s.energyMj,
    durationS: s.durationS,
    samples: s.samples,
    lostSamples: s.lostSamples,
  };
}

function printStats(out: Out, name: string, s: SpanStats): void {
  out.write(
    `  ${name.padEnd(12)} ${s.durationS.toFixed(3).padStart(10)} s  avg ${fmt(s.meanUa)} µA  min ${fmt(s.minUa)}  max ${fmt(s.maxUa)}  ` +
      `${s.chargeMah.toFixed(6)} mAh  ${s.energyMj.toFixed(3)} mJ  ${s.samples} samples${s.lostSamples ? `, ${s.lostSamples} lost` : ''}\n`,
  );
}

function fmt(x: number): string {
  return Number.isNaN(x) ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(2);
}

/** `rig power stats <dir> [--from --to] [--phase name]`. */
export async function runPowerStats(o: {
  dir: string;
  from?: string;
  to?: string;
  phase?: string;
  json: boolean;
  stdout: Out;
}): Promise<number> {
  await using rec = await Recording.open(o.dir);
  const at = (text: string | undefined, what: string) =>
    text === undefined ? undefined : Math.round((parseDuration(text, what) / 1000) * rec.rateHz);
  const s: SpanStats = o.phase
    ? await rec.phaseStats(o.phase)
    : await rec.stats(at(o.from, '--from'), at(o.to, '--to'));
  if (o.json) o.stdout.write(`${JSON.stringify(figures(s), null, 2)}\n`);
  else printStats(o.stdout, o.phase ?? 'span', s);
  return 0;
}

/** `rig power export <dir> --csv file [--from --to] [--average N]`. */
export async function runPowerExport(o: {
  dir: string;
  csv: string;
  from?: string;
  to?: string;
  average?: number;
  stdout: Out;
}): Promise<number> {
  await using rec = await Recording.open(o.dir);
  const at = (text: string | undefined, what: string) =>
    text === undefined ? undefined : Math.round((parseDuration(text, what) / 1000) * rec.rateHz);
  const from = at(o.from, '--from');
  const to = at(o.to, '--to');
  await exportCsvFile(rec, o.csv, {
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(o.average ? { samplesPerRow: o.average } : {}),
  });
  o.stdout.write(`wrote ${o.csv}\n`);
  return 0;
}

export interface BatteryCommandOptions {
  dir: string;
  capacity: string;
  voltage: number;
  selfDischarge: string;
  derating: string;
  /** Phase whose mean current is the floor (default: psm). */
  floor: string;
  /** `<phase>=<per day>`, e.g. `attach=1/180` or `update=1/180`. */
  events: string[];
  json: boolean;
  stdout: Out;
}

/** `rig power battery <dir> --capacity 19Ah --floor psm --event update=1/180 …`. */
export async function runPowerBattery(o: BatteryCommandOptions): Promise<number> {
  // Arguments first: a typo should not wait for a recording to be read.
  const battery = {
    capacityMah: parseCapacity(o.capacity),
    nominalV: o.voltage,
    selfDischargePerYear: parseFraction(o.selfDischarge, '--self-discharge'),
    derating: parseFraction(o.derating, '--derating'),
  };
  const wanted = o.events.map((e) => {
    const m = /^([^=]+)=(.+)$/.exec(e);
    if (!m) throw new UsageError(`--event: expected <phase>=<per day>, e.g. update=1/180, got "${e}"`);
    return { phase: m[1]!, perDay: parseRate(m[2]!, `--event ${m[1]}`) };
  });
  await using rec = await Recording.open(o.dir);
  const floor = await rec.phaseStats(o.floor);
  const events: DutyEvent[] = [];
  for (const w of wanted) {
    const stats = await rec.phaseStats(w.phase);
    // One occurrence of the event is one interval of the phase: its average charge.
    events.push({
      name: w.phase,
      chargeUc: stats.chargeUc / Math.max(1, stats.intervals.length),
      perDay: w.perDay,
    });
  }
  const life = batteryLife(battery, { floorUa: floor.meanUa, events });
  if (o.json) {
    o.stdout.write(`${JSON.stringify({ battery, floorUa: floor.meanUa, events, ...life }, null, 2)}\n`);
    return 0;
  }
  o.stdout.write(
    `battery ${battery.capacityMah} mAh × ${battery.derating} usable, ${battery.selfDischargePerYear * 100} %/year self-discharge\n` +
      `floor (${o.floor}) ${floor.meanUa.toFixed(2)} µA; average ${life.averageUa.toFixed(2)} µA; ${life.mahPerYear.toFixed(1)} mAh/year\n` +
      `lifetime ${life.years.toFixed(2)} years\n`,
  );
  for (const s of life.shares)
    o.stdout.write(
      `  ${s.name.padEnd(16)} ${s.mahPerYear.toFixed(2).padStart(10)} mAh/year  ${(100 * s.share).toFixed(1).padStart(5)} %\n`,
    );
  for (const [name, days] of Object.entries(life.daysPerOccurrence)) {
    o.stdout.write(`one ${name} costs ${days.toFixed(2)} days of a ${life.years.toFixed(1)}-year battery\n`);
  }
  return 0;
}
