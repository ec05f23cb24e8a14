import test from 'ava';
import { VirtualClock } from '../src/clock/index.ts';
import {
  blocksForSymbols,
  CoapClient,
  type CoapRepairError,
  CoapRepairServer,
  coapByteRange,
  coapFetchBlocks,
  coapRepairSymbols,
  decodeBlock,
  encodeBlock,
  type RepairFile,
} from '../src/mbms/repair/index.ts';
import { seededRandom } from '../src/random/index.ts';

// TR 26.850 §7.3.2.1: 6.7 kB firmware, 256-byte symbols, 1024-byte packets; ESIs 4–7 and 20–26 lost.
const IMAGE = Uint8Array.from({ length: 6700 }, (_, i) => (i * 13 + 7) & 0xff);
const FILE: RepairFile = {
  contentLocation: 'http://www.example.com/fw/firmware.bin',
  content: IMAGE,
  fileEtag: 'df69d20220cb1ff4',
  oti: { encodingId: 0, transferLength: 6700, symbolLength: 256 },
  path: '/fw/firmware.bin',
};
const LOST = [{ sbn: 0, esis: [4, 5, 6, 7, 20, 21, 22, 23, 24, 25, 26] }];

async function setup(t: { teardown(fn: () => Promise<void>): void }) {
  const clock = new VirtualClock();
  const server = await CoapRepairServer.start({ clock, files: [FILE] });
  const client = await CoapClient.connect({
    clock,
    random: seededRandom(9),
    host: server.host,
    port: server.port,
  });
  t.teardown(async () => {
    await client.close();
    await server.close();
  });
  return { clock, server, client };
}

test('option 3: the lost symbols sit in 1024-byte blocks 1, 5 and 6, fetched one by one with Block2', async (t) => {
  const { server, client } = await setup(t);
  const blocks = blocksForSymbols(FILE.oti, LOST);
  t.deepEqual(blocks, [1, 5, 6]);
  const got = await coapFetchBlocks(
    client,
    { path: ['fw', 'firmware.bin'], fileEtag: FILE.fileEtag },
    blocks,
  );
  t.deepEqual(got.get(1), IMAGE.subarray(1024, 2048));
  t.deepEqual(got.get(5), IMAGE.subarray(5120, 6144));
  t.deepEqual(got.get(6), IMAGE.subarray(6144, 6700)); // the part of block 6 the file has: ESIs 24–26
  // One exchange per block, no continuation: three requests reached the server.
  t.is(server.log.length, 3);
  t.true(server.log.every((e) => e.status === '2.05' && e.kind === 'block'));
  // Option 4: only repair symbols were broadcast, so the first source bytes do (blocks 0–2).
  const first = await coapFetchBlocks(client, { path: ['fw', 'firmware.bin'] }, [0, 1, 2]);
  t.deepEqual(
    [...first.values()].map((b) => b.length),
    [1024, 1024, 1024],
  );
});

test('options 1 and 2: a byte range by Uri-Query or by the Range option (21), the file named by its ETag', async (t) => {
  const { server, client } = await setup(t);
  const script = { path: ['path', 'repair_script'], fileEtag: FILE.fileEtag };
  t.deepEqual(await coapByteRange(client, script, { first: 500, last: 627 }), IMAGE.subarray(500, 628));
  t.is(server.log[0]!.url, '/path/repair_script?bytefrom=500;byteto=627');
  t.deepEqual(
    await coapByteRange(client, script, { first: 500, last: 627 }, 'range-option'),
    IMAGE.subarray(500, 628),
  );
  // A range longer than one block comes block-wise and is put back together.
  const big = await client.request({
    method: 'GET',
    path: ['fw', 'firmware.bin'],
    query: ['bytefrom=1000;byteto=3999'],
  });
  t.is(big.codeText, '2.05');
  t.deepEqual(big.payload, IMAGE.subarray(1000, 4000));
  t.is(big.exchanges, 3);
  t.deepEqual(big.block2, { num: 0, more: true, szx: 6 });
  t.is(new TextDecoder().decode(big.options.find((o) => o.number === 4)!.value), 'df69d20220cb1ff4');
  // Another version of the file: 4.12 Precondition Failed.
  const stale = await t.throwsAsync<CoapRepairError>(
    coapByteRange(
      client,
      { path: ['fw', 'firmware.bin'], fileEtag: '10690a1-4f2-40d45ae1' },
      { first: 0, last: 9 },
    ),
  );
  t.is(stale?.kind, 'precondition-failed');
  const outside = await t.throwsAsync<CoapRepairError>(
    coapByteRange(client, script, { first: 7000, last: 7100 }),
  );
  t.is(outside?.kind, 'bad-request');
});

test('the whole file in blocks, a smaller block size honoured, and the symbol query over CoAP', async (t) => {
  const { server, client } = await setup(t);
  const whole = await client.request({ method: 'GET', path: ['fw', 'firmware.bin'] });
  t.deepEqual(whole.payload, IMAGE);
  t.is(whole.exchanges, 7);
  // SZX 4 (256-byte blocks): block 20 is bytes 5120–5375, i.e. symbol 20.
  const small = await client.request({
    method: 'GET',
    path: ['fw', 'firmware.bin'],
    block2: { num: 20, szx: 4 },
    followBlocks: false,
  });
  t.deepEqual(small.payload, IMAGE.subarray(5120, 5376));
  t.deepEqual(small.block2, { num: 20, more: true, szx: 4 });

  const symbols = await coapRepairSymbols(client, ['path', 'repair_script'], {
    fileURI: FILE.contentLocation,
    oti: FILE.oti,
    missing: LOST,
  });
  t.deepEqual(
    symbols.map((s) => s.esi),
    LOST[0]!.esis,
  );
  for (const s of symbols)
    t.deepEqual(s.data, IMAGE.subarray(s.esi * 256, Math.min(6700, (s.esi + 1) * 256)));
  const last = server.log.at(-1)!;
  t.is(last.kind, 'symbols');
  t.is(last.symbols, 11);

  const missing = await t.throwsAsync<CoapRepairError>(
    coapRepairSymbols(client, ['path', 'repair_script'], {
      fileURI: 'http://nowhere/x',
      oti: FILE.oti,
      missing: LOST,
    }),
  );
  t.is(missing?.code, '0001');
  t.is(server.log.at(-1)!.status, '4.00');
});

test('a request for a block past the end is refused with 4.02', async (t) => {
  const { client } = await setup(t);
  const r = await client.request({
    method: 'GET',
    path: ['fw', 'firmware.bin'],
    block2: { num: 7, szx: 6 },
    followBlocks: false,
  });
  t.is(r.codeText, '4.02');
});

test('Block option values follow RFC 7959 §2.2 (NUM, M, SZX; SZX 7 reserved)', (t) => {
  t.deepEqual(decodeBlock(Uint8Array.of(0x76)), { num: 7, more: false, szx: 6 });
  t.deepEqual(decodeBlock(Uint8Array.of(0x01, 0x4e)), { num: 20, more: true, szx: 6 });
  t.deepEqual([...encodeBlock({ num: 20, more: true, szx: 6 })], [0x01, 0x4e]);
  t.deepEqual([...encodeBlock({ num: 0, more: false, szx: 0 })], []);
  t.is(decodeBlock(Uint8Array.of(0x17)), undefined);
  t.is(decodeBlock(Uint8Array.of(1, 2, 3, 4)), undefined);
});
