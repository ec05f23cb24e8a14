import type { KeyObject } from 'node:crypto';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import {
  buildImage,
  checkImageSignature,
  generateSigningKeys,
  generateStubImages,
  ImageError,
  type ImageHeader,
  isSemver,
  keyIdOf,
  parseImage,
  parsePrivateKey,
  parsePublicKey,
  privateKeyPem,
  publicKeyPem,
  readImageHeader,
  type VerifyPolicy,
  verifyImage,
} from '../update/index.ts';
import { UsageError } from './main.ts';

type Out = NodeJS.WritableStream;

export const IMAGE_USAGE = `  rig image keygen --out <dir> [--name signing-key] [--force]
      A new Ed25519 key pair: <dir>/<name>.pem (private, mode 600) and <dir>/<name>.pub.pem.
  rig image build --key <priv.pem> --version 1.2.3 --class <c> [--vendor v] [--hw rev] [--counter n]
      <payload> --out <file>
      Sign a payload into an update image (manifest: vendor, class, hardware revision, version,
      security counter, size, SHA-256; Ed25519 signature over header and manifest).
  rig image inspect <file> [--key <pub.pem>] [--json]
      [--class <c> --hw <rev> [--vendor v] [--min-counter N] [--slot-size BYTES]]
      Show an image's manifest and check it: structure, size, digest, and with --key the signature; with
      --class (and --key, --hw) also judge it as that device would (class, hardware, security counter, slot).
      Exit 0 when it passes, 1 when it is refused (with the LwM2M Object 5 result a device would report).
  rig image stubs --out <dir> [--seed N] [--payload-size N] [--slot-size N]
      The stub images (valid, tampered, truncated, unsigned, wrong-key, wrong-class, older-security-counter,
      too-large-for-slot), their keys and stubs.json, all reproducible from the seed.
`;

/** `rig image …`: keygen, build, inspect, stubs. Usage mistakes throw UsageError; file problems an Error. */
export async function runImage(argv: string[], out: Out): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'keygen':
      return keygen(rest, out);
    case 'build':
      return build(rest, out);
    case 'inspect':
      return inspect(rest, out);
    case 'stubs':
      return stubs(rest, out);
    default:
      throw new UsageError(
        `rig image: expected keygen, build, inspect or stubs, got "${sub ?? ''}"\n\n${IMAGE_USAGE}`,
      );
  }
}

async function keygen(args: string[], out: Out): Promise<number> {
  const { values } = parse('rig image keygen', args, {
    out: { type: 'string' },
    name: { type: 'string', default: 'signing-key' },
    force: { type: 'boolean', default: false },
  });
  if (!values.out) throw new UsageError('rig image keygen: --out <dir> is required');
  const name = values.name as string;
  if (!/^[\w.-]+$/.test(name))
    throw new UsageError(`rig image keygen: --name must be a plain file name, got "${name}"`);
  const privatePath = join(values.out as string, `${name}.pem`);
  const publicPath = join(values.out as string, `${name}.pub.pem`);
  if (!values.force && (await exists(privatePath)))
    throw new Error(
      `rig image keygen: ${privatePath} exists; refusing to overwrite a signing key (use --force)`,
    );
  const keys = generateSigningKeys();
  await writeOrExplain(privatePath, privateKeyPem(keys), 0o600);
  await writeOrExplain(publicPath, publicKeyPem(keys));
  out.write(
    `private key ${privatePath}\npublic key  ${publicPath}\nkey id      ${keyIdOf(keys.publicKey).toString('hex')}\n`,
  );
  return 0;
}

