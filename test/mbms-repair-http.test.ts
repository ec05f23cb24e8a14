import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import test from 'ava';
import { VirtualClock } from '../src/clock/index.ts';
import {
  RepairClient,
  type RepairClientError,
  type RepairFile,
  RepairServer,
  SYMBOL_CONTAINER_MIME,
  symbolsToByteRanges,
} from '../src/mbms/repair/index.ts';
import { seededRandom } from '../src/random/index.ts';

// TR 26.850 §7.3.2.1: a 6.7 kB firmware image, 256-byte symbols, FLUTE payloads of 1024 bytes (4 symbols).
const IMAGE = Uint8Array.from({ length: 6700 }, (_, i) => (i * 131 + (i >> 8)) & 0xff);
const MD5 = createHash('md5').update(IMAGE).digest('base64');
const FILE: RepairFile = {
  contentLocation: 'http://www.example.com/fw/image.bin',
  content: IMAGE,
  contentMd5: MD5,
  fileEtag: 'df69d20220cb1ff4',
  oti: { encodingId: 0, transferLength: 6700, symbolLength: 256 },
};
// Packets 1 (ESIs 4–7), 5 (20–23) and 6 (24–26, the last one short) were lost.
const LOST = [{ sbn: 0, esis: [4, 5, 6, 7, 20, 21, 22, 23, 24, 25, 26] }];

async function start(clock: VirtualClock, extra: Partial<Parameters<typeof RepairServer.start>[0]> = {}) {
  return RepairServer.start({ clock, files: [FILE], ...extra });
}

async function raw(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers, redirect: 'manual' });
  return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
}

test('TR 26.850 example: 11 lost symbols are asked for in one GET and come back in a container', async (t) => {
  const clock = new VirtualClock();
  await using server = await start(clock);
  const seed = 26850;
  const client = new RepairClient({
    clock,
    random: seededRandom(seed),
    backoff: { offsetTime: 5, randomTimePeriod: 10 },
  });
  const t0 = clock.now();
  const result = await client.repairSymbols({
    fileURI: FILE.contentLocation,
    contentMd5: MD5,
    oti: FILE.oti,
    missing: LOST,
    servers: [server.serviceUri],
  });
  if (result.kind !== 'symbols') return t.fail(result.kind);
  // The back-off is offsetTime + U(0, randomTimePeriod) from the same seeded source's first draw.
  const expected = Math.round((5 + seededRandom(seed)() * 10) * 1000);
  t.is(result.backoffMs, expected);
  t.is(result.attempts[0]!.at - t0, expected);
  t.is(result.attempts.length, 1);
  t.is(
    server.log[0]!.url,
    `/repair?fileURI=http://www.example.com/fw/image.bin&Content-MD5=${MD5}&SBN=0;ESI=4-7,20-26`,
  );
  t.is(result.symbols.length, 11);
  const rebuilt = new Uint8Array(IMAGE.length);
  for (let esi = 0; esi < 27; esi++) {
    const mine = result.symbols.find((s) => s.esi === esi);
    if (mine) rebuilt.set(mine.data, esi * 256);
    else rebuilt.set(IMAGE.subarray(esi * 256, Math.min(IMAGE.length, (esi + 1) * 256)), esi * 256);
  }
  t.deepEqual(rebuilt, IMAGE);
  t.deepEqual(server.stats().symbolsServed, 11);

  // The same request by hand: the reply bytes follow figure 18 (checked here without our decoder).
  const reply = await raw(`${server.serviceUri}?fileURI=${FILE.contentLocation}&SBN=0;ESI=4-7,20-26`);
  t.is(reply.status, 200);
  t.is(reply.headers.get('content-type'), SYMBOL_CONTAINER_MIME);
  t.deepEqual([...reply.body.subarray(0, 6)], [0, 4, 0, 0, 0, 4]);
  t.deepEqual(reply.body.subarray(6, 1030), IMAGE.subarray(1024, 2048));
  t.deepEqual([...reply.body.subarray(1030, 1036)], [0, 7, 0, 0, 0, 20]);
  t.deepEqual(reply.body.subarray(1036), IMAGE.subarray(5120));
});

