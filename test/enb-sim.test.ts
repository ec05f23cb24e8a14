/**
 * The simulated eNB (an air-interface model: no RF here) against plain test devices that record what
 * reached them: session timing, tuning, per-device loss, coverage, paging and unicast bearers.
 */
import test from 'ava';
import { VirtualClock } from '../src/clock/index.ts';
import { type AirDevice, bearer, EnbError, SimEnb } from '../src/enb/index.ts';

class RecordingDevice implements AirDevice {
  received = 0;
  events: string[] = [];
  tunedTo = new Set<string>();
  po: number | 'psm' | 'off' = 0;
  pagedAt: number[] = [];
  constructor(
    readonly id: string,
    readonly clock: VirtualClock,
  ) {}
  tuned(tmgi: string) {
    return this.tunedTo.has(tmgi);
  }
  receive() {
    this.received++;
  }
  sessionStarted(tmgi: string) {
    this.events.push(`start ${tmgi} @${this.clock.now()}`);
  }
  sessionEnded(tmgi: string) {
    this.events.push(`end ${tmgi} @${this.clock.now()}`);
  }
  nextPagingOccasion() {
    return this.po;
  }
  paged() {
    this.pagedAt.push(this.clock.now());
  }
}

const TMGI = '00A10100F110';
const packet = new Uint8Array(556);

async function bench(seed = 1) {
  const clock = new VirtualClock({ start: 1_000_000 });
  const enb = new SimEnb({ clock, seed });
  await enb.start();
  return { clock, enb };
}

test('a session goes on air at its start: packets before it are dropped, devices hear start and end', async (t) => {
  const { clock, enb } = await bench();
  const d = new RecordingDevice('d1', clock);
  d.tunedTo.add(TMGI);
  enb.attach(d);
  const s = await enb.openSession({ tmgi: TMGI, group: '239.255.1.1', port: 4000, start: 1_060_000 });
  await s.ingress.send(packet);
  t.is(s.stats.earlyPackets, 1);
  t.is(d.received, 0);
  await clock.sleep(60_000);
  t.deepEqual(d.events, [`start ${TMGI} @1060000`]);
  await s.ingress.send(packet);
  await s.close();
  t.deepEqual(d.events, [`start ${TMGI} @1060000`, `end ${TMGI} @1060000`]);
  t.is(s.stats.packets, 1);
  t.true(s.stats.airtimeMs > 0);
  await t.throwsAsync(s.ingress.send(packet), { instanceOf: EnbError, message: /closed/ });
});

test('only tuned devices receive; the others count the packets they slept through', async (t) => {
  const { clock, enb } = await bench();
  const awake = new RecordingDevice('awake', clock);
  const asleep = new RecordingDevice('asleep', clock);
  awake.tunedTo.add(TMGI);
  enb.attach(awake, { loss: { kind: 'none' } });
  enb.attach(asleep, { loss: { kind: 'none' } });
  const s = await enb.openSession({ tmgi: TMGI, group: '239.255.1.1', port: 4000 });
  for (let i = 0; i < 10; i++) await s.ingress.send(packet);
  t.is(awake.received, 10);
  t.is(asleep.received, 0);
  t.is(s.statsOf('asleep').missedNotTuned, 10);
  t.is(s.statsOf('awake').received, 10);
});

test('per-device loss is seeded per device: attach order does not change who lost what', async (t) => {
  const run = async (order: string[]) => {
    const { clock, enb } = await bench(7);
    const devices = order.map((id) => new RecordingDevice(id, clock));
    for (const d of devices) {
      d.tunedTo.add(TMGI);
      enb.attach(d, { loss: { kind: 'uniform', rate: 0.3 } });
    }
    const s = await enb.openSession({ tmgi: TMGI, group: '239.255.1.1', port: 4000 });
    for (let i = 0; i < 200; i++) await s.ingress.send(packet);
    return Object.fromEntries(devices.map((d) => [d.id, d.received]));
  };
  const a = await run(['x', 'y', 'z']);
  const b = await run(['z', 'x', 'y']);
  t.deepEqual(a, b);
  for (const n of Object.values(a)) t.true(n > 100 && n < 180, `about 70 % of 200 received, got ${n}`);
});

