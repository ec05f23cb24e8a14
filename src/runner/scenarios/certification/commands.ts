/**
 * C-01: the 27.007 commands the rig relies on answer in 27.007 form (OK, the information line with its
 * prefix, nothing else) and the rig's own parsers accept the answer. One measurement per command, one for
 * the count, and a failure that lists every command that did not conform and why.
 */
import {
  AtDeviceError,
  AtTimeoutError,
  parseCedrxrdp,
  parseCedrxsRead,
  parseCeregRead,
  parseCesq,
  parseCfun,
  parseCgmr,
  parseCgsn,
  parseCmee,
  parseCpsmsRead,
  parseCsconRead,
} from '../../../at/index.ts';
import { modemOf } from '../device-power.ts';
import { COMMANDS_27007, type Requirement } from './spec.ts';

/** Checks an answer's lines; returns what is wrong with them, or undefined. May throw AtParseError. */
type Check = (lines: readonly string[]) => string | undefined;

/** Exactly one information line with this prefix, and no other line. */
function one(prefix: string, parse: (line: string) => string | undefined): Check {
  return (lines) => {
    const stray = lines.find((l) => !l.startsWith(prefix));
    if (stray !== undefined) return `unexpected line ${JSON.stringify(stray)}`;
    if (lines.length !== 1) return `expected one ${prefix} line, got ${lines.length}`;
    return parse(lines[0]!);
  };
}

/** A bare value (no prefix): one line. */
function bare(parse: (line: string) => string | undefined): Check {
  return (lines) =>
    lines.length === 1 ? parse(lines[0]!) : `expected one line, got ${JSON.stringify(lines)}`;
}

const CHECKS: Record<(typeof COMMANDS_27007)[number][1], Check> = {
  'AT+CGSN': bare((line) => {
    const imei = parseCgsn(line).imei;
    if (!imei) return `${JSON.stringify(line)} is not a 15-digit IMEI`;
    if (!imei.luhnValid)
      return `IMEI ${line.trim()} has check digit ${imei.checkDigit}, Luhn gives ${imei.expectedCheckDigit}`;
    return undefined;
  }),
  'AT+CGMR': bare((line) => {
    parseCgmr(line);
    return undefined;
  }),
  'AT+CFUN?': one('+CFUN:', (line) => {
    parseCfun(line);
    return undefined;
  }),
  'AT+CEREG?': one('+CEREG:', (line) => {
    const n = parseCeregRead(line).n;
    return n === 5 ? undefined : `<n> reads ${n} after AT+CEREG=5`;
  }),
  'AT+CSCON?': one('+CSCON:', (line) => {
    parseCsconRead(line);
    return undefined;
  }),
  'AT+CESQ': one('+CESQ:', (line) => {
    parseCesq(line);
    return undefined;
  }),
  'AT+CPSMS?': one('+CPSMS:', (line) => {
    parseCpsmsRead(line);
    return undefined;
  }),
  // One line per AcT-type with eDRX enabled: none is a valid answer.
  'AT+CEDRXS?': (lines) => {
    const stray = lines.find((l) => !l.startsWith('+CEDRXS:'));
    if (stray !== undefined) return `unexpected line ${JSON.stringify(stray)}`;
    for (const l of lines) parseCedrxsRead(l);
    return undefined;
  },
  'AT+CEDRXRDP': one('+CEDRXRDP:', (line) => {
    parseCedrxrdp(line);
    return undefined;
  }),
  'AT+CMEE?': one('+CMEE:', (line) => {
    parseCmee(line);
    return undefined;
  }),
};

export const commands27007: Requirement = {
  code: 'C-01',
  slug: '27007',
  title: () => 'C-01 the 27.007 commands the rig relies on answer in 27.007 form and parse',
  async run(s, d) {
    const modem = modemOf(d);
    await modem.wake();
    const problems: string[] = [];
    for (const [name, command] of COMMANDS_27007) {
      const problem = await answerProblem(modem.engine, command);
      s.measure(name, problem === undefined ? 1 : 0);
      if (problem !== undefined) problems.push(`${command}: ${problem}`);
    }
    s.measure('at.conforming', COMMANDS_27007.length - problems.length);
    if (problems.length > 0) s.fail(`not in 27.007 form: ${problems.join('; ')}`);
  },
};

async function answerProblem(
  engine: ReturnType<typeof modemOf>['engine'],
  command: (typeof COMMANDS_27007)[number][1],
): Promise<string | undefined> {
  try {
    // The read form of +CEREG is checked with the richest URC level, which the rig relies on for grants.
    if (command === 'AT+CEREG?') {
      const refused = await engine.send('AT+CEREG=5').then(
        () => undefined,
        (e: unknown) => {
          if (e instanceof AtDeviceError) return `AT+CEREG=5 answered ${e.final.line}`;
          throw e;
        },
      );
      if (refused) return refused;
    }
    const r = await engine.send(command);
    return CHECKS[command](r.lines);
  } catch (e) {
    if (e instanceof AtDeviceError) return `answered ${e.final.line}`;
    if (e instanceof AtTimeoutError) return 'no final result in time';
    if ((e as Error).name === 'AtParseError') return (e as Error).message;
    throw e;
  }
}
