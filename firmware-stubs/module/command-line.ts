/**
 * Splits one AT command line into the commands it carries (V.250 §5.2 / 27.007 §4.0): basic commands
 * run together (`ATE0V1`), extended commands separated by `;` (`AT+CFUN?;+CEREG?`), each extended
 * command in one of four forms: set `=…`, read `?`, test `=?`, execute (bare).
 */

export type Invocation =
  | {
      readonly type: 'basic';
      /** E, V, Q, I, Z, &F, &W, S3…: upper case, S-registers as `S<n>`. */
      readonly name: string;
      /** Digits after the letter (`E0` → "0"), or for S-registers "=<v>" / "?". */
      readonly param: string;
      readonly text: string;
    }
  | {
      readonly type: 'extended';
      /** Upper case with its prefix character: +CFUN, #XMBMSCFG, %XT3412. */
      readonly name: string;
      readonly form: 'set' | 'read' | 'test' | 'exec';
      /** Raw parameter text after `=` (set form only), quotes intact. */
      readonly args: string;
      readonly text: string;
    };

export type ParsedLine = { ok: true; invocations: Invocation[] } | { ok: false; reason: string };

const EXTENDED_PREFIX = '+#%$^*';

/** Parse what follows "AT" on a command line. */
export function parseCommandBody(body: string): ParsedLine {
  const invocations: Invocation[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (c === ' ' || c === ';') {
      i++;
      continue;
    }
    if (EXTENDED_PREFIX.includes(c)) {
      const start = i;
      i++;
      while (i < body.length && /[A-Za-z0-9!%\-./:_]/.test(body[i]!)) i++;
      const name = body.slice(start, i).toUpperCase();
      if (name.length < 2) return { ok: false, reason: `empty command name at "${body.slice(start)}"` };
      let form: 'set' | 'read' | 'test' | 'exec' = 'exec';
      let args = '';
      if (body.startsWith('=?', i)) {
        form = 'test';
        i += 2;
      } else if (body[i] === '=') {
        form = 'set';
        const end = endOfArguments(body, i + 1);
        if (end < 0) return { ok: false, reason: 'unterminated string' };
        args = body.slice(i + 1, end);
        i = end;
      } else if (body[i] === '?') {
        form = 'read';
        i++;
      }
      invocations.push({ type: 'extended', name, form, args, text: body.slice(start, i) });
      while (body[i] === ' ') i++;
      if (i < body.length && body[i] !== ';')
        return { ok: false, reason: `unexpected "${body[i]}" after ${name}` };
      continue;
    }
    const start = i;
    const upper = c.toUpperCase();
    if (upper === 'S' && /\d/.test(body[i + 1] ?? '')) {
      i++;
      while (/\d/.test(body[i] ?? '')) i++;
      const name = body.slice(start, i).toUpperCase();
      let param = '';
      if (body.startsWith('=?', i)) return { ok: false, reason: 'S-register test form' };
      if (body[i] === '=') {
        i++;
        const v = i;
        while (/\d/.test(body[i] ?? '')) i++;
        param = '=' + body.slice(v, i);
      } else if (body[i] === '?') {
        i++;
        param = '?';
      }
      invocations.push({ type: 'basic', name, param, text: body.slice(start, i) });
      continue;
    }
    let name: string;
    if (c === '&') {
      if (!/[A-Za-z]/.test(body[i + 1] ?? '')) return { ok: false, reason: 'bad & command' };
      name = '&' + body[i + 1]!.toUpperCase();
      i += 2;
    } else if (/[A-Za-z]/.test(c)) {
      name = upper;
      i++;
    } else {
      return { ok: false, reason: `unexpected "${c}"` };
    }
    const p = i;
    while (/\d/.test(body[i] ?? '')) i++;
    invocations.push({ type: 'basic', name, param: body.slice(p, i), text: body.slice(start, i) });
  }
  return { ok: true, invocations };
}

/** Index of the `;` ending an argument list (outside quotes), or body.length; -1 for an open quote. */
function endOfArguments(body: string, from: number): number {
  let quoted = false;
  for (let i = from; i < body.length; i++) {
    const c = body[i];
    if (c === '"') quoted = !quoted;
    else if (c === ';' && !quoted) return i;
  }
  return quoted ? -1 : body.length;
}
