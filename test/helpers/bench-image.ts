import { emulatedImage } from '../../src/runner/index.ts';

/**
 * A signed update image an emulated module accepts (the emulated bench's own builder, src/runner's
 * emulatedImage), with the tests' default payload of 20,000 bytes.
 */
export function benchImage(
  moduleId: string,
  version: string,
  options: { payloadBytes?: number; securityCounter?: number; deviceClass?: string } = {},
): Buffer {
  const { payloadBytes = 20_000, ...rest } = options;
  return emulatedImage(moduleId, version, payloadBytes, rest);
}
