import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import {
  type BinaryFdt,
  decodeBinaryFdt,
  decodeFdtXml,
  effectiveFecAttributes,
  encodeBinaryFdt,
  encodeFdtXml,
  FdtError,
  type FdtInstance,
} from '../src/mbms/fdt/index.ts';

const FLUTE = 'urn:IETF:metadata:2005:FLUTE:FDT';
/**
 * Generous per-input ceilings, since test files run in parallel on small CI machines: small inputs
 * decode in microseconds, a hostile 1 MiB document in about half a second on a 2-core x86-64 machine.
 */
const MAX_MS_SMALL_INPUT = 2000;
const MAX_MS_LARGE_INPUT = 8000;

const seedInstance: FdtInstance = {
  expires: 3_976_214_400,
  complete: true,
  contentType: 'application/octet-stream',
  fecOti: {
    'FEC-OTI-FEC-Encoding-ID': '1',
    'FEC-OTI-Encoding-Symbol-Length': '512',
    'FEC-OTI-Scheme-Specific-Info': 'AAEBBA==',
  },
  baseUrls: [{ priority: 1, url: 'coap://repair.example.com/' }],
  files: [
    {
      toi: 1,
      contentLocation: 'fw/app.bin',
      contentLength: 6700,
      contentMd5: '1B2M2Y8AsgTpgAmY7PhCfg==',
      fileETag: 'df69d20220cb1ff4',
      cacheControl: { directive: 'no-cache' },
      alternateContentLocations: [{ priority: 1, urls: ['coap://repair.example.com/fw/app.bin'] }],
      extraAttributes: [{ namespace: 'urn:example:vendor', name: 'slot', value: 'B' }],
    },
    {
      toi: 2,
      contentLocation: 'fw/manifest.json',
      contentLength: 412,
      fecOti: { 'FEC-OTI-FEC-Encoding-ID': '0', 'FEC-OTI-Maximum-Source-Block-Length': '64' },
    },
  ],
  groups: ['fw'],
};

const seeds = [
  encodeFdtXml(seedInstance),
  encodeFdtXml(seedInstance, { pretty: true }),
  `<FDT-Instance xmlns="urn:ietf:params:xml:ns:fdt" Expires="3976214400"><File Content-Location="a" TOI="3" FullFDT="true"><Cache-Control><Expires>5</Expires></Cache-Control></File></FDT-Instance>`,
];

/** Runs a decoder on hostile input: it may succeed or throw FdtError, nothing else, and not for long. */
function decodesOrRefuses<T>(
  t: ExecutionContext,
  decode: () => T,
  maxMs = MAX_MS_SMALL_INPUT,
): T | undefined {
  const started = performance.now();
  try {
    return decode();
  } catch (error) {
    if (!(error instanceof FdtError)) {
      t.fail(`not an FdtError: ${error instanceof Error ? error.stack : String(error)}`);
      throw error;
    }
    t.truthy(error.code, 'a refusal says what kind it is');
    return undefined;
  } finally {
    const elapsed = performance.now() - started;
    if (elapsed > maxMs) t.fail(`decoding took ${elapsed.toFixed(0)} ms`);
  }
}

/** Whatever the XML decoder accepts, the encoder can write again, and it reads back the same. */
function xmlStable(t: ExecutionContext, decoded: FdtInstance | undefined): void {
  if (!decoded) return;
  const again = encodeFdtXml(decoded, { maxToi: Number.MAX_SAFE_INTEGER });
  t.deepEqual(decodeFdtXml(again, { maxToi: Number.MAX_SAFE_INTEGER }), {
    ...decoded,
    schemaVersion: decoded.schemaVersion ?? 4,
  });
}

