import test, { type ExecutionContext } from 'ava';
import {
  type DecodeFdtXmlOptions,
  decodeFdtXml,
  FdtError,
  type FdtErrorCode,
} from '../src/mbms/fdt/index.ts';

const FLUTE = 'urn:IETF:metadata:2005:FLUTE:FDT';

function fdt(fileAttributes: string, extra = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<FDT-Instance xmlns="${FLUTE}" Expires="3976214400"><File ${fileAttributes}/>${extra}</FDT-Instance>`;
}

/** Decoding must fail with an FdtError of this code whose message names what was wrong. */
function refused(
  t: ExecutionContext,
  input: string | Uint8Array,
  code: FdtErrorCode,
  mentions: (string | RegExp)[],
  options?: DecodeFdtXmlOptions,
): FdtError {
  const error = t.throws(() => decodeFdtXml(input, options), { instanceOf: FdtError });
  t.is(error.code, code, error.message);
  for (const mention of mentions) {
    if (typeof mention === 'string')
      t.true(error.message.includes(mention), `"${mention}" in: ${error.message}`);
    else t.regex(error.message, mention);
  }
  return error;
}

test('a billion-laughs FDT is refused before parsing, naming the DOCTYPE', (t) => {
  const laughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol9 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<FDT-Instance xmlns="${FLUTE}" Expires="1"><File TOI="1" Content-Location="&lol9;"/></FDT-Instance>`;
  const started = performance.now();
  refused(t, laughs, 'dtd-refused', ['DOCTYPE', 'entity']);
  t.true(performance.now() - started < 100);
});

test('an external entity (XXE) is refused, with and without a DOCTYPE around it', (t) => {
  refused(
    t,
    `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${fdt('TOI="1" Content-Location="&xxe;"')}`,
    'dtd-refused',
    ['<!DOCTYPE x'],
  );
  refused(
    t,
    `<!ENTITY xxe SYSTEM "file:///etc/passwd">${fdt('TOI="1" Content-Location="x"')}`,
    'dtd-refused',
    ['ENTITY'],
  );
  // An entity used without any declaration is never looked up or expanded.
  refused(t, fdt('TOI="1" Content-Location="&xxe;"'), 'malformed-xml', [
    'Content-Location',
    '&xxe;',
    'entity reference refused',
  ]);
  refused(t, fdt('TOI="1" Content-Location="a"', '<Group>&xxe;</Group>'), 'malformed-xml', ['&xxe;']);
});

test('a document over the size limit is refused by size, default 1 MiB and configurable', (t) => {
  const padding = `<!--${'x'.repeat(1024 * 1024)}-->`;
  refused(t, fdt('TOI="1" Content-Location="a"', padding), 'too-large', ['1048576']);
  refused(t, Buffer.from(fdt('TOI="1" Content-Location="a"', padding)), 'too-large', ['bytes']);
  refused(t, fdt('TOI="1" Content-Location="a"'), 'too-large', ['at most 100 bytes'], { maxBytes: 100 });
  // Multi-byte characters count in bytes, not UTF-16 units.
  const wide = fdt(`TOI="1" Content-Location="${'é'.repeat(600)}"`);
  t.true(wide.length < 1000);
  refused(t, wide, 'too-large', [], { maxBytes: 1000 });
});

test('deep nesting is refused at the depth limit', (t) => {
  const deep = `${'<x:n xmlns:x="urn:x">'.repeat(200)}${'</x:n>'.repeat(200)}`;
  refused(t, fdt('TOI="1" Content-Location="a"', deep), 'malformed-xml', ['nested']);
  // Within the limit, unknown elements are skipped.
  const shallow = `${'<x:n xmlns:x="urn:x">'.repeat(5)}${'</x:n>'.repeat(5)}`;
  t.is(decodeFdtXml(fdt('TOI="1" Content-Location="a"', shallow)).files.length, 1);
});

