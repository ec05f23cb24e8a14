import test from 'ava';
import fc from 'fast-check';
import {
  AtParseError,
  ceregForm,
  formatCclkSet,
  formatCedrxsSet,
  formatCfunSet,
  formatCgdcontSet,
  formatCopsSet,
  formatCpsmsSet,
  formatSetCommand,
  type Param,
  parseCclk,
  parseCedrxp,
  parseCedrxrdp,
  parseCedrxsRead,
  parseCereg,
  parseCeregRead,
  parseCeregUrc,
  parseCesq,
  parseCfun,
  parseCgdcontRead,
  parseCgmi,
  parseCgmm,
  parseCgmr,
  parseCgsn,
  parseCmee,
  parseCopsRead,
  parseCpsmsRead,
  parseCsconRead,
  parseCsconUrc,
  parseCsq,
  parseErrorResult,
  parseInfoLine,
  type SetValue,
  splitParams,
} from '../src/at/codecs/index.ts';

const parsers: Record<string, (line: string) => unknown> = {
  splitParams,
  parseInfoLine,
  ceregForm,
  parseCereg,
  parseCeregUrc,
  parseCeregRead,
  parseCfun,
  parseCopsRead,
  parseCsconUrc,
  parseCsconRead,
  parseCesq,
  parseCsq,
  parseCpsmsRead,
  parseCedrxsRead,
  parseCedrxp,
  parseCedrxrdp,
  parseCgdcontRead,
  parseCgmr,
  parseCgmi,
  parseCgmm,
  parseCgsn0: (line) => parseCgsn(line, 0),
  parseCgsn1: (line) => parseCgsn(line, 1),
  parseCgsn2: (line) => parseCgsn(line, 2),
  parseCgsn3: (line) => parseCgsn(line, 3),
  parseCclk,
  parseCmee,
  parseErrorResult,
};

const validLines = [
  '+CEREG: 5,1,"002F","0012BEEF",7,,,"00100001","00000110"',
  '+CEREG: 1,"002F","0012BEEF",7,0,15,"11100000","01000111"',
  '+CEREG: 5,90',
  '+CEREG: 2',
  '+CESQ: 99,99,255,255,31,62',
  '+CSQ: 23,99',
  '+CPSMS: 1,,,"00000110","00100001"',
  '+CEDRXS: 4,"1001"',
  '+CEDRXP: 4,"1001","1001","0011"',
  '+CEDRXRDP: 4,"0011","0010","1001"',
  '+COPS: 0,2,"26201",9',
  '+COPS: 0',
  '+CSCON: 1,0',
  '+CFUN: 1',
  '+CMEE: 2',
  '+CGDCONT: 0,"IP","internet","10.0.1.1",0,0',
  '+CGSN: "352656100367872"',
  '352656100367872',
  'Revision:1951B16SIM7080',
  '+CCLK: "24/03/12,10:15:42+04"',
  '+CME ERROR: SIM not inserted',
  '+CGMR: (0-3),(1,2),,"x"',
];

/** Characters that stress a tokenizer: separators, quotes, brackets, line ends, NUL, non-ASCII. */
const nasty = fc.constantFrom(
  ...',,"():;+-% \r\n\t\u0000\u00ff\u{1F600}0129aFx'.split(''),
  '\\22',
  '""',
  '((',
);

const mutation = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: nasty }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), text: nasty }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('repeat' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(line: string, m: Mutation): string {
  const at = line.length === 0 ? 0 : m.at % (line.length + 1);
  switch (m.op) {
    case 'insert':
      return line.slice(0, at) + m.text + line.slice(at);
    case 'replace':
      return line.slice(0, at) + m.text + line.slice(at + 1);
    case 'delete':
      return line.slice(0, at) + line.slice(at + m.length);
    case 'truncate':
      return line.slice(0, at);
    case 'repeat':
      return line.slice(0, at) + line.slice(at, at + m.length).repeat(3) + line.slice(at);
  }
}

const mutatedLine = fc
  .tuple(fc.constantFrom(...validLines), fc.array(mutation, { minLength: 1, maxLength: 5 }))
  .map(([line, ms]) => ms.reduce(mutate, line));

/** Fields that hold integers wherever they appear in a parsed value (null where "unknown"). */
const INTEGER_FIELDS = new Set(['stat', 'n', 'mode', 'act', 'actType', 'fun', 'cid', 'rsrp', 'rsrq', 'code']);

function integerFieldsAreIntegers(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  return Object.entries(value).every(([key, field]) =>
    INTEGER_FIELDS.has(key) && typeof field !== 'object'
      ? Number.isInteger(field) || (key === 'mode' && (field === 'wb-s1' || field === 'nb-s1'))
      : integerFieldsAreIntegers(field),
  );
}

/**
 * Returns normally with a well-typed value, or throws AtParseError; anything else (TypeError,
 * RangeError, a stack overflow) is a bug.
 */
function onlyParseErrors(parse: (line: string) => unknown, line: string): boolean {
  try {
    return integerFieldsAreIntegers(parse(line));
  } catch (error) {
    if (error instanceof AtParseError) return error.message.includes(' in line "');
    throw error;
  }
}

for (const [name, parse] of Object.entries(parsers)) {
  test(`${name}: random text returns a value or throws AtParseError, nothing else`, (t) => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (line) => onlyParseErrors(parse, line)),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(
        fc.tuple(
          fc.constantFrom('+CEREG: ', '+CESQ: ', '+CPSMS: ', '+CEDRXRDP: ', '+CCLK: ', '+CGSN: ', ''),
          fc.string(),
        ),
        ([prefix, rest]) => onlyParseErrors(parse, prefix + rest),
      ),
      { numRuns: 500 },
    );
    t.pass();
  });

  test(`${name}: mutated manual lines return a value or throw AtParseError`, (t) => {
    fc.assert(
      fc.property(mutatedLine, (line) => onlyParseErrors(parse, line)),
      { numRuns: 1000 },
    );
    t.pass();
  });
}

