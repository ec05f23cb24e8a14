import test from 'ava';
import {
  type AlcPacket,
  type DecodeOptions,
  decodePacket,
  encodePacket,
  PROFILE_RULES,
  type ProfileRule,
  STRUCTURAL_FAILURE_KINDS,
  type StructuralFailureKind,
  type WireLayout,
} from '../src/mbms/packet/index.ts';

const fti = Uint8Array.from([0, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0, 0, 64]);

function file(over: Partial<AlcPacket> = {}): AlcPacket {
  return {
    version: 1,
    congestionControl: 0n,
    tsi: 1,
    toi: 2n,
    codepoint: 0,
    flags: { closeSession: false, closeObject: false },
    headerExtensions: { unknown: [] },
    payloadId: Uint8Array.of(0, 0, 0, 1),
    payload: Uint8Array.of(0xaa, 0xbb),
    ...over,
  };
}
const fdt = (over: Partial<AlcPacket> = {}) =>
  file({ toi: 0n, headerExtensions: { fdt: { version: 1, instanceId: 3 }, fti, unknown: [] }, ...over });
const layout = (w: Partial<WireLayout>): WireLayout => ({
  cciBytes: 4,
  tsiBytes: 2,
  toiBytes: 2,
  reservedBits: 0,
  extensionOrder: [],
  ...w,
});
/** Bytes laid out as asked, whatever the profile says (the generic encoder's layout is tested elsewhere). */
const wire = (p: AlcPacket) => encodePacket(p, 'generic');
const profileHeader = [0x10, 0x10, 3, 0, 0, 0, 0, 0, 0, 1, 0, 2];

const structural: Record<StructuralFailureKind, { bytes: number[]; offset: number; seen: RegExp }[]> = {
  'too-short': [
    { bytes: [], offset: 0, seen: /0 bytes/ },
    { bytes: [0x10, 0x10, 3], offset: 0, seen: /3 bytes \(10 10 03\)/ },
    { bytes: profileHeader.slice(0, 11), offset: 2, seen: /header is 12 bytes; the packet has 11/ },
  ],
  'bad-version': [{ bytes: [0x20, ...profileHeader.slice(1), 0, 0, 0, 0], offset: 0, seen: /LCT version 2/ }],
  'hdr-len-mismatch': [
    { bytes: [0x10, 0x10, 2, 0, 0, 0, 0, 0, 0, 1, 0, 2], offset: 2, seen: /HDR_LEN 2 \(8 bytes\).*12 bytes/ },
    { bytes: [0x10, 0x10, 0, 0], offset: 2, seen: /HDR_LEN 0/ },
    // T and R each add a word the header has no room for.
    { bytes: [0x10, 0x1c, 4, 0, ...profileHeader.slice(4), 0, 0, 0, 0], offset: 2, seen: /SCT 4, ERT 4/ },
  ],
  'bad-extension-length': [
    {
      bytes: [0x10, 0x10, 4, 0, ...profileHeader.slice(4), 64, 0, 0, 0, 0, 0, 0, 1],
      offset: 13,
      seen: /HET 64 has HEL 0/,
    },
    {
      bytes: [0x10, 0x10, 4, 0, ...profileHeader.slice(4), 64, 2, 0, 0, 0, 0, 0, 1, 0],
      offset: 13,
      seen: /HEL 2 \(8 bytes\); 4 bytes/,
    },
  ],
  'duplicate-extension': [
    {
      bytes: [0x10, 0x10, 5, 0, 0, 0, 0, 0, 0, 1, 0, 0, 192, 0x10, 0, 1, 192, 0x10, 0, 2, 0, 0, 0, 0],
      offset: 16,
      seen: /second extension HET 192 \(the first is at byte 12\)/,
    },
    {
      // A malformed EXT_CENC (reserved bits set) still counts as the packet's EXT_CENC.
      bytes: [0x10, 0x10, 5, 0, 0, 0, 0, 0, 0, 1, 0, 2, 193, 1, 0, 1, 193, 1, 0, 0, 0, 0, 0, 0],
      offset: 16,
      seen: /HET 193/,
    },
  ],
  'payload-id-truncated': [
    {
      bytes: [...profileHeader, 0, 1, 0],
      offset: 12,
      seen: /3 bytes after the 12-byte header; the FEC Payload ID is 4/,
    },
    { bytes: profileHeader, offset: 12, seen: /only a Close Session packet may end at the header/ },
  ],
};

for (const [kind, cases] of Object.entries(structural)) {
  test(`structural failure ${kind}: reported with its byte offset and what was seen, in every profile`, (t) => {
    for (const c of cases) {
      for (const profile of ['mbms', 'generic'] as const) {
        const r = decodePacket(Uint8Array.from(c.bytes), { profile });
        t.false(r.ok);
        if (r.ok) continue;
        t.is(r.reason.kind as string, kind);
        t.is(r.reason.offset, c.offset);
        t.regex(r.reason.message, new RegExp(`^ALC/LCT decode: byte ${c.offset}: `));
        t.regex(r.reason.message, c.seen);
      }
    }
  });
}

