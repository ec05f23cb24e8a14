import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { connectAsync, type IPublishPacket } from 'mqtt';
import type { LogEvent } from '../src/runner/model.ts';
import { MqttPublisher, topicLevel } from '../src/runner/report/index.ts';
import { ResultsLog } from '../src/runner/results-log.ts';
import { freePort, mosquittoFor } from './helpers/mosquitto.ts';
import { HOSTILE, makeRunDir } from './helpers/report-run-dir.ts';

const RUN = '20260105-093000-nightly';

interface Received {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
}

async function subscriber(port: number, topic: string, options: { clientId?: string; clean?: boolean } = {}) {
  const client = await connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 100, ...options });
  const got: Received[] = [];
  client.on('message', (topic, payload, packet: IPublishPacket) =>
    got.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain }),
  );
  await client.subscribeAsync(topic, { qos: 1 });
  return { client, got };
}

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * mosquitto on a given port with its session store in `dir`: stopped and started again on the same port, it
 * keeps the subscriber's persistent session, so what the publisher sends right after the restart is queued
 * for the subscriber even if it reconnects later. (The shared helper picks its own port.)
 */
async function mosquittoOn(port: number, dir: string): Promise<{ stop(): Promise<void> }> {
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location ${dir}/\n`,
  );
  const bin = existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';
  const proc = spawn(bin, ['-c', conf], { stdio: 'ignore' });
  const listening = () =>
    new Promise<boolean>((resolve) => {
      const sock = tcpConnect(port, '127.0.0.1', () => {
        sock.destroy();
        resolve(true);
      }).on('error', () => resolve(false));
    });
  const deadline = Date.now() + 5000;
  while (!(await listening())) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`mosquitto did not listen on 127.0.0.1:${port} (exit ${proc.exitCode})`);
    }
    await sleep(20);
  }
  return {
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

test.serial(
  'mqtt (real mosquitto): every event, each step and the retained verdict on the documented topics, QoS 1',
  async (t) => {
    const port = await mosquittoFor(t);
    const run = await makeRunDir();
    t.teardown(run.remove);
    const sub = await subscriber(port, 'rig/run/#');
    t.teardown(() => sub.client.endAsync(true));

    const log = new ResultsLog(join(run.dir, 'live.jsonl'));
    const publisher = new MqttPublisher({ url: `mqtt://127.0.0.1:${port}` }).attach(log);
    for (const e of run.events) log.write(e);
    log.close();
    const stats = await publisher.close({ deadlineMs: 5000 });
    t.is(stats.buffered + stats.inflight, 0);
    t.is(stats.dropped, 0);
    const expected = run.events.length + 6 + 1;
    t.is(stats.delivered, expected);
    await until('every message at the subscriber', () => sub.got.length >= expected);

    const events = sub.got.filter((m) => m.topic === `rig/run/${RUN}/event`);
    t.deepEqual(
      events.map((m) => JSON.parse(m.payload) as LogEvent),
      run.events,
      'every log event, in order',
    );
    t.true(sub.got.every((m) => m.qos === 1));
    const steps = sub.got.filter((m) => m.topic.startsWith(`rig/run/${RUN}/step/`));
    t.deepEqual(
      steps.map((m) => m.topic.slice(`rig/run/${RUN}/step/`.length)),
      ['psm/attach', 'psm/sleep', 'psm/hostile', 'psm/relay', 'psm/edrx', 'update/uc1'],
    );
    const hostile = JSON.parse(steps[2]!.payload);
    t.is(hostile.title, HOSTILE);
    t.is(hostile.verdict, 'fail');

    // A dashboard that subscribes after the run still gets its verdict: retained.
    const late = await subscriber(port, `rig/run/${RUN}/verdict`);
    t.teardown(() => late.client.endAsync(true));
    await until('the retained verdict', () => late.got.length === 1);
    t.true(late.got[0]!.retain);
    t.like(JSON.parse(late.got[0]!.payload), { runId: RUN, verdict: 'error', complete: true });
  },
);

test.serial(
  'mqtt (real mosquitto): messages published while the broker is away arrive after it restarts on the same port',
  async (t) => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'rig-mqtt-restart-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    let broker = await mosquittoOn(port, dir);
    t.teardown(() => broker.stop());
    const run = await makeRunDir();
    t.teardown(run.remove);
    // A persistent session, so the restarted broker queues for it until it is back.
    const sub = await subscriber(port, `rig/run/${RUN}/event`, {
      clientId: 'rig-test-dashboard',
      clean: false,
    });
    t.teardown(() => sub.client.endAsync(true));

    const publisher = new MqttPublisher({ url: `mqtt://127.0.0.1:${port}`, reconnectPeriodMs: 200 });
    const half = Math.floor(run.events.length / 2);
    for (const e of run.events.slice(0, half)) publisher.publish(e);
    const firstHalf = half + run.events.slice(0, half).filter((e) => e.t === 'step-end').length;
    await until('the first half acknowledged', () => publisher.stats().delivered === firstHalf);

    await broker.stop();
    await until('the publisher to see the broker gone', () => !publisher.stats().connected);
    for (const e of run.events.slice(half)) publisher.publish(e);
    const away = publisher.stats();
    t.false(away.connected);
    t.true(away.buffered + away.inflight > 0, 'messages wait while the broker is away');
    t.is(away.dropped, 0);

    broker = await mosquittoOn(port, dir);
    const stats = await publisher.close({ deadlineMs: 10_000 });
    t.is(stats.buffered + stats.inflight, 0, 'everything delivered after the restart');
    await until(
      'every event at the subscriber',
      () => new Set(sub.got.map((m) => m.payload)).size === run.events.length,
    );
    // At least once: a message in flight when the broker died may come twice; order is kept otherwise.
    const unique = [...new Map(sub.got.map((m) => [m.payload, m])).values()];
    t.deepEqual(
      unique.map((m) => JSON.parse(m.payload) as LogEvent),
      run.events,
    );
  },
);

test('mqtt: with no broker the buffer is bounded, dropping the oldest, and close() keeps its deadline', async (t) => {
  const port = await freePort(); // nothing listens here
  const publisher = new MqttPublisher({
    url: `mqtt://127.0.0.1:${port}`,
    maxBuffered: 5,
    reconnectPeriodMs: 50,
  });
  const events: LogEvent[] = Array.from({ length: 20 }, (_, i) => ({
    t: 'scenario-end',
    at: i,
    wall: i,
    scenario: `s${i}`,
    verdict: 'pass',
  }));
  for (const e of events) publisher.publish(e);
  t.like(publisher.stats(), { connected: false, buffered: 5, dropped: 15, delivered: 0 });
  const started = Date.now();
  const left = await publisher.close({ deadlineMs: 200 });
  t.true(Date.now() - started < 2000);
  t.like(left, { buffered: 5, dropped: 15, delivered: 0 });
});

test('mqtt: ids become single topic levels', (t) => {
  t.is(topicLevel('a/b+c#d'), 'a_b_c_d');
  t.is(topicLevel(''), '_');
  t.is(topicLevel('psm'), 'psm');
});
