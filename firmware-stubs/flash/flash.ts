import { SeededRandom } from '../random.ts';
import { FlashError, PowerCutError } from './errors.ts';
import type { FaultPoint, FlashOperation } from './fault-point.ts';

export interface FlashGeometry {
  sectorSize: number;
  sectorCount: number;
  /** Writes start and end on multiples of this (1, 2, 4, 8, 16, 32). */
  writeAlign: number;
  /** What an erased byte reads as: 0xff (NOR) or 0x00. */
  erasedValue: 0xff | 0x00;
}

export interface BadRegion {
  offset: number;
  length: number;
  /** Probability that a write touching the region fails (seeded); 1 = always. */
  failRate: number;
}

export interface FlashOptions {
  /** Seeds tears and bad-region draws: the same seed tears the same way. */
  seed?: number;
  faultPoint?: FaultPoint;
  badRegions?: BadRegion[];
}

/**
 * An emulated NOR-like flash, modelled on MCUboot's simflash: erase whole sectors; aligned writes; every byte
 * can be written once between erases (a second write, even of the same value, is a FlashError). Every write
 * and erase is counted and passes the fault point first. Contents survive power cycles; a cut leaves the
 * flash unpowered until powerCycle().
 */
export class EmulatedFlash {
  readonly geometry: Readonly<FlashGeometry>;
  readonly size: number;
  #data: Uint8Array;
  /** 1 where a byte was written since its sector's last erase. */
  #written: Uint8Array;
  #ops = 0;
  #powered = true;
  #faultPoint: FaultPoint | undefined;
  readonly #badRegions: BadRegion[];
  readonly #random: SeededRandom;

  constructor(geometry: FlashGeometry, options: FlashOptions = {}) {
    checkGeometry(geometry);
    this.geometry = { ...geometry };
    this.size = geometry.sectorSize * geometry.sectorCount;
    this.#data = new Uint8Array(this.size).fill(geometry.erasedValue);
    this.#written = new Uint8Array(this.size);
    this.#faultPoint = options.faultPoint;
    this.#badRegions = [...(options.badRegions ?? [])];
    this.#random = new SeededRandom(options.seed ?? 1);
  }

  /** Writes and erases attempted so far (refused ones included, rule violations not). */
  get opCount(): number {
    return this.#ops;
  }

  get powered(): boolean {
    return this.#powered;
  }

  setFaultPoint(faultPoint: FaultPoint | undefined): void {
    this.#faultPoint = faultPoint;
  }

  addBadRegion(region: BadRegion): void {
    this.#badRegions.push(region);
  }

  /** Power returns: the contents are as the last cut left them. */
  powerCycle(): void {
    this.#powered = true;
  }