interface RuleCase {
  packet: AlcPacket;
  severity: 'error' | 'warning';
  offset?: number;
  options?: DecodeOptions;
}

const rules: Record<ProfileRule, RuleCase> = {
  'toi-absent': {
    packet: file({ toi: 0n, layout: layout({ tsiBytes: 4, toiBytes: 0 }) }),
    severity: 'error',
    offset: 1,
  },
  'cci-length-not-profile': {
    packet: file({ layout: layout({ cciBytes: 8 }) }),
    severity: 'error',
    offset: 0,
  },
  'cci-not-zero': { packet: file({ congestionControl: 0x01020304n }), severity: 'error', offset: 4 },
  'tsi-length-not-profile': {
    packet: file({ layout: layout({ tsiBytes: 4, toiBytes: 4 }) }),
    severity: 'error',
    offset: 1,
  },
  'toi-length-not-profile': { packet: file({ layout: layout({ toiBytes: 6 }) }), severity: 'warning' },
  'time-fields-present': {
    packet: file({ timeFields: { senderCurrentTime: 5 } }),
    severity: 'error',
    offset: 1,
  },
  'toi-zero-without-fdt': { packet: file({ toi: 0n }), severity: 'error', offset: 10 },
  'fdt-ext-on-file': {
    packet: file({ headerExtensions: { fdt: { version: 1, instanceId: 1 }, unknown: [] } }),
    severity: 'error',
    offset: 12,
  },
  'flute-version-not-1': {
    packet: fdt({ headerExtensions: { fti, fdt: { version: 2, instanceId: 1 }, unknown: [] } }),
    severity: 'error',
    offset: 12,
  },
  'fti-missing-on-fdt': {
    packet: fdt({ headerExtensions: { fdt: { version: 1, instanceId: 1 }, unknown: [] } }),
    severity: 'error',
    offset: 10,
  },
  'fti-on-file': { packet: file({ headerExtensions: { fti, unknown: [] } }), severity: 'error', offset: 12 },
  'cenc-on-fdt': {
    packet: fdt({ headerExtensions: { fdt: { version: 1, instanceId: 1 }, fti, cenc: 0, unknown: [] } }),
    severity: 'error',
    offset: 32,
  },
  'cenc-on-file': { packet: file({ headerExtensions: { cenc: 3, unknown: [] } }), severity: 'warning' },
  'payload-id-length-not-profile': {
    packet: file({ payload: new Uint8Array(8) }),
    severity: 'error',
    offset: 12,
    options: { payloadIdBytes: 8 },
  },
  'ext-time-not-ert-only': {
    packet: file({ headerExtensions: { time: { sctHigh: 1, piSpecific: 0 }, unknown: [] } }),
    severity: 'warning',
  },
  'ext-malformed': {
    // EXT_TIME whose Use field announces ERT but carries no value.
    packet: file({ headerExtensions: { unknown: [{ het: 2, body: Uint8Array.of(0x20, 0) }] } }),
    severity: 'warning',
  },
  'unknown-extension': {
    packet: file({ headerExtensions: { unknown: [{ het: 250, body: Uint8Array.of(1, 2, 3) }] } }),
    severity: 'warning',
  },
  'reserved-bits-set': { packet: file({ layout: layout({ reservedBits: 1 }) }), severity: 'warning' },
  'codepoint-not-fec-id': { packet: file({ codepoint: 128 }), severity: 'warning' },
};

for (const [rule, c] of Object.entries(rules)) {
  test(`profile rule ${rule}: ${c.severity === 'error' ? 'the strict decoder drops the packet' : 'a warning; the packet is kept'}`, (t) => {
    const bytes = wire(c.packet);
    const strict = decodePacket(bytes, c.options);
    const tolerant = decodePacket(bytes, { ...c.options, profile: 'generic' });
    t.true(tolerant.ok, 'the tolerant decoder reads it');
    if (tolerant.ok) {
      t.true(tolerant.violations.some((v) => v.rule === rule && v.severity === c.severity));
    }
    if (c.severity === 'error') {
      t.false(strict.ok);
      if (strict.ok) return;
      t.is(strict.reason.kind as string, rule);
      t.is(strict.reason.offset as number | undefined, c.offset);
      t.regex(strict.reason.message, new RegExp(`^ALC/LCT decode: byte ${c.offset}: .*\\[(TS 26\\.346|RFC)`));
    } else {
      t.true(strict.ok);
      if (strict.ok)
        t.deepEqual(
          strict.violations.map((v) => v.rule),
          [rule],
        );
    }
  });
}

test('every failure kind and every profile rule above is one the code declares, and none is left out', (t) => {
  t.deepEqual(Object.keys(structural).sort(), [...STRUCTURAL_FAILURE_KINDS].sort());
  t.deepEqual(Object.keys(rules).sort(), [...PROFILE_RULES].sort());
});
