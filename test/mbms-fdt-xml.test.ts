import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import fc from 'fast-check';
import {
  dateFromNtpSeconds,
  decodeFdtXml,
  effectiveFecAttributes,
  encodeFdtXml,
  type FdtFile,
  type FdtInstance,
  FEC_OTI_ATTRIBUTE_NAMES,
  type FecOtiAttributes,
  ntpSecondsFromDate,
  ntpSecondsFromEpochMs,
} from '../src/mbms/fdt/index.ts';

// In CI the schemas sit next to the repository (../shared/schemas), as on the development machine.
const SCHEMA = join(import.meta.dirname, '..', '..', 'shared', 'schemas', 'fdt', 'FLUTE-FDT-3GPP-Main.xsd');

/** Runs xmllint on each document (one process for all); returns per-document verdicts. */
function xmllint(documents: string[]): { ok: boolean; output: string }[] {
  const dir = mkdtempSync(join(tmpdir(), 'fdt-xsd-'));
  try {
    return documents.map((xml, i) => {
      const path = join(dir, `fdt-${i}.xml`);
      writeFileSync(path, xml);
      const run = spawnSync('xmllint', ['--noout', '--schema', SCHEMA, path], { encoding: 'utf8' });
      if (run.error) throw run.error;
      return { ok: run.status === 0, output: `${run.stderr}${run.stdout}` };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const MD5_OF_EMPTY = '1B2M2Y8AsgTpgAmY7PhCfg==';

const firmwareFdt: FdtInstance = {
  expires: 3_976_214_400,
  fecOti: {
    'FEC-OTI-FEC-Encoding-ID': '0',
    'FEC-OTI-Maximum-Source-Block-Length': '64',
    'FEC-OTI-Encoding-Symbol-Length': '1024',
  },
  files: [
    {
      toi: 1,
      contentLocation: 'fw/app-v2.1.0.bin',
      contentLength: 6700,
      contentType: 'application/octet-stream',
      contentMd5: MD5_OF_EMPTY,
    },
  ],
  schemaVersion: 4,
};

const everyField: FdtInstance = {
  expires: 4_000_000_000,
  complete: false,
  fullFdt: true,
  contentType: 'application/octet-stream',
  contentEncoding: 'gzip',
  fecOti: {
    'FEC-OTI-FEC-Encoding-ID': '1',
    'FEC-OTI-FEC-Instance-ID': '0',
    'FEC-OTI-Maximum-Source-Block-Length': '1024',
    'FEC-OTI-Encoding-Symbol-Length': '512',
    'FEC-OTI-Max-Number-of-Encoding-Symbols': '2048',
    'FEC-OTI-Scheme-Specific-Info': 'AAEBBA==',
  },
  files: [
    {
      toi: 7,
      contentLocation: 'http://repair.example.com/fw/image.bin?v=2&x="q"',
      contentLength: 161_934,
      transferLength: 157_821,
      contentType: 'application/x-tar; note="a<b>"',
      contentEncoding: 'gzip',
      contentMd5: MD5_OF_EMPTY,
      fecOti: { 'FEC-OTI-Encoding-Symbol-Length': '16', 'FEC-OTI-Scheme-Specific-Info': 'AAEBBA==' },
      fileETag: 'df69d20220cb1ff4',
      decryptionKeyUri: 'http://www.example.com/key-uri',
      fecRedundancyLevel: 20,
      independentUnitPositions: [0, 4096, 8192],
      cacheControl: { directive: 'expires', expires: 3_311_296_300 },
      alternateContentLocations: [
        {
          priority: 1,
          urls: ['http://a.example.com/fw', 'http://b.example.com/fw'],
          availabilityTime: '2026-01-01T00:00:00Z',
        },
        { priority: 2, urls: ['http://c.example.com/fw'] },
      ],
      groups: ['firmware'],
      mbmsSessionIdentities: [93],
      extraAttributes: [
        { name: 'x-vendor', value: 'tab\there\nnewline' },
        { namespace: 'urn:example:vendor', name: 'slot', value: 'B' },
      ],
    },
    { toi: 65_535, contentLocation: 'manifest.json', cacheControl: { directive: 'no-cache' } },
    { toi: 3, contentLocation: 'notes.txt', cacheControl: { directive: 'max-stale' } },
  ],
  schemaVersion: 4,
  baseUrls: [
    { priority: 1, url: 'http://repair1.example.com/' },
    { priority: 1, url: 'http://repair1b.example.com/' },
    { priority: 2, url: 'http://repair2.example.com/' },
  ],
  groups: ['all'],
  mbmsSessionIdentityExpiries: [{ identity: 93, expires: 3_311_288_760 }],
  extraAttributes: [
    { namespace: 'http://www.w3.org/2001/XMLSchema-instance', name: 'schemaLocation', value: 'x y' },
  ],
};

test('a 3GPP download-profile FDT we generate validates against FLUTE-FDT-3GPP-Main.xsd', (t) => {
  const [verdict] = xmllint([encodeFdtXml(firmwareFdt)]);
  t.true(verdict!.ok, verdict!.output);
});

test('an FDT using every modelled field and extension namespace validates against the 3GPP schema', (t) => {
  const compact = encodeFdtXml(everyField);
  const pretty = encodeFdtXml(everyField, { pretty: true });
  for (const verdict of xmllint([compact, pretty])) t.true(verdict.ok, verdict.output);
});

test('xmllint does reject an FDT that breaks the schema (the validation test can fail)', (t) => {
  const xml = encodeFdtXml(firmwareFdt);
  const withoutDelimiter = xml.replace('<sv:delimiter>0</sv:delimiter></FDT-Instance>', '</FDT-Instance>');
  const withBadToi = xml.replace('TOI="1"', 'TOI="0"');
  t.not(withoutDelimiter, xml);
  const [a, b] = xmllint([withoutDelimiter, withBadToi]);
  t.false(a!.ok);
  t.false(b!.ok);
});

test('only the namespaces in use are declared, and attributes come in a fixed order', (t) => {
  const xml = encodeFdtXml(firmwareFdt);
  t.true(
    xml.startsWith(
      '<?xml version="1.0" encoding="UTF-8"?><FDT-Instance xmlns="urn:IETF:metadata:2005:FLUTE:FDT"',
    ),
  );
  t.false(xml.includes('mbms2012'));
  t.regex(
    xml,
    /xmlns:sv="urn:3gpp:metadata:2009:MBMS:schemaVersion" Expires="3976214400" FEC-OTI-FEC-Encoding-ID="0"/,
  );
  t.regex(xml, /<File TOI="1" Content-Location="fw\/app-v2.1.0.bin" Content-Length="6700" Content-Type=/);
  t.is(encodeFdtXml(structuredClone(firmwareFdt)), xml);
});

test('decode(encode(fdt)) gives the FDT back, every field included', (t) => {
  t.deepEqual(decodeFdtXml(encodeFdtXml(everyField)), everyField);
  t.deepEqual(decodeFdtXml(encodeFdtXml(everyField, { pretty: true })), everyField);
  t.deepEqual(decodeFdtXml(Buffer.from(encodeFdtXml(everyField), 'utf8')), everyField);
});

// Strings XML 1.0 can carry; no surrounding whitespace where the schema collapses it (element content).
const xmlChars = fc
  .string({ unit: 'binary', maxLength: 12 })
  .filter((s) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(s));
const token = xmlChars.map((s) => s.trim()).filter((s) => s.length > 0);
const unsignedLongText = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);
const base64 = (min: number, max: number) =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((b) => Buffer.from(b).toString('base64'));

function fecOtiArb(): fc.Arbitrary<FecOtiAttributes | undefined> {
  const entries = FEC_OTI_ATTRIBUTE_NAMES.map((name) =>
    fc.option(name === 'FEC-OTI-Scheme-Specific-Info' ? base64(0, 8) : unsignedLongText, { nil: undefined }),
  );
  return fc.tuple(...entries).map((values) => {
    const out: FecOtiAttributes = {};
    values.forEach((value, i) => {
      if (value !== undefined) out[FEC_OTI_ATTRIBUTE_NAMES[i]!] = value;
    });
    return Object.keys(out).length > 0 ? out : undefined;
  });
}

/** Drops undefined members so that the expected value looks like what the decoder builds. */
function clean<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function instanceArb(uri: fc.Arbitrary<string>, text: fc.Arbitrary<string>): fc.Arbitrary<FdtInstance> {
  const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
  const list = <T>(arb: fc.Arbitrary<T>) => opt(fc.array(arb, { minLength: 1, maxLength: 3 }));
  const uint32 = fc.integer({ min: 0, max: 0xffff_ffff });
  const safe = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
  const bySet = <T extends { priority: 1 | 2 }>(items: T[] | undefined) =>
    items && [...items].sort((a, b) => a.priority - b.priority);
  const file = (toi: number): fc.Arbitrary<FdtFile> =>
    fc
      .record({
        contentLocation: uri,
        contentLength: opt(safe),
        transferLength: opt(safe),
        contentType: opt(xmlChars),
        contentEncoding: opt(xmlChars),
        contentMd5: opt(base64(16, 16)),
        fecOti: fecOtiArb(),
        fileETag: opt(xmlChars),
        decryptionKeyUri: opt(uri),
        fecRedundancyLevel: opt(uint32),
        independentUnitPositions: opt(fc.array(safe, { maxLength: 3 })),
        cacheControl: opt(
          fc.oneof(
            fc.constant({ directive: 'no-cache' as const }),
            fc.constant({ directive: 'max-stale' as const }),
            uint32.map((expires) => ({ directive: 'expires' as const, expires })),
          ),
        ),
        alternateContentLocations: list(
          fc.record({
            priority: fc.constantFrom(1 as const, 2 as const),
            urls: fc.array(uri, { maxLength: 2 }),
            availabilityTime: opt(fc.constantFrom('2026-01-01T00:00:00Z', '2030-06-15T12:30:00.5+02:00')),
          }),
        ),
        groups: list(text),
        mbmsSessionIdentities: list(fc.integer({ min: 0, max: 255 })),
        extraAttributes: opt(
          fc.uniqueArray(
            fc.record({
              namespace: opt(
                fc.constantFrom('urn:example:vendor', 'http://www.w3.org/2001/XMLSchema-instance'),
              ),
              name: fc.constantFrom('x-vendor', 'slot', 'Priority'),
              value: xmlChars,
            }),
            { selector: (a) => `${a.namespace}|${a.name}`, minLength: 1, maxLength: 3 },
          ),
        ),
      })
      .map((f) => clean({ toi, ...f, alternateContentLocations: bySet(f.alternateContentLocations) }));
  return fc
    .uniqueArray(fc.integer({ min: 1, max: 0xffff }), { minLength: 1, maxLength: 4 })
    .chain((tois) =>
      fc.record({
        expires: uint32,
        complete: opt(fc.boolean()),
        fullFdt: opt(fc.boolean()),
        contentType: opt(xmlChars),
        contentEncoding: opt(xmlChars),
        fecOti: fecOtiArb(),
        files: fc.tuple(...tois.map(file)),
        schemaVersion: uint32,
        baseUrls: list(fc.record({ priority: fc.constantFrom(1 as const, 2 as const), url: uri })),
        groups: list(text),
        mbmsSessionIdentityExpiries: list(
          fc.record({ identity: fc.integer({ min: 0, max: 255 }), expires: uint32 }),
        ),
      }),
    )
    .map((i) => clean({ ...i, baseUrls: bySet(i.baseUrls) }) as FdtInstance);
}

test('property: any FDT model survives encode → decode unchanged', (t) => {
  fc.assert(
    fc.property(instanceArb(token, token), fc.boolean(), (instance, pretty) => {
      t.deepEqual(decodeFdtXml(encodeFdtXml(instance, { pretty })), instance);
    }),
    { numRuns: 300 },
  );
});

test('property: generated FDTs validate against the 3GPP schema (xmllint)', (t) => {
  const samples = fc.sample(instanceArb(fc.webUrl(), fc.stringMatching(/^[A-Za-z0-9._-]{1,10}$/)), {
    numRuns: 40,
    seed: 26346,
  });
  const verdicts = xmllint(samples.map((instance) => encodeFdtXml(instance)));
  for (const [i, verdict] of verdicts.entries()) t.true(verdict.ok, `sample ${i}: ${verdict.output}`);
});

/** TS 26.346 V16.11.1 clause 7.2.10.4, as printed (whitespace between attributes as in the spec). */
const SPEC_EXAMPLE = `<?xml version="1.0" encoding="UTF-8"?>
<FDT-Instance
xmlns="urn:IETF:metadata:2005:FLUTE:FDT"
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
xmlns:mbms2007="urn:3GPP:metadata:2007:MBMS:FLUTE:FDT"
xmlns:mbms2008="urn:3GPP:metadata:2008:MBMS:FLUTE:FDT_ext"
xmlns:mbms2009="urn:3GPP:metadata:2009:MBMS:FLUTE:FDT_ext"
xmlns:sv="urn:3gpp:metadata:2009:MBMS:schemaVersion"
xsi:schemaLocation="urn:IETF:metadata:2005:FLUTE:FDT FLUTE-FDT-3GPP-Main.xsd"
FEC-OTI-FEC-Encoding-ID="1"
Complete="true"
Content-Encoding="gzip"
FEC-OTI-Encoding-Symbol-Length="512"
Expires="331129600"
mbms2008:FullFDT="true">
<File
Content-Type="application/sdp"
Content-Length="7543"
Transfer-Length="4294"
TOI="2"
FEC-OTI-Encoding-Symbol-Length="16"
FEC-OTI-Scheme-Specific-Info="AAEBBA=="
Content-Location="http://www.example.com/fancy-session/main.sdp"
mbms2009:Decryption-KEY-URI="http://www.example.com/key-uri">
<mbms2007:Cache-Control>
<mbms2007:Expires>331129630</mbms2007:Expires>
</mbms2007:Cache-Control>
<sv:delimiter>0</sv:delimiter>
<sv:delimiter>0</sv:delimiter>
<MBMS-Session-Identity>93</MBMS-Session-Identity>
</File>
<File
Content-Type="String"
Content-Length="161934"
Transfer-Length="157821"
TOI="3"
FEC-OTI-Encoding-Symbol-Length="512"
Content-Location="http://www.example.com/fancy-session/trailer.3gp">
<sv:delimiter>0</sv:delimiter>
<sv:delimiter>0</sv:delimiter>
<MBMS-Session-Identity>93</MBMS-Session-Identity>
</File>
<sv:schemaVersion>2</sv:schemaVersion>
<sv:delimiter>0</sv:delimiter>
<MBMS-Session-Identity-Expiry value="3311288760">93</MBMS-Session-Identity-Expiry>
</FDT-Instance>
`;

test('the TS 26.346 7.2.10.4 example is valid for the schema and decodes field by field', (t) => {
  const [verdict] = xmllint([SPEC_EXAMPLE]);
  t.true(verdict!.ok, verdict!.output);
  const fdt = decodeFdtXml(SPEC_EXAMPLE);
  t.is(fdt.expires, 331_129_600);
  t.true(fdt.complete);
  t.true(fdt.fullFdt);
  t.is(fdt.contentEncoding, 'gzip');
  t.deepEqual(fdt.fecOti, { 'FEC-OTI-FEC-Encoding-ID': '1', 'FEC-OTI-Encoding-Symbol-Length': '512' });
  t.is(fdt.schemaVersion, 2);
  t.deepEqual(fdt.mbmsSessionIdentityExpiries, [{ identity: 93, expires: 3_311_288_760 }]);
  t.deepEqual(fdt.extraAttributes, [
    {
      namespace: 'http://www.w3.org/2001/XMLSchema-instance',
      name: 'schemaLocation',
      value: 'urn:IETF:metadata:2005:FLUTE:FDT FLUTE-FDT-3GPP-Main.xsd',
    },
  ]);
  t.deepEqual(fdt.files[0], {
    toi: 2,
    contentLocation: 'http://www.example.com/fancy-session/main.sdp',
    contentLength: 7543,
    transferLength: 4294,
    contentType: 'application/sdp',
    fecOti: { 'FEC-OTI-Encoding-Symbol-Length': '16', 'FEC-OTI-Scheme-Specific-Info': 'AAEBBA==' },
    decryptionKeyUri: 'http://www.example.com/key-uri',
    cacheControl: { directive: 'expires', expires: 331_129_630 },
    mbmsSessionIdentities: [93],
  });
  t.is(fdt.files[1]!.toi, 3);
  t.is(fdt.files[1]!.contentType, 'String');
  // Re-encoding what we read gives a document that is still valid and reads back the same.
  const again = encodeFdtXml(fdt);
  t.true(xmllint([again])[0]!.ok);
  t.deepEqual(decodeFdtXml(again), fdt);
});

test('effective FEC attributes: the File wins attribute by attribute, Transfer-Length included', (t) => {
  const fdt = decodeFdtXml(SPEC_EXAMPLE);
  const sdp = effectiveFecAttributes(fdt, fdt.files[0]!);
  t.deepEqual(sdp.attributes, {
    'FEC-OTI-FEC-Encoding-ID': '1',
    'FEC-OTI-Encoding-Symbol-Length': '16',
    'FEC-OTI-Scheme-Specific-Info': 'AAEBBA==',
    'Transfer-Length': '4294',
  });
  t.is(sdp.encodingId, 1);
  t.is(sdp.encodingSymbolLength, 16);
  // AAEBBA== is Raptor's Z=1 (16 bits), N=1, Al=4.
  t.deepEqual([...sdp.schemeSpecificInfo!], [0, 1, 1, 4]);
  t.is(sdp.transferLength, 4294);
  t.is(sdp.contentEncoding, 'gzip');
  const trailer = effectiveFecAttributes(fdt, fdt.files[1]!);
  t.is(trailer.encodingId, 1);
  t.is(trailer.encodingSymbolLength, 512);
  t.is(trailer.schemeSpecificInfo, undefined);
});

test('effective FEC attributes: a File naming another FEC scheme inherits none of the instance OTI', (t) => {
  const instance: FdtInstance = {
    expires: 1,
    fecOti: {
      'FEC-OTI-FEC-Encoding-ID': '1',
      'FEC-OTI-Encoding-Symbol-Length': '512',
      'FEC-OTI-Scheme-Specific-Info': 'AAEBBA==',
    },
    files: [
      { toi: 1, contentLocation: 'a', contentLength: 10, fecOti: { 'FEC-OTI-FEC-Encoding-ID': '0' } },
      { toi: 2, contentLocation: 'b', contentLength: 10, fecOti: { 'FEC-OTI-FEC-Encoding-ID': '1' } },
    ],
  };
  const a = effectiveFecAttributes(instance, instance.files[0]!);
  t.deepEqual(a.attributes, { 'FEC-OTI-FEC-Encoding-ID': '0', 'Transfer-Length': '10' });
  const b = effectiveFecAttributes(instance, instance.files[1]!);
  t.is(b.encodingSymbolLength, 512);
  t.is(b.transferLength, 10, 'without Content-Encoding the transfer length is the content length');
});

test('RFC 6726 namespace FDT (ypo/flute default profile, no sv elements) is accepted', (t) => {
  const fdt = decodeFdtXml(`<?xml version="1.0" encoding="UTF-8"?>
<FDT-Instance xmlns="urn:ietf:params:xml:ns:fdt" Expires="3976214400" FEC-OTI-FEC-Encoding-ID="6"
  FEC-OTI-Maximum-Source-Block-Length="56403" FEC-OTI-Encoding-Symbol-Length="1280" FEC-OTI-Scheme-Specific-Info="AQABCA==">
  <File Content-Location="file:///fw.bin" TOI="1" Content-Length="100000" Transfer-Length="100000" Content-Type="application/octet-stream"/>
</FDT-Instance>`);
  t.is(fdt.files[0]!.contentLocation, 'file:///fw.bin');
  t.is(effectiveFecAttributes(fdt, fdt.files[0]!).encodingId, 6);
  t.is(fdt.schemaVersion, undefined);
});

test('ypo-style unprefixed 3GPP extensions are read into the model', (t) => {
  const fdt =
    decodeFdtXml(`<FDT-Instance xmlns="urn:IETF:metadata:2005:FLUTE:FDT" Expires="3976214400" FullFDT="true">
  <File Content-Location="a.bin" TOI="5" File-ETag="abc" FEC-Redundancy-Level="20">
    <Cache-Control><max-stale>true</max-stale></Cache-Control>
    <Alternate-Content-Location-1><Alternate-Content-Location>http://r/a.bin</Alternate-Content-Location></Alternate-Content-Location-1>
  </File>
  <Base-URL-1>http://r/</Base-URL-1>
</FDT-Instance>`);
  t.true(fdt.fullFdt);
  t.deepEqual(fdt.baseUrls, [{ priority: 1, url: 'http://r/' }]);
  t.like(fdt.files[0], {
    fileETag: 'abc',
    fecRedundancyLevel: 20,
    cacheControl: { directive: 'max-stale' },
    alternateContentLocations: [{ priority: 1, urls: ['http://r/a.bin'] }],
  });
});

test('the RFC 3926 example namespace and the TS 26.346 L.6 (2022) namespace are accepted', (t) => {
  const rfc3926 = decodeFdtXml(
    '<FDT-Instance xmlns="http://www.example.com/flute" Expires="2890842807"><File Content-Location="http://www.example.com/menu/tracklist.html" TOI="1" Content-Type="text/html"/></FDT-Instance>',
  );
  t.is(rfc3926.files[0]!.contentType, 'text/html');
  const l6 = decodeFdtXml(`<FDT-Instance xmlns="urn:3GPP:metadata:2022:FLUTE:FDT" Expires="3976214400">
  <File Content-Location="seg1.m4s" TOI="9" Content-Length="10"><Cache-Control><no-cache>true</no-cache></Cache-Control><delimiter>0</delimiter></File>
  <schemaVersion>1</schemaVersion><delimiter>0</delimiter>
</FDT-Instance>`);
  t.deepEqual(l6.files[0]!.cacheControl, { directive: 'no-cache' });
  t.is(l6.schemaVersion, 1);
});

test('an rt-libflute style FDT (instance-level OTI, relative names, Transfer-Length) decodes', (t) => {
  const fdt = decodeFdtXml(`<?xml version="1.0"?>
<FDT-Instance Expires="3976214460" FEC-OTI-FEC-Encoding-ID="0" FEC-OTI-Maximum-Source-Block-Length="64"
 FEC-OTI-Encoding-Symbol-Length="1436" xmlns:mbms2007="urn:3GPP:metadata:2007:MBMS:FLUTE:FDT" xmlns="urn:IETF:metadata:2005:FLUTE:FDT">
  <File Content-Length="10485760" Content-Location="testfile.bin" Content-MD5="sZRqySSS0jR8YjW00mERhA==" Content-Type="application/octet-stream" TOI="1" Transfer-Length="10485760"/>
</FDT-Instance>`);
  const fec = effectiveFecAttributes(fdt, fdt.files[0]!);
  t.deepEqual(fec.attributes, {
    'FEC-OTI-FEC-Encoding-ID': '0',
    'FEC-OTI-Maximum-Source-Block-Length': '64',
    'FEC-OTI-Encoding-Symbol-Length': '1436',
    'Transfer-Length': '10485760',
  });
  t.is(fdt.files[0]!.contentMd5, 'sZRqySSS0jR8YjW00mERhA==');
});

test('NTP seconds: 2026-01-01 is 3976214400, and the 2036 era wrap reads back across the rollover', (t) => {
  t.is(ntpSecondsFromDate(new Date('2026-01-01T00:00:00Z')), 3_976_214_400);
  t.is(dateFromNtpSeconds(3_976_214_400).toISOString(), '2026-01-01T00:00:00.000Z');
  t.is(ntpSecondsFromDate(new Date('2036-02-07T06:28:16Z')), 0);
  t.is(dateFromNtpSeconds(0).toISOString(), '2036-02-07T06:28:16.000Z');
  const in2040 = new Date('2040-05-01T12:00:00Z');
  t.is(dateFromNtpSeconds(ntpSecondsFromDate(in2040)).toISOString(), in2040.toISOString());
  t.is(ntpSecondsFromEpochMs(1999), ntpSecondsFromEpochMs(1000), 'whole seconds, rounded down');
});
