/** Namespaces of the 3GPP FDT schema (TS 26.346 7.2.10, files FLUTE-FDT-3GPP-*.xsd). */
export const NS = {
  flute: 'urn:IETF:metadata:2005:FLUTE:FDT',
  mbms2005: 'urn:3GPP:metadata:2005:MBMS:FLUTE:FDT',
  mbms2007: 'urn:3GPP:metadata:2007:MBMS:FLUTE:FDT',
  mbms2008: 'urn:3GPP:metadata:2008:MBMS:FLUTE:FDT_ext',
  mbms2009: 'urn:3GPP:metadata:2009:MBMS:FLUTE:FDT_ext',
  mbms2012: 'urn:3GPP:metadata:2012:MBMS:FLUTE:FDT',
  mbms2015: 'urn:3GPP:metadata:2015:MBMS:FLUTE:FDT',
  sv: 'urn:3gpp:metadata:2009:MBMS:schemaVersion',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  xml: 'http://www.w3.org/XML/1998/namespace',
} as const;

/** The prefix the encoder uses for each namespace (the ones TS 26.346 uses in its example). */
export const PREFIX_FOR_NAMESPACE: ReadonlyMap<string, string> = new Map([
  [NS.flute, 'fl'],
  [NS.mbms2005, 'mbms2005'],
  [NS.mbms2007, 'mbms2007'],
  [NS.mbms2008, 'mbms2008'],
  [NS.mbms2009, 'mbms2009'],
  [NS.mbms2012, 'mbms2012'],
  [NS.mbms2015, 'mbms2015'],
  [NS.sv, 'sv'],
  [NS.xsi, 'xsi'],
  [NS.xml, 'xml'],
]);

/**
 * Root namespaces the decoder accepts for FDT-Instance:
 * - the 3GPP / RFC 3926 one, `urn:IETF:metadata:2005:FLUTE:FDT` (what TS 26.346 cites and we write);
 * - RFC 6726's registered `urn:ietf:params:xml:ns:fdt` (ypo/flute's default profile);
 * - RFC 3926's example namespace `http://www.example.com/flute` (rt-libflute still parses it);
 * - TS 26.346 Annex L.6's profiled `urn:3GPP:metadata:2022:FLUTE:FDT` (Rel-17; ypo writes it).
 * All four name the same attributes, so one reader serves them.
 */
export const ACCEPTED_FDT_NAMESPACES: readonly string[] = [
  NS.flute,
  'urn:ietf:params:xml:ns:fdt',
  'http://www.example.com/flute',
  'urn:3GPP:metadata:2022:FLUTE:FDT',
];
