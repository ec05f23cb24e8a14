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

/** Content ids: a sector's id changes on every change of its bytes, so equal ids mean equal bytes. */
let nextContentId = 1;

/**
 * An emulated NOR-like flash, modelled on MCUboot's simflash: erase whole sectors; aligned writes; every byte
 * can be written once between erases (a second write, even of the same value, is a FlashError). Every write
 * and erase is counted and passes the fault point first. Contents survive power cycles; a cut leaves the
 * flash unpowered until powerCycle().
 *
 * Storage is per sector and copy-on-write: clone() shares every sector and copies one only when either side
 * changes it, so a sweep can snapshot the flash before each of hundreds of operations cheaply.
 */
export class EmulatedFlash {
  readonly geometry: Readonly<FlashGeometry>;
  readonly size: number;
  #data: Uint8Array[];
  /** Per sector, 1 where a byte was written since the last erase; null when none was. */
  #written: (Uint8Array | null)[];
  /** Written bytes per sector (0: the sector reads erased and any write may go there). */
  #writtenCount: number[];
  /** False while the sector's arrays may be shared with a clone: copy before changing them. */
  #owned: boolean[];
  #contentId: number[];
  /** Per sector, its bytes and content id before the last full erase: rewriting the same bytes keeps the id. */
  #previous: ({ data: Uint8Array; id: number } | undefined)[];
  #ops = 0;
  #powered = true;
  static #cloning = false;
  #faultPoint: FaultPoint | undefined;
  readonly #badRegions: BadRegion[];
  readonly #random: SeededRandom;

  constructor(geometry: FlashGeometry, options: FlashOptions = {}) {
    checkGeometry(geometry);
    this.geometry = { ...geometry };
    this.size = geometry.sectorSize * geometry.sectorCount;
    // A clone brings its own sector lists: allocate nothing here.
    const n = EmulatedFlash.#cloning ? 0 : geometry.sectorCount;
    // Every sector starts as one shared erased buffer, copied on its first change (copy-on-write, as for
    // clones): a bench of thousands of emulated modules does not carry megabytes of 0xFF each.
    const erased = new Uint8Array(n > 0 ? geometry.sectorSize : 0).fill(geometry.erasedValue);
    this.#data = new Array<Uint8Array>(n).fill(erased);
    this.#written = new Array<Uint8Array | null>(n).fill(null);
    this.#writtenCount = new Array<number>(n).fill(0);
    this.#owned = new Array<boolean>(n).fill(false);
    this.#contentId = Array.from({ length: n }, () => nextContentId++);
    this.#previous = new Array(n).fill(undefined);
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
    EmulatedFlash.#cloning = true;
    let copy: EmulatedFlash;
    try {
      copy = new EmulatedFlash(this.geometry, { seed: seed ?? this.#random.seed });
    } finally {
      EmulatedFlash.#cloning = false;
    }
    copy.#data = [...this.#data];
    copy.#written = [...this.#written];
    copy.#writtenCount = [...this.#writtenCount];
    copy.#contentId = [...this.#contentId];
    copy.#previous = [...this.#previous];
    this.#owned.fill(false);
    copy.#owned = new Array<boolean>(this.#data.length).fill(false);
    copy.#ops = this.#ops;
    return copy;
  }

  read(offset: number, length: number): Uint8Array {
    this.#checkRange('read', offset, length);
    const size = this.geometry.sectorSize;
    const first = Math.floor(offset / size);
    const at = offset - first * size;
    if (at + length <= size) return this.#data[first]!.slice(at, at + length);
    const out = new Uint8Array(length);
    this.#eachSpan(offset, length, (data, from, to, outAt) => out.set(data.subarray(from, to), outAt));
    return out;
  }

  /** True when the flash holds exactly `bytes` at `offset` (compares in place, no copy). */
  matches(offset: number, bytes: Uint8Array): boolean {
    this.#checkRange('read', offset, bytes.length);
    let same = true;
    this.#eachSpan(offset, bytes.length, (data, from, to, outAt) => {
      if (!same) return;
      const want = bytes.subarray(outAt, outAt + (to - from));
      same = Buffer.compare(data.subarray(from, to), want) === 0;
    });
    return same;
  }

