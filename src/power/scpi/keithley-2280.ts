/**
 * Keithley 2280S / 2281S precision measurement DC supply: it samples its own output current into a
 * reading buffer of at most 2500 entries; each acquisition fills the buffer once and is read back
 * as an ASCII list of (reading, relative time) pairs. Commands per /work/shared/reference/power.md
 * §3.4 (python-ivi keithley2280S.py, 2280S/2281S reference manuals); [M] where not confirmed there.
 */
import type { Clock } from '../../clock/index.ts';
import type { MeterMode, MilliVolts } from '../meter.ts';
import type { ScpiClient } from './client.ts';
import { ampsToMicroAmps, formatScpiNumber, type ScpiIdentity } from './codec.ts';
import { ScpiError, ScpiReplyError } from './errors.ts';
import type {
  Acquisition,
  FetchedAcquisition,
  ScpiAcquisitionSettings,
  ScpiFamily,
  ScpiFamilyContext,
} from './family.ts';

/** The reading buffer holds 2500 entries (python-ivi `_memory_size`, TRAC:POIN limit). */
export const KEITHLEY_2280_BUFFER = 2500;
const MIN_NPLC = 0.002;
const READINGS = 'TRAC:DATA? "READ,REL"';

export function isKeithley2280(identity: ScpiIdentity): boolean {
  return /keithley/i.test(identity.manufacturer) && /228[01]S/.test(identity.model);
}

export class Keithley2280 implements ScpiFamily {
  readonly supportsAmpereMode = false;
  readonly name: string;
  #intervalS: number;
  #points: number;
  readonly #client: ScpiClient;
  readonly #clock: Clock;
  readonly #settings: ScpiAcquisitionSettings;

  constructor({ client, clock, identity, settings }: ScpiFamilyContext) {
    this.#client = client;
    this.#clock = clock;
    this.#settings = settings;
    this.name = `${identity.manufacturer} ${identity.model.replace(/^MODEL\s+/i, '')}`;
    this.#points = Math.min(settings.points ?? KEITHLEY_2280_BUFFER, KEITHLEY_2280_BUFFER);
    this.#intervalS = Math.max(settings.nplc, MIN_NPLC) / 50;
  }

  get sampleIntervalS(): number {
    return this.#intervalS;
  }

  async configure(): Promise<void> {
    const c = this.#client;
    const nplc = Math.max(this.#settings.nplc, MIN_NPLC);
    const lineHz = await c.queryNumber('SYST:LFR?');
    // Stop free-running measurements first: INIT is refused while INIT:CONT is on.
    await c.command('ABOR');
    await c.command('INIT:CONT OFF');
    await c.command('SENS:FUNC "CURR"');
    await c.command(`SENS:CURR:NPLC ${formatScpiNumber(nplc)}`);
    await c.command('SENS:CURR:RANG:AUTO ON'); // [M] the reference lists SENS:CURR:RANG <r> only
    await c.command('TRAC:CLE:AUTO ON');
    await c.command(`TRAC:POIN ${this.#points}`);
    await c.command('TRIG:SOUR IMM');
    await c.command('TRIG:COUN 1');
    await c.command(`TRIG:SAMP:COUN ${this.#points}`);
    // The aperture is NPLC / line frequency, but each reading adds overhead the manuals do not
    // quantify: one acquisition's relative timestamps give the interval the stream really has.
    this.#intervalS = nplc / lineHz;
    const probe = await this.arm();
    await this.#clock.sleep(probe.durationMs);
    const { rel } = await this.#read(probe);
    if (rel.length < 2 || !(rel[rel.length - 1]! > rel[0]!)) {
      throw new ScpiError(
        c.label,
        `${READINGS}: cannot learn the reading interval from ${rel.length} readings`,
      );
    }
    this.#intervalS = (rel[rel.length - 1]! - rel[0]!) / (rel.length - 1);
  }

  async readVoltage(): Promise<MilliVolts> {
    return (await this.#client.queryNumber('VOLT?')) * 1000;
  }

  async setMode(mode: MeterMode): Promise<void> {
    // A supply measures the current it delivers; it cannot sit in series with another supply.
    if (mode !== 'source')
      throw new ScpiError(this.#client.label, 'ampere mode: a 2280S only measures its own output');
  }

  async setVoltage(mv: MilliVolts): Promise<void> {
    await this.#client.command(`VOLT ${formatScpiNumber(mv / 1000)}`);
  }

  async setOutput(on: boolean): Promise<void> {
    await this.#client.command(`OUTP ${on ? 'ON' : 'OFF'}`);
  }

  async arm(): Promise<Acquisition> {
    const t0 = this.#clock.now();
    await this.#client.command('INIT');
    return { t0, durationMs: this.#points * this.#intervalS * 1000, points: this.#points };
  }

  async fetch(acquisition: Acquisition): Promise<FetchedAcquisition> {
    const { amps, rel } = await this.#read(acquisition);
    return { uA: ampsToMicroAmps(amps), t0: acquisition.t0 + rel[0]! * 1000 };
  }

  async abort(): Promise<void> {
    await this.#client.write('ABOR');
  }

  async #read(acquisition: Acquisition): Promise<{ amps: number[]; rel: number[] }> {
    const c = this.#client;
    const left = Math.max(0, acquisition.t0 + acquisition.durationMs - this.#clock.now());
    // *OPC? answers once the trigger model is idle, i.e. the buffer is complete [M].
    const done = await c.query('*OPC?', { timeoutMs: this.#settings.timeoutMs + left });
    if (done.trim() !== '1') throw new ScpiReplyError(c.label, '*OPC?', 'expected 1', done);
    const list = await c.queryNumbers(READINGS, { timeoutMs: this.#settings.timeoutMs });
    if (list.length === 0 || list.length % 2 !== 0) {
      throw new ScpiReplyError(c.label, READINGS, 'expected (reading, time) pairs', `${list.length} numbers`);
    }
    const amps: number[] = [];
    const rel: number[] = [];
    for (let i = 0; i < list.length; i += 2) {
      amps.push(list[i]!);
      rel.push(list[i + 1]!);
    }
    return { amps, rel };
  }
}
