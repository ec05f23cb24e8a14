import test from 'ava';
import { bootModule, type FaultSettings } from '../firmware-stubs/index.ts';

/** One fixed session: boot, configure, register, two PSM cycles. Returns what the host saw and the current timeline. */
async function session(seed: number, faults: FaultSettings = {}) {
  await using m = await bootModule({ profile: 'quectel-bg95', seed, faults, network: { tauMs: 1500 } });
  for (const cmd of [
    'ATE0',
    'AT+CMEE=2',
    'AT+CEREG=5;+CSCON=3',
    'AT+QCFG="psm/urc",1',
    'AT+CPSMS=1,,,"10100011","00000011"',
    'ATI',
    'AT+CGSN',
  ]) {
    await m.term.command(cmd);
  }
  const first = await m.term.waitFor('PSM POWER DOWN');
  await m.term.waitFor('PSM POWER DOWN', { from: first.end });
  return {
    transcript: m.term.transcript(0), // absolute virtual epoch ms
    text: m.term.text,
    timeline: m.module.timeline.segments.map((s) => ({ ...s })),
    imei: m.module.identity.imei,
  };
}

test('same seed: byte-identical transcripts, identical virtual timestamps and current timeline', async (t) => {
  const a = await session(11);
  const b = await session(11);
  t.is(a.transcript, b.transcript);
  t.deepEqual(a.timeline, b.timeline);
  t.true(a.text.includes('+QPSMTIMER: 180,6'));
});

test('same seed with faults switched on: still identical, faults included', async (t) => {
  const faults: FaultSettings = { splitWrites: 0.5, garbage: 0.3, urcStorm: 0.3, duplicateOk: 0.2 };
  const a = await session(11, faults);
  const b = await session(11, faults);
  t.is(a.transcript, b.transcript);
  t.deepEqual(a.timeline, b.timeline);
  t.true(
    a.text.includes('\x00') || a.text.includes('\xff') || a.text.includes('\xfe'),
    'garbage was injected',
  );
});

test('another seed: another IMEI and other attach timings', async (t) => {
  const a = await session(11);
  const b = await session(12);
  t.not(a.imei, b.imei);
  t.notDeepEqual(a.timeline, b.timeline);
});
