import type { EmulatedFlash } from '../flash/index.ts';
import { type FlashLayout, field, type Slot, sectorOffset, unitOf } from './layout.ts';

/** MCUboot's trailer magic (align 8); no byte is 0x00 or 0xff, so a torn or partly erased magic is BAD. */
export const TRAILER_MAGIC = Uint8Array.from([
  0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f, 0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80,
]);

export type MagicState = 'good' | 'bad' | 'unset';
export type FlagState = 'set' | 'bad' | 'unset';

/** MCUboot swap types (bootutil_public.h). */
export const SwapType = { None: 1, Test: 2, Perm: 3, Revert: 4 } as const;
export type SwapType = (typeof SwapType)[keyof typeof SwapType];

export interface TrailerState {
  magic: MagicState;
  imageOk: FlagState;
  copyDone: FlagState;
  /** Low nibble of swap_info when it decodes to a known type. */
  swapType: SwapType | undefined;
}

export type TrailerField = 'magic' | 'imageOk' | 'copyDone' | 'swapInfo';

/** Field offsets from the start of the trailer sector, laid out from its end backwards as MCUboot does. */
export function trailerOffsets(layout: FlashLayout, slot: Slot): Record<TrailerField, number> {
  const end = sectorOffset(layout, slot.trailerSector) + layout.geometry.sectorSize;
  const magic = end - field(16, layout.unit);
  const imageOk = magic - layout.unit;
  const copyDone = imageOk - layout.unit;
  return { magic, imageOk, copyDone, swapInfo: copyDone - layout.unit };
}

export function readTrailer(flash: EmulatedFlash, layout: FlashLayout, slot: Slot): TrailerState {
  const at = trailerOffsets(layout, slot);
  const erased = layout.geometry.erasedValue;
  const magic = flash.read(at.magic, 16);
  const magicState: MagicState = magic.every((b, i) => b === TRAILER_MAGIC[i])
    ? 'good'
    : magic.every((b) => b === erased)
      ? 'unset'
      : 'bad';
  const flag = (offset: number): FlagState => {
    const b = flash.read(offset, 1)[0]!;
    return b === erased ? 'unset' : b === 0x01 ? 'set' : 'bad';
  };
  const info = flash.read(at.swapInfo, 1)[0]! & 0x0f;
  const swapType = info >= SwapType.Test && info <= SwapType.Revert ? (info as SwapType) : undefined;
  return { magic: magicState, imageOk: flag(at.imageOk), copyDone: flag(at.copyDone), swapType };
}

export function writeTrailerFlag(
  flash: EmulatedFlash,
  layout: FlashLayout,
  slot: Slot,
  which: 'imageOk' | 'copyDone',
): void {
  flash.write(trailerOffsets(layout, slot)[which], unitOf(layout, 0x01));
}

export function writeSwapInfo(flash: EmulatedFlash, layout: FlashLayout, slot: Slot, type: SwapType): void {
  flash.write(trailerOffsets(layout, slot).swapInfo, unitOf(layout, type));
}

/** The magic goes last in every trailer update: it is what makes the other fields count. */
export function writeTrailerMagic(flash: EmulatedFlash, layout: FlashLayout, slot: Slot): void {
  const bytes = new Uint8Array(field(16, layout.unit)).fill(TRAILER_MAGIC[0]!);
  bytes.set(TRAILER_MAGIC);
  flash.write(trailerOffsets(layout, slot).magic, bytes);
}

/**
 * MCUboot's decision table for a new swap (boot_swap_tables[], rows II-V; row I belongs to swap-offset).
 * Rows match exact flag values, so a BAD flag matches no row. Overwrite-only has no revert and treats a
 * test request as permanent.
 */
export function decideSwap(
  primary: TrailerState,
  secondary: TrailerState,
  mode: 'swap-scratch' | 'overwrite-only',
): SwapType {
  if (secondary.magic === 'good' && secondary.imageOk === 'unset')
    return mode === 'overwrite-only' ? SwapType.Perm : SwapType.Test;
  if (secondary.magic === 'good' && secondary.imageOk === 'set') return SwapType.Perm;
  if (mode === 'swap-scratch' && isRevertible(primary)) return SwapType.Revert;
  return SwapType.None;
}

/** Row IV: a test image that was swapped in and never confirmed; the next boot reverts it. */
export function isRevertible(primary: TrailerState): boolean {
  return primary.magic === 'good' && primary.imageOk === 'unset' && primary.copyDone === 'set';
}
