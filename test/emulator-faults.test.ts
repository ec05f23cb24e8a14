import type { Duplex } from 'node:stream';
import test from 'ava';
import { bootModule, createEmulatedModule, RawTerminal } from '../firmware-stubs/index.ts';
import { VirtualClock } from '../src/clock/index.ts';
import { loadModuleProfile } from '../src/hardware/index.ts';

const BG95 = loadModuleProfile('quectel-bg95');

async function booted(seed = 9) {
  const m = await bootModule({ profile: 'quectel-bg95', seed });
  await m.term.command('ATE0');
  return m;
}

test('split writes: the same bytes arrive in more pieces', async (t) => {
  await using m = await booted();
  const before = m.term.chunks.length;
  const clean = await m.term.command('ATI');
  const cleanChunks = m.term.chunks.length - before;
  m.module.faults.set({ splitWrites: 1 });
  const mark = m.term.chunks.length;
  const split = await m.term.command('ATI');
  t.is(split, clean);
  t.true(
    m.term.chunks.length - mark > cleanChunks,
    `${m.term.chunks.length - mark} pieces vs ${cleanChunks}`,
  );
});

test('missing final CRLF: the final result ends without its CRLF', async (t) => {
  await using m = await booted();
  m.module.faults.set({ missingFinalCrlf: 1 });
  const from = m.term.mark();
  m.term.write('AT+CFUN?\r');
  await m.term.waitFor('\r\nOK', { from });
  await m.clock.sleep(100);
  t.is(m.term.text.slice(from), '\r\n+CFUN: 1\r\n\r\nOK');
  m.module.faults.set({ missingFinalCrlf: undefined });
  t.is(await m.term.command('AT'), '\r\nOK\r\n');
});

test('garbage: NUL and junk bytes appear between lines, the lines themselves stay intact', async (t) => {
  await using m = await booted();
  m.module.faults.set({ garbage: 1 });
  const r = await m.term.command('ATI');
  t.regex(r, /[\x00\x7f-\xff\x1b]/);
  t.is(r.replace(/[^\r\n\x20-\x7e]/g, ''), `\r\n${BG95.identification.ati.join('\r\n')}\r\n\r\nOK\r\n`);
});

test('URC storm: URCs arrive between the information lines and the final result', async (t) => {
  await using m = await booted();
  m.module.faults.set({ urcStorm: 1, urcStormSize: 4 });
  const r = await m.term.command('AT+CFUN?');
  const lines = r.split('\r\n').filter((l) => l !== '');
  t.is(lines[0], '+CFUN: 1');
  t.is(lines[lines.length - 1], 'OK');
  t.is(lines.length, 6);
  for (const urc of lines.slice(1, 5)) t.regex(urc, /^\+CEREG: |^\+CSCON: |^\+QIND: "csq"/);
});

test('slow answer: the final result comes slowAnswerMs after the information lines', async (t) => {
  await using m = await booted();
  m.module.faults.set({ slowAnswer: 1, slowAnswerMs: 2500 });
  const from = m.term.mark();
  m.term.write('AT+CFUN?\r');
  const info = await m.term.waitFor('+CFUN: 1\r\n', { from });
  const ok = await m.term.waitFor('OK\r\n', { from });
  t.is(ok.t - info.t, 2500);
});

test('no answer: a swallowed command gets nothing; the next one is answered', async (t) => {
  await using m = await booted();
  m.module.faults.set({ noAnswer: 1 });
  const from = m.term.mark();
  m.term.write('AT+CGMR\r');
  await m.clock.sleep(5000);
  t.is(m.term.text.slice(from), '');
  m.module.faults.set({ noAnswer: 0 });
  t.is(await m.term.command('AT+CGMR'), '\r\nBG95M3LAR02A03\r\n\r\nOK\r\n');
});

test('duplicate OK: the final OK is sent twice', async (t) => {
  await using m = await booted();
  m.module.faults.set({ duplicateOk: 1 });
  const from = m.term.mark();
  m.term.write('AT\r');
  await m.term.waitFor('OK\r\n\r\nOK\r\n', { from });
  await m.clock.sleep(100);
  t.is(m.term.text.slice(from), '\r\nOK\r\n\r\nOK\r\n');
});

test('spontaneous reboot at a given time: the banner comes back bootMs later and RAM settings are gone', async (t) => {
  await using m = await booted();
  const at = m.clock.now() + 60_000;
  m.module.faults.rebootAt(at);
  const from = m.term.mark();
  const rdy = await m.term.waitFor('\r\nRDY\r\n', { from });
  t.is(rdy.t - at, BG95.timing.bootMs);
  await m.term.waitFor('SMS DONE\r\n', { from });
  t.is(await m.term.command('AT'), 'AT\r\r\nOK\r\n', 'echo is back on');
});

test('port vanishes and returns: the host stream closes, a new one is offered forMs later and works', async (t) => {
  await using m = await booted();
  const old = m.module.host;
  const closed = new Promise<number>((resolve) => old.once('close', () => resolve(m.clock.now())));
  const returned = new Promise<{ t: number; host: Duplex }>((resolve) =>
    m.module.once('port', (host) => resolve({ t: m.clock.now(), host })),
  );
  const at = m.clock.now() + 1000;
  m.module.faults.vanishPort(5000, at);
  const closedAt = await closed;
  const back = await returned;
  t.is(closedAt, at);
  t.is(back.t - at, 5000);
  t.not(back.host, old);
  t.is(m.module.host, back.host);
  t.is(
    await m.term.command('AT+CGMM'),
    '\r\nBG95-M3\r\n\r\nOK\r\n',
    'the harness terminal followed the new stream',
  );
});

test('faults given at creation apply from the start', async (t) => {
  await using m = await bootModule({ profile: 'quectel-bg95', seed: 2, faults: { duplicateOk: 1 } });
  const from = m.term.mark();
  m.term.write('AT\r');
  await m.term.waitFor('OK\r\n\r\nOK\r\n', { from });
  await m.clock.sleep(10);
  t.is(m.term.text.slice(from), 'AT\r\r\nOK\r\n\r\nOK\r\n');
});

test('BC66 prints MediaTek boot-ROM lines (LF CR, stray bytes) before its banner', async (t) => {
  const clock = new VirtualClock();
  await using module = createEmulatedModule({ profile: 'quectel-bc66', clock, seed: 4 });
  const term = new RawTerminal(module.host, clock);
  module.powerOn();
  const ready = await term.waitFor('\r\n+CPIN: READY\r\n');
  const brom = term.text.slice(0, ready.index);
  t.regex(brom, /F1: 0000 0000\n\rV0: 0000 0000 \[0001\]\n\r/);
  t.regex(brom, /T0: 0000 [0-9A-F]{4}\n\rLeaving the BROM\n\r$/);
  t.regex(brom, /^[\x00\xfe\xff]+F1:/, 'stray bytes first');
  await term.command('ATE0');
  t.is(await term.command('ATI'), '\r\nQuectel_Ltd\r\nQuectel_BC66\r\nRevision: BC66NBR01A10\r\n\r\nOK\r\n');
  t.is(await term.command('AT+CEREG=2;+CFUN=0;+CFUN=1'), '\r\nOK\r\n');
  await term.waitFor(/\+CEREG: 1,"002F","0012BEEF",9\r\n/);
});
