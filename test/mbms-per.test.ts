import { createHash } from 'node:crypto';
import test from 'ava';
import fc from 'fast-check';
import {
  bitsForRange,
  PerError,
  PerReader,
  type PerReadFault,
  type PerWriteFault,
  PerWriter,
} from '../src/mbms/per/index.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
/** 0, 1, …, 250, 0, 1, … : the fill the Erlang vectors below were made with. */
const fill = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 251);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A caller's own error type, as FdtError, AnnounceError and RackIotError are. */
class CallerError extends Error {
  constructor(readonly fault: PerReadFault | PerWriteFault) {
    super(`caller: ${fault.message}`);
  }
}
const callerReader = (data: Uint8Array) => new PerReader(data, { error: (fault) => new CallerError(fault) });
const callerWriter = () => new PerWriter({ error: (fault) => new CallerError(fault) });

/** The fault a read or write raised through the caller's factory. */
function faultOf(t: import('ava').ExecutionContext, run: () => unknown): PerReadFault | PerWriteFault {
  return t.throws(run, { instanceOf: CallerError }).fault;
}

/*
 * Golden vectors from Erlang/OTP's asn1 compiler (`asn1ct:compile("PerTest", [uper])`), an independent
 * encoder, for the module
 *   Mixed ::= SEQUENCE { flag BOOLEAN, small INTEGER (0..7), big INTEGER (0..4294967295), one INTEGER (5..5),
 *     sized OCTET STRING (SIZE(1..4)), fixed OCTET STRING (SIZE(3)), free OCTET STRING, text VisibleString,
 *     count SEQUENCE (SIZE(2..3)) OF BOOLEAN }
 *   Free ::= OCTET STRING
 *   Ext ::= ENUMERATED { a, b, c, ..., e0, e1, …, e63 }
 */
const ERLANG_MIXED = 'dee6b28006af3404080c07fc0e469436';
const ERLANG_FREE: Record<number, string> = {
  0: '00',
  1: '0100',
  127: `7f${hex(fill(127))}`,
  128: `8080${hex(fill(128))}`,
};
const ERLANG_FREE_16383_SHA256 = 'a26454672b6e0b6c8c3d48544feb9f8f016d25cdf084137eef3217ab8dcf6964';
const ERLANG_EXT: [number, string][] = [
  [0, '80'],
  [5, '85'],
  [63, 'bf'],
];

test('a SEQUENCE of every construct is bit for bit what Erlang asn1 writes, and reads back', (t) => {
  const w = new PerWriter();
  w.bit(true);
  w.constrained(5, 0, 7, 'small');
  w.constrained(4_000_000_000, 0, 0xffff_ffff, 'big');
  w.constrained(5, 5, 5, 'one'); // a single value: no bits
  w.octetString(bytes('abcd'), 1, 4, 'sized');
  w.octets(bytes('010203'));
  w.unconstrainedOctets(bytes('ff'), 'free');
  w.visibleString('Hi!', 'text');
  w.constrainedLength(3, 2, 3, 'count');
  for (const b of [false, true, true]) w.bit(b);
  t.is(hex(w.finish()), ERLANG_MIXED);

  const r = new PerReader(bytes(ERLANG_MIXED));
  t.true(r.bit('flag'));
  t.is(r.constrained(0, 7, 'small'), 5);
  t.is(r.constrained(0, 0xffff_ffff, 'big'), 4_000_000_000);
  t.is(r.constrained(5, 5, 'one'), 5);
  t.is(hex(r.octetString(1, 4, 'sized')), 'abcd');
  t.is(hex(r.octets(3, 'fixed')), '010203');
  t.is(hex(r.unconstrainedOctets('free')), 'ff');
  t.is(r.visibleString(32, 'text'), 'Hi!');
  t.is(r.constrainedLength(2, 3, 'count'), 3);
  t.deepEqual([r.bit('count[0]'), r.bit('count[1]'), r.bit('count[2]')], [false, true, true]);
  r.end();
});

