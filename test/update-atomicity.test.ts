import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import test from 'ava';
import { UpdateAgent, UpdateState } from '../firmware-stubs/agent/index.ts';
import { EmulatedFlash } from '../firmware-stubs/flash/index.ts';
import { runAtomicity } from '../src/cli/atomicity.ts';
import { UsageError } from '../src/cli/main.ts';
import {
  buildImage,
  generateStubImages,
  parsePrivateKey,
  privateKeyPem,
  readStubSet,
  STUB_DEVICE_CLASS,
  STUB_HARDWARE_REVISION,
  STUB_VENDOR,
  signingKeysFromSeed,
  verifyImage,
} from '../src/update/index.ts';

/** A device of the stub set's identity, running an old image with the stub policy's stored counter. */
function stubDevice(privateKeyPemText: string, publicKey: ReturnType<typeof parsePrivateKey>) {
  const flash = new EmulatedFlash({ sectorSize: 1024, sectorCount: 24, writeAlign: 8, erasedValue: 0xff });
  const options = {
    publicKey,
    deviceClass: STUB_DEVICE_CLASS,
    vendor: STUB_VENDOR,
    hardwareRevision: STUB_HARDWARE_REVISION,
    mode: 'swap-scratch' as const,
    slotSectors: 8, // 8 KiB: the stub set's slot size
  };
  const old = buildImage(
    {
      vendor: STUB_VENDOR,
      deviceClass: STUB_DEVICE_CLASS,
      hardwareRevision: STUB_HARDWARE_REVISION,
      version: '1.0.0',
      securityCounter: 5,
    },
    Buffer.alloc(3000, 0x5a),
    parsePrivateKey(privateKeyPemText, 'stub signing key'),
  );
  UpdateAgent.provision(flash, options, old);
  UpdateAgent.boot(flash, options).confirm();
  return { flash, options, old };
}

test('src/update images and the device agent agree: the valid stub installs, every bad stub gets the same LwM2M result', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rig-atomicity-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await generateStubImages(dir, { seed: 11 });
  const { set, policy } = await readStubSet(dir);
  const pem = readFileSync(join(dir, set.keys.signing), 'utf8');
  t.true(set.images.length >= 8);
  for (const stub of set.images) {
    const bytes = readFileSync(join(dir, stub.file));
    const host = verifyImage(bytes, policy);
    const device = stubDevice(pem, policy.publicKey);
    let agent = UpdateAgent.boot(device.flash, device.options);
    const primaryBefore = device.flash.read(0, 8 * 1024);
    const check = agent.download(bytes);
    if (stub.expect === 'ok') {
      t.true(host.ok, stub.name);
      t.true(check.ok, `${stub.name}: ${check.ok ? '' : check.reason}`);
      agent = agent.install();
      t.is(agent.runningVersion, stub.version);
      agent.confirm();
      t.is(agent.reset().report.result, 1);
      continue;
    }
    t.false(host.ok, stub.name);
    t.false(check.ok, stub.name);
    if (host.ok || check.ok) continue;
    t.is(
      Number(check.result),
      Number(host.updateResult),
      `${stub.name}: device ${check.reason}; host ${host.error.message}`,
    );
    t.is(Number(host.updateResult), stub.updateResult, stub.name);
    // Refused: the old image still runs, byte for byte, and the result survives a reboot.
    t.deepEqual(device.flash.read(0, 8 * 1024), primaryBefore, stub.name);
    const after = agent.reset();
    t.is(after.runningVersion, '1.0.0', stub.name);
    t.is(after.state, UpdateState.Idle, stub.name);
    t.is(Number(after.result), Number(host.updateResult), stub.name);
  }
});

async function rig(args: string[]): Promise<{ code: number; stdout: string }> {
  const out = new PassThrough();
  let stdout = '';
  out.on('data', (d) => {
    stdout += d;
  });
  const code = await runAtomicity(args, out, new PassThrough());
  return { code, stdout };
}

interface Report {
  updates: number;
  pointsByKind: Record<'before' | 'tear' | 'after', number>;
  scenarios: { scenario: string; opsPerUpdate: number; updates: number }[];
  bricked: number;
  failures: { reproducer: { seed: number; opIndex: number; cutKind: string; cuts?: unknown[] } }[];
  seconds: number;
}

test('rig atomicity sweep, exhaustive on a small stub image: every cut point tried, no failure, exit 0', async (t) => {
  const r = await rig(['sweep', '--module', 'quectel-bg95', '--size', '9000', '--json']);
  t.is(r.code, 0);
  const report = JSON.parse(r.stdout) as Report;
  t.deepEqual(
    report.scenarios.map((s) => s.scenario),
    ['upgrade', 'revert'],
  );
  const ops = report.scenarios.reduce((n, s) => n + s.opsPerUpdate, 0);
  t.true(ops > 40);
  t.deepEqual(report.pointsByKind, { before: ops, tear: ops, after: ops });
  t.is(report.updates, 3 * ops);
  t.deepEqual(report.failures, []);
});

test('rig atomicity sweep --bug image-ok-before-copy: bricks reported with reproducers, exit 1', async (t) => {
  const r = await rig([
    'sweep',
    '--module',
    'nordic-nrf9160',
    '--size',
    '9000',
    '--bug',
    'image-ok-before-copy',
  ]);
  t.is(r.code, 1);
  t.regex(r.stdout, /bricked [1-9]\d*/);
  t.regex(r.stdout, /FAIL/);
  const json = await rig([
    'sweep',
    '--module',
    'nordic-nrf9160',
    '--size',
    '9000',
    '--bug',
    'image-ok-before-copy',
    '--json',
  ]);
  const report = JSON.parse(json.stdout) as Report;
  t.true(report.bricked > 0);
  for (const f of report.failures) {
    t.is(f.reproducer.seed, 1);
    t.true(Number.isInteger(f.reproducer.opIndex) && f.reproducer.opIndex >= 0);
    t.true(['before', 'tear', 'after'].includes(f.reproducer.cutKind));
  }
});