test('every 400 reason carries its 4-digit body; unknown arguments get 501 with Server MBMS/6', async (t) => {
  const clock = new VirtualClock();
  await using server = await start(clock, {
    services: [
      {
        serviceId: 'urn:svc',
        fdtInstances: { 7: [FILE.contentLocation] },
        groups: { fw: [FILE.contentLocation] },
      },
    ],
  });
  const cases: [string, string][] = [
    ['fileURI=http://nowhere/x.bin&SBN=0;ESI=1', '0001 File not found'],
    [
      `fileURI=${FILE.contentLocation}&Content-MD5=AAAAAAAAAAAAAAAAAAAAAA==&SBN=0;ESI=1`,
      '0002 Content-MD5 not valid',
    ],
    [`fileURI=${FILE.contentLocation}&SBN=0;ESI=27`, '0003 SBN or ESI out of range'],
    [`fileURI=${FILE.contentLocation}&SBN=1`, '0003 SBN or ESI out of range'],
    ['serviceId=urn:other&fdtInstanceId=7', '0004 ServiceId not found'],
    ['serviceId=urn:svc&fdtInstanceId=8', '0005 fdtInstanceId not found'],
    ['serviceId=urn:svc&fdtGroupId=nope', '0006 fdtGroupId not found'],
  ];
  for (const [query, body] of cases) {
    const r = await raw(`${server.serviceUri}?${query}`);
    t.is(r.status, 400, query);
    t.is(r.headers.get('content-type'), 'text/plain', query);
    t.is(new TextDecoder().decode(r.body), `${body}\r\n`, query);
  }
  const malformed = await raw(`${server.serviceUri}?fileURI=a&SBN=9-1`);
  t.is(malformed.status, 400);
  t.false(/^\d{4} /.test(new TextDecoder().decode(malformed.body)));
  t.is((await raw(`${server.origin}/no/such/file.bin`)).status, 404);
  const unknown = await raw(`${server.serviceUri}?fileURI=a&colour=blue`);
  t.is(unknown.status, 501);
  t.is(unknown.headers.get('server'), 'MBMS/6');
  // A complete file (no SBN) and a whole FDT instance come back as multipart/related with Content-Location.
  const whole = await raw(`${server.serviceUri}?serviceId=urn:svc&fdtInstanceId=7`);
  t.is(whole.status, 200);
  t.regex(whole.headers.get('content-type') ?? '', /^multipart\/related; boundary=/);
  t.true(
    new TextDecoder('latin1').decode(whole.body).includes(`Content-Location: ${FILE.contentLocation}\r\n`),
  );
  t.deepEqual(Object.entries(server.stats().byStatus).sort(), [
    ['200', 1],
    ['400', 8],
    ['404', 1],
    ['501', 1],
  ]);

  // The client maps the codes to typed errors.
  const client = new RepairClient({ clock, random: seededRandom(1), backoff: { randomTimePeriod: 0 } });
  const wrongMd5 = await t.throwsAsync<RepairClientError>(
    client.repairSymbols({
      fileURI: FILE.contentLocation,
      contentMd5: 'AAAAAAAAAAAAAAAAAAAAAA==',
      oti: FILE.oti,
      missing: LOST,
      servers: [server.serviceUri],
    }),
  );
  t.is(wrongMd5?.kind, 'content-md5-not-valid');
  t.is(wrongMd5?.code, '0002');
});

