import type { EmulatedFlash } from '../flash/index.ts';
import { type FlashLayout, field, sectorOffset, unitOf } from './layout.ts';
import type { SwapType } from './trailer.ts';

/** Reversed trailer magic: a stale trailer can never pass for a swap record. */
const STATUS_MAGIC = Uint8Array.from([
  0x80, 0x79, 0xb6, 0x2c, 0x0f, 0x50, 0x52, 0x35, 0x7f, 0xef, 0xd2, 0x60, 0xf3, 0x95, 0xc2, 0x77,
]);

/**
 * The swap status area: a swap in progress and how far it got, so a cut swap resumes from flash alone.
 * Protocol: fields, then magic (commit); one progress record per finished step; a done flag once the
 * trailers are final; then erase. The area is erased only when it holds no committed, unfinished swap, so
 * a torn erase never loses progress. Magic sits at offset 0 and has no erased-valued byte, so any torn
 * erase (a prefix) breaks it. Progress and done records count as set when any byte reads non-erased: a
 * record write starts only once its step is complete, so even a torn record tells the truth.
 */
export type SwapStatus =
  | { state: 'erased' | 'garbage' | 'done' }
  | { state: 'in-progress'; type: SwapType; sectors: number; stepDone: (step: number) => boolean };

function offsets(layout: FlashLayout) {
  const base = sectorOffset(layout, layout.statusSectors[0]!);
  const fields = base + field(16, layout.unit);
  const done = fields + field(8, layout.unit);
  const records = done + layout.unit;
  return { base, fields, done, records };
}

export function readSwapStatus(flash: EmulatedFlash, layout: FlashLayout): SwapStatus {
  const at = offsets(layout);
  const length = layout.statusSectors.length * layout.geometry.sectorSize;
  if (flash.isErased(at.base, length)) return { state: 'erased' };
  const magic = flash.read(at.base, 16);
  if (!magic.every((b, i) => b === STATUS_MAGIC[i])) return { state: 'garbage' };
  if (!flash.isErased(at.done, layout.unit)) return { state: 'done' };
  const f = flash.read(at.fields, 8);
  const type = f[0]! as SwapType;
  const sectors = f[4]! | (f[5]! << 8);
  const unit = layout.unit;
  return {
    state: 'in-progress',
    type,
    sectors,
    stepDone: (step) => !flash.isErased(at.records + step * unit, unit),
  };
}

export function beginSwapStatus(
  flash: EmulatedFlash,
  layout: FlashLayout,
  type: SwapType,
  sectors: number,
): void {
  const at = offsets(layout);
  const fields = new Uint8Array(field(8, layout.unit)).fill(0);
  fields[0] = type;
  fields[4] = sectors & 0xff;
  fields[5] = sectors >> 8;
  flash.write(at.fields, fields);
  const magic = new Uint8Array(field(16, layout.unit)).fill(STATUS_MAGIC[0]!);
  magic.set(STATUS_MAGIC);
  flash.write(at.base, magic);
}

export function markStepDone(flash: EmulatedFlash, layout: FlashLayout, step: number): void {
  flash.write(offsets(layout).records + step * layout.unit, unitOf(layout, 0x01));
}

export function markSwapDone(flash: EmulatedFlash, layout: FlashLayout): void {
  flash.write(offsets(layout).done, unitOf(layout, 0x01));
}

/** First sector first: the magic goes with the first byte a torn erase clears. */
export function eraseSwapStatus(flash: EmulatedFlash, layout: FlashLayout): void {
  for (const sector of layout.statusSectors) flash.eraseSector(sector);
}
