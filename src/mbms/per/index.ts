/**
 * ASN.1 PER, the UNALIGNED variant (ITU-T X.691), for the TR 26.850 binary formats (binary FDT, service
 * announcement, RAck-IoT report): bits, BOOLEAN, constrained whole numbers, fixed and size-constrained
 * OCTET STRINGs, the general length determinant (unfragmented, below 16K), normally small numbers and
 * VisibleString. Faults are handed to a per-instance factory so each format throws its own error.
 */
export {
  PerError,
  type PerErrorFactory,
  type PerReadFault,
  type PerWriteFault,
} from './faults.ts';
export { bitsForRange } from './range.ts';
export { PerReader, type PerReaderOptions } from './reader.ts';
export { PerWriter, type PerWriterOptions } from './writer.ts';
