import { setImmediate as turn } from 'node:timers/promises';
import test from 'ava';
import { formatDuration, RealClock, TimeoutError, VirtualClock } from '../src/clock/index.ts';

const START = Date.UTC(2026, 0, 1);

test('virtual: a day of sleep passes at once and lands exactly on the day', async (t) => {
  const clock = new VirtualClock();
  await clock.sleep(24 * 3600_000);
  t.is(clock.now(), START + 24 * 3600_000);
});

test('virtual: timers fire in due order, and in creation order when due together', async (t) => {
  const clock = new VirtualClock();
  const fired: string[] = [];
  clock.setTimer(300, () => fired.push('c'));
  clock.setTimer(100, () => fired.push('a1'));
  clock.setTimer(100, () => fired.push('a2'));
  clock.setTimer(200, () => fired.push('b'));
  await clock.sleep(1000);
  t.deepEqual(fired, ['a1', 'a2', 'b', 'c']);
});

test('virtual: a cancelled timer never fires and does not move time', async (t) => {
  const clock = new VirtualClock();
  let fired = false;
  clock
    .setTimer(5000, () => {
      fired = true;
    })
    .cancel();
  await clock.sleep(10);
  t.false(fired);
  t.is(clock.now(), START + 10);
});

test('virtual: time does not jump while someone holds the clock', async (t) => {
  const clock = new VirtualClock();
  const hold = clock.hold('bytes on the wire');
  let done = false;
  const sleeping = clock.sleep(60_000).then(() => {
    done = true;
  });
  for (let i = 0; i < 20; i++) await turn();
  t.false(done);
  t.deepEqual(clock.holds, ['bytes on the wire']);
  t.is(clock.now(), START);
  hold.release();
  await sleeping;
  t.is(clock.now(), START + 60_000);
});

test('virtual: a hold that is never released runs out of its real-time lease, so a silent peer cannot freeze time', async (t) => {
  const clock = new VirtualClock({ holdLeaseMs: 50 });
  clock.hold('a peer that never answers');
  const start = clock.now();
  await clock.sleep(30_000); // the deadline that reports the silent peer
  t.is(clock.now(), start + 30_000);
  t.deepEqual(clock.expiredHolds, ['a peer that never answers']);
});

test('virtual: unref timers alone do not keep the clock running', async (t) => {
  const clock = new VirtualClock();
  let fired = 0;
  clock.setTimer(1000, () => fired++).unref();
  for (let i = 0; i < 20; i++) await turn();
  t.is(fired, 0);
  t.is(clock.now(), START);
  // A referenced timer later than it carries time past it, firing it on the way.
  await clock.sleep(2000);
  t.is(fired, 1);
});

test('virtual: while work keeps happening, time waits for it', async (t) => {
  const clock = new VirtualClock();
  let steps = 0;
  const busy = (async () => {
    for (let i = 0; i < 50; i++) {
      await turn();
      steps++;
      clock.poke();
    }
  })();
  const slept = clock.sleep(1000).then(() => steps);
  await busy;
  t.is(await slept, 50);
});

test('virtual: timeoutSignal aborts with a TimeoutError at the virtual instant', async (t) => {
  const clock = new VirtualClock();
  const signal = clock.timeoutSignal(30_000);
  const aborted = new Promise<unknown>((resolve) =>
    signal.addEventListener('abort', () => resolve(signal.reason)),
  );
  const keepAlive = clock.sleep(60_000);
  const reason = await aborted;
  t.true(reason instanceof TimeoutError);
  t.is(clock.now(), START + 30_000);
  await keepAlive;
});

test('virtual: sleep rejects with the abort reason and its timer is dropped', async (t) => {
  const clock = new VirtualClock();
  const ac = new AbortController();
  const p = clock.sleep(10_000, ac.signal);
  ac.abort(new Error('stop'));
  await t.throwsAsync(p, { message: 'stop' });
  t.is(clock.pending, 0);
});

test('virtual, manual mode: advance() fires what is due and nothing more', async (t) => {
  const clock = new VirtualClock({ autoAdvance: false, start: 0 });
  const fired: number[] = [];
  for (const d of [10, 20, 30]) clock.setTimer(d, () => fired.push(d));
  await clock.advance(25);
  t.deepEqual(fired, [10, 20]);
  t.is(clock.now(), 25);
  await clock.runUntilIdle();
  t.deepEqual(fired, [10, 20, 30]);
});

test('real: sleep can be aborted', async (t) => {
  const clock = new RealClock();
  const ac = new AbortController();
  const p = clock.sleep(60_000, ac.signal);
  ac.abort(new Error('enough'));
  await t.throwsAsync(p, { message: 'enough' });
});

test('durations read like a person writes them', (t) => {
  t.is(formatDuration(250), '250 ms');
  t.is(formatDuration(1500), '1.5 s');
  t.is(formatDuration(300_000), '5 min');
  t.is(formatDuration(7_200_000), '2 h');
});
