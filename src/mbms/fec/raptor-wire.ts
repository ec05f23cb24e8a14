/**
 * Raptor (FEC Encoding ID 1) on the wire: the OTI checks, and the FEC Payload ID, EXT_FTI and FDT codecs
 * (layouts in raptor.ts's header).
 */
import type { ObjectLayout } from './partition.ts';
import { RAPTOR_MAX_TRANSFER_LENGTH, raptorLayout } from './raptor-params.ts';
import { FecError, type FecOti, type FecScheme, type PayloadId } from './types.ts';
import {
  base64Attribute,
  checkEncodingIdAttribute,
  checkLength,
  checkRange,
  readUint,
  requiredUnsignedAttribute,
  toBase64,
  transferLengthFrom,
  unsignedAttribute,
  writeUint,
} from './wire.ts';

/** ESIs are 16 bits. */
export const RAPTOR_WIRE_MAX_ESI = 0xffff;
const MAX_ESI = RAPTOR_WIRE_MAX_ESI;

export interface RaptorGeometry {
  oti: FecOti;
  layout: ObjectLayout;
}

/** Check a Raptor OTI (RFC 5053 ranges, T a multiple of Al, K ≤ 8192) and lay the object out. */
export function raptorGeometry(oti: FecOti): RaptorGeometry {
  if (oti.encodingId !== 1) throw new FecError(`Raptor: OTI has FEC Encoding ID ${oti.encodingId}, not 1`);
  const F = checkRange('Raptor transfer length', oti.transferLength, 0, RAPTOR_MAX_TRANSFER_LENGTH);
  const T = oti.symbolLength;
  const Z = oti.sourceBlocks ?? -1;
  const N = oti.subBlocks ?? -1;
  const Al = oti.alignment ?? -1;
  const layout = raptorLayout(F, T, Z, N, Al);
  const checked: FecOti = {
    encodingId: 1,
    transferLength: F,
    symbolLength: T,
    sourceBlocks: Z,
    subBlocks: N,
    alignment: Al,
  };
  if (oti.maxSourceBlockLength !== undefined) {
    checked.maxSourceBlockLength = checkRange(
      'Raptor maximum source block length',
      oti.maxSourceBlockLength,
      1,
      2 ** 32 - 1,
    );
  }
  if (oti.maxEncodingSymbols !== undefined) {
    checked.maxEncodingSymbols = checkRange(
      'Raptor maximum number of encoding symbols',
      oti.maxEncodingSymbols,
      1,
      2 ** 32 - 1,
    );
  }
  return { oti: checked, layout };
}

/** Z 16 · N 8 · Al 8. */
function schemeSpecific(o: FecOti): Uint8Array {
  const out = new Uint8Array(4);
  writeUint(out, 0, 2, o.sourceBlocks!);
  out[2] = o.subBlocks!;
  out[3] = o.alignment!;
  return out;
}

type RaptorWire = Pick<
  FecScheme,
  'encodePayloadId' | 'decodePayloadId' | 'encodeFti' | 'decodeFti' | 'fdtAttributes' | 'fromFdtAttributes'
>;

export const raptorWire: RaptorWire = {
  encodePayloadId({ sbn, esi }: PayloadId): Uint8Array {
    const out = new Uint8Array(4);
    writeUint(out, 0, 2, checkRange('Raptor SBN', sbn, 0, 0xffff));
    writeUint(out, 2, 2, checkRange('Raptor ESI', esi, 0, MAX_ESI));
    return out;
  },

  decodePayloadId(bytes: Uint8Array): PayloadId {
    checkLength('Raptor FEC Payload ID', bytes, 4);
    return { sbn: readUint(bytes, 0, 2), esi: readUint(bytes, 2, 2) };
  },

  encodeFti(oti: FecOti): Uint8Array {
    const o = raptorGeometry(oti).oti;
    const out = new Uint8Array(14);
    writeUint(out, 0, 6, o.transferLength);
    writeUint(out, 8, 2, o.symbolLength);
    out.set(schemeSpecific(o), 10);
    return out;
  },

  decodeFti(bytes: Uint8Array): FecOti {
    checkLength('Raptor EXT_FTI', bytes, 14);
    return raptorGeometry({
      encodingId: 1,
      transferLength: readUint(bytes, 0, 6),
      symbolLength: readUint(bytes, 8, 2),
      sourceBlocks: readUint(bytes, 10, 2),
      subBlocks: bytes[12]!,
      alignment: bytes[13]!,
    }).oti;
  },

  fdtAttributes(oti: FecOti): Record<string, string> {
    const o = raptorGeometry(oti).oti;
    const attrs: Record<string, string> = {
      'FEC-OTI-FEC-Encoding-ID': '1',
      'FEC-OTI-Encoding-Symbol-Length': String(o.symbolLength),
      'FEC-OTI-Scheme-Specific-Info': toBase64(schemeSpecific(o)),
      'Transfer-Length': String(o.transferLength),
    };
    if (o.maxSourceBlockLength !== undefined) {
      attrs['FEC-OTI-Maximum-Source-Block-Length'] = String(o.maxSourceBlockLength);
    }
    if (o.maxEncodingSymbols !== undefined) {
      attrs['FEC-OTI-Max-Number-of-Encoding-Symbols'] = String(o.maxEncodingSymbols);
    }
    return attrs;
  },

  fromFdtAttributes(attrs: Record<string, string | undefined>, transferLength: number): FecOti {
    checkEncodingIdAttribute(attrs, 1);
    const info = base64Attribute(attrs, 'FEC-OTI-Scheme-Specific-Info');
    if (info === undefined)
      throw new FecError('FDT attribute FEC-OTI-Scheme-Specific-Info is missing (Raptor Z, N, Al)');
    if (info.length !== 4) {
      throw new FecError(
        `FDT attribute FEC-OTI-Scheme-Specific-Info holds ${info.length} bytes; Raptor needs 4`,
      );
    }
    const oti: FecOti = {
      encodingId: 1,
      transferLength: transferLengthFrom(attrs, transferLength, RAPTOR_MAX_TRANSFER_LENGTH),
      symbolLength: requiredUnsignedAttribute(attrs, 'FEC-OTI-Encoding-Symbol-Length', 1, 0xffff),
      sourceBlocks: readUint(info, 0, 2),
      subBlocks: info[2]!,
      alignment: info[3]!,
    };
    const maxK = unsignedAttribute(attrs, 'FEC-OTI-Maximum-Source-Block-Length', 1, 2 ** 32 - 1);
    if (maxK !== undefined) oti.maxSourceBlockLength = maxK;
    const maxSymbols = unsignedAttribute(attrs, 'FEC-OTI-Max-Number-of-Encoding-Symbols', 1, 2 ** 32 - 1);
    if (maxSymbols !== undefined) oti.maxEncodingSymbols = maxSymbols;
    return raptorGeometry(oti).oti;
  },
};
