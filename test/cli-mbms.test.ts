import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { createNamespace, netnsAvailable } from './helpers/netns.ts';

const RIG = join(import.meta.dirname, '..', 'bin', 'rig.js');

function inNs(ns: string, args: string[]) {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, RIG, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

const CASES = [
  { fec: 'raptor', drop: 'uniform:0.1', overhead: '40%', n: 1 },
  { fec: 'raptorq', drop: 'ge:0.02,0.3', overhead: '50%', n: 2 },
  { fec: 'none', drop: 'none', overhead: '0%', n: 3 },
] as const;

for (const { fec, drop, overhead, n } of CASES) {
  test(`rig mbms send → receive over UDP multicast in a private network namespace (FEC ${fec}, loss ${drop})`, async (t) => {
    if (!netnsAvailable() && process.env.RIG_NO_NETNS === '1') {
      t.log('RIG_NO_NETNS=1: not exercised on this machine');
      t.pass();
      return;
    }
    const ns = createNamespace(t);
    const dir = mkdtempSync(join(tmpdir(), 'rig-mbms-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const image = join(dir, 'update.bin');
    writeFileSync(image, randomBytes(30_000));
    const group = `239.255.4.${n}:4100`;
    const receiver = inNs(ns.name, [
      'mbms',
      'receive',
      '--group',
      group,
      '--interface',
      '127.0.0.1',
      '--out',
      join(dir, 'out'),
      '--timeout',
      '30s',
      '--drop',
      drop,
      '--json',
    ]);
    t.teardown(() => receiver.child.kill('SIGKILL'));
    await sleep(1500); // the receiver joins the group; the carousel below covers a slow start
    const sender = inNs(ns.name, [
      'mbms',
      'send',
      image,
      '--group',
      group,
      '--interface',
      '127.0.0.1',
      '--fec',
      fec,
      '--overhead',
      overhead,
      '--rate',
      '4Mbit',
      '--repeat',
      fec === 'none' ? '4' : '1',
      '--json',
    ]);
    const sent = await sender.done;
    t.is(sent.code, 0, sent.stderr);
    const received = await receiver.done;
    t.is(received.code, 0, `${received.stdout}\n${received.stderr}`);
    const report = JSON.parse(received.stdout) as { files: { path: string }[] };
    t.deepEqual(readFileSync(report.files[0]!.path), readFileSync(image));
  });
}

test('rig mbms: bad arguments are named', async (t) => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, [RIG, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      c.stderr.on('data', (d) => {
        stderr += d;
      });
      c.on('exit', (code) => resolve({ code, stderr }));
    });
  const fec = await run(['mbms', 'send', 'x', '--group', '239.1.1.1:1', '--fec', 'turbo']);
  t.is(fec.code, 2);
  t.regex(fec.stderr, /--fec: expected none, raptor or raptorq, got "turbo"/);
  const group = await run(['mbms', 'receive', '--group', '10.1.1.1:4000', '--out', join(tmpdir(), 'x')]);
  t.is(group.code, 1);
  t.regex(group.stderr, /10\.1\.1\.1 is not a multicast address/);
});

test('rig mbms announce writes the USD, SDP, schedule and ADPD, and the TR 26.850 binary form', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rig-announce-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const image = join(dir, 'update.bin');
  writeFileSync(image, randomBytes(6700));
  const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const c = spawn(
      process.execPath,
      [
        RIG,
        'mbms',
        'announce',
        '--tmgi',
        '00000100F110',
        '--group',
        '239.255.1.1:4000',
        '--tsi',
        '5',
        '--start',
        '+1h',
        '--repair',
        'http://127.0.0.1:8080/repair',
        '--file',
        image,
        '--out',
        join(dir, 'sa'),
        '--binary',
        join(dir, 'sa.bin'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => {
      stdout += d;
    });
    c.stderr.on('data', (d) => {
      stderr += d;
    });
    c.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
  t.is(r.code, 0, r.stderr);
  const sdp = readFileSync(join(dir, 'sa', 'session.sdp'), 'utf8');
  t.regex(sdp, /^a=flute-tsi:5$/m);
  t.regex(sdp, /^m=application 4000 FLUTE\/UDP 0$/m);
  t.regex(readFileSync(join(dir, 'sa', 'schedule.xml'), 'utf8'), /update\.bin/);
  t.regex(readFileSync(join(dir, 'sa', 'adpd.xml'), 'utf8'), /http:\/\/127\.0\.0\.1:8080\/repair/);
  t.true(readFileSync(join(dir, 'sa.bin')).length < Buffer.byteLength(sdp) + 2000);
});

test('rig mbms repair-server answers a symbol-based repair request with a simpleSymbolContainer', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rig-repair-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const image = join(dir, 'image.bin');
  writeFileSync(image, randomBytes(6700));
  const child = spawn(
    process.execPath,
    [RIG, 'mbms', 'repair-server', image, '--fec', 'none', '--symbol', '256'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.teardown(() => child.kill('SIGKILL'));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      const m = /repair server at (\S+)/.exec(d.toString());
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`repair-server exited with ${code}`)));
  });
  const reply = await fetch(`${url}?fileURI=image.bin&SBN=0;ESI=4-7,20-26`);
  t.is(reply.status, 200);
  t.is(reply.headers.get('content-type'), 'application/simpleSymbolContainer');
  // Two groups: 6-byte header + 4 × 256 bytes, and 6 + 6 × 256 + the 44-byte last symbol.
  t.is((await reply.arrayBuffer()).byteLength, 6 + 4 * 256 + 6 + 6 * 256 + 44);
});