test('coverage: a session for CE level 2 is slower; a device deeper than the session targets loses more', async (t) => {
  const { clock, enb } = await bench();
  const good = new RecordingDevice('good', clock);
  const deep = new RecordingDevice('deep', clock);
  good.tunedTo.add(TMGI);
  deep.tunedTo.add(TMGI);
  enb.attach(good, { coverage: 0 });
  enb.attach(deep, { coverage: 2 });
  t.true(
    enb.plannedRateBps() < bearer.bearerRateBps(bearer.defaultBearer('nb-iot', 0)),
    'the deepest device sets the rate',
  );
  const s = await enb.openSession({ tmgi: TMGI, group: '239.255.1.1', port: 4000, targetCoverage: 0 });
  t.is(s.rateBps, bearer.bearerRateBps(bearer.defaultBearer('nb-iot', 0)));
  for (let i = 0; i < 300; i++) await s.ingress.send(packet);
  t.true(deep.received < good.received / 2, `deep ${deep.received} vs good ${good.received}`);
});

test('paging reaches each device at its paging occasion; a sleeping or unknown device is reported, not waited for', async (t) => {
  const { clock, enb } = await bench();
  const edrx = new RecordingDevice('edrx', clock);
  edrx.po = 1_000_000 + 40_960;
  const psm = new RecordingDevice('psm', clock);
  psm.po = 'psm';
  enb.attach(edrx);
  enb.attach(psm);
  const outcomes = await enb.page(['edrx', 'psm', 'nobody']);
  t.deepEqual(outcomes, [
    { device: 'edrx', reached: { ok: true, at: 1_040_960 } },
    { device: 'psm', reached: { ok: false, reason: 'unreachable' } },
    { device: 'nobody', reached: { ok: false, reason: 'unknown-device' } },
  ]);
  t.deepEqual(edrx.pagedAt, [1_040_960]);
  t.deepEqual(psm.pagedAt, []);
});

test('a unicast bearer reaches only its device, loses nothing (HARQ) and costs retransmission airtime', async (t) => {
  const { clock, enb } = await bench();
  const a = new RecordingDevice('a', clock);
  const b = new RecordingDevice('b', clock);
  a.tunedTo.add(TMGI);
  b.tunedTo.add(TMGI);
  enb.attach(a, { loss: { kind: 'uniform', rate: 0.5 } });
  enb.attach(b);
  const s = await enb.openUnicastSession('a', { tmgi: TMGI, group: '239.255.1.1', port: 4000 });
  for (let i = 0; i < 20; i++) await s.ingress.send(packet);
  t.is(a.received, 20);
  t.is(b.received, 0);
  const oneWay = bearer.airtimeMs(packet.length, bearer.defaultBearer('nb-iot', 0, 'unicast'));
  t.true(s.stats.airtimeMs > 20 * oneWay, 'HARQ retransmissions add airtime');
  t.is(enb.unicastAirtimeEstimateMs('a', packet.length), oneWay / 0.9);
});

test('errors name the eNB and what was wrong: not started, duplicate TMGI, unknown unicast device', async (t) => {
  const clock = new VirtualClock();
  const enb = new SimEnb({ clock, seed: 1 });
  await t.throwsAsync(enb.openSession({ tmgi: TMGI, group: '239.255.1.1', port: 4000 }), {
    instanceOf: EnbError,
    message: /eNB sim: cannot open a session: the eNB is stopped/,
  });
  await enb.start();
  await enb.openSession({ tmgi: TMGI, group: '239.255.1.1', port: 4000 });
  await t.throwsAsync(enb.openSession({ tmgi: TMGI.toLowerCase(), group: '239.255.1.1', port: 4000 }), {
    message: /already open/,
  });
  await t.throwsAsync(enb.openUnicastSession('ghost', { tmgi: TMGI, group: '239.255.1.1', port: 4000 }), {
    message: /ghost: no such device/,
  });
  t.throws(() => enb.attach(new RecordingDevice('x', clock)) ?? enb.attach(new RecordingDevice('x', clock)), {
    message: /already attached/,
  });
  await enb.stop();
  t.is(enb.health().state, 'stopped');
});