test('an element with more attributes than the limit is refused', (t) => {
  const many = Array.from({ length: 300 }, (_, i) => `x${i}="1"`).join(' ');
  refused(t, fdt(`TOI="1" Content-Location="a" ${many}`), 'too-large', [
    'File[0]',
    '302 attributes',
    'at most 256',
  ]);
  t.is(
    decodeFdtXml(fdt(`TOI="1" Content-Location="a" ${many}`), { maxAttributes: 400 }).files[0]!
      .extraAttributes?.length,
    300,
  );
});

test('a wrong or missing namespace, or another root element, is refused naming what was found', (t) => {
  refused(
    t,
    `<FDT-Instance xmlns="urn:evil:fdt" Expires="1"><File TOI="1" Content-Location="a"/></FDT-Instance>`,
    'wrong-root',
    ['{urn:evil:fdt}FDT-Instance'],
  );
  refused(t, `<FDT-Instance Expires="1"><File TOI="1" Content-Location="a"/></FDT-Instance>`, 'wrong-root', [
    '{}FDT-Instance',
  ]);
  refused(t, `<Envelope xmlns="${FLUTE}"/>`, 'wrong-root', ['Envelope']);
});

test('Content-MD5 must be base64 of exactly 16 bytes', (t) => {
  refused(t, fdt('TOI="1" Content-Location="a" Content-MD5="not base64!"'), 'bad-value', [
    'Content-MD5',
    'not base64!',
  ]);
  const fifteen = Buffer.alloc(15, 7).toString('base64');
  refused(t, fdt(`TOI="1" Content-Location="a" Content-MD5="${fifteen}"`), 'bad-value', [
    'Content-MD5',
    '16-byte',
  ]);
  const ok = Buffer.alloc(16, 7).toString('base64');
  t.is(decodeFdtXml(fdt(`TOI="1" Content-Location="a" Content-MD5="${ok}"`)).files[0]!.contentMd5, ok);
});

test('TOI must be a positive integer within 16 bits in the 3GPP profile', (t) => {
  for (const toi of ['0', '65536', '-1', 'abc', '1e3', '', '4294967297']) {
    const error = refused(t, fdt(`TOI="${toi}" Content-Location="a"`), 'bad-value', ['TOI', 'File[0]']);
    t.is(error.attribute, 'TOI');
  }
  t.is(decodeFdtXml(fdt('TOI="65535" Content-Location="a"')).files[0]!.toi, 65_535);
  t.is(decodeFdtXml(fdt('TOI=" +070 " Content-Location="a"')).files[0]!.toi, 70);
  // Outside the 3GPP profile, larger TOIs can be allowed explicitly.
  t.is(decodeFdtXml(fdt('TOI="65536" Content-Location="a"'), { maxToi: 2 ** 32 }).files[0]!.toi, 65_536);
});

test('duplicate TOIs are refused, naming both File elements', (t) => {
  const xml = `<FDT-Instance xmlns="${FLUTE}" Expires="1"><File TOI="4" Content-Location="a"/><File TOI="5" Content-Location="b"/><File TOI="4" Content-Location="c"/></FDT-Instance>`;
  refused(t, xml, 'duplicate-toi', ['File[2]', 'File[0]', '"4"']);
});