const fragments = [
  '<',
  '>',
  '</',
  '/>',
  '=',
  '"',
  "'",
  ' ',
  '\n',
  ':',
  'FDT-Instance',
  'File',
  'Group',
  'sv:delimiter',
  `xmlns="${FLUTE}"`,
  'xmlns:p="urn:x"',
  'xmlns:p=""',
  'xmlns=""',
  'p:',
  'xml:lang="en"',
  ' TOI="1"',
  ' TOI="0"',
  ' Expires="5"',
  ' Content-Location="a"',
  ' Content-MD5="AAAA"',
  '&amp;',
  '&#x41;',
  '&#0;',
  '&lol;',
  '&',
  '<!--',
  '-->',
  '<![CDATA[',
  ']]>',
  '<?xml version="1.0"?>',
  '<?pi x?>',
  '<!DOCTYPE',
  '<!ENTITY',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  '\u0000',
  '\uFFFF',
  'é',
  '😀',
  '\uD800',
];

test('fuzz: arbitrary text never makes the XML decoder throw anything but FdtError', (t) => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
      xmlStable(
        t,
        decodesOrRefuses(t, () => decodeFdtXml(text)),
      );
    }),
    { numRuns: 500 },
  );
});

test('fuzz: XML-shaped token soup is decoded or refused with FdtError', (t) => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...fragments), { maxLength: 60 }), (parts) => {
      const text = parts.join('');
      xmlStable(
        t,
        decodesOrRefuses(t, () => decodeFdtXml(text)),
      );
      xmlStable(
        t,
        decodesOrRefuses(t, () =>
          decodeFdtXml(
            `<FDT-Instance xmlns="${FLUTE}" Expires="1"><File TOI="1" Content-Location="a"/>${text}</FDT-Instance>`,
          ),
        ),
      );
    }),
    { numRuns: 1500 },
  );
});

interface Edit {
  kind: 'delete' | 'insert' | 'duplicate' | 'replace';
  at: number;
  length: number;
  fragment: string;
  char: number;
}

/** A random edit of a document: delete, insert a fragment, duplicate a slice, or change one character. */
const edit: fc.Arbitrary<Edit> = fc.record({
  kind: fc.constantFrom('delete', 'insert', 'duplicate', 'replace'),
  at: fc.nat(),
  length: fc.integer({ min: 1, max: 40 }),
  fragment: fc.constantFrom(...fragments),
  char: fc.integer({ min: 0, max: 0x2ff }),
});

function mutate(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of edits) {
    const at = e.at % (out.length + 1);
    if (e.kind === 'delete') out = out.slice(0, at) + out.slice(at + e.length);
    else if (e.kind === 'insert') out = out.slice(0, at) + e.fragment + out.slice(at);
    else if (e.kind === 'duplicate') out = out.slice(0, at) + out.slice(at, at + e.length) + out.slice(at);
    else out = out.slice(0, at) + String.fromCharCode(e.char) + out.slice(at + 1);
  }
  return out;
}

test('fuzz: mutated valid FDTs are decoded or refused with FdtError, and what decodes re-encodes', (t) => {
  let decoded = 0;
  fc.assert(
    fc.property(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 4 }), (seed, edits) => {
      const result = decodesOrRefuses(t, () => decodeFdtXml(mutate(seed, edits)));
      if (result) decoded++;
      xmlStable(t, result);
    }),
    { numRuns: 2000 },
  );
  t.log(`${decoded} of 2000 mutants decoded`);
  t.true(decoded > 0, 'the mutations should not all be fatal, or the round-trip check never runs');
});

/** `head` + as many `unit`s as fit + `tail`, just under the 1 MiB default limit. */
function nearLimit(head: string, unit: (i: number) => string, tail: string): string {
  const budget = 1024 * 1024 - 64 - head.length - tail.length;
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; ; i++) {
    const next = unit(i);
    if (size + next.length > budget) break;
    parts.push(next);
    size += next.length;
  }
  return head + parts.join('') + tail;
}

