/**
 * Keysight N6705B/C DC power analyzer with an N6781A/N6782A SMU module: the module's digitizer
 * ("array acquisition") records current at up to ~195 kS/s; repeated acquisitions make the stream.
 * Commands per /work/shared/reference/power.md §3.3 (N6705C Operating & Service Guide p.213, public
 * scripts). Marked [M] where the syntax is not confirmed by those sources.
 */
import type { Clock } from '../../clock/index.ts';
import type { MeterMode, MilliVolts } from '../meter.ts';
import type { ScpiClient } from './client.ts';
import {
  ampsToMicroAmps,
  channelList,
  decodeFloat32Block,
  formatScpiNumber,
  type ScpiIdentity,
} from './codec.ts';
import { ScpiCommandError, ScpiError, ScpiReplyError } from './errors.ts';
import type {
  Acquisition,
  FetchedAcquisition,
  ScpiAcquisitionSettings,
  ScpiFamily,
  ScpiFamilyContext,
} from './family.ts';

const MAINFRAME = /^N6705[BC]$/;
/** The SMU modules with a digitizer fast enough for NB-IoT/LTE-M current profiles. */
const SMU_MODULE = /^N678[12]A$/;

export function isKeysightN6705(identity: ScpiIdentity): boolean {
  return /keysight|agilent/i.test(identity.manufacturer) && MAINFRAME.test(identity.model);
}

export class KeysightN6705 implements ScpiFamily {
  readonly supportsAmpereMode = true;
  #name: string;
  #intervalS: number;
  #points = 0;
  readonly #client: ScpiClient;
  readonly #clock: Clock;
  readonly #settings: ScpiAcquisitionSettings;
  readonly #ch: string;

  constructor({ client, clock, identity, settings }: ScpiFamilyContext) {
    this.#client = client;
    this.#clock = clock;
    this.#settings = settings;
    this.#ch = channelList(settings.channel);
    this.#intervalS = settings.sampleIntervalS;
    this.#name = `${identity.manufacturer} ${identity.model}`;
  }

  get name(): string {
    return this.#name;
  }

  get sampleIntervalS(): number {
    return this.#intervalS;
  }

  async configure(): Promise<void> {
    const c = this.#client;
    const ch = this.#ch;
    const module = (await c.query(`SYST:CHAN:MOD? ${ch}`)).trim().replace(/^"|"$/g, '');
    if (!SMU_MODULE.test(module)) {
      throw new ScpiError(
        c.label,
        `channel ${this.#settings.channel} holds ${module === '' ? 'no module' : module}; ` +
          'the current stream needs an N6781A or N6782A SMU there',
      );
    }
    this.#name = `${this.#name} + ${module} (channel ${this.#settings.channel})`;
    // Current only: with one measured parameter the interval resolution is 5.12 µs (reference §3.3).
    await c.command(`SENS:FUNC:CURR ON,${ch}`);
    await c.command(`SENS:FUNC:VOLT OFF,${ch}`);
    // Seamless ranging: µA sleep and 100s of mA transmit bursts in one acquisition.
    await c.command(`SENS:CURR:RANG:AUTO ON,${ch}`);
    await c.command(`SENS:SWE:TINT ${formatScpiNumber(this.#settings.sampleIntervalS)},${ch}`);
    // The instrument rounds the interval; the stream's rate is what it will really do.
    this.#intervalS = await c.queryNumber(`SENS:SWE:TINT? ${ch}`);
    if (!(this.#intervalS > 0)) {
      throw new ScpiReplyError(
        c.label,
        `SENS:SWE:TINT? ${ch}`,
        'expected a positive interval',
        String(this.#intervalS),
      );
    }
    this.#points =
      this.#settings.points ?? Math.max(1, Math.round(this.#settings.acquisitionS / this.#intervalS));
    await c.command(`SENS:SWE:POIN ${this.#points},${ch}`);
    await c.command(`SENS:SWE:OFFS:POIN 0,${ch}`);
    await c.command(`TRIG:ACQ:SOUR BUS,${ch}`);
    if (this.#settings.transfer === 'binary') {
      await c.command('FORM REAL');
      await c.command('FORM:BORD NORM');
    } else {
      await c.command('FORM ASC');
    }
  }

  async readVoltage(): Promise<MilliVolts> {
    return (await this.#client.queryNumber(`VOLT? ${this.#ch}`)) * 1000;
  }

  async setMode(mode: MeterMode): Promise<void> {
    // PS2Q: two-quadrant supply (public scripts). AMET: the module as an ammeter in series [M].
    await this.#client.command(`EMUL ${mode === 'source' ? 'PS2Q' : 'AMET'},${this.#ch}`);
  }

  async setVoltage(mv: MilliVolts): Promise<void> {
    await this.#client.command(`VOLT ${formatScpiNumber(mv / 1000)},${this.#ch}`);
  }

  async setOutput(on: boolean): Promise<void> {
    await this.#client.command(`OUTP ${on ? 'ON' : 'OFF'},${this.#ch}`);
  }

  async arm(): Promise<Acquisition> {
    const c = this.#client;
    await c.write(`INIT:ACQ ${this.#ch}`);
    const t0 = this.#clock.now();
    await c.write(`TRIG:ACQ ${this.#ch}`);
    const errors = await c.drainErrors();
    if (errors.length > 0)
      throw new ScpiCommandError(c.label, `INIT:ACQ ${this.#ch}; TRIG:ACQ ${this.#ch}`, errors);
    return { t0, durationMs: this.#points * this.#intervalS * 1000, points: this.#points };
  }

  async fetch(acquisition: Acquisition): Promise<FetchedAcquisition> {
    const c = this.#client;
    const command = `FETC:ARR:CURR? ${this.#ch}`;
    // FETCh waits for an acquisition still running; give it the rest of it on top of the usual deadline.
    const left = Math.max(0, acquisition.t0 + acquisition.durationMs - this.#clock.now());
    const options = { timeoutMs: this.#settings.timeoutMs + left };
    let amps: ArrayLike<number>;
    if (this.#settings.transfer === 'binary') {
      const block = await c.queryBlock(command, options);
      if (block.length % 4 !== 0) {
        throw new ScpiReplyError(c.label, command, 'expected whole float32 values', `${block.length} bytes`);
      }
      amps = decodeFloat32Block(block, 'big');
    } else {
      amps = await c.queryNumbers(command, options);
    }
    if (amps.length === 0) throw new ScpiReplyError(c.label, command, 'expected samples', 'an empty array');
    return { uA: ampsToMicroAmps(amps), t0: acquisition.t0 };
  }

  async abort(): Promise<void> {
    await this.#client.write(`ABOR:ACQ ${this.#ch}`);
  }
}
