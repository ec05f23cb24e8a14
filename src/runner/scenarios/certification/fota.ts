/**
 * C-07: module FOTA. A signed image is staged the way the module's dialect installs it (Quectel from its
 * file system, u-blox FOAT from an uploaded .dof, SIMCom and nRF91 from an http URL the rig serves), the
 * update runs, and the version the module reports afterwards must be the image's.
 */
import { readFileSync } from 'node:fs';
import { installPath, readImageHeader } from '../../../update/index.ts';
import { EMULATED_NEW_VERSION, emulatedImage } from '../../emulated-campaign.ts';
import { type BenchDevice, RigError } from '../../scenario.ts';
import { modemOf } from '../device-power.ts';
import { serveImages } from '../image-server.ts';
import type { CertificationParams, Requirement } from './spec.ts';

export const fota: Requirement = {
  code: 'C-07',
  slug: 'fota',
  title: () => 'C-07 installs a signed firmware image and then reports its version',
  async run(s, d, ctx) {
    const p = ctx.params.fota;
    const clock = ctx.clock;
    const modem = modemOf(d);
    const image = imageFor(d, p, ctx.bench.emulated);
    await modem.wake();
    const before = modem.identity.revision;
    const options = { timeoutMs: p.timeout * 1000, signal: s.signal };
    const path = installPath(modem.identity.dialect);
    let reported: string;
    let started: number;
    if (path === 'url') {
      const served = `/fota/${encodeURIComponent(d.name)}.bin`;
      await using server = p.url ? undefined : await serveImages({ [served]: image.bytes }, p.serveHost);
      const url = p.url ?? server!.urlOf(served);
      s.note(`image served at ${url}`);
      started = clock.now();
      reported = await modem.firmwareUpdate(url, options);
    } else {
      const staged = modem.firmwareUploadTarget;
      if (!staged) throw new RigError('bug', `${d.name}: an install path of ${path} but no upload target`);
      const t0 = clock.now();
      await modem.uploadFile(staged, image.bytes);
      s.note(`${image.bytes.length} bytes staged as ${staged} in ${round((clock.now() - t0) / 1000)} s`);
      started = clock.now();
      reported = await modem.firmwareUpdate(staged, options);
    }
    s.measure('fotaInstallTime', (clock.now() - started) / 1000);
    s.note(`${before} → ${reported}`);
    if (!reported.includes(image.version))
      s.fail(`after the update the module reports "${reported}", the image carries ${image.version}`);
  },
};

function imageFor(
  d: BenchDevice,
  p: CertificationParams['fota'],
  emulated: boolean,
): { bytes: Buffer; version: string } {
  if (emulated) {
    const version = p.version ?? EMULATED_NEW_VERSION[d.profileId];
    if (!version)
      throw new RigError(
        'configuration',
        `no test image version for emulated ${d.profileId}: give params.fota.version`,
      );
    return { bytes: emulatedImage(d.profileId, version), version };
  }
  const file = p.images[d.profileId];
  if (!file)
    throw new RigError(
      'configuration',
      `no image for ${d.profileId}: give params.fota.images.${d.profileId} (a signed image)`,
    );
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new RigError('configuration', `image ${file}: ${(e as Error).message}`);
  }
  return { bytes, version: readImageHeader(bytes).manifest.version };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
