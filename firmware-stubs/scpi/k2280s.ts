/**
 * Keithley 2280S-32-6 precision measurement DC supply: output settings and the reading buffer
 * (≤ 2500 entries) filled by the trigger model at one reading per NPLC aperture plus overhead.
 * Behaviour per /work/shared/reference/power.md §3.4 (python-ivi keithley2280S.py); [M] where the
 * emulator makes a plausible choice the reference does not settle.
 */
import type { EpochMs, Timer } from '../../src/clock/index.ts';
import { nr3 } from './format.ts';
import type { CommandDefinition, InstrumentHost, Personality } from './instrument.ts';
import { boolParam, choiceParam, expectParams, integerParam, numberParam, stringParam } from './params.ts';
import { ScpiFailure } from './scpi-errors.ts';

export interface K2280sOptions {
  /** Mains frequency the unit reports (SYST:LFR?), default 50 Hz. */
  lineHz?: 50 | 60;
  /** Time per reading on top of the aperture, s [M: not quantified in the reference]; default 0.2 ms. */
  readingOverheadS?: number;
  serial?: string;
  firmware?: string;
}

const BUFFER = 2500;
const VOLT_MAX = 32; // 2280S-32-6 (python-ivi output_spec)
const ELEMENTS = ['READing', 'SOURce', 'RELative', 'RNUMber', 'UNIT'];

interface Run {
  start: EpochMs;
  interval: number;
  count: number;
  timer: Timer;
}

export function k2280s(options: K2280sOptions = {}): (host: InstrumentHost) => Personality {
  return (host) => new K2280s(host, options);
}

class K2280s implements Personality {
  readonly signedErrorCodes = false;
  readonly identity: string;
  readonly commands: readonly CommandDefinition[];
  readonly #host: InstrumentHost;
  readonly #lineHz: number;
  readonly #overheadS: number;
  #voltage = 0;
  #func = 'CURR';
  #nplc = 1;
  #rangeAuto = true;
  #tracePoints = 100;
  #clearAuto = true;
  #triggerCount = 1;
  #sampleCount = 1;
  /** python-ivi's initial state has continuous initiation on; INIT is then refused (-213). */
  #continuous = true;
  #buffer: { amps: number; volts: number; rel: number }[] = [];
  #run: Run | undefined;
  #waiters: (() => void)[] = [];

  constructor(host: InstrumentHost, options: K2280sOptions) {
    this.#host = host;
    this.#lineHz = options.lineHz ?? 50;
    this.#overheadS = options.readingOverheadS ?? 0.2e-3;
    this.identity = `KEITHLEY INSTRUMENTS,MODEL 2280S-32-6,${options.serial ?? '4386452'},${options.firmware ?? '1.02.01b'}`;
    this.commands = this.#table();
  }

  reset(): void {
    this.#stop();
    this.#voltage = 0;
    this.#func = 'CURR';
    this.#nplc = 1;
    this.#rangeAuto = true;
    this.#tracePoints = 100;
    this.#clearAuto = true;
    this.#triggerCount = 1;
    this.#sampleCount = 1;
    this.#continuous = true;
    this.#buffer = [];
  }

