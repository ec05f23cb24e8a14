import test from 'ava';
import {
  bootModule,
  CME,
  cme,
  createEmulatedModule,
  type Dialect,
  ERROR,
  luhnCheckDigit,
  RawTerminal,
} from '../firmware-stubs/index.ts';
import { VirtualClock } from '../src/clock/index.ts';
import { loadModuleProfile } from '../src/hardware/index.ts';

const BG95 = loadModuleProfile('quectel-bg95');

test('BG95 boot: silent while booting, then the profile banner after bootMs, one URC per line', async (t) => {
  const clock = new VirtualClock();
  const start = clock.now();
  await using module = createEmulatedModule({ profile: 'quectel-bg95', clock, seed: 1 });
  const term = new RawTerminal(module.host, clock);
  module.powerOn();
  term.write('AT\r'); // nobody listens yet
  const last = await term.waitFor('+QIND: SMS DONE\r\n');
  const expected = BG95.identification.bootBanner.map((l) => `\r\n${l}\r\n`).join('');
  t.is(term.text, expected);
  t.is(last.t - start, BG95.timing.bootMs);
  t.is(module.state.power, 'on');
});

test('echo is on by default (command line + CR); ATE0 is echoed, later commands are not', async (t) => {
  await using m = await bootModule({ profile: 'quectel-bg95', seed: 1 });
  t.is(await m.term.command('AT+CFUN?'), 'AT+CFUN?\r\r\n+CFUN: 1\r\n\r\nOK\r\n');
  t.is(await m.term.command('ATE0'), 'ATE0\r\r\nOK\r\n');
  t.is(await m.term.command('AT+CFUN?'), '\r\n+CFUN: 1\r\n\r\nOK\r\n');
  t.false(m.module.state.at.echo);
});

test('ATI prints the identification lines of the profile', async (t) => {
  await using m = await bootModule({ profile: 'quectel-bg95', seed: 1 });
  const r = await m.term.command('ATI');
  t.is(r, `ATI\r\r\n${BG95.identification.ati.join('\r\n')}\r\n\r\nOK\r\n`);
  t.true(r.includes('Quectel\r\nBG95-M3\r\nRevision: BG95M3LAR02A03'));
});

test('ATV0 gives numeric result codes; ATV1 restores text', async (t) => {
  await using m = await bootModule({ profile: 'quectel-bg95', seed: 1 });
  await m.term.command('ATE0');
  const from = m.term.mark();
  m.term.write('ATV0\r');
  await m.term.waitFor('0\r', { from });
  const q = m.term.mark();
  m.term.write('AT+CFUN?\r');
  await m.term.waitFor(/0\r$/, { from: q });
  t.is(m.term.text.slice(q), '+CFUN: 1\r\n0\r');
  const e = m.term.mark();
  m.term.write('AT+NOPE\r');
  await m.term.waitFor('4\r', { from: e });
  t.is(m.term.text.slice(e), '4\r');
  t.is(await m.term.command('ATV1'), '\r\nOK\r\n');
});

test('AT+CMEE shapes ME errors: ERROR, +CME ERROR: <n>, verbose text; unknown commands stay plain ERROR', async (t) => {
  await using m = await bootModule({ profile: 'quectel-bg95', seed: 1 });
  await m.term.command('ATE0');
  t.is(await m.term.command('AT+CMEE?'), '\r\n+CMEE: 1\r\n\r\nOK\r\n', 'Quectel default is 1');
  t.is(await m.term.command('AT+CFUN=9'), '\r\n+CME ERROR: 50\r\n');
  await m.term.command('AT+CMEE=2');
  t.is(await m.term.command('AT+CFUN=9'), '\r\n+CME ERROR: incorrect parameters\r\n');
  t.is(await m.term.command('AT+QFDEL="UFS:none"'), '\r\n+CME ERROR: file not found\r\n', 'vendor text');
  await m.term.command('AT+CMEE=0');
  t.is(await m.term.command('AT+CFUN=9'), '\r\nERROR\r\n');
  await m.term.command('AT+CMEE=1');
  t.is(await m.term.command('AT+XYZZY'), '\r\nERROR\r\n');
  t.is(await m.term.command('AT+CMEE=?'), '\r\n+CMEE: (0-2)\r\n\r\nOK\r\n');
});