test('adversarially long lines finish promptly (no backtracking blow-up)', (t) => {
  const inputs = [
    '+CEREG: ' + '('.repeat(50_000),
    '+CEREG: ' + '"'.repeat(50_001),
    '+CEREG: ' + ','.repeat(50_000),
    '+CEREG: ' + '1,'.repeat(25_000),
    '+CCLK: "' + '9'.repeat(50_000) + '"',
    '+CME ERROR: ' + ' '.repeat(50_000) + 'x',
    '+' + 'A'.repeat(50_000) + ':',
    ' '.repeat(50_000) + '\u0000',
  ];
  const started = performance.now();
  for (const line of inputs) for (const parse of Object.values(parsers)) onlyParseErrors(parse, line);
  const elapsed = performance.now() - started;
  t.true(elapsed < 5_000, `took ${elapsed.toFixed(0)} ms`);
});

const bits = (width: number) => fc.stringMatching(new RegExp(`^[01]{${width}}$`));
const safeText = fc.stringMatching(/^[ !#-~]{0,24}$/);

test('+CPSMS: format then parse gives the settings back', (t) => {
  fc.assert(
    fc.property(
      fc.record(
        {
          mode: fc.constantFrom(0 as const, 1 as const, 2 as const),
          periodicRau: bits(8),
          gprsReadyTimer: bits(8),
          periodicTau: bits(8),
          activeTime: bits(8),
        },
        { requiredKeys: ['mode'] },
      ),
      (settings) => {
        const line = formatCpsmsSet(settings).replace('AT+CPSMS=', '+CPSMS: ');
        t.deepEqual(parseCpsmsRead(line), settings);
      },
    ),
  );
});

test('+COPS: format then parse gives the selection back', (t) => {
  const cops = fc.oneof(
    fc.record({ mode: fc.constantFrom(0 as const, 2 as const) }),
    fc.record({
      mode: fc.constantFrom(1 as const, 4 as const),
      format: fc.constant(2 as const),
      operator: fc.stringMatching(/^\d{5,6}$/),
      act: fc.integer({ min: 0, max: 13 }),
    }),
    fc.record({
      mode: fc.constant(1 as const),
      format: fc.constantFrom(0 as const, 1 as const),
      operator: safeText,
    }),
  );
  fc.assert(
    fc.property(cops, (selection) => {
      t.deepEqual(parseCopsRead(formatCopsSet(selection).replace('AT+COPS=', '+COPS: ')), selection);
    }),
  );
});

test('+CGDCONT and +CFUN: format then parse', (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom('IP', 'IPV6', 'IPV4V6', 'Non-IP'),
      safeText,
      (cid, pdpType, apn) => {
        const line = formatCgdcontSet({ cid, pdpType, apn }).replace('AT+CGDCONT=', '+CGDCONT: ');
        t.deepEqual(parseCgdcontRead(line), { cid, pdpType, apn });
      },
    ),
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 127 }), (fun) => {
      t.deepEqual(parseCfun(formatCfunSet(fun).replace('AT+CFUN=', '+CFUN: ')), { fun });
    }),
  );
});

test('+CEDRXS: the set line carries what was asked', (t) => {
  fc.assert(
    fc.property(fc.constantFrom(4, 5), bits(4), (actType, requestedEdrx) => {
      const line = formatCedrxsSet({ mode: 2, actType, requestedEdrx });
      const asRead = `+CEDRXS: ${line.slice('AT+CEDRXS=2,'.length)}`;
      const read = parseCedrxsRead(asRead);
      t.is(read.actType, actType);
      t.is(read.requestedEdrx, requestedEdrx);
    }),
  );
});

test('+CCLK: format then parse keeps the instant (to the second) and the offset', (t) => {
  const start = Date.UTC(1971, 0, 2);
  const end = Date.UTC(2068, 11, 30);
  fc.assert(
    fc.property(
      fc.integer({ min: start / 1000, max: end / 1000 }),
      fc.integer({ min: -48, max: 56 }),
      (seconds, quarters) => {
        const time = { epochMs: seconds * 1000, offsetMinutes: quarters * 15 };
        const parsed = parseCclk(formatCclkSet(time).replace('AT+CCLK=', '+CCLK: '));
        t.deepEqual(parsed, time);
      },
    ),
  );
});

test('formatSetCommand then splitParams gives the values back', (t) => {
  const value: fc.Arbitrary<SetValue> = fc.oneof(
    fc.integer({ min: -1_000_000, max: 1_000_000 }),
    safeText,
    fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.]{0,10}$/).map((bare) => ({ bare })),
    fc.constant(undefined),
  );
  fc.assert(
    fc.property(fc.array(value, { maxLength: 8 }), (values) => {
      const line = formatSetCommand('+X', values);
      const params = splitParams(line.slice('AT+X='.length));
      let last = values.length;
      while (last > 0 && values[last - 1] === undefined) last--;
      const expected: Param['kind'][] = values
        .slice(0, last)
        .map((v) =>
          v === undefined
            ? 'empty'
            : typeof v === 'number'
              ? 'number'
              : typeof v === 'string'
                ? 'string'
                : 'token',
        );
      t.deepEqual(
        params.map((p) => p.kind),
        expected,
        line,
      );
      params.forEach((p, i) => {
        const v = values[i];
        if (p.kind === 'number' || p.kind === 'string') t.is(p.value, v as number | string);
        if (p.kind === 'token') t.is(p.value, (v as { bare: string }).bare);
      });
    }),
  );
});