test('fuzz: large hostile documents are refused or decoded within the time bound', (t) => {
  const root = `<FDT-Instance xmlns="${FLUTE}" Expires="1">`;
  const file = '<File TOI="1" Content-Location="a"/>';
  const inputs: [string, string][] = [
    [
      'deep nesting',
      `${root}${file}${'<x:a xmlns:x="urn:x">'.repeat(20_000)}${'</x:a>'.repeat(20_000)}</FDT-Instance>`,
    ],
    [
      'references',
      nearLimit(`${root}<File TOI="1" Content-Location="`, () => '&amp;&#x41;', '"/></FDT-Instance>'),
    ],
    [
      'namespace declarations',
      nearLimit(
        `<FDT-Instance xmlns="${FLUTE}" Expires="1"`,
        (i) => ` xmlns:p${i}="u:${i}"`,
        `>${file}</FDT-Instance>`,
      ),
    ],
    [
      'attributes',
      nearLimit(`${root}<File TOI="1" Content-Location="a"`, (i) => ` a${i}="1"`, '/></FDT-Instance>'),
    ],
    [
      'files',
      nearLimit(root, (i) => `<File TOI="${(i % 65_535) + 1}" Content-Location="f"/>`, '</FDT-Instance>'),
    ],
    [
      'groups',
      nearLimit(
        `${root}<File TOI="1" Content-Location="a">`,
        () => '<Group>g</Group>',
        '</File></FDT-Instance>',
      ),
    ],
    ['comments', nearLimit(`${root}${file}`, () => '<!-- c -->', '</FDT-Instance>')],
    ['cdata', nearLimit(`${root}${file}<![CDATA[`, () => 'x]]', ']]></FDT-Instance>')],
    ['open brackets', '<'.repeat(1024 * 1024 - 64)],
  ];
  for (const [name, input] of inputs) {
    t.true(Buffer.byteLength(input) <= 1024 * 1024, name);
    const started = performance.now();
    decodesOrRefuses(t, () => decodeFdtXml(input), MAX_MS_LARGE_INPUT);
    t.log(`${name}: ${(performance.now() - started).toFixed(0)} ms`);
  }
});

/** The binary form gives each File its effective FEC-OTI (binary-format.ts choice 6). */
function asCarried(instance: FdtInstance): FdtInstance {
  return {
    ...instance,
    files: instance.files.map((file) => {
      const { 'Transfer-Length': _transfer, ...fecOti } = effectiveFecAttributes(instance, file).attributes;
      return { ...file, fecOti };
    }),
  };
}

function binaryStable(t: ExecutionContext, decoded: BinaryFdt | undefined): void {
  if (!decoded) return;
  const { bytes, dropped } = encodeBinaryFdt(decoded);
  t.deepEqual(dropped, []);
  t.deepEqual(decodeBinaryFdt(bytes), { ...decoded, instance: asCarried(decoded.instance) });
}

test('fuzz: arbitrary bytes never make the binary decoder throw anything but FdtError', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      binaryStable(
        t,
        decodesOrRefuses(t, () => decodeBinaryFdt(bytes)),
      );
    }),
    { numRuns: 3000 },
  );
});

test('fuzz: bit-flipped, cut and spliced binary FDTs are decoded or refused with FdtError', (t) => {
  const valid = encodeBinaryFdt({ fdtInstanceId: 12, instance: seedInstance }).bytes;
  let decoded = 0;
  fc.assert(
    fc.property(
      fc.array(fc.nat({ max: valid.length * 8 - 1 }), { maxLength: 4 }),
      fc.nat({ max: valid.length }),
      fc.uint8Array({ maxLength: 8 }),
      (flips, cut, splice) => {
        const bytes = Uint8Array.from([...valid.subarray(0, cut), ...splice, ...valid.subarray(cut)]);
        for (const bit of flips) bytes[bit >> 3]! ^= 0x80 >> (bit & 7);
        const result = decodesOrRefuses(t, () => decodeBinaryFdt(bytes));
        if (result) decoded++;
        binaryStable(t, result);
      },
    ),
    { numRuns: 3000 },
  );
  t.true(decoded > 0, 'some mutants decode, so the re-encoding check runs');
});

test('the binary decoder refuses oversized input before reading it', (t) => {
  const error = t.throws(() => decodeBinaryFdt(new Uint8Array(300 * 1024)), { instanceOf: FdtError });
  t.is(error.code, 'too-large');
});
