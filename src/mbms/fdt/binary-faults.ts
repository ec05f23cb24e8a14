/** PER codec faults as FdtErrors: `bad-binary` for what is read, `unrepresentable` for what is written. */
import type { PerReadFault, PerWriteFault } from '../per/index.ts';
import { FdtError } from './errors.ts';

function attributeOf(fault: { field: string; part?: 'length' }): string | undefined {
  if (fault.field === '') return undefined;
  return fault.part === 'length' ? `${fault.field} length` : fault.field;
}

export function binaryReadError(operation: string): (fault: PerReadFault) => FdtError {
  return (fault) => {
    const attribute = attributeOf(fault);
    const refuse = (problem: string) => new FdtError({ code: 'bad-binary', operation, attribute, problem });
    switch (fault.kind) {
      case 'truncated':
        return refuse(
          fault.unit === 'octets'
            ? `${fault.bitCount / 8} octets announced, ${Math.floor((fault.bitLength - fault.bitOffset) / 8)} left`
            : `ends at bit ${fault.bitLength}, ${fault.bitCount} more bits needed at bit ${fault.bitOffset}`,
        );
      case 'above-bound':
        return new FdtError({
          code: 'bad-binary',
          operation,
          attribute,
          value: String(fault.value),
          expected: `${fault.lb}..${fault.ub}`,
        });
      case 'fragmented':
        return refuse('fragmented length (≥ 16384 octets) is not supported');
      case 'trailing-octets':
        return refuse(`${fault.octets} trailing octets after the encoding`);
      case 'non-zero-padding':
        return refuse('non-zero padding bits');
      default:
        return refuse(fault.message);
    }
  };
}

/** The encoder checks its model first, so these are the codec's last word on a value that slipped past. */
export function binaryWriteError(operation: string): (fault: PerWriteFault) => FdtError {
  return (fault) =>
    new FdtError({
      code: 'unrepresentable',
      operation,
      attribute: attributeOf(fault),
      problem: fault.message,
    });
}