async function build(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parse(
    'rig image build',
    args,
    {
      key: { type: 'string' },
      version: { type: 'string' },
      class: { type: 'string' },
      vendor: { type: 'string', default: 'mbms-iot-rig' },
      hw: { type: 'string' },
      counter: { type: 'string', default: '0' },
      out: { type: 'string' },
    },
    true,
  );
  const usage = 'rig image build --key <priv.pem> --version 1.2.3 --class <c> <payload> --out <file>';
  const [payloadPath, ...extra] = positionals;
  if (!values.key || !values.version || !values.class || !values.out || !payloadPath || extra.length > 0)
    throw new UsageError(
      `${usage}\n  (missing: ${missingOf(values, ['key', 'version', 'class', 'out'], payloadPath)})`,
    );
  const version = values.version as string;
  if (!isSemver(version))
    throw new UsageError(
      `rig image build: --version must be SemVer like 1.2.3 or 2.0.0-rc.1, got "${version}"`,
    );
  const counterText = values.counter as string;
  if (!/^\d{1,10}$/.test(counterText) || Number(counterText) > 0xffff_ffff)
    throw new UsageError(
      `rig image build: --counter must be a whole number 0-4294967295, got "${counterText}"`,
    );
  const keyPath = values.key as string;
  const privateKey = parsePrivateKey(await readOrExplain(keyPath, 'signing key'), `signing key ${keyPath}`);
  const payload = await readOrExplain(payloadPath, 'payload');
  let image: Buffer;
  try {
    image = buildImage(
      {
        vendor: values.vendor as string,
        deviceClass: values.class as string,
        ...(values.hw === undefined ? {} : { hardwareRevision: values.hw as string }),
        version,
        securityCounter: Number(counterText),
      },
      payload,
      privateKey,
    );
  } catch (e) {
    if (e instanceof ImageError) throw new UsageError(`rig image build: ${e.message}`);
    throw e;
  }
  const outPath = values.out as string;
  await writeOrExplain(outPath, image);
  out.write(
    `${outPath}: ${image.length} bytes (header ${image.length - payload.length}, payload ${payload.length}), ` +
      `version ${version}, key id ${keyIdOf(privateKey).toString('hex').slice(0, 16)}…\n`,
  );
  return 0;
}

async function inspect(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parse(
    'rig image inspect',
    args,
    {
      key: { type: 'string' },
      json: { type: 'boolean', default: false },
      class: { type: 'string' },
      hw: { type: 'string' },
      vendor: { type: 'string' },
      'min-counter': { type: 'string', default: '0' },
      'slot-size': { type: 'string' },
    },
    true,
  );
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) throw new UsageError('rig image inspect <file> [--key <pub.pem>] [--json]');
  const keyPath = values.key as string | undefined;
  const publicKey = keyPath
    ? parsePublicKey(await readOrExplain(keyPath, 'public key'), `public key ${keyPath}`)
    : undefined;
  const bytes = await readOrExplain(file, 'image');
  let header: ImageHeader | undefined;
  try {
    header = readImageHeader(bytes);
  } catch {
    // The verdict below names the problem; there is simply no manifest to show.
  }
  const policy = devicePolicy(values, publicKey);
  let error: ImageError | undefined;
  if (policy) {
    const verdict = verifyImage(bytes, policy);
    if (!verdict.ok) error = verdict.error;
  } else {
    try {
      parseImage(bytes, publicKey ? { publicKey } : {});
    } catch (e) {
      if (!(e instanceof ImageError)) throw e;
      error = e;
    }
  }
  const report = {
    file,
    size: bytes.length,
    manifest: header
      ? { ...header.manifest, payloadDigest: header.manifest.payloadDigest.toString('hex') }
      : null,
    headerSize: header?.headerSize ?? null,
    signature: header?.signature
      ? { algorithm: header.signature.algorithm, keyId: header.signature.keyId.toString('hex') }
      : null,
    signatureChecked: publicKey !== undefined,
    policyChecked: policy !== undefined,
    ok: error === undefined,
    ...(error
      ? { error: { kind: error.kind, updateResult: error.updateResult, message: error.message } }
      : {}),
  };
  if (values.json) {
    out.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.ok ? 0 : 1;
  }
  const rows: [string, string][] = [['image', `${file} (${bytes.length} bytes)`]];
  if (header) {
    const m = header.manifest;
    rows.push(
      ['vendor', m.vendor],
      ['device class', m.deviceClass],
      ['hardware revision', m.hardwareRevision ?? 'any'],
      ['version', m.version],
      ['security counter', String(m.securityCounter)],
      ['payload', `${m.payloadSize} bytes, SHA-256 ${m.payloadDigest.toString('hex')}`],
      ['header', `${header.headerSize} bytes`],
    );
  }
  const sig = header?.signature;
  rows.push([
    'signature',
    !header
      ? 'unknown'
      : !sig
        ? 'none (unsigned)'
        : `Ed25519, key id ${sig.keyId.toString('hex').slice(0, 16)}…, ` +
          (publicKey ? signatureVerdict(bytes, publicKey) : 'not checked (no --key)'),
  ]);
  rows.push([
    'verdict',
    error ? `refused: ${error.kind} (LwM2M Update Result ${error.updateResult}): ${error.message}` : 'ok',
  ]);
  for (const [k, v] of rows) out.write(`${k.padEnd(18)} ${v}\n`);
  return error ? 1 : 0;
}

