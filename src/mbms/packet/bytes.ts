/** Big-endian unsigned integers of any byte width, for the variable-size LCT fields. */

export function readUintBE(bytes: Uint8Array, offset: number, length: number): bigint {
  let value = 0n;
  for (let i = 0; i < length; i++) value = (value << 8n) | BigInt(bytes[offset + i] ?? 0);
  return value;
}

export function writeUintBE(bytes: Uint8Array, offset: number, length: number, value: bigint): void {
  let rest = value;
  for (let i = length - 1; i >= 0; i--) {
    bytes[offset + i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
}

/** Bytes needed to hold value (0 for 0). */
export function byteWidth(value: bigint): number {
  let width = 0;
  for (let rest = value; rest > 0n; rest >>= 8n) width++;
  return width;
}

export function hex(bytes: Uint8Array, max = 16): string {
  const shown = Array.from(bytes.subarray(0, max), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > max ? `${shown} …` : shown;
}
