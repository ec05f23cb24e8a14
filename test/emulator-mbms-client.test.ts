/**
 * The device's MBMS client inside an emulated module: FLUTE packets in, file into the module's file
 * system with #XMBMSFILE, repair from a real repair server on loopback, reception report to a real
 * collector. Packets are handed over directly (the air is the sim eNB's job, tested on its own).
 */
import { createHash } from 'node:crypto';
import test from 'ava';
import { ANNOUNCEMENT_FILE, MbmsClient } from '../firmware-stubs/mbms-client/index.ts';
import { announce, fec, flute, packet, repair, report, transport } from '../src/mbms/index.ts';
import type { MbmsFileEvent } from '../src/modem/index.ts';
import { seededRandom } from '../src/random/index.ts';
import { openEmulatedModem } from './helpers/emulated-modem.ts';

const TMGI = '00A10100F110';
const LOCATION = 'http://bmsc.rig/c1/fw.img';

async function setUp(t: import('ava').ExecutionContext, drop: (p: Uint8Array) => boolean) {
  const m = await openEmulatedModem('quectel-bg95');
  t.teardown(() => m.close());
  await m.modem.attach();
  const bytes = new Uint8Array(6000).map((_, i) => (i * 7) & 0xff);
  const md5 = createHash('md5').update(bytes).digest('base64');
  const oti = fec.fecScheme(1).encoder(bytes, { symbolLength: 256 }).oti as repair.RepairOti;
  const server = await repair.RepairServer.start({
    clock: m.clock,
    files: [{ contentLocation: LOCATION, content: bytes, contentMd5: md5, oti, path: '/c1/fw.img' }],
  });
  t.teardown(() => server.close());
  const collector = await report.ReceptionReportCollector.start({ clock: m.clock });
  t.teardown(() => collector.close());
  const start = m.clock.now();
  const content: announce.AnnouncementContent = {
    validFrom: Math.floor(start / 1000) * 1000,
    validUntil: Math.ceil(start / 1000) * 1000 + 3_600_000,
    usd: {
      serviceId: 'urn:t',
      requiredFeatures: [22],
      deliveryMethods: [
        { sessionDescriptionUri: 'http://b/s.sdp', associatedProcedureDescriptionUri: 'http://b/a.xml' },
      ],
      scheduleDescriptionUri: 'http://b/sch.xml',
    },
    session: {
      tmgi: TMGI,
      serviceId: 'urn:t',
      group: '239.255.1.1',
      port: 4000,
      sourceAddress: '127.0.0.1',
      tsi: 1,
      start: Math.ceil(start / 1000) * 1000,
      stop: Math.ceil(start / 1000) * 1000 + 600_000,
      fec: { encodingId: 1, redundancyPercent: 0 },
      procedures: {
        fileRepair: { serverUris: [server.serviceUri], offsetTime: 1, randomTimePeriod: 5 },
        receptionReport: {
          serverUris: [collector.serviceUri],
          offsetTime: 1,
          randomTimePeriod: 5,
          reportType: 'RAck',
        },
      },
    },
    schedule: {
      serviceId: 'urn:t',
      sessions: [
        { start: Math.ceil(start / 1000) * 1000, stop: Math.ceil(start / 1000) * 1000 + 600_000, index: 1 },
      ],
      files: [{ contentLocation: LOCATION, md5, windows: [], fdt: { toi: 1, contentLength: bytes.length } }],
      cancelled: { sessions: [], files: [] },
    },
  };
  const sa = announce.encodeAnnouncementMessage(content, 'xml').bytes;
  m.module.files.write(ANNOUNCEMENT_FILE, sa, { overwrite: true });
  const client = new MbmsClient({
    module: m.module,
    id: m.modem.identity.imei,
    clock: m.clock,
    random: seededRandom(3),
  });
  await m.modem.multicastEnable(true);
  await m.modem.multicastJoin(TMGI);
  const files: MbmsFileEvent[] = [];
  m.modem.on('mbms-file', (f) => files.push(f));
  client.sessionStarted(TMGI);
  const sink = new transport.MemorySink((p) => {
    if (!drop(p) && client.tuned(TMGI)) client.receive(TMGI, p);
  });
  await new flute.FluteSender({
    clock: m.clock,
    sink,
    tsi: 1,
    fec: 1,
    symbolLength: 256,
    fdtEvery: 1000,
  }).send([{ contentLocation: LOCATION, bytes }]);
  client.sessionEnded(TMGI);
  await client.settled();
  await m.clock.sleep(10_000);
  return { m, client, files, bytes, server, collector };
}

const toiOf = (p: Uint8Array) => {
  const d = packet.decodePacket(p);
  return d.ok ? Number(d.packet.toi) : -1;
};

test('lossless: the file lands in the module, #XMBMSFILE says complete, a reception report reaches the collector', async (t) => {
  const { m, client, files, bytes, collector } = await setUp(t, () => false);
  t.deepEqual(
    files.map((f) => f.status),
    ['complete'],
  );
  t.deepEqual(new Uint8Array(await m.modem.readFile('fw.img')), bytes);
  t.true(client.records[0]!.receivedBeforeRepair);
  t.is(collector.stored.length, 1);
});

test('every FDT instance lost: the client fetches the whole file from the repair server under its fileURI path', async (t) => {
  const { m, client, files, bytes, server } = await setUp(t, (p) => toiOf(p) === 0);
  t.deepEqual(
    files.map((f) => f.status),
    ['complete'],
  );
  t.deepEqual(new Uint8Array(await m.modem.readFile('fw.img')), bytes);
  const r = client.records[0]!;
  t.false(r.receivedBeforeRepair);
  t.true(r.receivedAfterRepair);
  t.true(server.log.some((e) => e.url === '/c1/fw.img' && e.status === 200));
});

test('a third of the file packets lost: symbol repair completes it; only the missing symbols are asked for', async (t) => {
  let n = 0;
  const { client, files, server } = await setUp(t, (p) => toiOf(p) === 1 && n++ % 3 === 0);
  t.deepEqual(
    files.map((f) => f.status),
    ['complete'],
  );
  const r = client.records[0]!;
  t.false(r.receivedBeforeRepair);
  t.true(r.repair !== undefined && 'requestedSymbols' in r.repair && r.repair.requestedSymbols > 0);
  t.true(server.log.some((e) => e.kind === 'symbols'));
});
