/**
 * The TR 26.850 file-repair example end to end: a FLUTE session of a 6.7 kB image (256-byte symbols,
 * 1024-byte payloads, Compact No-Code) loses the packets carrying ESIs 4–7 and 20–26; the receiver asks
 * a real repair server on loopback for exactly those 11 symbols and completes the file, MD5 checked.
 */
import { createHash, randomBytes } from 'node:crypto';
import test from 'ava';
import { VirtualClock } from '../src/clock/index.ts';
import { compactNoCode, fecScheme } from '../src/mbms/fec/index.ts';
import { FluteReceiver, FluteSender, type ReceivedFile } from '../src/mbms/flute/index.ts';
import { decodePacket } from '../src/mbms/packet/index.ts';
import { RepairClient, RepairServer } from '../src/mbms/repair/index.ts';
import { MemorySink } from '../src/mbms/transport/index.ts';
import { seededRandom } from '../src/random/index.ts';

test('TR 26.850 repair example: 11 lost symbols fetched from the repair server complete the file', async (t) => {
  const clock = new VirtualClock();
  const image = new Uint8Array(randomBytes(6700));
  const contentLocation = 'http://bmsc.example/fw/image.bin';
  const receiver = new FluteReceiver({ clock, tsi: 3 });
  const files: ReceivedFile[] = [];
  receiver.on('file', (f) => files.push(f));
  const lostFirstEsis = new Set([4, 20, 24]); // packets of 4 symbols: ESIs 4–7, 20–23, 24–26
  const sink = new MemorySink((packet) => {
    const d = decodePacket(packet);
    if (
      d.ok &&
      d.packet.toi !== 0n &&
      lostFirstEsis.has(compactNoCode.decodePayloadId(d.packet.payloadId).esi)
    )
      return;
    receiver.push(packet);
  });
  await new FluteSender({
    clock,
    sink,
    tsi: 3,
    fec: 0,
    symbolLength: 256,
    symbolsPerPacket: 4,
    fdtEvery: 1000,
  }).send([{ contentLocation, bytes: image }]);
  t.deepEqual(files, []);
  const request = receiver.repairRequest(contentLocation);
  t.truthy(request);
  t.deepEqual(
    request!.missing.map((m) => m.esis),
    [[4, 5, 6, 7, 20, 21, 22, 23, 24, 25, 26]],
  );

  const server = await RepairServer.start({
    clock,
    files: [
      {
        contentLocation,
        content: image,
        contentMd5: createHash('md5').update(image).digest('base64'),
        oti: request!.oti,
      },
    ],
  });
  t.teardown(() => server.close());
  const client = new RepairClient({
    clock,
    random: seededRandom(1),
    backoff: { offsetTime: 5, randomTimePeriod: 10 },
  });
  const before = clock.now();
  const result = await client.repairSymbols({
    fileURI: contentLocation,
    oti: request!.oti,
    missing: request!.missing,
    servers: [server.serviceUri],
  });
  if (result.kind !== 'symbols') throw new Error(`expected symbols, got a ${result.kind} redirect`);
  t.is(result.symbols.length, 11);
  // The request waited its back-off: offsetTime + U(0, randomTimePeriod), between 5 and 15 s of virtual time.
  t.true(clock.now() - before >= 5000 && clock.now() - before <= 15_000);
  receiver.addRepairSymbols(contentLocation, result.symbols);
  t.is(files.length, 1);
  t.deepEqual(files[0]!.bytes, image);
  t.is(fecScheme(request!.oti.encodingId).id, 0);
});