test('general lengths at the 127/128 and 16383/16384 boundaries match Erlang asn1', (t) => {
  for (const [n, expected] of Object.entries(ERLANG_FREE)) {
    const w = new PerWriter();
    w.unconstrainedOctets(fill(Number(n)), 'free');
    t.is(hex(w.finish()), expected, `${n} octets`);
    const r = new PerReader(bytes(expected));
    t.deepEqual(r.unconstrainedOctets('free'), fill(Number(n)));
    r.end();
  }
  const w = new PerWriter();
  w.unconstrainedOctets(fill(16383), 'free');
  const longest = w.finish();
  t.is(hex(longest.subarray(0, 2)), 'bfff', '10 + 14 bits');
  t.is(sha256(longest), ERLANG_FREE_16383_SHA256);
  t.deepEqual(new PerReader(longest).unconstrainedOctets('free'), fill(16383));

  // 16384 needs the fragmented form (Erlang: C1, 16K octets, then a zero length); it is neither written nor read.
  const tooLong = faultOf(t, () => callerWriter().unconstrainedOctets(fill(16384), 'free'));
  t.like(tooLong, { kind: 'needs-fragmentation', field: 'free', part: 'length', value: 16384 });
  const fragmented = Uint8Array.from([0xc1, ...fill(16384), 0x00]);
  const refused = faultOf(t, () => callerReader(fragmented).unconstrainedOctets('free'));
  t.like(refused, { kind: 'fragmented', field: 'free', part: 'length', bitOffset: 0, bitCount: 2 });
});

test('the lengths alone: one octet below 128, two below 16384, at any bit offset', (t) => {
  for (const [n, width] of [
    [0, 8],
    [127, 8],
    [128, 16],
    [16383, 16],
  ] as const) {
    const w = new PerWriter();
    w.bits(0b101, 3);
    w.unconstrainedLength(n, 'n');
    t.is(w.bitLength, 3 + width, `${n}`);
    const r = new PerReader(w.finish());
    t.is(r.bits(3, 'prefix'), 0b101);
    t.is(r.unconstrainedLength('n'), n);
    t.is(r.bitPosition, 3 + width);
    r.end();
  }
});

test('normally small numbers below 64 are a 0 bit and 6 bits, as in Erlang’s extension indices', (t) => {
  for (const [n, expected] of ERLANG_EXT) {
    const w = new PerWriter();
    w.bit(true); // the ENUMERATED extension bit
    w.normallySmall(n, 'ext');
    t.is(hex(w.finish()), expected);
    const r = new PerReader(bytes(expected));
    t.true(r.bit('ext'));
    t.is(r.normallySmall('ext'), n);
  }
  const big = faultOf(t, () => callerWriter().normallySmall(16384, 'ext'));
  t.like(big, { kind: 'needs-fragmentation', field: 'ext', value: 16384 });
});

test('bitsForRange is ceil(log2(range)), 0 for a single value', (t) => {
  t.deepEqual([1, 2, 3, 4, 5, 255, 256, 257, 2 ** 32].map(bitsForRange), [0, 1, 2, 2, 3, 8, 8, 9, 32]);
});

test('read faults name the field and the bit, and reach the caller through its own factory', (t) => {
  const truncated = faultOf(t, () => {
    const r = callerReader(bytes('ff'));
    r.bits(4, 'head');
    r.bits(8, 'body');
  });
  t.like(truncated, {
    kind: 'truncated',
    unit: 'bits',
    field: 'body',
    bitOffset: 4,
    bitCount: 8,
    bitLength: 8,
  });
  t.regex(truncated.message, /body at bit 4/);

  const octets = faultOf(t, () => callerReader(bytes('0312')).octetString(0, 255, 'uri'));
  t.like(octets, { kind: 'truncated', unit: 'octets', field: 'uri', bitOffset: 8, bitCount: 24 });

  const above = faultOf(t, () => {
    const r = callerReader(bytes('1f'));
    r.bits(3, 'pad');
    r.constrained(10, 14, 'level'); // 111 + 10 = 17 > 14
  });
  t.like(above, {
    kind: 'above-bound',
    field: 'level',
    bitOffset: 3,
    bitCount: 3,
    value: 17,
    lb: 10,
    ub: 14,
  });
  t.regex(above.message, /level at bit 3: value 17 is above the upper bound 14/);

  const length = faultOf(t, () => callerReader(bytes('e0')).octetString(1, 5, 'sized'));
  t.like(length, { kind: 'above-bound', field: 'sized', part: 'length', value: 8, ub: 5 });
  t.regex(length.message, /the length of sized at bit 0/);

  const long = faultOf(t, () => callerReader(bytes('05')).visibleString(4, 'time'));
  t.like(long, { kind: 'too-long', field: 'time', part: 'length', bitOffset: 0, length: 5, max: 4 });

  // Length 2, one good character 'A' (1000001), then character code 0x1f (0011111) at bit 15.
  const invisible = faultOf(t, () => callerReader(bytes('02827c')).visibleString(32, 'time'));
  t.like(invisible, { kind: 'not-visible', field: 'time', bitOffset: 15, bitCount: 7, code: 0x1f });

  const fragmented = faultOf(t, () => callerReader(bytes('ff')).normallySmall('index'));
  t.like(fragmented, { kind: 'fragmented', field: 'index', bitOffset: 0 });
  t.is((fragmented as { part?: string }).part, undefined, 'a number, not a length');
});

