import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';

/** An Ed25519 key pair for signing images. */
export interface SigningKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function generateSigningKeys(): SigningKeys {
  return generateKeyPairSync('ed25519');
}

// PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410): the only way node:crypto takes a chosen seed.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** A key pair derived from a 32-byte seed: the same seed, the same keys (stub images must be reproducible). */
export function signingKeysFromSeed(seed: Uint8Array): SigningKeys {
  if (seed.length !== 32) throw new RangeError(`Ed25519 seed: expected 32 bytes, got ${seed.length}`);
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** The raw 32-byte Ed25519 public key. */
export function rawPublicKey(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  assertEd25519(pub, 'public key');
  const jwk = pub.export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url');
}

/** The key id written beside a signature: SHA-256 of the raw public key (as MCUboot's KEYHASH). */
export function keyIdOf(key: KeyObject): Buffer {
  return createHash('sha256').update(rawPublicKey(key)).digest();
}

export function privateKeyPem(keys: SigningKeys): string {
  return keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

export function publicKeyPem(keys: SigningKeys | KeyObject): string {
  const pub = 'publicKey' in keys ? keys.publicKey : keys;
  return pub.export({ format: 'pem', type: 'spki' }).toString();
}

/** A private Ed25519 key from PEM text; `source` names the file in the error. */
export function parsePrivateKey(pem: string | Buffer, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (e) {
    throw new Error(`${source}: not a PEM private key (${(e as Error).message})`);
  }
  assertEd25519(key, source);
  return key;
}

/** A public Ed25519 key from PEM text (a private key PEM gives its public half). */
export function parsePublicKey(pem: string | Buffer, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (e) {
    throw new Error(`${source}: not a PEM public or private key (${(e as Error).message})`);
  }
  assertEd25519(key, source);
  return key;
}

function assertEd25519(key: KeyObject, source: string): void {
  if (key.asymmetricKeyType !== 'ed25519')
    throw new Error(`${source}: expected an Ed25519 key, got ${key.asymmetricKeyType ?? 'a symmetric key'}`);
}
