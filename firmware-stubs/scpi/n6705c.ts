/**
 * Keysight N6705C DC power analyzer with one N6781A (or N6782A) SMU in channel 1: source settings,
 * emulation mode, and the digitizer (array acquisition of current, triggered over the bus).
 * Behaviour per /work/shared/reference/power.md §3.3; where the guide is not quoted there the
 * emulator makes a plausible choice and says so ([M]).
 */
import type { EpochMs, Timer } from '../../src/clock/index.ts';
import { definiteBlock, float32Bytes, nr3 } from './format.ts';
import type { CommandDefinition, InstrumentHost, Personality, Reply } from './instrument.ts';
import {
  boolParam,
  channelListParam,
  choiceParam,
  expectParams,
  integerParam,
  numberParam,
} from './params.ts';
import { ScpiFailure } from './scpi-errors.ts';

export interface N6705cOptions {
  /** Module in channel 1 (default N6781A). */
  module?: 'N6781A' | 'N6782A' | 'N6731B';
  /** *IDN? serial and firmware fields (plausible forms, not taken from a real unit). */
  serial?: string;
  firmware?: string;
}

/** Interval resolution with one measured parameter on an N678xA SMU, and with two (reference §3.3). */
const TINT_RES_ONE = 5.12e-6;
const TINT_RES_TWO = 10.24e-6;
/** Largest sweep the emulator accepts [M: the guide's limit is not in the reference]. */
const MAX_POINTS = 524_288;
const VOLT_MAX = 20; // N6781A 20 V range [M]
const EMULATIONS = ['PS4Q', 'PS2Q', 'PS1Q', 'BATTery', 'CHARger', 'CCLoad', 'CVLoad', 'VMETer', 'AMETer'];

type AcquisitionPhase = 'idle' | 'armed' | 'running' | 'done';

export function n6705c(options: N6705cOptions = {}): (host: InstrumentHost) => Personality {
  return (host) => new N6705c(host, options);
}

class N6705c implements Personality {
  readonly signedErrorCodes = true;
  readonly identity: string;
  readonly commands: readonly CommandDefinition[];
  readonly #host: InstrumentHost;
  readonly #module: string;
  #voltage = 0;
  #emulation = 'PS2Q';
  #funcCurr = true;
  #funcVolt = true;
  #rangeAuto = true;
  #tintRequested = 20.48e-6;
  #points = 1024;
  #offset = 0;
  #format: 'ASCII' | 'REAL' = 'ASCII';
  #bigEndian = true;
  #phase: AcquisitionPhase = 'idle';
  #data: Float64Array | undefined;
  #timer: Timer | undefined;
  #waiters: ((ok: boolean) => void)[] = [];

  constructor(host: InstrumentHost, options: N6705cOptions) {
    this.#host = host;
    this.#module = options.module ?? 'N6781A';
    this.identity = `Keysight Technologies,N6705C,${options.serial ?? 'MY56000123'},${options.firmware ?? 'D.03.04.1351'}`;
    this.commands = this.#table();
  }

  reset(): void {
    this.#abort();
    this.#voltage = 0;
    this.#emulation = 'PS2Q';
    this.#funcCurr = true;
    this.#funcVolt = true;
    this.#rangeAuto = true;
    this.#tintRequested = 20.48e-6;
    this.#points = 1024;
    this.#offset = 0;
    this.#format = 'ASCII';
    this.#bigEndian = true;
  }

