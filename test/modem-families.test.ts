/**
 * The controller's dialects against the emulated modules of each vendor family, end to end: two sides
 * written separately from the same manuals must agree on files, module firmware update and MQTT.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { connectAsync } from 'mqtt';
import { type FotaEvent, UnsupportedError } from '../src/modem/index.ts';
import { benchImage } from './helpers/bench-image.ts';
import { openEmulatedModem } from './helpers/emulated-modem.ts';
import { startMosquitto } from './helpers/mosquitto.ts';

type Opened = Awaited<ReturnType<typeof openEmulatedModem>>;

interface Family {
  id: string;
  /** Where a file goes on this module (SIMCom names a directory). */
  file?: string;
  /** Put the update image where this module's FOTA takes it from; returns the source to pass. */
  stage(m: Opened, image: Buffer, t: ExecutionContext): Promise<string>;
  newRevision: string;
}

const FAMILIES: Family[] = [
  {
    id: 'quectel-bg95',
    file: 'blob.bin',
    newRevision: '2.0.4',
    stage: (m, image) => m.modem.uploadFile('fw.bin', image).then(() => 'fw.bin'),
  },
  {
    id: 'ublox-sara-r5',
    file: 'blob.bin',
    newRevision: '3.16.0',
    stage: (m, image) => m.modem.uploadFile('update.dof', image).then(() => 'update.dof'),
  },
  {
    id: 'simcom-sim7080g',
    file: '/customer/blob.bin',
    newRevision: '1951.17.0',
    stage: (_m, image, t) => serve(t, image),
  },
  { id: 'nordic-nrf9160', newRevision: '1.3.6', stage: (_m, image, t) => serve(t, image) },
];

/** The image on a loopback HTTP server, for modules that fetch their update by URL. */
async function serve(t: ExecutionContext, body: Buffer): Promise<string> {
  const server = createServer((req, res) =>
    req.url === '/update.bin' ? res.end(body) : res.writeHead(404).end(),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/update.bin`;
}

for (const f of FAMILIES) {
  test(`${f.id}: a binary file goes up and reads back byte for byte`, async (t) => {
    const m = await openEmulatedModem(f.id);
    t.teardown(() => m.close());
    const bytes = Buffer.concat([
      Buffer.from('"quoted"\r\nOK\r\n'),
      Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 13) & 0xff)),
    ]);
    if (!f.file) {
      await t.throwsAsync(m.modem.uploadFile('blob.bin', bytes), {
        instanceOf: UnsupportedError,
        message: /no file system/,
      });
      return;
    }
    await m.modem.uploadFile(f.file, bytes);
    t.deepEqual(await m.modem.readFile(f.file), bytes);
  });

  test(`${f.id}: module firmware update ends with the new revision reported after the reboot`, async (t) => {
    const m = await openEmulatedModem(f.id);
    t.teardown(() => m.close());
    await m.modem.attach();
    const source = await f.stage(m, benchImage(f.id, f.newRevision), t);
    const events: FotaEvent[] = [];
    m.modem.on('fota', (e) => events.push(e));
    t.is(await m.modem.firmwareUpdate(source), f.newRevision);
    t.is(events.at(-1)?.stage, 'done');
    t.true(events.some((e) => e.stage === 'installing' || e.stage === 'downloading'));
  });

  test(`${f.id}: MQTT through the module's stack to a real mosquitto, both ways`, async (t) => {
    const broker = await startMosquitto();
    t.teardown(() => broker.stop());
    const m = await openEmulatedModem(f.id, { mqtt: { host: '127.0.0.1', port: broker.port } });
    t.teardown(() => m.close());
    const observer = await connectAsync(`mqtt://127.0.0.1:${broker.port}`, {
      clientId: `observer-${f.id}`,
      reconnectPeriod: 0,
    });
    t.teardown(() => observer.endAsync());
    await observer.subscribeAsync('dut/#', { qos: 1 });
    const seen = new Promise<string>((resolve) =>
      observer.on('message', (topic, payload) => resolve(`${topic}=${payload}`)),
    );
    await m.modem.attach();
    await m.modem.mqttConnect({ host: 'broker.example.com', port: 1883, clientId: `dut-${f.id}` });
    await m.modem.mqttSubscribe('fw/notify');
    await m.modem.mqttPublish('dut/status', 'updated');
    t.is(await seen, 'dut/status=updated');
    const incoming = new Promise<string>((resolve) =>
      m.modem.on('mqtt-message', (msg) => resolve(`${msg.topic}=${msg.payload}`)),
    );
    await observer.publishAsync('fw/notify', 'session at 02:00', { qos: 1 });
    t.is(await incoming, 'fw/notify=session at 02:00');
    await m.modem.mqttDisconnect();
  });
}
