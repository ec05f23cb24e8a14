/**
 * Update images: a signed manifest (vendor, class, hardware revision, version, security counter, payload size
 * and SHA-256) followed by the payload. Layout in format.ts; what a device checks, and in which order, in
 * verify.ts; the LwM2M Object 5 result for every refusal in errors.ts.
 */
export {
  checkImageSignature,
  type ImageHeader,
  type ParseOptions,
  parseImage,
  readImageHeader,
} from './decode.ts';
export { buildImage } from './encode.ts';
export {
  IMAGE_ERROR_KINDS,
  ImageError,
  type ImageErrorKind,
  UPDATE_RESULT_FOR_IMAGE_ERROR,
  UpdateResult,
} from './errors.ts';
export {
  FORMAT_VERSION,
  IMAGE_MAGIC,
  type Image,
  type ImageManifest,
  type ImageSignature,
  isSemver,
  MAX_MANIFEST_SIZE,
  type ManifestInput,
} from './format.ts';
export {
  generateSigningKeys,
  keyIdOf,
  parsePrivateKey,
  parsePublicKey,
  privateKeyPem,
  publicKeyPem,
  type SigningKeys,
  signingKeysFromSeed,
} from './keys.ts';
export {
  generateStubImages,
  readStubSet,
  STUB_DEVICE_CLASS,
  STUB_HARDWARE_REVISION,
  STUB_VENDOR,
  type StubImage,
  type StubName,
  type StubOptions,
  type StubSet,
} from './stubs.ts';
export { type VerifyPolicy, type VerifyResult, verifyImage } from './verify.ts';