test('concatenated commands: one block per command, one final OK; the first failure ends the line', async (t) => {
  await using m = await bootModule({ profile: 'quectel-bg95', seed: 1 });
  await m.term.command('ATE0');
  t.is(await m.term.command('AT+CFUN?;+CEREG?'), '\r\n+CFUN: 1\r\n\r\n+CEREG: 0,2\r\n\r\nOK\r\n');
  t.is(await m.term.command('ATE0V1Q0'), '\r\nOK\r\n', 'basic commands run together');
  t.is(await m.term.command('AT+CEREG=2;+CFUN=7;+CEREG=5'), '\r\n+CME ERROR: 50\r\n');
  t.is(m.module.state.at.ceregN, 2, 'commands before the failure ran, after it did not');
});

test('lines ended by CRLF or a bare LF are accepted; the empty line a CRLF leaves is ignored', async (t) => {
  await using m = await bootModule({ profile: 'quectel-bg95', seed: 1 });
  await m.term.command('ATE0');
  let from = m.term.mark();
  m.term.write('AT+CFUN?\r\n');
  await m.term.waitFor('OK\r\n', { from });
  t.is(m.term.text.slice(from), '\r\n+CFUN: 1\r\n\r\nOK\r\n');
  from = m.term.mark();
  m.term.write('AT\nAT+CEREG?\n');
  await m.term.waitFor(/\+CEREG: [^\r]*\r\n\r\nOK\r\n/, { from });
  t.is(m.term.text.slice(from), '\r\nOK\r\n\r\n+CEREG: 0,2\r\n\r\nOK\r\n');
});

test('A/ repeats the last command line without a terminator', async (t) => {
  await using m = await bootModule({ profile: 'quectel-bg95', seed: 1 });
  await m.term.command('ATE0');
  await m.term.command('AT+CGMR');
  const from = m.term.mark();
  m.term.write('A/');
  await m.term.waitFor('OK\r\n', { from });
  t.is(m.term.text.slice(from), '\r\nBG95M3LAR02A03\r\n\r\nOK\r\n');
});

test('a command typed character by character, with a backspace, is echoed as typed and runs corrected', async (t) => {
  await using m = await bootModule({ profile: 'quectel-bg95', seed: 1 });
  const from = m.term.mark();
  for (const c of 'AT+CGMX\bR\r') m.term.write(c);
  await m.term.waitFor('OK\r\n', { from });
  t.is(m.term.text.slice(from), 'AT+CGMX\bR\r\r\nBG95M3LAR02A03\r\n\r\nOK\r\n');
});

test('S-registers: S3 is CR and S4 LF by default', async (t) => {
  await using m = await bootModule({ profile: 'quectel-bg95', seed: 1 });
  await m.term.command('ATE0');
  t.is(await m.term.command('ATS3?'), '\r\n013\r\n\r\nOK\r\n');
  t.is(await m.term.command('ATS4?'), '\r\n010\r\n\r\nOK\r\n');
});

test('lines that do not start with AT get no answer', async (t) => {
  await using m = await bootModule({ profile: 'quectel-bg95', seed: 1 });
  await m.term.command('ATE0');
  const from = m.term.mark();
  m.term.write('hello\r');
  t.is(await m.term.command('AT'), '\r\nOK\r\n');
  t.is(m.term.text.slice(from), '\r\nOK\r\n');
});

test('identification: +CGMI/+CGMM/+CGMR from the profile; IMEI = TAC + seeded serial + Luhn digit', async (t) => {
  await using a = await bootModule({ profile: 'quectel-bg95', seed: 7 });
  await a.term.command('ATE0');
  t.is(await a.term.command('AT+CGMI'), '\r\nQuectel\r\n\r\nOK\r\n');
  t.is(await a.term.command('AT+CGMM'), '\r\nBG95-M3\r\n\r\nOK\r\n');
  const imei = /\r\n(\d+)\r\n/.exec(await a.term.command('AT+CGSN'))![1]!;
  t.is(imei.length, 15);
  t.true(imei.startsWith(BG95.identification.tac));
  t.is(Number(imei[14]), luhnCheckDigit(imei.slice(0, 14)));
  t.is(await a.term.command('AT+CGSN=1'), `\r\n+CGSN: "${imei}"\r\n\r\nOK\r\n`);
  await using same = await bootModule({ profile: 'quectel-bg95', seed: 7 });
  await using other = await bootModule({ profile: 'quectel-bg95', seed: 8 });
  t.is(same.module.identity.imei, imei);
  t.not(other.module.identity.imei, imei);
});

