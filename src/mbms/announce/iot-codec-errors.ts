/** The binary announcement's AnnounceErrors, and the PER codec's faults worded as they are. */
import type { PerReadFault, PerWriteFault } from '../per/index.ts';
import { AnnounceError } from './errors.ts';

const RESOURCE = 'TR 26.850 announcement';

/** An encoding refusal at `where` (the field being written). */
export function encodeError(where: string, problem: string): AnnounceError {
  return new AnnounceError({
    code: 'unrepresentable',
    resource: RESOURCE,
    operation: 'encode',
    where,
    problem,
  });
}

/** A decoding refusal at `bit`, in `field` ('' outside any field). */
export function decodeError(bit: number, field: string, problem: string): AnnounceError {
  return new AnnounceError({
    code: 'bad-binary',
    resource: RESOURCE,
    operation: 'decode',
    where: `bit ${bit}${field === '' ? '' : ` (${field})`}`,
    problem,
  });
}

/** Names the bit where the reader stood on finding the fault: past the bits it looked at. */
export function readFaultError(fault: PerReadFault): AnnounceError {
  switch (fault.kind) {
    case 'truncated':
      return fault.unit === 'octets'
        ? decodeError(fault.bitOffset, fault.field, `the encoding ends before ${fault.bitCount / 8} octets`)
        : decodeError(fault.bitLength, fault.field, 'the encoding ends early');
    case 'trailing-octets':
      return decodeError(
        fault.bitOffset,
        fault.field,
        `${fault.octets} octet(s) after the end of the encoding`,
      );
    default:
      return decodeError(fault.bitOffset + fault.bitCount, fault.field, readProblem(fault));
  }
}

function readProblem(fault: PerReadFault): string {
  switch (fault.kind) {
    case 'above-bound':
      return `value ${fault.value} is above the upper bound ${fault.ub}`;
    case 'fragmented':
      return 'a fragmented length (16K or more) is not accepted in an announcement';
    case 'too-long':
      return `string of ${fault.length} characters, at most ${fault.max} expected`;
    case 'not-visible':
      return `character code ${fault.code} is not a VisibleString character`;
    case 'non-zero-padding':
      return 'padding bits after the encoding are not zero';
    default:
      return fault.message;
  }
}

export function writeFaultProblem(fault: PerWriteFault): string {
  switch (fault.kind) {
    case 'out-of-range':
      return fault.part === 'length'
        ? `${fault.field} must have ${fault.lb}..${fault.ub} elements or octets, has ${fault.value}`
        : `${fault.field} must be an integer ${fault.lb}..${fault.ub}, is ${fault.value}`;
    case 'needs-fragmentation':
      return `${fault.field} of ${fault.value} octets would need a fragmented length, which this encoder does not write`;
    case 'not-visible':
      return `${fault.field} holds a character VisibleString cannot carry`;
  }
}
