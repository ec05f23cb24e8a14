/**
 * Escaping for every output context the reporters write into. Strings in a run come from devices (AT
 * transcripts, firmware banners) and from plan authors, so none of them is trusted: control characters are
 * made visible rather than dropped (a report must show what the device sent), and markup is escaped.
 */

/** C0 controls except tab/LF/CR, DEL, C1 controls, lone surrogates and the two XML non-characters. */
const INVISIBLE =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Controls shown as their Unicode control pictures (U+2400 + code, ␡ for DEL); C1 controls, lone surrogates
 * and non-characters as `\u{…}`. XML 1.0 forbids most of these, and a terminal would obey them.
 */
export function visibleControls(text: string): string {
  return text.replace(INVISIBLE, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return '\u2421';
    return `\\u{${code.toString(16)}}`;
  });
}

/** Also tab, LF and CR made visible: for one-line contexts (a console line, an MQTT topic level). */
export function oneLine(text: string): string {
  return visibleControls(text).replace(/[\t\n\r]/g, (c) => String.fromCharCode(0x2400 + c.charCodeAt(0)));
}

const XML_TEXT: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
const XML_ATTR: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/** XML character data (`]]>` cannot survive: `>` is always escaped). */
export function xmlText(text: string): string {
  return visibleControls(text).replace(/[&<>\r]/g, (c) => XML_TEXT[c]!);
}

/** An XML attribute value in double quotes; tab/LF/CR as references so attribute normalisation keeps them. */
export function xmlAttr(text: string): string {
  return visibleControls(text).replace(/[&<>"'\t\n\r]/g, (c) => XML_ATTR[c]!);
}

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** HTML text and double- or single-quoted attribute values alike. */
export function html(text: string | number): string {
  return visibleControls(String(text)).replace(/[&<>"']/g, (c) => HTML[c]!);
}

/**
 * JSON to embed in a `<script type="application/json">`: `<` as \u003c so `</script>` or `<!--` in the data
 * cannot end the element; U+2028/2029 escaped too for older parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * An href for an evidence file: relative to the run directory and inside it, each segment percent-encoded,
 * so a hostile path can be neither a `javascript:` URL nor a way out of the run directory. Undefined when
 * the path is not such a path.
 */
export function evidenceHref(path: string): string | undefined {
  const segments = path.split(/[\\/]/);
  if (path === '' || /^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('/') || path.startsWith('\\'))
    return undefined;
  if (segments.some((s) => s === '..')) return undefined;
  return `./${segments
    .filter((s) => s !== '' && s !== '.')
    .map(encodeURIComponent)
    .join('/')}`;
}

/** A file-name-safe form of a name (for CSV files per evidence). */
export function fileSafe(text: string): string {
  const safe = text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  return safe.slice(0, 80) || '_';
}