  /**
   * A key for the bytes of a range: two ranges (of this flash or any other in the process) with equal keys
   * hold equal bytes. Lets the layers above cache what they computed from flash contents.
   */
  contentKey(offset: number, length: number): string {
    this.#checkRange('read', offset, length);
    const size = this.geometry.sectorSize;
    const first = Math.floor(offset / size);
    const last = Math.floor((offset + Math.max(length, 1) - 1) / size);
    let key = `${size}:${offset - first * size}:${length}`;
    for (let s = first; s <= last; s++) key += `:${this.#contentId[s]}`;
    return key;
  }

  /** True when every byte of the range reads as erased. */
  isErased(offset: number, length: number): boolean {
    this.#checkRange('read', offset, length);
    const erased = this.geometry.erasedValue;
    let all = true;
    this.#eachSpan(offset, length, (data, from, to, _at, sector) => {
      // No byte written since the last full erase: the sector reads erased.
      if (!all || this.#writtenCount[sector] === 0) return;
      for (let i = from; i < to; i++)
        if (data[i] !== erased) {
          all = false;
          return;
        }
    });
    return all;
  }

  write(offset: number, bytes: Uint8Array): void {
    this.#write(offset, bytes, undefined);
  }

  /**
   * Erase sector `to`, then write sector `from`'s bytes into it: the same two operations (counted, faulted)
   * as read + eraseSector + write, but a completed copy shares the source's storage.
   */
  copySector(from: number, to: number): void {
    this.#checkSector('copy from', from);
    this.#checkSector('copy to', to);
    const size = this.geometry.sectorSize;
    const source = from === to ? this.#data[from]!.slice() : this.#data[from]!;
    const sourceId = this.#contentId[from]!;
    this.eraseSector(to);
    this.#write(to * size, source, { sector: to, sourceId });
  }

  #write(offset: number, bytes: Uint8Array, share: { sector: number; sourceId: number } | undefined): void {
    const length = bytes.length;
    this.#checkRange('write', offset, length);
    const align = this.geometry.writeAlign;
    if (offset % align !== 0 || length % align !== 0 || length === 0)
      throw new FlashError(
        `flash: write 0x${offset.toString(16)}+${length}: not aligned to ${align} bytes (or empty)`,
      );
    this.#eachSpan(offset, length, (_data, from, to, _at, sector) => {
      const written = this.#written[sector];
      if (this.#writtenCount[sector] === 0 || !written) return;
      for (let i = from; i < to; i++)
        if (written[i])
          throw new FlashError(
            `flash: write 0x${offset.toString(16)}+${length}: byte 0x${(sector * this.geometry.sectorSize + i).toString(16)} already written since its last erase`,
          );
    });
    const op = this.#begin('write', offset, length);
    if (op === 'before') throw new PowerCutError(this.#last!, 'before');
    if (op === 'tear') {
      this.#tearWrite(offset, bytes);
      this.#powered = false;
      throw new PowerCutError(this.#last!, 'tear');
    }
    this.#failInBadRegion(offset, length);
    if (share && this.#writtenCount[share.sector] === 0) {
      // The whole sector now holds the source's bytes: share its storage (copy on the next change).
      const s = share.sector;
      const from = this.#data.indexOf(bytes);
      if (from >= 0) this.#owned[from] = false;
      this.#data[s] = bytes;
      this.#written[s] = allWritten(this.geometry.sectorSize);
      this.#writtenCount[s] = this.geometry.sectorSize;
      this.#owned[s] = false;
      this.#contentId[s] = share.sourceId;
    } else
      this.#eachSpan(offset, length, (_data, from, to, at, sector) => {
        const data = this.#own(sector);
        data.set(bytes.subarray(at, at + (to - from)), from);
        this.#markWritten(sector, from, to);
        // The same bytes as before the last erase (a rewrite after a cut): the same content id.
        const previous = this.#previous[sector];
        if (previous && Buffer.compare(previous.data, data) === 0) this.#contentId[sector] = previous.id;
      });
    if (op === 'after') {
      this.#powered = false;
      throw new PowerCutError(this.#last!, 'after');
    }
  }

  eraseSector(sector: number): void {
    this.#checkSector('erase', sector);
    const { sectorSize, erasedValue } = this.geometry;
    const offset = sector * sectorSize;
    const op = this.#begin('erase', offset, sectorSize);
    if (op === 'before') throw new PowerCutError(this.#last!, 'before');
    // A torn erase clears a seeded prefix of the sector; the rest keeps its bytes and stays written.
    const erased = op === 'tear' ? this.#random.int(1, sectorSize - 1) : sectorSize;
    if (erased === sectorSize) {
      // Every fully erased sector shares one read-only erased array, copied on its first write.
      this.#previous[sector] = { data: this.#data[sector]!, id: this.#contentId[sector]! };
      this.#data[sector] = erasedSector(sectorSize, erasedValue);
      this.#written[sector] = null;
      this.#writtenCount[sector] = 0;
      this.#owned[sector] = false;
      this.#contentId[sector] = nextContentId++;
      if (op !== 'proceed') {
        this.#powered = false;
        throw new PowerCutError(this.#last!, op);
      }
      return;
    }
    this.#previous[sector] = undefined;
    const data = this.#own(sector);
    data.fill(erasedValue, 0, erased);
    const written = this.#written[sector];
    if (erased === sectorSize) {
      if (written) written.fill(0);
      this.#writtenCount[sector] = 0;
    } else if (written) {
      written.fill(0, 0, erased);
      let count = 0;
      for (let i = erased; i < sectorSize; i++) count += written[i]!;
      this.#writtenCount[sector] = count;
    }
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
    if (full > 0)
      this.#eachSpan(offset, full, (_data, from, to, at, sector) => {
        this.#own(sector).set(bytes.subarray(at, at + (to - from)), from);
        this.#markWritten(sector, from, to);
      });
    const target = bytes[full]!;
    const changing = (target ^ erased) & 0xff;
    const landed = changing & this.#random.int(0, 255);
    const value = (erased ^ landed) & 0xff;
    const size = this.geometry.sectorSize;
    const sector = Math.floor((offset + full) / size);
    const at = offset + full - sector * size;
    this.#own(sector)[at] = value;
    if (value !== erased) this.#markWritten(sector, at, at + 1);
  }

  /** The sector's data, safe to change: copied first if a clone may share it; its content id renewed. */
  #own(sector: number): Uint8Array {
    if (!this.#owned[sector]) {
      this.#data[sector] = this.#data[sector]!.slice();
      const written = this.#written[sector];
      this.#written[sector] = written ? written.slice() : null;
      this.#owned[sector] = true;
    }
    this.#contentId[sector] = nextContentId++;
    return this.#data[sector]!;
  }

  /** Marks [from, to) of an owned sector written; the bytes were unwritten (checked before the op). */
  #markWritten(sector: number, from: number, to: number): void {
    let written = this.#written[sector];
    if (!written) {
      written = new Uint8Array(this.geometry.sectorSize);
      this.#written[sector] = written;
    }
    written.fill(1, from, to);
    this.#writtenCount[sector] = this.#writtenCount[sector]! + (to - from);
  }

  /** Calls fn for each sector-local piece of [offset, offset+length), with the piece's offset in the range. */
  #eachSpan(
    offset: number,
    length: number,
    fn: (data: Uint8Array, from: number, to: number, at: number, sector: number) => void,
  ): void {
    const size = this.geometry.sectorSize;
    let at = 0;
    while (at < length) {
      const sector = Math.floor((offset + at) / size);
      const from = offset + at - sector * size;
      const to = Math.min(size, from + length - at);
      fn(this.#data[sector]!, from, to, at, sector);
      at += to - from;
    }
  }

  #checkSector(what: string, sector: number): void {
    if (!Number.isInteger(sector) || sector < 0 || sector >= this.geometry.sectorCount)
      throw new FlashError(`flash: ${what} sector ${sector}: outside 0-${this.geometry.sectorCount - 1}`);
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

const ERASED = new Map<string, Uint8Array>();

/** A shared erased sector (never changed in place: sectors holding it are not owned). */
function erasedSector(size: number, value: number): Uint8Array {
  const key = `${size}:${value}`;
  let data = ERASED.get(key);
  if (!data) {
    data = new Uint8Array(size).fill(value);
    ERASED.set(key, data);
  }
  return data;
}

const ALL_WRITTEN = new Map<number, Uint8Array>();

/** A shared all-ones written map (never changed in place: sectors holding it are not owned). */
function allWritten(size: number): Uint8Array {
  let map = ALL_WRITTEN.get(size);
  if (!map) {
    map = new Uint8Array(size).fill(1);
    ALL_WRITTEN.set(size, map);
  }
  return map;
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