test('the end check refuses trailing octets and set padding bits, and takes the lone zero octet', (t) => {
  const trailing = faultOf(t, () => {
    const r = callerReader(bytes('a000'));
    r.bits(3, 'three');
    r.end();
  });
  t.like(trailing, { kind: 'trailing-octets', field: '', bitOffset: 3, bitCount: 13, octets: 1 });

  const padding = faultOf(t, () => {
    const r = callerReader(bytes('a4'));
    r.bits(3, 'three');
    r.end();
  });
  t.like(padding, { kind: 'non-zero-padding', bitOffset: 5, bitCount: 1 });

  t.notThrows(() => new PerReader(new Uint8Array(1)).end(), 'an empty value is one zero octet');
  t.is(hex(new PerWriter().finish()), '00');
  t.throws(() => new PerReader(bytes('80')).end(), { instanceOf: PerError, message: /padding/ });
});

test('write faults name the field; without a factory they are PerErrors holding the fault', (t) => {
  t.like(
    faultOf(t, () => callerWriter().constrained(8, 0, 7, 'small')),
    { kind: 'out-of-range', field: 'small', value: 8, lb: 0, ub: 7 },
  );
  t.like(
    faultOf(t, () => callerWriter().constrained(1.5, 0, 7, 'small')),
    { kind: 'out-of-range', value: 1.5 },
  );
  t.like(
    faultOf(t, () => callerWriter().octetString(new Uint8Array(0), 1, 255, 'uri')),
    { kind: 'out-of-range', field: 'uri', part: 'length', value: 0, lb: 1 },
  );
  t.like(
    faultOf(t, () => callerWriter().visibleString('naïve', 'text')),
    { kind: 'not-visible', field: 'text', code: 0xef },
  );
  const error = t.throws(() => new PerWriter().constrainedLength(9, 1, 8, 'schedules'), {
    instanceOf: PerError,
  });
  t.like(error.fault, { kind: 'out-of-range', field: 'schedules', part: 'length' });
  t.regex(error.message, /the length of schedules: must be an integer 1\.\.8, is 9/);
});

/** One field of a message: its type, a value of it, how to write that value and how to read one back. */
interface Field {
  type: string;
  value: unknown;
  write(w: PerWriter, name: string): void;
  read(r: PerReader, name: string): unknown;
  /** Whether a value read is one the type allows. */
  allows(value: unknown): boolean;
}

const anyValue = () => true;
const visible = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 150,
});
/** lb..ub with ub − lb ≤ maxSpan, and a value in it. */
const bounded = (lbs: fc.Arbitrary<number>, maxSpan: number) =>
  fc.tuple(lbs, fc.integer({ min: 0, max: maxSpan })).chain(([lb, span]) =>
    fc.record({
      lb: fc.constant(lb),
      ub: fc.constant(lb + span),
      value: fc.integer({ min: lb, max: lb + span }),
    }),
  );

