/**
 * What the PER codec reports when it cannot read or write a field. A fault is data, not an error: each
 * caller turns it into its own typed error (FdtError, AnnounceError, RackIotError) through the factory it
 * gives the reader or writer, so one codec serves formats whose errors are worded differently.
 */

interface FaultPlace {
  /** The caller's name for the field ('' for the end-of-encoding checks). */
  field: string;
  /** Set when the fault is in the length determinant of `field` rather than in its value. */
  part?: 'length';
  /** One sentence naming the field and the place, for callers that do not word their own. */
  message: string;
}

export type PerReadFault = FaultPlace & {
  /** The first offending bit, counted from the start of the encoding. */
  bitOffset: number;
  /** How many bits from `bitOffset` the fault covers: the value read, or the bits a truncated read needed. */
  bitCount: number;
} & (
    | {
        /** The encoding ends inside a field; `unit` says whether a run of octets or of bits was wanted. */
        kind: 'truncated';
        unit: 'bits' | 'octets';
        /** Length of the whole encoding in bits. */
        bitLength: number;
      }
    | { kind: 'above-bound'; value: number; lb: number; ub: number }
    /** A length or normally-small number in the fragmented form (16K or more), which is not accepted. */
    | { kind: 'fragmented' }
    | { kind: 'too-long'; length: number; max: number }
    | { kind: 'not-visible'; code: number }
    | { kind: 'trailing-octets'; octets: number }
    | { kind: 'non-zero-padding' }
  );

export type PerWriteFault = FaultPlace &
  (
    | { kind: 'out-of-range'; value: number; lb: number; ub: number }
    /** A length or normally-small number of 16K or more: the fragmented form is not written. */
    | { kind: 'needs-fragmentation'; value: number }
    | { kind: 'not-visible'; code: number }
  );

/** Makes the caller's error for a fault; the codec throws what it returns. */
export type PerErrorFactory<F> = (fault: F) => Error;

/** The error thrown when no factory was given: the fault as it is. */
export class PerError extends Error {
  override readonly name = 'PerError';
  constructor(readonly fault: PerReadFault | PerWriteFault) {
    super(fault.message);
  }
}

/** A fault before its message is worded. */
export type Unworded<F> = F extends unknown ? Omit<F, 'message'> : never;

function subject(fault: { field: string; part?: 'length' }): string {
  const name = fault.field === '' ? 'the encoding' : fault.field;
  return fault.part === 'length' ? `the length of ${name}` : name;
}

export function wordReadFault(fault: Unworded<PerReadFault>): PerReadFault {
  const at = `${subject(fault)} at bit ${fault.bitOffset}`;
  const problem = (() => {
    switch (fault.kind) {
      case 'truncated':
        return fault.unit === 'octets'
          ? `${fault.bitCount / 8} octets wanted, the encoding ends at bit ${fault.bitLength}`
          : `${fault.bitCount} bits wanted, the encoding ends at bit ${fault.bitLength}`;
      case 'above-bound':
        return `value ${fault.value} is above the upper bound ${fault.ub}`;
      case 'fragmented':
        return 'a fragmented length (16K or more) is not supported';
      case 'too-long':
        return `${fault.length} characters, at most ${fault.max} expected`;
      case 'not-visible':
        return `character code ${fault.code} is not a VisibleString character`;
      case 'trailing-octets':
        return `${fault.octets} octet(s) after the end of the encoding`;
      case 'non-zero-padding':
        return 'padding bits after the encoding are not zero';
    }
  })();
  return { ...fault, message: `${at}: ${problem}` } as PerReadFault;
}

export function wordWriteFault(fault: Unworded<PerWriteFault>): PerWriteFault {
  const problem = (() => {
    switch (fault.kind) {
      case 'out-of-range':
        return `must be an integer ${fault.lb}..${fault.ub}, is ${fault.value}`;
      case 'needs-fragmentation':
        return `${fault.value} needs the fragmented form (16K or more), which is not written`;
      case 'not-visible':
        return `character code ${fault.code} is not a VisibleString character`;
    }
  })();
  return { ...fault, message: `${subject(fault)}: ${problem}` } as PerWriteFault;
}
