import type { EmulatedFlash, FlashGeometry } from '../flash/index.ts';

export interface Slot {
  name: 'primary' | 'secondary';
  firstSector: number;
  imageSectors: number;
  /** A whole sector for magic and flags, never swapped (the image sectors are). */
  trailerSector: number;
}

/**
 * Where things live: primary and secondary slots (image sectors + a trailer sector each), one scratch
 * sector, the swap status area (swap in progress and per-sector progress), and two sectors of update log.
 */
export interface FlashLayout {
  geometry: Readonly<FlashGeometry>;
  primary: Slot;
  secondary: Slot;
  scratchSector: number;
  statusSectors: number[];
  logSectors: [number, number];
  /** Bytes a slot holds for an image. */
  imageBytes: number;
  /** Write unit: every field is padded to it. */
  unit: number;
  sectorsUsed: number;
}

export function planLayout(geometry: Readonly<FlashGeometry>, slotSectors: number): FlashLayout {
  const unit = geometry.writeAlign;
  const statusBytes = field(16, unit) + field(8, unit) + unit + 3 * slotSectors * unit;
  const statusCount = Math.ceil(statusBytes / geometry.sectorSize);
  const secondaryFirst = slotSectors + 1;
  const scratchSector = 2 * slotSectors + 2;
  const statusFirst = scratchSector + 1;
  const logFirst = statusFirst + statusCount;
  const sectorsUsed = logFirst + 2;
  if (sectorsUsed > geometry.sectorCount)
    throw new RangeError(
      `agent layout: ${slotSectors}-sector slots need ${sectorsUsed} sectors, the flash has ${geometry.sectorCount}`,
    );
  return {
    geometry,
    primary: { name: 'primary', firstSector: 0, imageSectors: slotSectors, trailerSector: slotSectors },
    secondary: {
      name: 'secondary',
      firstSector: secondaryFirst,
      imageSectors: slotSectors,
      trailerSector: secondaryFirst + slotSectors,
    },
    scratchSector,
    statusSectors: Array.from({ length: statusCount }, (_, i) => statusFirst + i),
    logSectors: [logFirst, logFirst + 1],
    imageBytes: slotSectors * geometry.sectorSize,
    unit,
    sectorsUsed,
  };
}

/** Bytes a field of `length` takes once padded to the write unit. */
export function field(length: number, unit: number): number {
  return Math.ceil(length / unit) * unit;
}

export function sectorOffset(layout: FlashLayout, sector: number): number {
  return sector * layout.geometry.sectorSize;
}

/** A unit-sized write of `value` (all bytes), the way flags and progress records are written. */
export function unitOf(layout: FlashLayout, value: number): Uint8Array {
  return new Uint8Array(layout.unit).fill(value);
}

export function readSlot(flash: EmulatedFlash, layout: FlashLayout, slot: Slot, length: number): Uint8Array {
  return flash.read(sectorOffset(layout, slot.firstSector), Math.min(length, layout.imageBytes));
}
