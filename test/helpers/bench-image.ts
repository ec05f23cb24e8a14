import { BENCH_UPDATE_KEYS, BENCH_VENDOR } from '../../firmware-stubs/index.ts';
import { buildImage } from '../../src/update/index.ts';

/**
 * A signed update image an emulated module accepts: src/update's builder, the emulated bench key, the
 * module's class (its profile id). The payload is a seeded pattern of `payloadBytes` bytes.
 */
export function benchImage(
  moduleId: string,
  version: string,
  options: { payloadBytes?: number; securityCounter?: number; deviceClass?: string } = {},
): Buffer {
  const size = options.payloadBytes ?? 20_000;
  const payload = Buffer.alloc(size);
  for (let i = 0; i < size; i++) payload[i] = (i * 31 + version.length * 7) & 0xff;
  return buildImage(
    {
      vendor: BENCH_VENDOR,
      deviceClass: options.deviceClass ?? moduleId,
      version,
      securityCounter: options.securityCounter ?? 1,
    },
    payload,
    BENCH_UPDATE_KEYS.privateKey,
  );
}
