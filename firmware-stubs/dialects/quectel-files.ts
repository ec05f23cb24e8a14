/**
 * Quectel UFS file commands: AT+QFUPL (upload after CONNECT), AT+QFDWL (download after CONNECT),
 * AT+QFLST, AT+QFDEL, AT+QFLDS. Source: at-modules.md §3.1 (BG96/BG95 FILE application note, D/M).
 */
import { type AtArguments, CommandFailure } from '../module/arguments.ts';
import type { AtCommand, CommandContext } from '../module/command.ts';
import { isValidName, xor16Checksum } from '../module/file-system.ts';
import { cme, type Outcome } from '../module/results.ts';

/** Quectel file error codes (+CME ERROR) [M: from the FILE application note, unverified]. */
export const QUECTEL_FILE_ERRORS: Readonly<Record<number, string>> = {
  400: 'invalid input value',
  401: 'larger than the size of the file',
  402: 'read zero byte',
  403: 'drive full',
  405: 'file not found',
  406: 'invalid file name',
  407: 'file already existed',
  409: 'fail to write the file',
  410: 'fail to open the file',
  411: 'fail to read the file',
  417: 'fail to list the file',
  418: 'fail to delete the file',
  419: 'fail to get disk info',
  420: 'no space',
  421: 'time out',
  423: 'file too large',
  425: 'invalid parameter',
};

/** Split "UFS:name" → {prefixed, name}; other drives are not emulated. */
function ufsName(raw: string): { prefixed: boolean; name: string } {
  if (/^UFS:/i.test(raw)) return { prefixed: true, name: raw.slice(4) };
  if (/^[A-Z]+:/i.test(raw)) throw new CommandFailure(cme(406), `drive of "${raw}" is not emulated`);
  return { prefixed: false, name: raw };
}

const ACK_EVERY = 1024;

async function qfupl(ctx: CommandContext, args: AtArguments): Promise<Outcome> {
  const m = ctx.module;
  args.atMost(4);
  const { name } = ufsName(args.quoted(0));
  const size = args.int(1, { min: 1, max: 0x7fffffff });
  const timeoutS = args.int(2, { min: 1, max: 65535, def: 5 });
  const ackMode = args.int(3, { oneOf: [0, 1], def: 0 });
  if (!isValidName(name)) return cme(406);
  if (m.files.has(name)) return cme(407);
  if (size > m.files.capacity) return cme(423);
  if (size > m.files.free) return cme(403);
  ctx.result('CONNECT');
  const got = await ctx.readExactly(size, {
    timeoutMs: timeoutS * 1000,
    ...(ackMode === 1 ? { every: ACK_EVERY, onEvery: () => ctx.raw('A') } : {}),
  });
  if (!got.ok) return cme(421); // [M] a real module may keep the partial file; this one does not
  await m.flashWrite(size, ctx.signal);
  const written = m.files.write(name, got.bytes);
  if (!written.ok) return cme(written.reason === 'exists' ? 407 : 403);
  ctx.info(`+QFUPL: ${size},${xor16Checksum(got.bytes)}`);
  return undefined;
}

function qfdwl(ctx: CommandContext, args: AtArguments): Outcome {
  const { name } = ufsName(args.atMost(1).quoted(0));
  const data = ctx.module.files.read(name);
  if (!data) return cme(405);
  ctx.result('CONNECT');
  ctx.raw(data);
  ctx.info(`+QFDWL: ${data.length},${xor16Checksum(data)}`);
  return undefined;
}

function qflst(ctx: CommandContext, pattern: string): Outcome {
  const { prefixed, name } = ufsName(pattern);
  for (const f of ctx.module.files.list(name))
    ctx.info(`+QFLST: "${prefixed ? 'UFS:' : ''}${f.name}",${f.size}`);
  return undefined;
}

export const QUECTEL_FILE_COMMANDS: readonly AtCommand[] = [
  {
    name: '+QFUPL',
    summary: 'upload a file to UFS: "UFS:<name>",<size>[,<timeout s>[,<ackmode>]] → CONNECT',
    set: qfupl,
  },
  {
    name: '+QFDWL',
    summary: 'download a file: "UFS:<name>" → CONNECT, bytes, +QFDWL: <size>,<checksum>',
    set: qfdwl,
  },
  {
    name: '+QFLST',
    summary: 'list files ("*", "UFS:*", "UFS:<name>")',
    exec: (ctx) => qflst(ctx, '*'),
    set: (ctx, args) => qflst(ctx, args.atMost(1).quoted(0, { def: '*' })),
  },
  {
    name: '+QFDEL',
    summary: 'delete a file ("UFS:<name>", "*" for all)',
    set: (ctx, args) => {
      const { name } = ufsName(args.atMost(1).quoted(0));
      if (name === '*') {
        ctx.module.files.deleteMatching('*');
        return undefined;
      }
      return ctx.module.files.delete(name) ? undefined : cme(405);
    },
  },
  {
    name: '+QFLDS',
    summary: 'storage: "UFS" → free,total; bare → used bytes,file count',
    set: (ctx, args) => {
      const drive = args.atMost(1).quoted(0);
      if (drive.toUpperCase() !== 'UFS') return cme(425);
      ctx.info(`+QFLDS: ${ctx.module.files.free},${ctx.module.files.capacity}`);
      return undefined;
    },
    exec: (ctx) => {
      const fs = ctx.module.files;
      ctx.info(`+QFLDS: ${fs.used},${fs.list().length}`);
      return undefined;
    },
  },
];
