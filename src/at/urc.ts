/**
 * Unsolicited result codes: a registry matched on every received line, also between the lines of a
 * pending response. Three kinds of match:
 * - a prefix (`+CEREG:`, `%XMODEMSLEEP:`, `#XMBMSR:`), the usual case;
 * - a whole-line literal for URCs without a prefix (`RDY`, `PSM POWER DOWN`, `Ready`);
 * - a regular expression for the odd ones.
 * A prefix that is also a read response (`+CEREG: 1` URC vs `+CEREG: 0,1` read) is resolved by the
 * spec's isUrc predicate, asked only while a command that expects that prefix is in flight.
 */

export type UrcKind = 'event' | 'reboot' | 'power-down';

export interface UrcSpec {
  /** Name events are delivered under, e.g. '+CEREG' or 'RDY'. */
  name: string;
  /** 'prefix' matches the start of the line; 'literal' the whole line. */
  match: { prefix: string } | { literal: string } | { regex: RegExp };
  /** 'reboot' URCs tell the engine the module restarted (pending commands fail, state is lost). */
  kind?: UrcKind;
  /** For prefixes shared with a read response: is this line the unsolicited form? */
  isUrc?: (line: string) => boolean;
  /** Length of a binary payload that follows the URC line, if any. */
  rawLength?: (line: string) => number | undefined;
}

export interface Urc {
  name: string;
  kind: UrcKind;
  line: string;
  /** Clock time when the line arrived (epoch ms). */
  t: number;
  /** Binary payload that followed the line, for URCs with rawLength. */
  payload?: Buffer;
}

export class UrcRegistry {
  #specs: UrcSpec[] = [];

  /** Register a URC; returns a function that removes it. Later registrations win ties. */
  add(spec: UrcSpec): () => void {
    this.#specs.unshift(spec);
    return () => {
      this.#specs = this.#specs.filter((s) => s !== spec);
    };
  }

  addAll(specs: readonly UrcSpec[]): () => void {
    const removers = specs.map((s) => this.add(s));
    return () => {
      for (const r of removers) r();
    };
  }

  get specs(): readonly UrcSpec[] {
    return this.#specs;
  }

  /**
   * The URC a line stands for, if any. `expected` are the response prefixes of the command in flight;
   * a line with such a prefix is a response unless the spec's isUrc says otherwise.
   */
  match(line: string, expected: readonly string[] = []): UrcSpec | undefined {
    let best: UrcSpec | undefined;
    let bestLen = -1;
    for (const spec of this.#specs) {
      const len = matchLength(spec, line);
      if (len > bestLen) {
        best = spec;
        bestLen = len;
      }
    }
    if (!best) return undefined;
    if ('prefix' in best.match) {
      const prefix = best.match.prefix;
      if (expected.some((p) => prefixesOverlap(p, prefix))) {
        return best.isUrc?.(line) ? best : undefined;
      }
    }
    return best;
  }
}

function matchLength(spec: UrcSpec, line: string): number {
  const m = spec.match;
  if ('literal' in m) return line === m.literal ? m.literal.length + 1000 : -1;
  if ('prefix' in m) return line.startsWith(m.prefix) ? m.prefix.length : -1;
  return m.regex.test(line) ? 0 : -1;
}

function prefixesOverlap(a: string, b: string): boolean {
  const x = a.replace(/:\s*$/, '');
  const y = b.replace(/:\s*$/, '');
  return x === y;
}
