/**
 * `atomicity`: per module, the timed power-cut sweep: one clean module firmware update timed, then for
 * offsets spread over it, start the update again, cut the module's power through its switch at the offset,
 * restore it, and check that it answers and runs either the version before or the version after (never
 * neither, never nothing). Images alternate between two versions of equal security counter.
 */

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Modem } from '../../modem/index.ts';
import { readImageHeader, stagedPath, timedSweep } from '../../update/index.ts';
import { emulatedImage } from '../emulated-campaign.ts';
import { type BenchDevice, defineScenario, RigError } from '../scenario.ts';
import { serveImages } from './image-server.ts';

export const atomicityScenario = defineScenario({
  kind: 'atomicity',
  title: 'Atomic update under power cuts',
  description:
    'Per module: power cut at offsets across a module firmware update; the module must come back on the old or the new version.',
  params: z.strictObject({
    points: z.number().int().min(1).max(200).default(4),
    offMs: z.number().int().positive().default(2000),
    /** Emulated bench: the two versions the sweep alternates between. */
    versions: z.tuple([z.string(), z.string()]).default(['9.9.1', '9.9.2']),
    payloadBytes: z.number().int().positive().default(12_000),
    /** Real bench: two signed image files per module profile. */
    images: z.record(z.string(), z.tuple([z.string(), z.string()])).default({}),
  }),
  measurements: {
    cleanUpdate: { unit: 's', description: 'duration of one clean module firmware update' },
    cutPoints: { unit: 'count', description: 'power cuts made across the update' },
    bricked: {
      unit: 'count',
      description: 'cuts after which the module did not answer or ran neither version',
      limits: { high: 0 },
    },
    landedNew: { unit: 'count', description: 'cuts after which the module ran the new version' },
  },
  needs: 'registered',
  async run(ctx) {
    for (const d of ctx.devices) {
      await ctx.step(
        `sweep-${d.name}`,
        `${d.name}: every power cut during an update leaves the old or the new version`,
        { device: d },
        async (s) => {
          if (!d.switch)
            throw new RigError(
              'configuration',
              `${d.name} has no power switch on this bench (modules.${d.name}.switch)`,
            );
          const power = await d.switch();
          const images = imagesFor(d, ctx.params, ctx.bench.emulated);
          const versions = images.map((i) => readImageHeader(i).manifest.version);
          const server = await serveImages({ '/0': images[0], '/1': images[1] });
          try {
            const engine = d.engine!;
            const open = async () => {
              d.modem?.close();
              d.modem = await Modem.open(engine, {
                clock: ctx.clock,
                expect: { profileId: d.profileId },
                contactTimeoutMs: 120_000,
              });
              return d.modem;
            };
            const report = await timedSweep({
              clock: ctx.clock,
              power,
              points: ctx.params.points,
              offMs: ctx.params.offMs,
              target: {
                prepare: async () => {
                  const m = await open();
                  await m.attach({ timeoutMs: 300_000 });
                  return m;
                },
                async stage(modem) {
                  const running = modem.identity.revision;
                  const next = running.includes(versions[0]!) ? 1 : 0;
                  // Staged as a campaign stages it: uploaded where the module takes it, else by URL.
                  const staging =
                    stagedPath(modem.identity.dialect) === 'upload' ? modem.firmwareUploadTarget : undefined;
                  if (staging) {
                    await modem.uploadFile(staging, Buffer.from(images[next]!));
                    return { source: staging, from: running, to: versions[next]! };
                  }
                  return { source: server.urlOf(`/${next}`), from: running, to: versions[next]! };
                },
                reopen: open,
              },
            });
            s.measure('cleanUpdate', report.cleanUpdateMs / 1000);
            s.measure('cutPoints', report.points.length);
            s.measure('landedNew', report.points.filter((p) => p.outcome === 'new').length);
            s.measure('bricked', report.failures.length);
            s.evidence({
              kind: 'json',
              title: `${d.name}: cut points`,
              device: d.name,
              file: `atomicity/${d.name}.json`,
              content: JSON.stringify(report, null, 2),
            });
            if (report.failures.length > 0)
              s.fail(
                report.failures
                  .map((f) => `cut at ${f.offsetMs} ms: ${f.outcome}${f.detail ? ` (${f.detail})` : ''}`)
                  .join('; '),
              );
          } finally {
            await server.close();
            // The sweep closes the Modems it used: the device gets a fresh one, on whatever version it ended.
            d.modem = await Modem.open(d.engine!, {
              clock: ctx.clock,
              expect: { profileId: d.profileId },
              contactTimeoutMs: 120_000,
            });
            await d.modem.attach({ timeoutMs: 300_000 });
          }
        },
      );
    }
  },
});

function imagesFor(
  d: BenchDevice,
  p: { versions: [string, string]; payloadBytes: number; images: Record<string, [string, string]> },
  emulated: boolean,
): [Buffer, Buffer] {
  if (emulated)
    return [
      emulatedImage(d.profileId, p.versions[0], p.payloadBytes),
      emulatedImage(d.profileId, p.versions[1], p.payloadBytes),
    ];
  const files = p.images[d.profileId];
  if (!files)
    throw new RigError(
      'configuration',
      `no images for ${d.profileId}: give params.images.${d.profileId}: [a.img, b.img]`,
    );
  return [readFileSync(files[0]), readFileSync(files[1])];
}