test('byte-range repair: 206 for one range, multipart/byteranges for several, 412 on a stale If-Match', async (t) => {
  const clock = new VirtualClock();
  await using server = await start(clock);
  const url = server.urlOf(FILE.contentLocation);
  const one = await raw(url, { Range: 'bytes=500-627', 'If-Match': `"${FILE.fileEtag}"` });
  t.is(one.status, 206);
  t.is(one.headers.get('content-range'), 'bytes 500-627/6700');
  t.is(one.headers.get('etag'), `"${FILE.fileEtag}"`);
  t.deepEqual(one.body, IMAGE.subarray(500, 628));
  // Content-MD5 is an accepted entity tag too (§9.3.6.2).
  t.is((await raw(url, { Range: 'bytes=0-0', 'If-Match': `"${MD5}"` })).status, 206);
  const stale = await raw(url, { Range: 'bytes=500-627', 'If-Match': '"10690a1-4f2-40d45ae1"' });
  t.is(stale.status, 412);
  t.is(stale.body.length, 0);
  t.is((await raw(url, { Range: 'bytes=9000-9100' })).status, 416);
  const two = await raw(url, { Range: 'bytes=0-9,6690-' });
  t.is(two.status, 206);
  t.regex(two.headers.get('content-type') ?? '', /^multipart\/byteranges; boundary=/);
  const text = new TextDecoder('latin1').decode(two.body);
  t.true(
    text.includes('Content-Range: bytes 0-9/6700\r\n') &&
      text.includes('Content-Range: bytes 6690-6699/6700\r\n'),
  );
  // If-Range with another version: the whole current file instead of pieces.
  const ifRange = await raw(url, { Range: 'bytes=0-9', 'If-Range': '"old"' });
  t.is(ifRange.status, 200);
  t.is(ifRange.body.length, 6700);

  const client = new RepairClient({
    clock,
    random: seededRandom(2),
    backoff: { offsetTime: 1, randomTimePeriod: 0 },
  });
  const ranges = symbolsToByteRanges(FILE.oti, LOST);
  t.deepEqual(ranges, [
    { first: 1024, last: 2047 },
    { first: 5120, last: 6699 },
  ]);
  const repaired = await client.repairByteRanges({
    acl1: [url],
    ranges,
    entityTag: FILE.fileEtag,
    transferLength: 6700,
  });
  t.is(repaired.backoffMs, 1000);
  t.deepEqual(
    repaired.parts.map((p) => [p.range.first, p.range.last]),
    [
      [1024, 2047],
      [5120, 6699],
    ],
  );
  for (const p of repaired.parts) t.deepEqual(p.data, IMAGE.subarray(p.range.first, p.range.last + 1));
  t.regex(server.log.at(-1)!.url, /\/fw\/image\.bin$/);

  const mismatch = await t.throwsAsync<RepairClientError>(
    client.repairByteRanges({ acl1: [url], ranges, entityTag: 'another-version', transferLength: 6700 }),
  );
  t.is(mismatch?.kind, 'precondition-failed');
  t.is(server.log.at(-1)!.status, 412);
});

test('302 is followed to the other server; a 302 to an SDP means broadcast repair', async (t) => {
  const clock = new VirtualClock();
  await using a = await start(clock);
  await using b = await start(clock);
  a.redirect = () => b.serviceUri;
  const client = new RepairClient({ clock, random: seededRandom(3), backoff: { randomTimePeriod: 0 } });
  const r = await client.repairSymbols({
    fileURI: FILE.contentLocation,
    oti: FILE.oti,
    missing: LOST,
    servers: [a.serviceUri],
  });
  t.is(r.kind, 'symbols');
  t.deepEqual(
    r.attempts.map((x) => x.status),
    [302, 200],
  );
  t.is(b.log.length, 1);
  t.true(b.log[0]!.url.startsWith('/repair?fileURI='));

  a.redirect = () => 'http://www.example.com/3gpp/mbms/repair-session.sdp';
  const bm = await client.repairSymbols({
    fileURI: FILE.contentLocation,
    oti: FILE.oti,
    missing: LOST,
    servers: [a.serviceUri],
  });
  t.deepEqual(
    bm.kind === 'broadcast' ? bm.sessionDescriptionUri : bm.kind,
    'http://www.example.com/3gpp/mbms/repair-session.sdp',
  );
});

test('503 rests a server until Retry-After: another one is tried at once, or the client waits in virtual time', async (t) => {
  const clock = new VirtualClock();
  await using busy = await start(clock);
  await using free = await start(clock);
  busy.overload = { retryAfterSeconds: 30 };
  // With both servers listed, whichever the seeded draw picks first, the repair ends at the free one,
  // with no time passing between the 503 and the retry.
  for (const seed of [1, 2, 3, 4]) {
    const client = new RepairClient({ clock, random: seededRandom(seed), backoff: { randomTimePeriod: 2 } });
    const r = await client.repairSymbols({
      fileURI: FILE.contentLocation,
      oti: FILE.oti,
      missing: LOST,
      servers: [busy.serviceUri, free.serviceUri],
    });
    t.is(r.kind, 'symbols');
    t.is(r.attempts.at(-1)!.status, 200);
    t.is(r.attempts.at(-1)!.at, r.attempts[0]!.at);
  }
  t.true(busy.stats().byStatus['503']! >= 1);

  // Alone and overloaded: no waiting means giving up ...
  const impatient = new RepairClient({ clock, random: seededRandom(5), backoff: { randomTimePeriod: 0 } });
  const gaveUp = await t.throwsAsync<RepairClientError>(
    impatient.repairSymbols({
      fileURI: FILE.contentLocation,
      oti: FILE.oti,
      missing: LOST,
      servers: [busy.serviceUri],
    }),
  );
  t.is(gaveUp?.kind, 'exhausted');
  // ... and waiting resumes exactly Retry-After later on the virtual clock.
  const patient = new RepairClient({
    clock,
    random: seededRandom(6),
    backoff: { randomTimePeriod: 0 },
    waitForRetryAfter: true,
  });
  clock.setTimer(10_000, () => {
    busy.overload = undefined;
  });
  const r = await patient.repairSymbols({
    fileURI: FILE.contentLocation,
    oti: FILE.oti,
    missing: LOST,
    servers: [busy.serviceUri],
  });
  t.deepEqual(
    r.attempts.map((x) => x.status),
    [503, 200],
  );
  t.is(r.attempts[1]!.at - r.attempts[0]!.at, 30_000);
});

