import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import test from 'ava';
import { runImage } from '../src/cli/image.ts';
import { UsageError } from '../src/cli/main.ts';
import { parseImage, parsePublicKey, verifyImage } from '../src/update/index.ts';

function capture(): { out: Writable; text: () => string } {
  let text = '';
  const out = new Writable({
    write(chunk, _enc, done) {
      text += chunk;
      done();
    },
  });
  return { out, text: () => text };
}

async function rig(args: string[]): Promise<{ code: number; text: string }> {
  const c = capture();
  const code = await runImage(args, c.out);
  return { code, text: c.text() };
}

function tempDir(t: { teardown(f: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'rig-image-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('keygen, build, inspect: a signed image that verifies with the generated key', async (t) => {
  const dir = tempDir(t);
  const kg = await rig(['keygen', '--out', dir]);
  t.is(kg.code, 0);
  t.regex(kg.text, /key id\s+[0-9a-f]{64}/);
  t.is(statSync(join(dir, 'signing-key.pem')).mode & 0o777, 0o600);
  writeFileSync(join(dir, 'app.bin'), Buffer.alloc(777, 0xa5));
  const img = join(dir, 'app.img');
  const b = await rig([
    'build',
    '--key',
    join(dir, 'signing-key.pem'),
    '--version',
    '1.2.3',
    '--class',
    'bg95-tracker',
    '--hw',
    'r2',
    '--counter',
    '12',
    join(dir, 'app.bin'),
    '--out',
    img,
  ]);
  t.is(b.code, 0);
  const publicKey = parsePublicKey(readFileSync(join(dir, 'signing-key.pub.pem')), 'test');
  const image = parseImage(readFileSync(img), { publicKey });
  t.like(image.manifest, {
    deviceClass: 'bg95-tracker',
    hardwareRevision: 'r2',
    version: '1.2.3',
    securityCounter: 12,
  });
  t.true(
    verifyImage(readFileSync(img), {
      publicKey,
      deviceClass: 'bg95-tracker',
      hardwareRevision: 'r2',
      minSecurityCounter: 12,
      maxSize: 1024,
    }).ok,
  );

  const text = await rig(['inspect', img, '--key', join(dir, 'signing-key.pub.pem')]);
  t.is(text.code, 0);
  t.regex(text.text, /version\s+1\.2\.3/);
  t.regex(text.text, /signature\s+Ed25519, key id [0-9a-f]{16}…, verified/);
  t.regex(text.text, /verdict\s+ok/);
  const json = await rig(['inspect', img, '--json']);
  const report = JSON.parse(json.text) as {
    ok: boolean;
    signatureChecked: boolean;
    manifest: { payloadSize: number };
  };
  t.deepEqual([report.ok, report.signatureChecked, report.manifest.payloadSize], [true, false, 777]);

  // A second key: the image is refused as signed by the wrong key, exit 1 with the LwM2M result.
  await rig(['keygen', '--out', dir, '--name', 'other']);
  const wrong = await rig(['inspect', img, '--key', join(dir, 'other.pub.pem'), '--json']);
  t.is(wrong.code, 1);
  t.like(JSON.parse(wrong.text), { ok: false, error: { kind: 'wrong-key', updateResult: 5 } });
});

test('keygen refuses to overwrite a signing key unless forced', async (t) => {
  const dir = tempDir(t);
  await rig(['keygen', '--out', dir]);
  const before = readFileSync(join(dir, 'signing-key.pem'), 'utf8');
  await t.throwsAsync(rig(['keygen', '--out', dir]), { message: /exists; refusing to overwrite/ });
  t.is(readFileSync(join(dir, 'signing-key.pem'), 'utf8'), before);
  t.is((await rig(['keygen', '--out', dir, '--force'])).code, 0);
  t.not(readFileSync(join(dir, 'signing-key.pem'), 'utf8'), before);
});

test('stubs, then inspect each stub with the stub key: the verdicts stubs.json promises', async (t) => {
  const dir = tempDir(t);
  const r = await rig([
    'stubs',
    '--out',
    dir,
    '--seed',
    '7',
    '--payload-size',
    '1000',
    '--slot-size',
    '2048',
  ]);
  t.is(r.code, 0);
  t.regex(r.text, /tampered\.img\s+digest-mismatch\s+LwM2M result 5/);
  const set = JSON.parse(readFileSync(join(dir, 'stubs.json'), 'utf8')) as {
    images: { file: string; expect: string; updateResult: number }[];
  };
  const key = join(dir, 'signing-key.pub.pem');
  for (const img of set.images) {
    const res = await rig(['inspect', join(dir, img.file), '--key', key, '--json']);
    const report = JSON.parse(res.text) as { ok: boolean; error?: { kind: string; updateResult: number } };
    // inspect has no device policy: class, counter and slot refusals need verifyImage; the rest show here.
    if (['wrong-class', 'rollback', 'too-large', 'ok'].includes(img.expect)) t.true(report.ok, img.file);
    else
      t.deepEqual(report.error && [report.error.kind, report.error.updateResult], [
        img.expect,
        img.updateResult,
      ]);
    t.is(res.code, report.ok ? 0 : 1);
  }
  const tampered = await rig(['inspect', join(dir, 'tampered.img')]);
  t.regex(tampered.text, /version\s+1\.1\.0/, 'the header is still shown');
  t.regex(tampered.text, /verdict\s+refused: digest-mismatch \(LwM2M Update Result 5\)/);
  const otherKey = await rig(['inspect', join(dir, 'wrong-key.img'), '--key', key]);
  t.regex(otherKey.text, /signature\s+Ed25519, key id [0-9a-f]{16}…, refused \(wrong-key\)/);
  const older = await rig(['inspect', join(dir, 'older-security-counter.img'), '--key', key]);
  t.regex(older.text, /signature\s+Ed25519, key id [0-9a-f]{16}…, verified/);
});

test('bad input gives clear errors', async (t) => {
  const dir = tempDir(t);
  await rig(['keygen', '--out', dir]);
  const key = join(dir, 'signing-key.pem');
  writeFileSync(join(dir, 'p.bin'), 'payload');
  const p = join(dir, 'p.bin');
  const o = join(dir, 'o.img');
  const cases: [string[], RegExp, boolean][] = [
    [
      ['build', '--key', join(dir, 'nope.pem'), '--version', '1.0.0', '--class', 'c', p, '--out', o],
      /signing key .*nope\.pem: cannot read \(ENOENT\)/,
      false,
    ],
    [
      ['build', '--key', key, '--version', '1.0', '--class', 'c', p, '--out', o],
      /--version must be SemVer.*"1\.0"/,
      true,
    ],
    [
      ['build', '--key', key, '--version', '1.0.0', '--class', 'c', '--counter', '-1', p, '--out', o],
      /--counter/,
      true,
    ],
    [['build', '--key', key, '--version', '1.0.0', p, '--out', o], /missing: --class/, true],
    [
      ['build', '--key', p, '--version', '1.0.0', '--class', 'c', p, '--out', o],
      /signing key .*p\.bin: not a PEM private key/,
      false,
    ],
    [
      [
        'build',
        '--key',
        join(dir, 'signing-key.pub.pem'),
        '--version',
        '1.0.0',
        '--class',
        'c',
        p,
        '--out',
        o,
      ],
      /not a PEM private key/,
      false,
    ],
    [
      ['build', '--key', key, '--version', '1.0.0', '--class', 'a\tb', p, '--out', o],
      /device class "a\\tb"/,
      true,
    ],
    [['inspect', join(dir, 'missing.img')], /image .*missing\.img: cannot read \(ENOENT\)/, false],
    [['inspect', p, '--key', p], /public key .*: not a PEM public or private key/, false],
    [['inspect', p, '--bogus'], /Unknown option '--bogus'/, true],
    [['stubs'], /--out <dir> is required/, true],
    [['inspect', p, '--class', 'c'], /needs --class, --hw and --key together/, true],
    [['stubs', '--out', dir, '--seed', 'x'], /--seed must be a whole number/, true],
    [['frobnicate'], /expected keygen, build, inspect or stubs/, true],
  ];
  for (const [args, message, usage] of cases) {
    const e = await t.throwsAsync(rig(args), { message }, args.join(' '));
    t.is(e instanceof UsageError, usage, `${args.join(' ')}: usage error?`);
  }
  // An unreadable image is a verdict, not a crash: exit 1 with bad-magic.
  const r = await rig(['inspect', p]);
  t.is(r.code, 1);
  t.regex(r.text, /refused: bad-magic \(LwM2M Update Result 6\)/);
});

test('the committed stub images in firmware-stubs/images are exactly what the generator makes for seed 1', async (t) => {
  const { generateStubImages } = await import('../src/update/index.ts');
  const { mkdtempSync, readFileSync, readdirSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'rig-stubs-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await generateStubImages(dir, { seed: 1 });
  const committed = join(import.meta.dirname, '..', 'firmware-stubs', 'images');
  const generated = readdirSync(dir).sort();
  t.deepEqual(
    readdirSync(committed)
      .filter((f) => f !== 'README.md')
      .sort(),
    generated,
  );
  for (const f of generated) t.deepEqual(readFileSync(join(committed, f)), readFileSync(join(dir, f)), f);
});
