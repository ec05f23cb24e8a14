/** V.250 basic commands: E, V, Q, I, Z, &F, &W, &C, &D and S-registers. */
import { CommandFailure } from './arguments.ts';
import type { AtCommand } from './command.ts';
import { ERROR } from './results.ts';

function flag(param: string): boolean {
  if (param === '' || param === '0') return false;
  if (param === '1') return true;
  throw new CommandFailure(ERROR);
}

export const BASIC_COMMANDS: readonly AtCommand[] = [
  {
    name: 'E',
    summary: 'command echo (ATE0 off, ATE1 on)',
    basic: (ctx, p) => {
      ctx.module.settings.echo = flag(p);
      return undefined;
    },
  },
  {
    name: 'V',
    summary: 'result code format (ATV0 numeric, ATV1 verbose)',
    basic: (ctx, p) => {
      ctx.module.settings.verbose = flag(p);
      return undefined;
    },
  },
  {
    name: 'Q',
    summary: 'result code suppression (ATQ1 quiet)',
    basic: (ctx, p) => {
      ctx.module.settings.quiet = flag(p);
      return undefined;
    },
  },
  {
    name: 'I',
    summary: 'product identification',
    basic: (ctx, p) => {
      if (p !== '' && p !== '0') return ERROR;
      for (const line of ctx.module.identificationLines()) ctx.info(line);
      return undefined;
    },
  },
  {
    name: 'Z',
    summary: 'reset AT settings to their power-on values',
    basic: (ctx, p) => {
      if (p !== '' && p !== '0') return ERROR;
      ctx.module.resetSettings();
      return undefined;
    },
  },
  {
    name: '&F',
    summary: 'factory defaults',
    basic: (ctx, p) => {
      if (p !== '' && p !== '0') return ERROR;
      ctx.module.resetSettings();
      return undefined;
    },
  },
  { name: '&W', summary: 'store settings (accepted, nothing to store)', basic: () => undefined },
  {
    name: '&C',
    summary: 'DCD behaviour (accepted)',
    basic: (_c, p) => (/^[01]?$/.test(p) ? undefined : ERROR),
  },
  {
    name: '&D',
    summary: 'DTR behaviour (accepted)',
    basic: (_c, p) => (/^[0-2]?$/.test(p) ? undefined : ERROR),
  },
  {
    name: 'S',
    summary: 'S-registers: S3 terminator, S4 formatting, S5 backspace (ATS3?, ATS3=13)',
    basic: (ctx, p) => {
      const m = /^(\d+)(\?|=(\d*))?$/.exec(p);
      if (!m) return ERROR;
      const reg = Number(m[1]);
      const s = ctx.module.settings;
      const key = reg === 3 ? 's3' : reg === 4 ? 's4' : reg === 5 ? 's5' : undefined;
      if (m[2] === '?') {
        const v = key ? s[key] : 0;
        ctx.info(String(v).padStart(3, '0'));
        return undefined;
      }
      if (m[2] === undefined) return undefined; // ATS3 alone selects the register (V.250); nothing to do
      const v = Number(m[3] === '' ? 0 : m[3]);
      if (!key) return undefined; // other registers are accepted and ignored
      if (v < 0 || v > 127) return ERROR;
      s[key] = v;
      return undefined;
    },
  },
];