  /** An independent copy (contents, written map, op count); the fault point and bad regions are not copied. */
  clone(seed?: number): EmulatedFlash {
    const copy = new EmulatedFlash(this.geometry, { seed: seed ?? this.#random.seed });
    copy.#data.set(this.#data);
    copy.#written.set(this.#written);
    copy.#ops = this.#ops;
    return copy;
  }

  read(offset: number, length: number): Uint8Array {
    this.#checkRange('read', offset, length);
    return this.#data.slice(offset, offset + length);
  }

  /** True when every byte of the range reads as erased. */
  isErased(offset: number, length: number): boolean {
    this.#checkRange('read', offset, length);
    const erased = this.geometry.erasedValue;
    for (let i = offset; i < offset + length; i++) if (this.#data[i] !== erased) return false;
    return true;
  }

  write(offset: number, bytes: Uint8Array): void {
    const length = bytes.length;
    this.#checkRange('write', offset, length);
    const align = this.geometry.writeAlign;
    if (offset % align !== 0 || length % align !== 0 || length === 0)
      throw new FlashError(
        `flash: write 0x${offset.toString(16)}+${length}: not aligned to ${align} bytes (or empty)`,
      );
    for (let i = offset; i < offset + length; i++)
      if (this.#written[i])
        throw new FlashError(
          `flash: write 0x${offset.toString(16)}+${length}: byte 0x${i.toString(16)} already written since its last erase`,
        );
    const op = this.#begin('write', offset, length);
    if (op === 'before') throw new PowerCutError(this.#last!, 'before');
    if (op === 'tear') {
      this.#tearWrite(offset, bytes);
      this.#powered = false;
      throw new PowerCutError(this.#last!, 'tear');
    }
    this.#failInBadRegion(offset, length);
    this.#data.set(bytes, offset);
    this.#written.fill(1, offset, offset + length);
    if (op === 'after') {
      this.#powered = false;
      throw new PowerCutError(this.#last!, 'after');
    }
  }

  eraseSector(sector: number): void {
    if (!Number.isInteger(sector) || sector < 0 || sector >= this.geometry.sectorCount)
      throw new FlashError(`flash: erase sector ${sector}: outside 0-${this.geometry.sectorCount - 1}`);
    const { sectorSize, erasedValue } = this.geometry;
    const offset = sector * sectorSize;
    const op = this.#begin('erase', offset, sectorSize);
    if (op === 'before') throw new PowerCutError(this.#last!, 'before');
    // A torn erase clears a seeded prefix of the sector; the rest keeps its bytes and stays written.
    const erased = op === 'tear' ? this.#random.int(1, sectorSize - 1) : sectorSize;
    this.#data.fill(erasedValue, offset, offset + erased);
    this.#written.fill(0, offset, offset + erased);
    if (op !== 'proceed') {
      this.#powered = false;
      throw new PowerCutError(this.#last!, op);
    }
  }

  #last: FlashOperation | undefined;

  #begin(
    kind: FlashOperation['kind'],
    offset: number,
    length: number,
  ): 'proceed' | 'before' | 'tear' | 'after' {
    const operation: FlashOperation = { kind, index: this.#ops, offset, length };
    this.#last = operation;
    if (!this.#powered) throw new PowerCutError(operation, 'unpowered');
    this.#ops++;
    const decision = this.#faultPoint?.(operation) ?? 'proceed';
    if (decision === 'before') this.#powered = false;
    return decision;
  }

  /**
   * A seeded prefix of whole bytes lands; the next byte is half programmed (a seeded subset of the bits that
   * had to change). That byte counts as written only if it no longer reads erased: no charge moved, nothing
   * to forbid.
   */
  #tearWrite(offset: number, bytes: Uint8Array): void {
    const erased = this.geometry.erasedValue;
    const full = this.#random.int(0, bytes.length - 1);
    this.#data.set(bytes.subarray(0, full), offset);
    this.#written.fill(1, offset, offset + full);
    const target = bytes[full]!;
    const changing = (target ^ erased) & 0xff;
    const landed = changing & this.#random.int(0, 255);
    const value = (erased ^ landed) & 0xff;
    this.#data[offset + full] = value;
    if (value !== erased) this.#written[offset + full] = 1;
  }

  #failInBadRegion(offset: number, length: number): void {
    for (const region of this.#badRegions) {
      const overlaps = offset < region.offset + region.length && region.offset < offset + length;
      if (overlaps && (region.failRate >= 1 || this.#random.chance(region.failRate)))
        throw new FlashError(
          `flash: write 0x${offset.toString(16)}+${length}: bad region 0x${region.offset.toString(16)}+${region.length} refused it`,
        );
    }
  }

  #checkRange(what: string, offset: number, length: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0)
      throw new FlashError(`flash: ${what} ${offset}+${length}: not a byte range`);
    if (offset + length > this.size)
      throw new FlashError(
        `flash: ${what} 0x${offset.toString(16)}+${length}: past the end (size 0x${this.size.toString(16)})`,
      );
  }
}

function checkGeometry(g: FlashGeometry): void {
  const ok =
    Number.isInteger(g.sectorSize) &&
    g.sectorSize >= 16 &&
    Number.isInteger(g.sectorCount) &&
    g.sectorCount > 0 &&
    [1, 2, 4, 8, 16, 32].includes(g.writeAlign) &&
    g.sectorSize % g.writeAlign === 0 &&
    (g.erasedValue === 0xff || g.erasedValue === 0x00);
  if (!ok) throw new RangeError(`flash: unusable geometry ${JSON.stringify(g)}`);
}