const fieldArb: fc.Arbitrary<Field> = fc.oneof(
  fc.boolean().map(
    (value): Field => ({
      type: 'BOOLEAN',
      value,
      write: (w) => w.bit(value),
      read: (r, name) => r.bit(name),
      allows: anyValue,
    }),
  ),
  fc.integer({ min: 0, max: 32 }).chain((count) =>
    fc.integer({ min: 0, max: 2 ** count - 1 }).map(
      (value): Field => ({
        type: `BIT STRING (SIZE(${count}))`,
        value,
        write: (w) => w.bits(value, count),
        read: (r, name) => r.bits(count, name),
        allows: anyValue,
      }),
    ),
  ),
  bounded(fc.integer({ min: -1_000_000, max: 1_000_000 }), 2 ** 32).map(
    ({ lb, ub, value }): Field => ({
      type: `INTEGER (${lb}..${ub})`,
      value,
      write: (w, name) => w.constrained(value, lb, ub, name),
      read: (r, name) => r.constrained(lb, ub, name),
      allows: (v) => typeof v === 'number' && v >= lb && v <= ub,
    }),
  ),
  bounded(fc.integer({ min: 0, max: 300 }), 65_000).map(
    ({ lb, ub, value }): Field => ({
      type: `length (${lb}..${ub})`,
      value,
      write: (w, name) => w.constrainedLength(value, lb, ub, name),
      read: (r, name) => r.constrainedLength(lb, ub, name),
      allows: (v) => typeof v === 'number' && v >= lb && v <= ub,
    }),
  ),
  fc.integer({ min: 0, max: 16383 }).map(
    (value): Field => ({
      type: 'length',
      value,
      write: (w, name) => w.unconstrainedLength(value, name),
      read: (r, name) => r.unconstrainedLength(name),
      allows: anyValue,
    }),
  ),
  fc.uint8Array({ maxLength: 20 }).map(
    (value): Field => ({
      type: `OCTET STRING (SIZE(${value.length}))`,
      value,
      write: (w) => w.octets(value),
      read: (r, name) => r.octets(value.length, name),
      allows: anyValue,
    }),
  ),
  fc.tuple(fc.uint8Array({ maxLength: 20 }), fc.nat(20), fc.nat(300)).map(([value, below, above]): Field => {
    const lb = Math.max(0, value.length - below);
    const ub = value.length + above;
    return {
      type: `OCTET STRING (SIZE(${lb}..${ub}))`,
      value,
      write: (w, name) => w.octetString(value, lb, ub, name),
      read: (r, name) => r.octetString(lb, ub, name),
      allows: (v) => v instanceof Uint8Array && v.length >= lb && v.length <= ub,
    };
  }),
  fc.uint8Array({ maxLength: 300 }).map(
    (value): Field => ({
      type: 'OCTET STRING',
      value,
      write: (w, name) => w.unconstrainedOctets(value, name),
      read: (r, name) => r.unconstrainedOctets(name),
      allows: anyValue,
    }),
  ),
  fc.integer({ min: 0, max: 16383 }).map(
    (value): Field => ({
      type: 'normally small',
      value,
      write: (w, name) => w.normallySmall(value, name),
      read: (r, name) => r.normallySmall(name),
      allows: anyValue,
    }),
  ),
  fc.tuple(visible, fc.nat(10)).map(([value, extra]): Field => {
    const max = value.length + extra;
    return {
      type: `VisibleString (at most ${max})`,
      value,
      write: (w, name) => w.visibleString(value, name),
      read: (r, name) => r.visibleString(max, name),
      allows: (v) => typeof v === 'string' && v.length <= max && /^[\x20-\x7e]*$/.test(v),
    };
  }),
);

function encode(fields: Field[]): PerWriter {
  const w = new PerWriter();
  fields.forEach((f, i) => {
    f.write(w, `f${i}`);
  });
  return w;
}

test('property: any sequence of fields written comes back, ending exactly at the padding', (t) => {
  fc.assert(
    fc.property(fc.array(fieldArb, { maxLength: 12 }), (fields) => {
      const w = encode(fields);
      const bitLength = w.bitLength;
      const encoded = w.finish();
      t.is(encoded.length, Math.max(1, Math.ceil(bitLength / 8)));
      const r = new PerReader(encoded);
      fields.forEach((f, i) => {
        t.deepEqual(f.read(r, `f${i}`), f.value, f.type);
      });
      t.is(r.bitPosition, bitLength);
      r.end();
    }),
    { numRuns: 500 },
  );
});

test('fuzz: reading any octets as any fields gives allowed values or the caller’s error, nothing else', (t) => {
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    // Valid encodings with bits flipped or octets cut off reach further into the fields.
    fc
      .tuple(fc.array(fieldArb, { minLength: 1, maxLength: 8 }), fc.nat(), fc.nat(), fc.boolean())
      .map(([fields, flip, cut, shorten]) => {
        const b = encode(fields).finish();
        const bit = flip % (b.length * 8);
        b[bit >> 3]! ^= 0x80 >> (bit & 7);
        return shorten ? b.subarray(0, cut % b.length) : b;
      }),
  );
  fc.assert(
    fc.property(fc.array(fieldArb, { maxLength: 12 }), input, (fields, data) => {
      const r = callerReader(data);
      try {
        fields.forEach((f, i) => {
          if (!f.allows(f.read(r, `f${i}`))) throw new Error(`f${i}: a value ${f.type} does not allow`);
        });
        r.end();
        return true;
      } catch (error) {
        if (!(error instanceof CallerError)) throw error;
        const fault = error.fault as PerReadFault;
        const names = new Set(['', ...fields.map((_, i) => `f${i}`)]);
        return (
          names.has(fault.field) &&
          fault.bitOffset >= 0 &&
          fault.bitOffset <= data.length * 8 &&
          fault.message.includes(`bit ${fault.bitOffset}`)
        );
      }
    }),
    { numRuns: 3000 },
  );
  t.pass();
});