  idle(): Promise<void> {
    if (!this.#run) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  busTrigger(): void {
    // TRIG:SOUR MAN/EXT are not modelled: the emulated trigger model starts at INIT.
  }

  #table(): CommandDefinition[] {
    const nplcMax = this.#lineHz === 50 ? 15 : 12;
    return [
      setting('[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]', (v) => {
        this.#voltage = numberParam(v, { min: 0, max: VOLT_MAX });
      }),
      query('[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]?', () => nr3(this.#voltage)),
      setting('OUTPut[:STATe]', (v) => this.#host.setOutput(boolParam(v))),
      query('OUTPut[:STATe]?', () => (this.#host.outputOn ? '1' : '0')),
      setting('SENSe:FUNCtion', (v) => {
        const f = stringParam(v).toUpperCase();
        if (!['CURR', 'CURRENT', 'VOLT', 'VOLTAGE', 'CONC', 'CONCURRENT'].includes(f))
          throw new ScpiFailure(-224);
        this.#func = f.slice(0, 4);
      }),
      query('SENSe:FUNCtion?', () => `"${this.#func}"`),
      setting('SENSe:CURRent[:DC]:NPLCycles', (v) => {
        this.#nplc = numberParam(v, { min: 0.002, max: nplcMax, def: 1 });
      }),
      query('SENSe:CURRent[:DC]:NPLCycles?', () => nr3(this.#nplc)),
      setting('SENSe:CURRent[:DC]:RANGe:AUTO', (v) => {
        this.#rangeAuto = boolParam(v);
      }),
      query('SENSe:CURRent[:DC]:RANGe:AUTO?', () => (this.#rangeAuto ? '1' : '0')),
      setting('TRACe:POINts', (v) => {
        this.#tracePoints = integerParam(v, { min: 1, max: BUFFER, def: 100 });
      }),
      query('TRACe:POINts?', () => String(this.#tracePoints)),
      query('TRACe:POINts:ACTual?', () => String(this.#readings().length)),
      action('TRACe:CLEar', () => {
        this.#buffer = [];
      }),
      setting('TRACe:CLEar:AUTO', (v) => {
        this.#clearAuto = boolParam(v);
      }),
      { pattern: 'TRACe:DATA?', run: (c) => this.#data(c.params) },
      setting('TRIGger[:SEQuence]:SOURce', (v) => {
        choiceParam(v, ['IMMediate']);
      }),
      query('TRIGger[:SEQuence]:SOURce?', () => 'IMM'),
      setting('TRIGger[:SEQuence]:COUNt', (v) => {
        this.#triggerCount = integerParam(v, { min: 1, max: BUFFER });
      }),
      setting('TRIGger[:SEQuence]:SAMPle:COUNt', (v) => {
        this.#sampleCount = integerParam(v, { min: 1, max: BUFFER });
      }),
      setting('INITiate:CONTinuous', (v) => {
        this.#continuous = boolParam(v);
      }),
      query('INITiate:CONTinuous?', () => (this.#continuous ? '1' : '0')),
      action('INITiate[:IMMediate]', () => this.#initiate()),
      action('ABORt', () => this.#stop()),
      query('SYSTem:LFRequency?', () => String(this.#lineHz)),
      query('MEASure[:SCALar]:CURRent[:DC]?', () => nr3(this.#host.ampsAt(this.#host.clock.now()))),
    ];
  }

  #initiate(): void {
    if (this.#continuous || this.#run) throw new ScpiFailure(-213);
    if (this.#clearAuto) this.#buffer = [];
    const clock = this.#host.clock;
    const interval = this.#nplc / this.#lineHz + this.#overheadS;
    const count = this.#triggerCount * this.#sampleCount;
    const start = clock.now();
    const timer = clock.setTimer(count * interval * 1000, () => {
      this.#buffer = this.#readings();
      this.#run = undefined;
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const w of waiters) w();
    });
    this.#run = { start, interval, count, timer };
  }

  /** Stored readings, including those a running acquisition has taken by now; the buffer stops when full. */
  #readings(): { amps: number; volts: number; rel: number }[] {
    const run = this.#run;
    if (!run) return this.#buffer;
    const now = this.#host.clock.now();
    const due = Math.min(run.count, Math.floor((now - run.start) / (run.interval * 1000) + 1e-9) + 1);
    const out = [...this.#buffer];
    for (let k = 0; k < due && out.length < this.#tracePoints; k++) {
      const t = run.start + k * run.interval * 1000;
      out.push({
        amps: this.#host.ampsAt(t),
        volts: this.#host.outputOn ? this.#voltage : 0,
        rel: k * run.interval,
      });
    }
    return out;
  }

  #stop(): void {
    const run = this.#run;
    if (!run) return;
    run.timer.cancel();
    this.#buffer = this.#readings();
    this.#run = undefined;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  #data(params: string[]): string {
    expectParams(params, 0, 1);
    const names = params.length === 0 ? ['READING'] : stringParam(params[0]).split(',');
    const elements = names.map((n) => choiceParam(n.trim(), ELEMENTS));
    const parts: string[] = [];
    this.#readings().forEach((r, i) => {
      for (const e of elements) {
        if (e === 'READING') parts.push(nr3(r.amps));
        else if (e === 'SOURCE') parts.push(nr3(r.volts));
        else if (e === 'RELATIVE') parts.push(r.rel.toFixed(6));
        else if (e === 'RNUMBER') parts.push(String(i));
        else parts.push('A');
      }
    });
    return parts.join(',');
  }
}

/** `<header> <value>`. */
function setting(pattern: string, apply: (value: string) => void): CommandDefinition {
  return {
    pattern,
    run: (c) => {
      expectParams(c.params, 1);
      apply(c.params[0]!);
      return undefined;
    },
  };
}

/** `<header>`: a command without parameters. */
function action(pattern: string, act: () => void): CommandDefinition {
  return {
    pattern,
    run: (c) => {
      expectParams(c.params, 0);
      act();
      return undefined;
    },
  };
}

function query(pattern: string, answer: () => string): CommandDefinition {
  return {
    pattern,
    run: (c) => {
      expectParams(c.params, 0);
      return answer();
    },
  };
}
