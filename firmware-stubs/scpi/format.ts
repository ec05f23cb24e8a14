/** Device-side response formatting: NR3 numbers and IEEE 488.2 definite-length blocks. */

/** `+1.234567E-03`: the NR3 form SCPI instruments answer numeric queries with. */
export function nr3(x: number, digits = 6): string {
  if (Number.isNaN(x)) return '+9.91000000E+37';
  const [mantissa, exponent] = x.toExponential(digits).split('e') as [string, string];
  const sign = mantissa.startsWith('-') ? '-' : '+';
  const expSign = exponent.startsWith('-') ? '-' : '+';
  const expDigits = exponent.replace(/^[+-]/, '').padStart(2, '0');
  return `${sign}${mantissa.replace(/^-/, '')}E${expSign}${expDigits}`;
}

/** `#<n><len><data>`: an arbitrary block with its length spelled out (IEEE 488.2 §8.7.9). */
export function definiteBlock(data: Buffer): Buffer {
  const len = String(data.length);
  return Buffer.concat([Buffer.from(`#${len.length}${len}`, 'latin1'), data]);
}

/** Float32 values, big-endian (FORM:BORD NORM) or little-endian (SWAP). */
export function float32Bytes(values: ArrayLike<number>, bigEndian: boolean): Buffer {
  const out = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    if (bigEndian) out.writeFloatBE(values[i]!, i * 4);
    else out.writeFloatLE(values[i]!, i * 4);
  }
  return out;
}
