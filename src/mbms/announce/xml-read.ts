/** Schema-shaped reading of a parsed tree: every error names the element path and line. */
import type { EpochMs } from '../../clock/index.ts';
import { AnnounceError, type AnnounceErrorCode } from './errors.ts';
import { parseDateTime } from './time.ts';
import type { XmlElement } from './xml-tree.ts';

/** The schemaVersion/delimiter namespace (Annex J.2), used by every fragment. */
export const SV_NS = 'urn:3gpp:metadata:2009:MBMS:schemaVersion';

export class XmlReader {
  constructor(
    readonly resource: string,
    readonly operation = 'parse',
  ) {}

  fail(code: AnnounceErrorCode, el: XmlElement | undefined, problem: string, seen?: string): AnnounceError {
    return new AnnounceError({
      code,
      resource: this.resource,
      operation: this.operation,
      where: el === undefined ? undefined : `${el.path} (line ${el.line})`,
      problem,
      seen,
    });
  }

  root(el: XmlElement, ns: string, local: string): XmlElement {
    if (el.local !== local || el.ns !== ns) {
      throw this.fail(
        'wrong-root',
        el,
        `root must be ${local} in namespace ${ns}`,
        `${el.local} in ${el.ns || 'no namespace'}`,
      );
    }
    return el;
  }

  children(el: XmlElement, ns: string, local: string): XmlElement[] {
    return el.children.filter((c) => c.ns === ns && c.local === local);
  }

  optional(el: XmlElement, ns: string, local: string): XmlElement | undefined {
    const found = this.children(el, ns, local);
    if (found.length > 1) throw this.fail('bad-structure', found[1], `${local} may appear only once`);
    return found[0];
  }

  required(el: XmlElement, ns: string, local: string): XmlElement {
    const found = this.optional(el, ns, local);
    if (!found) throw this.fail('missing', el, `needs a ${local} element`);
    return found;
  }

  /**
   * Refuses children in the fragment's own namespaces that the schema does not define there (other
   * namespaces are the schema's lax `xs:any ##other` extension points and are skipped).
   */
  onlyKnownChildren(el: XmlElement, ownNamespaces: readonly string[], known: readonly string[]): void {
    for (const c of el.children) {
      if (ownNamespaces.includes(c.ns) && !known.includes(c.local)) {
        throw this.fail('bad-structure', c, `${c.local} is not allowed in ${el.local}`);
      }
    }
  }

  attr(el: XmlElement, local: string, ns = ''): string | undefined {
    return el.attributes.find((a) => a.local === local && a.ns === ns)?.value;
  }

  requiredAttr(el: XmlElement, local: string, ns = ''): string {
    const v = this.attr(el, local, ns);
    if (v === undefined) throw this.fail('missing', el, `needs a ${local} attribute`);
    return v;
  }

  /** Element text with XML Schema whitespace collapsing for the simple types we read. */
  text(el: XmlElement): string {
    return el.text.trim();
  }

  uri(value: string, el: XmlElement, name: string): string {
    const v = value.trim();
    if (v === '' || /\s/.test(v))
      throw this.fail('bad-value', el, `${name} must be a URI without spaces`, value);
    return v;
  }

  unsigned(value: string, el: XmlElement, name: string, max = Number.MAX_SAFE_INTEGER): number {
    const v = value.trim();
    if (!/^\+?\d{1,16}$/.test(v) || Number(v) > max) {
      throw this.fail('bad-value', el, `${name} must be an unsigned integer up to ${max}`, value);
    }
    return Number(v);
  }

  decimal(value: string, el: XmlElement, name: string, min: number, max: number): number {
    const v = value.trim();
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(v) || Number(v) < min || Number(v) > max) {
      throw this.fail('bad-value', el, `${name} must be a decimal ${min}..${max}`, value);
    }
    return Number(v);
  }

  boolean(value: string, el: XmlElement, name: string): boolean {
    const v = value.trim();
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    throw this.fail('bad-value', el, `${name} must be true, false, 1 or 0`, value);
  }

  dateTime(value: string, el: XmlElement, name: string): EpochMs {
    const ms = parseDateTime(value.trim());
    if (ms === undefined) throw this.fail('bad-value', el, `${name} must be an xs:dateTime`, value);
    return ms;
  }
}
