/**
 * YAML files checked by a zod schema, with errors that name the file, the line and the key: the bench or
 * plan is refused before anything runs.
 */
import { readFileSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';

export class ConfigFileError extends Error {
  override name = 'ConfigFileError';
  constructor(
    readonly file: string,
    readonly problems: { line?: number; key: string; message: string }[],
  ) {
    super(
      `${file}: ${problems.length === 1 ? '' : `${problems.length} problems:\n  `}${problems
        .map((p) => `${p.line ? `line ${p.line}: ` : ''}${p.key ? `${p.key}: ` : ''}${p.message}`)
        .join('\n  ')}`,
    );
  }
}

/** Line of a key path in the document (the closest existing ancestor when the key is missing). */
export type LineOf = (path: readonly (string | number)[]) => number | undefined;

export function loadYaml<T>(file: string, schema: z.ZodType<T>, text?: string): { value: T; lineOf: LineOf } {
  let source: string;
  try {
    source = text ?? readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigFileError(file, [{ key: '', message: `cannot read: ${(e as Error).message}` }]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigFileError(
      file,
      doc.errors.map((e) => ({ line: e.linePos?.[0]?.line, key: '', message: e.message.split('\n')[0]! })),
    );
  }
  const lineOf: LineOf = (path) => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      const target = n === path.length ? (keyNode(doc, path) ?? node) : node;
      const range = (target as { range?: [number, number, number] } | undefined)?.range;
      if (range) return lineCounter.linePos(range[0]).line;
    }
    return undefined;
  };
  const parsed = schema.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new ConfigFileError(
      file,
      parsed.error.issues.map((i) => {
        const path = i.path as (string | number)[];
        // An unknown key: point at the key itself, and say which keys are known.
        const keys = (i as { keys?: string[] }).keys;
        const at = i.code === 'unrecognized_keys' && keys?.[0] !== undefined ? [...path, keys[0]] : path;
        return { line: lineOf(at), key: at.join('.'), message: i.message };
      }),
    );
  }
  return { value: parsed.data, lineOf };
}

/** The key node itself (for "unknown key" errors the key's own line is the useful one). */
function keyNode(doc: ReturnType<typeof parseDocument>, path: readonly (string | number)[]): unknown {
  if (path.length === 0) return undefined;
  const parent = doc.getIn(path.slice(0, -1), true);
  const last = path[path.length - 1];
  if (isMap(parent)) return parent.items.find((p) => (p.key as { value?: unknown })?.value === last)?.key;
  if (isSeq(parent) && typeof last === 'number') return parent.items[last];
  return undefined;
}