  idle(): Promise<void> {
    if (this.#phase !== 'running') return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(() => resolve()));
  }

  busTrigger(): void {
    this.#trigger();
  }

  /** The interval the digitizer really uses: the request rounded to the resolution. */
  get #tint(): number {
    const res = this.#funcCurr !== this.#funcVolt ? TINT_RES_ONE : TINT_RES_TWO;
    return Math.max(res, Math.round(this.#tintRequested / res) * res);
  }

  #table(): CommandDefinition[] {
    return [
      { pattern: 'SYSTem:CHANnel[:COUNt]?', run: () => '1' },
      this.#channelQuery('SYSTem:CHANnel:MODel?', () => this.#module),
      this.#channelSetting('[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]', (v) => {
        this.#voltage = numberParam(v, { min: 0, max: VOLT_MAX });
      }),
      this.#channelQuery('[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]?', () => nr3(this.#voltage)),
      {
        // OUTP ON[,NORelay],(@1)
        pattern: 'OUTPut[:STATe]',
        run: (c) => {
          expectParams(c.params, 2, 3);
          this.#channel(c.params[c.params.length - 1]);
          this.#host.setOutput(boolParam(c.params[0]));
          return undefined;
        },
      },
      this.#channelQuery('OUTPut[:STATe]?', () => (this.#host.outputOn ? '1' : '0')),
      this.#channelSetting('EMULation', (v) => {
        const mode = choiceParam(v, EMULATIONS);
        if (!this.#module.startsWith('N678')) throw new ScpiFailure(-221, 'emulation needs an SMU module');
        this.#emulation = EMULATIONS.find((e) => e.toUpperCase() === mode)!.replace(/[a-z]/g, '');
      }),
      this.#channelQuery('EMULation?', () => this.#emulation),
      this.#channelSetting('SENSe:FUNCtion:CURRent', (v) => {
        this.#funcCurr = boolParam(v);
      }),
      this.#channelSetting('SENSe:FUNCtion:VOLTage', (v) => {
        this.#funcVolt = boolParam(v);
      }),
      this.#channelSetting('SENSe:CURRent[:DC]:RANGe:AUTO', (v) => {
        this.#rangeAuto = boolParam(v);
      }),
      this.#channelQuery('SENSe:CURRent[:DC]:RANGe:AUTO?', () => (this.#rangeAuto ? '1' : '0')),
      this.#channelSetting('SENSe:SWEep:TINTerval', (v) => {
        this.#tintRequested = numberParam(v, { min: 0, max: 40_000, def: 20.48e-6 });
      }),
      this.#channelQuery('SENSe:SWEep:TINTerval?', () => nr3(this.#tint)),
      this.#channelSetting('SENSe:SWEep:POINts', (v) => {
        this.#points = integerParam(v, { min: 1, max: MAX_POINTS, def: 1024 });
      }),
      this.#channelQuery('SENSe:SWEep:POINts?', () => String(this.#points)),
      this.#channelSetting('SENSe:SWEep:OFFSet:POINts', (v) => {
        this.#offset = integerParam(v, { min: -(this.#points - 1), max: 2e9, def: 0 });
      }),
      // The emulator only triggers from the bus; level, pin and transient sources are not modelled.
      this.#channelSetting('TRIGger:ACQuire:SOURce', (v) => {
        choiceParam(v, ['BUS']);
      }),
      this.#channelQuery('TRIGger:ACQuire:SOURce?', () => 'BUS'),
      this.#channelEvent('INITiate[:IMMediate]:ACQuire', () => this.#initiate()),
      this.#channelEvent('TRIGger:ACQuire[:IMMediate]', () => this.#trigger()),
      this.#channelEvent('ABORt:ACQuire', () => this.#abort()),
      this.#channelQuery('FETCh[:SCALar]:ARRay:CURRent[:DC]?', async () =>
        this.#arrayReply(await this.#completed()),
      ),
      this.#channelQuery('FETCh[:SCALar]:CURRent[:DC]?', async () => nr3(mean(await this.#completed()))),
      this.#channelQuery('MEASure[:SCALar]:ARRay:CURRent[:DC]?', async () => {
        this.#initiate();
        this.#trigger();
        return this.#arrayReply(await this.#completed());
      }),
      this.#channelQuery('MEASure[:SCALar]:CURRent[:DC]?', () =>
        nr3(this.#host.ampsAt(this.#host.clock.now())),
      ),
      {
        pattern: 'FORMat[:DATA]',
        run: (c) => {
          expectParams(c.params, 1, 2);
          this.#format = choiceParam(c.params[0], ['ASCii', 'REAL']) as 'ASCII' | 'REAL';
          return undefined;
        },
      },
      { pattern: 'FORMat[:DATA]?', run: () => (this.#format === 'ASCII' ? 'ASC' : 'REAL') },
      {
        pattern: 'FORMat:BORDer',
        run: (c) => {
          expectParams(c.params, 1);
          this.#bigEndian = choiceParam(c.params[0], ['NORMal', 'SWAPped']) === 'NORMAL';
          return undefined;
        },
      },
      { pattern: 'FORMat:BORDer?', run: () => (this.#bigEndian ? 'NORM' : 'SWAP') },
    ];
  }

  /** `<header> <value>,(@1)`. */
  #channelSetting(pattern: string, apply: (value: string) => void): CommandDefinition {
    return {
      pattern,
      run: (c) => {
        expectParams(c.params, 2);
        this.#channel(c.params[1]);
        apply(c.params[0]!);
        return undefined;
      },
    };
  }

  /** `<header>? (@1)`. */
  #channelQuery(pattern: string, answer: () => Reply | Promise<Reply>): CommandDefinition {
    return {
      pattern,
      run: async (c) => {
        expectParams(c.params, 1);
        this.#channel(c.params[0]);
        return answer();
      },
    };
  }

  /** `<header> (@1)`: INIT:ACQ, TRIG:ACQ, ABOR:ACQ. */
  #channelEvent(pattern: string, act: () => void): CommandDefinition {
    return {
      pattern,
      run: (c) => {
        expectParams(c.params, 1);
        this.#channel(c.params[0]);
        act();
        return undefined;
      },
    };
  }

  /** Only channel 1 holds a module. */
  #channel(text: string | undefined): void {
    for (const c of channelListParam(text)) if (c !== 1) throw new ScpiFailure(-241, `channel ${c}`);
  }

  #initiate(): void {
    if (this.#phase === 'armed' || this.#phase === 'running') throw new ScpiFailure(-213);
    this.#phase = 'armed';
    this.#data = undefined;
  }

  #trigger(): void {
    if (this.#phase !== 'armed') throw new ScpiFailure(-211);
    const clock = this.#host.clock;
    const start = clock.now();
    const tint = this.#tint;
    const points = this.#points;
    const offset = this.#offset;
    this.#phase = 'running';
    // The sweep ends with its last sample; samples before the trigger (negative offset) came earlier.
    this.#timer = clock.setTimer((offset + points) * tint * 1000, () => {
      this.#timer = undefined;
      this.#data = this.#sample(start, tint, points, offset);
      this.#phase = 'done';
      this.#wake(true);
    });
  }

  #sample(start: EpochMs, tint: number, points: number, offset: number): Float64Array {
    const out = new Float64Array(points);
    for (let k = 0; k < points; k++) out[k] = this.#host.ampsAt(start + (k + offset) * tint * 1000);
    return out;
  }

  #abort(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#phase = 'idle';
    this.#data = undefined;
    this.#wake(false);
  }

  #wake(ok: boolean): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w(ok);
  }

  /** FETCh waits for an acquisition in progress [doc, not quoted in the reference]; none at all: -230. */
  async #completed(): Promise<Float64Array> {
    if (this.#phase === 'armed' || this.#phase === 'running') {
      const ok = await new Promise<boolean>((resolve) => this.#waiters.push(resolve));
      if (!ok) throw new ScpiFailure(-230, 'acquisition aborted');
    }
    if (!this.#data) throw new ScpiFailure(-230, 'no acquisition');
    return this.#data;
  }

  #arrayReply(amps: Float64Array): Reply {
    if (this.#format === 'REAL') return definiteBlock(float32Bytes(amps, this.#bigEndian));
    return Array.from(amps, (a) => nr3(a, 5)).join(',');
  }
}

function mean(values: Float64Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return values.length > 0 ? sum / values.length : 0;
}