test('Luhn check digit of the 3GPP TS 23.003 example IMEI', (t) => {
  t.is(luhnCheckDigit('49015420323751'), 8);
});

test('+CCLK reads the injected clock; setting it shifts the module RTC only', async (t) => {
  const clock = new VirtualClock({ start: Date.UTC(2026, 2, 12, 10, 15, 0) });
  await using m = await bootModule({
    profile: 'quectel-bg95',
    seed: 1,
    clock,
    network: { timeZoneQuarterHours: 4 },
  });
  await m.term.command('ATE0');
  t.is(await m.term.command('AT+CCLK?'), '\r\n+CCLK: "26/03/12,11:15:04+04"\r\n\r\nOK\r\n');
  await m.term.command('AT+CCLK="30/01/02,03:04:05+00"');
  t.regex(await m.term.command('AT+CCLK?'), /\+CCLK: "30\/01\/02,04:04:05\+04"/);
});

test('AT+CLAC lists the commands and labels the synthetic multicast ones as non-standard', async (t) => {
  await using m = await bootModule({ profile: 'quectel-bg95', seed: 1 });
  const r = await m.term.command('AT+CLAC');
  t.regex(r, /\r\nAT\+CFUN\r\n/);
  t.regex(r, /AT\+QFUPL\r\n/);
  t.regex(r, /AT#XMBMSSRV \(NON-STANDARD[^\r]*\)\r\n/);
  t.regex(r, /AT#XMBMSCFG \(NON-STANDARD[^\r]*\)\r\n/);
  t.notRegex(r, /AT\+CFUN \(NON-STANDARD/);
});

test('AT+CFUN=1,1 answers OK and reboots: banner again, RAM settings back to defaults', async (t) => {
  await using m = await bootModule({ profile: 'quectel-bg95', seed: 1 });
  await m.term.command('ATE0');
  await m.term.command('AT+CEREG=2');
  const from = m.term.mark();
  m.term.write('AT+CFUN=1,1\r');
  const rdy = await m.term.waitFor('+QIND: SMS DONE\r\n', { from });
  const okAt = await m.term.waitFor('OK\r\n', { from });
  t.is(rdy.t - okAt.t, BG95.timing.bootMs);
  t.is(m.module.state.at.ceregN, 0);
  t.true(m.module.state.at.echo);
});

/** A minimal dialect written against the public plug-in interface only, as a new vendor would. */
const testDialect: Dialect = {
  id: 'generic',
  description: 'test dialect: 27.007 core plus one command',
  bind: () => ({
    behaviour: {
      cmeeDefault: 0,
      unknownCommand: cme(CME.notSupported),
      unsupportedForm: ERROR,
      errorTexts: {},
      actForRat: (rat) => (rat === 'lte-m' ? 7 : 9),
      psmWakeMs: 100,
      fileSystemBytes: 1024,
    },
    commands: [
      {
        name: '+XHELLO',
        summary: 'test command',
        exec: (ctx) => {
          ctx.info(`+XHELLO: ${ctx.module.profile.model}`);
          return undefined;
        },
      },
    ],
    bootOutput: () => ({ banner: ['Ready'] }),
    psmEntered: () => [],
    psmLeft: () => [],
    stormUrcs: () => [],
    powerLost: () => {},
  }),
};

test('a plug-in dialect (test dialect) sets the banner, adds commands and may shape unknown commands by CMEE', async (t) => {
  const clock = new VirtualClock();
  await using module = createEmulatedModule({
    profile: 'quectel-bg95',
    clock,
    seed: 1,
    dialect: testDialect,
    network: { attachJitter: 0 },
  });
  const term = new RawTerminal(module.host, clock);
  module.powerOn();
  await term.waitFor('\r\nReady\r\n');
  await term.command('ATE0');
  t.is(await term.command('AT+XHELLO'), '\r\n+XHELLO: BG95-M3\r\n\r\nOK\r\n');
  t.is(await term.command('AT+NOPE'), '\r\nERROR\r\n');
  await term.command('AT+CMEE=1');
  t.is(await term.command('AT+NOPE'), '\r\n+CME ERROR: 4\r\n');
  await term.command('AT+CMEE=2');
  t.is(await term.command('AT+NOPE'), '\r\n+CME ERROR: operation not supported\r\n');
  t.false((await term.command('AT+CLAC')).includes('QFUPL'), 'no Quectel commands in this dialect');
  await term.command('AT+CEREG=2');
  await term.waitFor('+CEREG: 1,"002F","0012BEEF",7\r\n');
});
