/** 27.007 identification, SIM, error reporting, clock and command-list commands. */
import type { AtArguments } from './arguments.ts';
import type { AtCommand, CommandContext } from './command.ts';
import { CME, cme, type Outcome } from './results.ts';

function lines(...texts: string[]) {
  return (ctx: CommandContext): Outcome => {
    for (const t of texts) ctx.info(t);
    return undefined;
  };
}

function simReady(ctx: CommandContext): Outcome {
  return ctx.module.policy.sim === 'ready' ? undefined : cme(CME.simNotInserted);
}

function imei(ctx: CommandContext): Outcome {
  ctx.info(ctx.module.identity.imei);
  return undefined;
}

function cgsnSet(ctx: CommandContext, args: AtArguments): Outcome {
  const snt = args.atMost(1).int(0, { min: 0, max: 3 });
  const { imei } = ctx.module.identity;
  if (snt === 0) ctx.info(imei);
  else if (snt === 1) ctx.info(`+CGSN: "${imei}"`);
  else if (snt === 2) ctx.info(`+CGSN: "${imei.slice(0, 14)}01"`);
  else ctx.info('+CGSN: "01"');
  return undefined;
}

/** "yy/MM/dd,hh:mm:ss±zz" (zz in quarter hours) for an instant and zone. */
export function formatCclk(epochMs: number, quarterHours: number): string {
  const d = new Date(epochMs + quarterHours * 15 * 60_000);
  const p = (n: number) => String(n).padStart(2, '0');
  const zone = `${quarterHours < 0 ? '-' : '+'}${p(Math.abs(quarterHours))}`;
  return `${p(d.getUTCFullYear() % 100)}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())},${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}${zone}`;
}

/** Parse "yy/MM/dd,hh:mm:ss±zz" to {epochMs (UTC), quarterHours}. */
export function parseCclk(text: string): { epochMs: number; quarterHours: number } | undefined {
  const m = /^(\d\d)\/(\d\d)\/(\d\d),(\d\d):(\d\d):(\d\d)([+-]\d\d)?$/.exec(text);
  if (!m) return undefined;
  const [yy, mo, dd, hh, mi, ss] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (mo < 1 || mo > 12 || dd < 1 || dd > 31 || hh > 23 || mi > 59 || ss > 59) return undefined;
  const quarterHours = m[7] ? Number(m[7]) : 0;
  const local = Date.UTC(2000 + yy, mo - 1, dd, hh, mi, ss);
  return { epochMs: local - quarterHours * 15 * 60_000, quarterHours };
}

export const IDENTITY_COMMANDS: readonly AtCommand[] = [
  {
    name: '+CGMI',
    summary: 'manufacturer',
    exec: (ctx) => lines(ctx.module.profile.identification.manufacturer)(ctx),
    test: () => undefined,
  },
  {
    name: '+GMI',
    summary: 'manufacturer (V.250)',
    exec: (ctx) => lines(ctx.module.profile.identification.manufacturer)(ctx),
  },
  {
    name: '+CGMM',
    summary: 'model',
    exec: (ctx) => lines(ctx.module.profile.identification.model)(ctx),
    test: () => undefined,
  },
  {
    name: '+GMM',
    summary: 'model (V.250)',
    exec: (ctx) => lines(ctx.module.profile.identification.model)(ctx),
  },
  {
    name: '+CGMR',
    summary: 'firmware revision',
    exec: (ctx) => lines(ctx.module.revisionText())(ctx),
    test: () => undefined,
  },
  {
    name: '+GMR',
    summary: 'firmware revision (V.250)',
    exec: (ctx) => lines(ctx.module.revisionText())(ctx),
  },
  {
    name: '+CGSN',
    summary: 'IMEI (AT+CGSN=<snt>: 0 bare, 1 IMEI, 2 IMEISV, 3 SVN)',
    exec: imei,
    set: cgsnSet,
    test: lines('+CGSN: (0-3)'),
  },
  { name: '+GSN', summary: 'IMEI (V.250)', exec: imei },
  {
    name: '+CIMI',
    summary: 'IMSI',
    exec: (ctx) => simReady(ctx) ?? lines(ctx.module.identity.imsi)(ctx),
    test: () => undefined,
  },
  {
    name: '+CPIN',
    summary: 'SIM PIN state',
    read: (ctx) => simReady(ctx) ?? lines('+CPIN: READY')(ctx),
    set: () => cme(CME.notAllowed), // no PIN on the emulated SIM
  },
  {
    name: '+CMEE',
    summary: 'error reporting: 0 ERROR, 1 numeric, 2 verbose',
    set: (ctx, args) => {
      ctx.module.settings.cmee = args.atMost(1).int(0, { min: 0, max: 2, def: 0 }) as 0 | 1 | 2;
      return undefined;
    },
    read: (ctx) => lines(`+CMEE: ${ctx.module.settings.cmee}`)(ctx),
    test: lines('+CMEE: (0-2)'),
  },
  {
    name: '+CCLK',
    summary: 'real-time clock "yy/MM/dd,hh:mm:ss±zz"',
    read: (ctx) =>
      lines(`+CCLK: "${formatCclk(ctx.module.rtcNow(), ctx.module.policy.timeZoneQuarterHours)}"`)(ctx),
    set: (ctx, args) => {
      const parsed = parseCclk(args.atMost(1).quoted(0));
      if (!parsed) return cme(CME.incorrectParameters);
      ctx.module.settings.rtcOffsetMs = parsed.epochMs - ctx.module.clock.now();
      return undefined;
    },
  },
  {
    name: '+CLAC',
    summary: 'list available commands',
    exec: (ctx) => {
      for (const line of listing(ctx)) ctx.info(line);
      return undefined;
    },
  },
];

/** The AT+CLAC listing; the synthetic commands say that they are not standard. */
function listing(ctx: CommandContext): string[] {
  const table = ctx.module.commandList();
  return table
    .filter((c) => !c.hidden)
    .map((c) => {
      const name = c.name === 'S' ? 'ATS' : `AT${c.name}`;
      return c.nonStandard
        ? `${name} (NON-STANDARD: emulator-only synthetic command, no shipping module has it)`
        : name;
    });
}
