/**
 * FEC schemes for MBMS download (FLUTE): Compact No-Code (ID 0), Raptor (ID 1, RFC 5053) and RaptorQ
 * (ID 6, RFC 6330 via the npm `raptorq` package), each with its FEC Payload ID, EXT_FTI and FDT attribute
 * codecs, behind one FecScheme interface; plus the block partitioning they use.
 */
import { compactNoCode } from './compact-no-code.ts';
import { RaptorDecoder, RaptorEncoder } from './raptor/index.ts';
import { raptorScheme } from './raptor.ts';
import { raptorq } from './raptorq.ts';
import { type FecEncodingId, FecError, type FecScheme } from './types.ts';

export { compactNoCode, NO_CODE_DEFAULT_MAX_BLOCK_LENGTH } from './compact-no-code.ts';
export {
  type BlockPartition,
  blockPartition,
  layoutObject,
  type ObjectLayout,
  partition,
  type SourceBlock,
  type Split,
} from './partition.ts';
export { type RaptorCodec, raptorScheme } from './raptor.ts';
export {
  RAPTOR_ALIGNMENT,
  RAPTOR_G_MAX,
  RAPTOR_K_MIN,
  RAPTOR_SUB_BLOCK_BYTES,
  type RaptorObjectParameters,
  type RaptorTransportParameters,
  raptorObjectParameters,
  raptorTransportParameters,
} from './raptor-params.ts';
export { raptorq } from './raptorq.ts';
export {
  RAPTORQ_MIN_SYMBOL_LENGTH,
  type RaptorqObjectParameters,
  raptorqObjectParameters,
} from './raptorq-params.ts';
export { raptorqOti } from './raptorq-wire.ts';
export * from './types.ts';

/** Raptor over the RFC 5053 codec of src/mbms/fec/raptor/. */
export const raptor: FecScheme = raptorScheme({ Encoder: RaptorEncoder, Decoder: RaptorDecoder });

export const FEC_SCHEMES: Record<FecEncodingId, FecScheme> = { 0: compactNoCode, 1: raptor, 6: raptorq };

/** The scheme for an FEC Encoding ID read off the wire or an FDT; unknown IDs are a FecError. */
export function fecScheme(id: number): FecScheme {
  const scheme = Object.hasOwn(FEC_SCHEMES, id) ? FEC_SCHEMES[id as FecEncodingId] : undefined;
  if (scheme === undefined) {
    throw new FecError(
      `FEC Encoding ID ${id} is not supported (supported: ${Object.keys(FEC_SCHEMES).join(', ')})`,
    );
  }
  return scheme;
}
