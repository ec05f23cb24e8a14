/**
 * RaptorQ (FEC Encoding ID 6) on the wire: the RFC 6330 OTI checks, the package's OTI, and the FEC Payload
 * ID, EXT_FTI and FDT codecs (layouts in raptorq.ts's header).
 */
import { layoutObject, type ObjectLayout } from './partition.ts';
import { RAPTORQ_MAX_K, RAPTORQ_MAX_TRANSFER_LENGTH, raptorqObjectParameters } from './raptorq-params.ts';
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
  writeUint,
} from './wire.ts';

/** ESIs are 24 bits. */
export const RAPTORQ_WIRE_MAX_ESI = 2 ** 24 - 1;
const MAX_ESI = RAPTORQ_WIRE_MAX_ESI;

/** Check an OTI against RFC 6330 (not against the package) and lay the object out. */
export function raptorqLayout(oti: FecOti): { oti: FecOti; layout: ObjectLayout } {
  if (oti.encodingId !== 6) throw new FecError(`RaptorQ: OTI has FEC Encoding ID ${oti.encodingId}, not 6`);
  const F = checkRange('RaptorQ transfer length', oti.transferLength, 0, RAPTORQ_MAX_TRANSFER_LENGTH);
  const Al = checkRange('RaptorQ symbol alignment Al', oti.alignment ?? -1, 1, 255);
  const T = checkRange('RaptorQ symbol length T', oti.symbolLength, Al, 0xffff);
  if (T % Al !== 0)
    throw new FecError(`RaptorQ: symbol length T=${T} is not a multiple of the alignment Al=${Al}`);
  const N = checkRange('RaptorQ sub-blocks N', oti.subBlocks ?? -1, 1, Math.min(0xffff, T / Al));
  const Kt = Math.ceil(F / T);
  let Z = oti.sourceBlocks ?? -1;
  if (Kt > 0) {
    checkRange('RaptorQ source blocks Z', Z, 1, Math.min(255, Kt));
    if (Math.ceil(Kt / Z) > RAPTORQ_MAX_K) {
      throw new FecError(`RaptorQ: ${Kt} symbols in ${Z} blocks exceed K′max = ${RAPTORQ_MAX_K} per block`);
    }
  } else {
    Z = checkRange('RaptorQ source blocks Z', Z, 0, 255);
  }
  return {
    oti: { encodingId: 6, transferLength: F, symbolLength: T, sourceBlocks: Z, subBlocks: N, alignment: Al },
    layout: layoutObject(F, T, Math.max(Z, 1), N, Al),
  };
}

/** The OTI the package uses for F bytes and this symbol length (T = mtu − mtu mod 8). */
export function raptorqOti(transferLength: number, symbolLength: number): FecOti {
  const p = raptorqObjectParameters(transferLength, symbolLength);
  return {
    encodingId: 6,
    transferLength,
    symbolLength: p.T,
    sourceBlocks: p.Z,
    subBlocks: p.N,
    alignment: p.Al,
  };
}

/** Z 8 · N 16 · Al 8. */
function schemeSpecific(o: FecOti): Uint8Array {
  const out = new Uint8Array(4);
  out[0] = o.sourceBlocks!;
  writeUint(out, 1, 2, o.subBlocks!);
  out[3] = o.alignment!;
  return out;
}

type RaptorqWire = Pick<
  FecScheme,
  'encodePayloadId' | 'decodePayloadId' | 'encodeFti' | 'decodeFti' | 'fdtAttributes' | 'fromFdtAttributes'
>;

export const raptorqWire: RaptorqWire = {
  encodePayloadId({ sbn, esi }: PayloadId): Uint8Array {
    const out = new Uint8Array(4);
    out[0] = checkRange('RaptorQ SBN', sbn, 0, 255);
    writeUint(out, 1, 3, checkRange('RaptorQ ESI', esi, 0, MAX_ESI));
    return out;
  },

  decodePayloadId(bytes: Uint8Array): PayloadId {
    checkLength('RaptorQ FEC Payload ID', bytes, 4);
    return { sbn: bytes[0]!, esi: readUint(bytes, 1, 3) };
  },

  encodeFti(oti: FecOti): Uint8Array {
    const o = raptorqLayout(oti).oti;
    const out = new Uint8Array(14);
    writeUint(out, 0, 5, o.transferLength);
    writeUint(out, 6, 2, o.symbolLength);
    out.set(schemeSpecific(o), 8);
    return out;
  },

  decodeFti(bytes: Uint8Array): FecOti {
    checkLength('RaptorQ EXT_FTI', bytes, 12);
    return raptorqLayout({
      encodingId: 6,
      transferLength: readUint(bytes, 0, 5),
      symbolLength: readUint(bytes, 6, 2),
      sourceBlocks: bytes[8]!,
      subBlocks: readUint(bytes, 9, 2),
      alignment: bytes[11]!,
    }).oti;
  },

  fdtAttributes(oti: FecOti): Record<string, string> {
    const o = raptorqLayout(oti).oti;
    return {
      'FEC-OTI-FEC-Encoding-ID': '6',
      'FEC-OTI-Encoding-Symbol-Length': String(o.symbolLength),
      'FEC-OTI-Scheme-Specific-Info': toBase64(schemeSpecific(o)),
      'Transfer-Length': String(o.transferLength),
    };
  },

  fromFdtAttributes(attrs: Record<string, string | undefined>, transferLength: number): FecOti {
    checkEncodingIdAttribute(attrs, 6);
    const info = base64Attribute(attrs, 'FEC-OTI-Scheme-Specific-Info');
    if (info === undefined)
      throw new FecError('FDT attribute FEC-OTI-Scheme-Specific-Info is missing (RaptorQ Z, N, Al)');
    if (info.length !== 4) {
      throw new FecError(
        `FDT attribute FEC-OTI-Scheme-Specific-Info holds ${info.length} bytes; RaptorQ needs 4`,
      );
    }
    return raptorqLayout({
      encodingId: 6,
      transferLength: transferLengthFrom(attrs, transferLength, RAPTORQ_MAX_TRANSFER_LENGTH),
      symbolLength: requiredUnsignedAttribute(attrs, 'FEC-OTI-Encoding-Symbol-Length', 1, 0xffff),
      sourceBlocks: info[0]!,
      subBlocks: readUint(info, 1, 2),
      alignment: info[3]!,
    }).oti;
  },
};