test('required attributes and integer ranges are enforced with the attribute named', (t) => {
  refused(
    t,
    `<FDT-Instance xmlns="${FLUTE}"><File TOI="1" Content-Location="a"/></FDT-Instance>`,
    'missing',
    ['Expires'],
  );
  refused(
    t,
    `<FDT-Instance xmlns="${FLUTE}" Expires="4294967296"><File TOI="1" Content-Location="a"/></FDT-Instance>`,
    'bad-value',
    ['Expires', '4294967296'],
  );
  refused(t, fdt('TOI="1"'), 'missing', ['Content-Location']);
  refused(t, fdt('Content-Location="a"'), 'missing', ['TOI']);
  refused(t, fdt('TOI="1" Content-Location="a" Content-Length="12x"'), 'bad-value', [
    'Content-Length',
    '12x',
  ]);
  refused(
    t,
    fdt('TOI="1" Content-Location="a" FEC-OTI-Encoding-Symbol-Length="18446744073709551616"'),
    'bad-value',
    ['FEC-OTI-Encoding-Symbol-Length'],
  );
  refused(t, fdt('TOI="1" Content-Location="a" FEC-OTI-Scheme-Specific-Info="%%"'), 'bad-value', [
    'Scheme-Specific-Info',
  ]);
  refused(
    t,
    `<FDT-Instance xmlns="${FLUTE}" Expires="1" Complete="yes"><File TOI="1" Content-Location="a"/></FDT-Instance>`,
    'bad-value',
    ['Complete'],
  );
  refused(t, `<FDT-Instance xmlns="${FLUTE}" Expires="1"/>`, 'missing', ['no File']);
  refused(
    t,
    fdt(
      'TOI="1" Content-Location="a"',
      '<MBMS-Session-Identity-Expiry value="5">256</MBMS-Session-Identity-Expiry>',
    ),
    'bad-value',
    ['MBMS-Session-Identity-Expiry'],
  );
});

test('XML that is not well-formed, or uses constructs we refuse, fails as malformed-xml', (t) => {
  const file = '<File TOI="1" Content-Location="a"/>';
  const cases: [string, string | Uint8Array, string][] = [
    [
      'two roots',
      `<FDT-Instance xmlns="${FLUTE}" Expires="1">${file}</FDT-Instance><FDT-Instance/>`,
      'root elements',
    ],
    [
      'trailing text',
      `<FDT-Instance xmlns="${FLUTE}" Expires="1">${file}</FDT-Instance>junk`,
      'text after the root',
    ],
    ['unclosed', `<FDT-Instance xmlns="${FLUTE}" Expires="1">${file}`, ''],
    ['mismatched', `<FDT-Instance xmlns="${FLUTE}" Expires="1">${file}</File>`, ''],
    ['< in attribute', fdt('TOI="1" Content-Location="a<b"'), "'<'"],
    ['undeclared prefix', fdt('TOI="1" Content-Location="a" p:x="1"'), 'undeclared namespace prefix "p"'],
    ['repeated attribute', fdt('TOI="1" TOI="2" Content-Location="a"'), ''],
    ['NUL character', fdt('TOI="1" Content-Location="a\u0000"'), 'U+0000'],
    ['bad character reference', fdt('TOI="1" Content-Location="&#0;"'), 'non-character'],
    [
      'not UTF-8',
      Uint8Array.from([...Buffer.from(fdt('TOI="1" Content-Location="'))].concat([0xff, 0x22, 0x2f, 0x3e])),
      'UTF-8',
    ],
    [
      'declared Latin-1',
      Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>${fdt('TOI="1" Content-Location="a"')}`),
      'ISO-8859-1',
    ],
    ['empty', '', ''],
    ['prototype keys', `<FDT-Instance xmlns="${FLUTE}" Expires="1" __proto__="x">${file}</FDT-Instance>`, ''],
  ];
  for (const [name, input, mention] of cases) {
    const error = t.throws(() => decodeFdtXml(input), { instanceOf: FdtError }, name);
    t.true(error.code === 'malformed-xml' || error.code === 'missing', `${name}: ${error.message}`);
    t.true(error.message.includes(mention), `${name}: "${mention}" in ${error.message}`);
  }
  t.is(({} as Record<string, unknown>)['x'], undefined, 'Object.prototype untouched');
});

test('errors carry the caller-given source name first', (t) => {
  const error = refused(t, fdt('TOI="0" Content-Location="a"'), 'bad-value', [], {
    source: 'FDT instance 17 from 239.1.1.1:4000',
  });
  t.true(
    error.message.startsWith(
      'FDT instance 17 from 239.1.1.1:4000: decode FDT XML: FDT-Instance/File[0] attribute TOI:',
    ),
  );
});
