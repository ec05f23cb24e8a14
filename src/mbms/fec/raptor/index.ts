/**
 * Raptor forward error correction, RFC 5053 (FEC Encoding ID 1): the systematic encoder and the decoder for one
 * source block. Block partitioning, OTI and payload IDs belong to the FEC scheme that wraps these.
 */
export { RaptorDecoder } from './decoder.ts';
export { RaptorEncoder } from './encoder.ts';
export {
  RAPTOR_MAX_ESI,
  RAPTOR_MAX_K,
  RAPTOR_MIN_K,
  type RaptorParameters,
  raptorParameters,
} from './parameters.ts';
