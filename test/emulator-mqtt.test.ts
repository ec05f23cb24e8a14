import test from 'ava';
import { connectAsync } from 'mqtt';
import { bootModule } from '../firmware-stubs/index.ts';
import { freePort, startMosquitto } from './helpers/mosquitto.ts';

async function registeredModule(port: number) {
  // The AT commands name a public host; the emulated network routes MQTT to the test's broker.
  const m = await bootModule({
    profile: 'quectel-bg95',
    seed: 41,
    mqtt: { host: '127.0.0.1', port },
    network: { psm: { kind: 'deny' } },
  });
  await m.term.command('ATE0;+CEREG=1');
  await m.term.waitFor('+CEREG: 1\r\n');
  return m;
}

test('QMT* against a real mosquitto: open, connect, subscribe, publish with prompt, receive, disconnect', async (t) => {
  const broker = await startMosquitto();
  t.teardown(broker.stop);
  const observer = await connectAsync(`mqtt://127.0.0.1:${broker.port}`, {
    clientId: 'observer',
    reconnectPeriod: 0,
  });
  t.teardown(() => observer.endAsync());
  await observer.subscribeAsync('dut/#', { qos: 1 });
  const seen = new Promise<{ topic: string; payload: string }>((resolve) =>
    observer.on('message', (topic, payload) => resolve({ topic, payload: payload.toString() })),
  );

  await using m = await registeredModule(broker.port);
  let from = m.term.mark();
  t.is(await m.term.command('AT+QMTCFG="version",0,4;+QMTCFG="keepalive",0,60'), '\r\nOK\r\n');
  t.is(await m.term.command('AT+QMTOPEN=0,"broker.example.com",1883'), '\r\nOK\r\n');
  await m.term.waitFor('+QMTOPEN: 0,0\r\n', { from });
  t.is(await m.term.command('AT+QMTOPEN?'), '\r\n+QMTOPEN: 0,"broker.example.com",1883\r\n\r\nOK\r\n');
  t.is(await m.term.command('AT+QMTCONN=0,"rig-dut-01"'), '\r\nOK\r\n');
  await m.term.waitFor('+QMTCONN: 0,0,0\r\n', { from });
  t.is(await m.term.command('AT+QMTCONN?'), '\r\n+QMTCONN: 0,3\r\n\r\nOK\r\n');
  await m.term.command('AT+QMTSUB=0,1,"fw/multicast/+",1');
  await m.term.waitFor('+QMTSUB: 0,1,0,1\r\n', { from });

  from = m.term.mark();
  m.term.write('AT+QMTPUB=0,2,1,0,"dut/status",5\r');
  await m.term.waitFor('\r\n> ', { from });
  const publishAt = m.clock.now();
  m.term.write('hello');
  await m.term.waitFor('+QMTPUB: 0,2,0\r\n', { from });
  t.deepEqual(await seen, { topic: 'dut/status', payload: 'hello' });
  t.true(
    ['tx', 'connected'].includes(m.module.timeline.at(publishAt).state),
    'MQTT traffic is RRC-connected activity',
  );

  from = m.term.mark();
  await observer.publishAsync('fw/multicast/x', 'payload', { qos: 1 });
  await m.term.waitFor(/\+QMTRECV: 0,\d+,"fw\/multicast\/x","payload"\r\n/, { from });

  from = m.term.mark();
  await m.term.command('AT+QMTDISC=0');
  await m.term.waitFor('+QMTDISC: 0,0\r\n', { from });
  t.is(m.module.mqtt.state(0), 'closed');
});

test('QMTPUB without a length takes text up to Ctrl-Z', async (t) => {
  const broker = await startMosquitto();
  t.teardown(broker.stop);
  const observer = await connectAsync(`mqtt://127.0.0.1:${broker.port}`, {
    clientId: 'observer2',
    reconnectPeriod: 0,
  });
  t.teardown(() => observer.endAsync());
  await observer.subscribeAsync('dut/text');
  const seen = new Promise<string>((resolve) => observer.on('message', (_t, p) => resolve(p.toString())));
  await using m = await registeredModule(broker.port);
  const from = m.term.mark();
  await m.term.command('AT+QMTOPEN=0,"127.0.0.1",1883');
  await m.term.waitFor('+QMTOPEN: 0,0\r\n', { from });
  await m.term.command('AT+QMTCONN=0,"rig-dut-02"');
  await m.term.waitFor('+QMTCONN: 0,0,0\r\n', { from });
  m.term.write('AT+QMTPUB=0,0,0,0,"dut/text"\r');
  await m.term.waitFor('> ', { from });
  m.term.write('line one\r\nline two\x1a');
  await m.term.waitFor('+QMTPUB: 0,0,0\r\n', { from });
  t.is(await seen, 'line one\r\nline two');
});

test('QMTOPEN failures: not registered → 3 (PDP), nothing listening → 5; a broker that dies gives +QMTSTAT', async (t) => {
  const broker = await startMosquitto();
  t.teardown(broker.stop);
  {
    await using m = await bootModule({
      profile: 'quectel-bg95',
      seed: 41,
      mqtt: { host: '127.0.0.1', port: broker.port },
    });
    await m.term.command('ATE0;+CFUN=0');
    const from = m.term.mark();
    await m.term.command('AT+QMTOPEN=0,"broker.example.com",1883');
    await m.term.waitFor('+QMTOPEN: 0,3\r\n', { from });
  }
  {
    const closedPort = await freePort();
    await using m = await registeredModule(closedPort);
    const from = m.term.mark();
    await m.term.command('AT+QMTOPEN=0,"127.0.0.1",1883');
    await m.term.waitFor('+QMTOPEN: 0,5\r\n', { from });
  }
  {
    await using m = await registeredModule(broker.port);
    const from = m.term.mark();
    await m.term.command('AT+QMTOPEN=0,"127.0.0.1",1883');
    await m.term.waitFor('+QMTOPEN: 0,0\r\n', { from });
    await m.term.command('AT+QMTCONN=0,"rig-dut-03"');
    await m.term.waitFor('+QMTCONN: 0,0,0\r\n', { from });
    await broker.stop();
    await m.term.waitFor('+QMTSTAT: 0,1\r\n', { from });
    t.is(m.module.mqtt.state(0), 'closed');
  }
});
