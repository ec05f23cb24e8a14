/**
 * The module's user file system (UFS on Quectel): flat, in memory, with a capacity. It lives in
 * emulated flash, so it survives reboots and power cuts; write time and current are modelled by the
 * caller (ModuleCore.flashWrite).
 */
export interface FileEntry {
  readonly name: string;
  readonly size: number;
}

export type FileWriteResult = { ok: true } | { ok: false; reason: 'full' | 'exists' | 'bad-name' };

export class ModuleFileSystem {
  readonly capacity: number;
  readonly #files = new Map<string, Buffer>();

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get used(): number {
    let n = 0;
    for (const f of this.#files.values()) n += f.length;
    return n;
  }

  get free(): number {
    return this.capacity - this.used;
  }

  list(pattern = '*'): FileEntry[] {
    const re = globToRegExp(pattern);
    return [...this.#files.entries()]
      .filter(([name]) => re.test(name))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, data]) => ({ name, size: data.length }));
  }

  has(name: string): boolean {
    return this.#files.has(name);
  }

  read(name: string): Buffer | undefined {
    const data = this.#files.get(name);
    return data ? Buffer.from(data) : undefined;
  }

  /** Store a file; replace it when overwrite (otherwise an existing name fails). */
  write(name: string, data: Uint8Array, opts: { overwrite?: boolean } = {}): FileWriteResult {
    if (!isValidName(name)) return { ok: false, reason: 'bad-name' };
    const existing = this.#files.get(name);
    if (existing && !opts.overwrite) return { ok: false, reason: 'exists' };
    if (data.length > this.free + (existing?.length ?? 0)) return { ok: false, reason: 'full' };
    this.#files.set(name, Buffer.from(data));
    return { ok: true };
  }

  delete(name: string): boolean {
    return this.#files.delete(name);
  }

  /** Delete every file matching pattern; returns how many. */
  deleteMatching(pattern: string): number {
    let n = 0;
    for (const { name } of this.list(pattern)) if (this.#files.delete(name)) n++;
    return n;
  }
}

export function isValidName(name: string): boolean {
  return name.length > 0 && name.length <= 80 && !/[\\/:*?"<>|\x00-\x1f]/.test(name);
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

/**
 * The checksum Quectel prints after +QFUPL / +QFDWL: XOR of the data taken as big-endian 16-bit
 * words (an odd last byte padded with 0), in lower-case hex. [M] the at-modules.md reference marks
 * this definition as unverified; check it against a real module before relying on it.
 */
export function xor16Checksum(data: Uint8Array): string {
  let sum = 0;
  for (let i = 0; i < data.length; i += 2) sum ^= (data[i]! << 8) | (data[i + 1] ?? 0);
  return sum.toString(16);
}