function signatureVerdict(bytes: Buffer, publicKey: KeyObject): string {
  try {
    checkImageSignature(bytes, publicKey);
    return 'verified';
  } catch (e) {
    if (e instanceof ImageError) return `refused (${e.kind})`;
    throw e;
  }
}

/** The device a `--class` inspection judges for; undefined without --class. */
function devicePolicy(
  values: Record<string, string | boolean | undefined>,
  publicKey: KeyObject | undefined,
): VerifyPolicy | undefined {
  const flags = ['class', 'hw', 'vendor', 'slot-size'].filter((k) => values[k] !== undefined);
  if (flags.length === 0 && values['min-counter'] === '0') return undefined;
  if (!values.class || !values.hw || !publicKey)
    throw new UsageError('rig image inspect: judging for a device needs --class, --hw and --key together');
  return {
    publicKey,
    ...(values.vendor === undefined ? {} : { vendor: values.vendor as string }),
    deviceClass: values.class as string,
    hardwareRevision: values.hw as string,
    minSecurityCounter: whole(values['min-counter'] as string, '--min-counter'),
    maxSize:
      values['slot-size'] === undefined
        ? Number.POSITIVE_INFINITY
        : whole(values['slot-size'] as string, '--slot-size'),
  };
}

async function stubs(args: string[], out: Out): Promise<number> {
  const { values } = parse('rig image stubs', args, {
    out: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'payload-size': { type: 'string', default: '4096' },
    'slot-size': { type: 'string', default: '8192' },
  });
  if (!values.out) throw new UsageError('rig image stubs: --out <dir> is required');
  const seed = whole(values.seed as string, '--seed');
  const payloadSize = whole(values['payload-size'] as string, '--payload-size');
  const slotSize = whole(values['slot-size'] as string, '--slot-size');
  if (payloadSize < 2 || payloadSize > 16 << 20)
    throw new UsageError(`rig image stubs: --payload-size must be 2 B-16 MiB, got ${payloadSize}`);
  if (slotSize <= payloadSize + 256 || slotSize > 16 << 20)
    throw new UsageError(
      `rig image stubs: --slot-size must exceed the payload plus its header (${payloadSize + 256}) and be at most 16 MiB, got ${slotSize}`,
    );
  const set = await generateStubImages(values.out as string, { seed, payloadSize, slotSize });
  out.write(`stub images in ${values.out} (seed ${seed}, slot ${slotSize} bytes):\n`);
  for (const img of set.images)
    out.write(`  ${img.file.padEnd(28)} ${img.expect.padEnd(18)} LwM2M result ${img.updateResult}\n`);
  return 0;
}

function parse(
  command: string,
  args: string[],
  options: NonNullable<ParseArgsConfig['options']>,
  allowPositionals = false,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({ args, options, allowPositionals, strict: true });
    return { values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals };
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message}`);
  }
}

function whole(text: string, what: string): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) > 0xffff_ffff)
    throw new UsageError(`${what} must be a whole number, got "${text}"`);
  return Number(text);
}

function missingOf(values: Record<string, unknown>, keys: string[], positional: string | undefined): string {
  const missing = keys.filter((k) => !values[k]).map((k) => `--${k}`);
  if (!positional) missing.push('<payload>');
  return missing.join(', ') || 'an extra argument was given';
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function readOrExplain(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new Error(
      `${what} ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

async function writeOrExplain(path: string, data: string | Buffer, mode?: number): Promise<void> {
  try {
    // The folder is created as needed: `--out keys/` on a fresh checkout just works.
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data, mode === undefined ? {} : { mode });
  } catch (e) {
    throw new Error(`${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