test('a server that does not answer is dropped; a short reply is asked again; long lists split over GETs', async (t) => {
  const clock = new VirtualClock();
  const closedPort = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
  await using server = await start(clock, { maxSymbolsPerResponse: 5 });
  const client = new RepairClient({
    clock,
    random: seededRandom(7),
    backoff: { randomTimePeriod: 0 },
    maxUrlLength: 120,
  });
  const missing = [{ sbn: 0, esis: [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26] }];
  const r = await client.repairSymbols({
    fileURI: FILE.contentLocation,
    oti: FILE.oti,
    missing,
    servers: [`http://127.0.0.1:${closedPort}/repair`, server.serviceUri],
  });
  if (r.kind !== 'symbols') return t.fail();
  t.deepEqual(
    r.symbols.map((s) => s.esi).sort((a, b) => a - b),
    missing[0]!.esis,
  );
  for (const s of r.symbols)
    t.deepEqual(s.data, IMAGE.subarray(s.esi * 256, Math.min(6700, s.esi * 256 + 256)));
  // Each reply held at most 5 symbols; every URL kept under the 120-byte limit.
  t.true(server.log.every((e) => (e.symbols ?? 0) <= 5 && e.url.length + server.origin.length <= 120));
  t.true(server.log.length >= 3);
  // All requests of the session shared one TCP connection.
  t.is(new Set(server.log.map((e) => e.remote)).size, 1);
});

test('repair symbols come from the symbol source: Raptor, "ESI=a+n", payload IDs in the scheme layout', async (t) => {
  const clock = new VirtualClock();
  // Raptor (ID 1), 3 blocks of 4 symbols × 16 bytes; symbols beyond K come from the encoder callback.
  const content = Uint8Array.from({ length: 190 }, (_, i) => i);
  const oti = { encodingId: 1 as const, transferLength: 190, symbolLength: 16, sourceBlocks: 3 };
  const calls: [string, number, number[]][] = [];
  await using server = await RepairServer.start({
    clock,
    files: [{ contentLocation: 'urn:fw:raptor', content, oti }],
    symbols: (location, sbn, esis) => {
      calls.push([location, sbn, [...esis]]);
      return esis.map((esi) => new Uint8Array(16).fill((sbn << 6) | (esi & 63)));
    },
  });
  const reply = await raw(`${server.serviceUri}?fileURI=urn:fw:raptor&SBN=1;ESI=120+3`);
  t.is(reply.status, 200);
  t.deepEqual(calls, [['urn:fw:raptor', 1, [120, 121, 122]]]);
  // One group: 3 symbols, FEC Payload ID SBN 16 bits = 1, ESI 16 bits = 120, then 3 × 16 bytes.
  t.deepEqual([...reply.body.subarray(0, 6)], [0, 3, 0, 1, 0, 120]);
  t.is(reply.body.length, 6 + 48);
  t.deepEqual(reply.body.subarray(6 + 16, 6 + 32), new Uint8Array(16).fill((1 << 6) | 121));
  // The ESI field is 16 bits for Raptor: ESI 65536 is out of range (0003).
  const out = await raw(`${server.serviceUri}?fileURI=urn:fw:raptor&SBN=0;ESI=65535+2`);
  t.is(new TextDecoder().decode(out.body), '0003 SBN or ESI out of range\r\n');
});
