/**
 * Device-side parsing of SCPI program messages: a line is split into message units at `;`; a unit
 * whose header does not start with `:` continues at the level of the previous one (SCPI-99 Vol. 1
 * §6.2.4: `SENS:SWE:POIN 10;TINT 1E-5` sets SENS:SWE:TINT); keywords match in short or long form,
 * case-insensitively; optional `[...]` nodes may be left out.
 */
import { ScpiFailure } from './scpi-errors.ts';

export interface MessageUnit {
  /** Keywords from the root, upper case, numeric suffixes removed. */
  keywords: string[];
  /** Numeric suffix per keyword (1 when none was given). */
  suffixes: number[];
  query: boolean;
  /** `*IDN?` and friends: no path, no keywords. */
  common: string | undefined;
  params: string[];
  text: string;
}

/** Splits a line into units; a unit that cannot be parsed comes back as a ScpiFailure in its place. */
export function parseProgramMessage(line: string): (MessageUnit | ScpiFailure)[] {
  const out: (MessageUnit | ScpiFailure)[] = [];
  let path: string[] = [];
  let pathSuffixes: number[] = [];
  for (const raw of splitOutside(line, ';')) {
    const text = raw.trim();
    if (text === '') continue;
    const m = /^(\S+)(?:\s+(.*))?$/s.exec(text);
    const header = m?.[1] ?? '';
    const paramText = (m?.[2] ?? '').trim();
    const params = paramText === '' ? [] : splitOutside(paramText, ',').map((p) => p.trim());
    if (header.startsWith('*')) {
      const query = header.endsWith('?');
      out.push({
        keywords: [],
        suffixes: [],
        query,
        common: header.toUpperCase(),
        params,
        text,
      });
      continue;
    }
    const query = header.endsWith('?');
    const body = query ? header.slice(0, -1) : header;
    const absolute = body.startsWith(':');
    const parts = (absolute ? body.slice(1) : body).split(':');
    if (parts.some((p) => !/^[A-Za-z]+\d*$/.test(p))) {
      out.push(new ScpiFailure(-102, text));
      continue;
    }
    const keywords: string[] = absolute ? [] : [...path];
    const suffixes: number[] = absolute ? [] : [...pathSuffixes];
    for (const p of parts) {
      const sm = /^([A-Za-z]+)(\d*)$/.exec(p)!;
      keywords.push(sm[1]!.toUpperCase());
      suffixes.push(sm[2] === '' ? 1 : Number(sm[2]));
    }
    path = keywords.slice(0, -1);
    pathSuffixes = suffixes.slice(0, -1);
    out.push({ keywords, suffixes, query, common: undefined, params, text });
  }
  return out;
}

/** Splits at sep where it is not inside quotes or parentheses (channel lists `(@1,2)`, strings). */
export function splitOutside(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === sep && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

interface Node {
  long: string;
  short: string;
  optional: boolean;
}

/** A compiled header pattern such as `FETCh[:SCALar]:ARRay:CURRent[:DC]?`. */
export class HeaderPattern {
  readonly query: boolean;
  /** The required keywords in short form: `FETC:ARR:CURR?`, how faults and logs name the command. */
  readonly canonical: string;
  readonly #nodes: Node[];
  readonly #common: string | undefined;

  constructor(readonly pattern: string) {
    this.query = pattern.endsWith('?');
    const body = this.query ? pattern.slice(0, -1) : pattern;
    if (body.startsWith('*')) {
      this.#common = pattern.toUpperCase();
      this.#nodes = [];
      this.canonical = this.#common;
      return;
    }
    this.#common = undefined;
    this.#nodes = [];
    for (const m of body.matchAll(/\[:?([A-Za-z]+):?\]|:?([A-Za-z]+)/g)) {
      const word = (m[1] ?? m[2])!;
      this.#nodes.push({
        long: word.toUpperCase(),
        short: word.replace(/[a-z]/g, ''),
        optional: m[1] !== undefined,
      });
    }
    this.canonical =
      this.#nodes
        .filter((n) => !n.optional)
        .map((n) => n.short)
        .join(':') + (this.query ? '?' : '');
  }

  matches(unit: MessageUnit): boolean {
    if (unit.query !== this.query) return false;
    if (this.#common !== undefined || unit.common !== undefined) return unit.common === this.#common;
    return matchFrom(this.#nodes, 0, unit.keywords, 0);
  }
}

function matchFrom(nodes: Node[], i: number, words: string[], j: number): boolean {
  if (i === nodes.length) return j === words.length;
  const node = nodes[i]!;
  const word = words[j];
  if (
    word !== undefined &&
    (word === node.long || word === node.short) &&
    matchFrom(nodes, i + 1, words, j + 1)
  ) {
    return true;
  }
  return node.optional && matchFrom(nodes, i + 1, words, j);
}