test('rig atomicity sweep --mode random: several cuts per update, reproducible by seed', async (t) => {
  const args = ['sweep', '--module', 'quectel-bg95', '--size', '9000', '--mode', 'random', '--runs', '60'];
  const strip = (text: string) => {
    const { seconds: _, ...rest } = JSON.parse(text) as Report;
    return rest;
  };
  const a = strip((await rig([...args, '--seed', '4', '--cuts', '4', '--json'])).stdout);
  const b = strip((await rig([...args, '--seed', '4', '--cuts', '4', '--json'])).stdout);
  const c = strip((await rig([...args, '--seed', '5', '--cuts', '4', '--json'])).stdout);
  t.deepEqual(a, b);
  t.notDeepEqual(a.pointsByKind, c.pointsByKind);
  t.is(a.updates, 120);
  const cuts = a.pointsByKind.before + a.pointsByKind.tear + a.pointsByKind.after;
  t.true(cuts > a.updates, 'some updates were cut more than once');
  const broken = await rig([...args, '--seed', '4', '--bug', 'image-ok-before-copy', '--json']);
  t.is(broken.code, 1);
  const failure = (JSON.parse(broken.stdout) as Report).failures[0]!;
  t.true(Array.isArray(failure.reproducer.cuts) && failure.reproducer.cuts.length >= 1);
});

test('rig atomicity sweep --image: an image built by src/update with a key file; a bare public key needs --old-image', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rig-atomicity-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const keys = signingKeysFromSeed(Buffer.alloc(32, 3));
  const image = buildImage(
    { vendor: 'acme', deviceClass: 'sensor-x', version: '3.1.0', securityCounter: 4 },
    Buffer.alloc(6000, 0x33),
    keys.privateKey,
  );
  writeFileSync(join(dir, 'update.img'), image);
  writeFileSync(join(dir, 'key.pem'), privateKeyPem(keys));
  writeFileSync(join(dir, 'key.pub.pem'), keys.publicKey.export({ format: 'pem', type: 'spki' }));
  const r = await rig([
    'sweep',
    '--module',
    'quectel-bg95',
    '--image',
    join(dir, 'update.img'),
    '--key',
    join(dir, 'key.pem'),
    '--update',
    'overwrite',
    '--json',
  ]);
  t.is(r.code, 0);
  const report = JSON.parse(r.stdout) as Report & { deviceClass: string };
  t.is(report.deviceClass, 'sensor-x');
  t.true(report.updates > 30);
  await t.throwsAsync(
    rig([
      'sweep',
      '--module',
      'quectel-bg95',
      '--image',
      join(dir, 'update.img'),
      '--key',
      join(dir, 'key.pub.pem'),
    ]),
    { instanceOf: UsageError, message: /--old-image/ },
  );
  await t.throwsAsync(rig(['sweep', '--module', 'no-such-module']), { instanceOf: UsageError });
});

test('a torn image-ok write while confirming is not taken for a confirmation (64 KiB exhaustive sweep, seed 1)', async (t) => {
  // Before the fix, op 202 torn (the image-ok write of confirm()) left the primary trailer with image ok BAD
  // and the agent reporting the update finished: the sweep found inconsistent trailers.
  const r = await rig(['sweep', '--module', 'quectel-bg95', '--size', '65536', '--seed', '1', '--json']);
  const report = JSON.parse(r.stdout) as Report;
  t.deepEqual(report.failures, []);
  t.is(r.code, 0);
  t.true(report.updates >= 1700);
});

test('timed sweep on the emulated bench: cuts through the emulated switch across a real AT-driven update leave old or new', async (t) => {
  const r = await rig([
    'sweep',
    '--module',
    'quectel-bg95',
    '--mode',
    'timed',
    '--points',
    '4',
    '--size',
    '8000',
    '--json',
  ]);
  const report = JSON.parse(r.stdout) as {
    cleanUpdateMs: number;
    points: { outcome: string; offsetMs: number }[];
    failures: unknown[];
  };
  t.is(r.code, 0);
  t.is(report.points.length, 4);
  t.true(report.cleanUpdateMs > 0);
  t.deepEqual(report.failures, []);
  t.true(report.points.every((p) => p.outcome === 'old' || p.outcome === 'new'));
  t.true(report.points.every((p, i) => i === 0 || p.offsetMs > report.points[i - 1]!.offsetMs));
});

test('timed sweep refuses a model whose emulated FOTA takes a URL only', async (t) => {
  await t.throwsAsync(rig(['sweep', '--module', 'nordic-nrf9160', '--mode', 'timed']), {
    instanceOf: UsageError,
    message: /by URL only/,
  });
});

test('timed sweep on a real bench: missing switch or images are named before anything is opened', async (t) => {
  await t.throwsAsync(
    rig(['sweep', '--module', 'quectel-bg95', '--mode', 'timed', '--port', '/dev/ttyUSB2']),
    {
      instanceOf: UsageError,
      message: /needs --switch <spec>, --image <file> and --back-image <file>/,
    },
  );
});
