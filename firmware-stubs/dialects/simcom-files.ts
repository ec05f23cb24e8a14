/**
 * SIMCom SIM7080G file system: AT+CFSINIT / AT+CFSTERM around every operation, AT+CFSWFILE (upload after
 * DOWNLOAD, at most 10240 bytes per command, mode 1 appends), AT+CFSRFILE (+CFSRFILE: <n> then n raw
 * bytes), AT+CFSGFIS (size), AT+CFSDFILE, AT+CFSREN, AT+CFSGFRS? (free space). Directories by index:
 * 0 /custapp/, 1 /fota/, 2 /datatx/, 3 /customer/. Source: at-modules.md §3.5 (SIM7080 AT manual, D).
 *
 * /customer/ is the user file system the core holds (multicast deliveries land there); the other
 * directories live beside it in the module's flash and share its capacity. Errors are plain ERROR, as the
 * SIM7080 file commands answer [M].
 */
import type { AtArguments } from '../module/arguments.ts';
import type { AtCommand, CommandContext } from '../module/command.ts';
import type { ModuleCore } from '../module/core.ts';
import { isValidName } from '../module/file-system.ts';
import { ERROR, type Outcome } from '../module/results.ts';

export const SIMCOM_DIRS = ['custapp', 'fota', 'datatx', 'customer'] as const;
const CUSTOMER = 3;
/** Bytes one AT+CFSWFILE / AT+CFSRFILE moves at most. */
const MAX_CHUNK = 10_240;

/** The four directories: 3 is the core's file system, 0-2 are kept here (in flash: they survive power cuts). */
export class SimcomFiles {
  readonly #core: ModuleCore;
  readonly #dirs = new Map<number, Map<string, Buffer>>([
    [0, new Map()],
    [1, new Map()],
    [2, new Map()],
  ]);

  constructor(core: ModuleCore) {
    this.#core = core;
  }

  get free(): number {
    let own = 0;
    for (const dir of this.#dirs.values()) for (const f of dir.values()) own += f.length;
    return this.#core.files.free - own;
  }

  read(dir: number, name: string): Buffer | undefined {
    return dir === CUSTOMER ? this.#core.files.read(name) : this.#dirs.get(dir)?.get(name);
  }

  /** Store (replace) a file; false when it does not fit. */
  write(dir: number, name: string, data: Buffer): boolean {
    const old = this.read(dir, name)?.length ?? 0;
    if (data.length - old > this.free) return false;
    if (dir === CUSTOMER) return this.#core.files.write(name, data, { overwrite: true }).ok;
    this.#dirs.get(dir)!.set(name, data);
    return true;
  }

  delete(dir: number, name: string): boolean {
    return dir === CUSTOMER ? this.#core.files.delete(name) : (this.#dirs.get(dir)?.delete(name) ?? false);
  }

  /** "/fota/update.zip" → { dir: 1, name: "update.zip" }; undefined for another shape. */
  static parsePath(path: string): { dir: number; name: string } | undefined {
    const m = /^\/([a-z]+)\/([^/]+)$/.exec(path);
    const dir = m ? SIMCOM_DIRS.indexOf(m[1] as (typeof SIMCOM_DIRS)[number]) : -1;
    return m && dir >= 0 && isValidName(m[2]!) ? { dir, name: m[2]! } : undefined;
  }
}

export interface SimcomFileCommands {
  readonly commands: readonly AtCommand[];
  /** RAM state gone: the CFS buffer is released. */
  reset(): void;
}

export function simcomFileCommands(core: ModuleCore, files: SimcomFiles): SimcomFileCommands {
  let open = false;

  const target = (args: AtArguments) => {
    const dir = args.int(0, { min: 0, max: 3 });
    const name = args.quoted(1, { maxLength: 230 });
    return isValidName(name) ? { dir, name } : undefined;
  };

  // AT+CFSWFILE=<dir>,"<name>",<mode 0 overwrite|1 append>,<size ≤ 10240>,<input time ms>
  const cfswfile = async (ctx: CommandContext, args: AtArguments): Promise<Outcome> => {
    args.atMost(5);
    const t = target(args);
    const append = args.int(2, { oneOf: [0, 1] }) === 1;
    const size = args.int(3, { min: 1, max: MAX_CHUNK });
    const inputMs = args.int(4, { min: 100, max: 10_000, def: 10_000 });
    if (!open || !t || size > files.free) return ERROR;
    ctx.result('DOWNLOAD');
    const got = await ctx.readExactly(size, { timeoutMs: inputMs });
    if (!got.ok) return ERROR;
    await core.flashWrite(size, ctx.signal);
    const before = append ? (files.read(t.dir, t.name) ?? Buffer.alloc(0)) : Buffer.alloc(0);
    return files.write(t.dir, t.name, Buffer.concat([before, got.bytes])) ? undefined : ERROR;
  };

  // AT+CFSRFILE=<dir>,"<name>",<mode 0 from the start|1 from position>,<size ≤ 10240>,<position>
  const cfsrfile = (ctx: CommandContext, args: AtArguments): Outcome => {
    args.atMost(5);
    const t = target(args);
    const fromPosition = args.int(2, { oneOf: [0, 1] }) === 1;
    const size = args.int(3, { min: 1, max: MAX_CHUNK });
    const position = args.int(4, { min: 0, def: 0 });
    const data = open && t ? files.read(t.dir, t.name) : undefined;
    if (!data) return ERROR;
    const start = fromPosition ? position : 0;
    const part = data.subarray(start, start + size);
    ctx.info(`+CFSRFILE: ${part.length}`);
    ctx.raw(part);
    return undefined;
  };

  const commands: AtCommand[] = [
    {
      name: '+CFSINIT',
      summary: 'get the file-system buffer (ERROR while it is held)',
      exec: () => {
        if (open) return ERROR;
        open = true;
        return undefined;
      },
    },
    {
      name: '+CFSTERM',
      summary: 'release the file-system buffer',
      exec: () => {
        open = false;
        return undefined;
      },
    },
    {
      name: '+CFSWFILE',
      summary: 'write: <dir>,"<name>",<mode>,<size>,<input ms> → DOWNLOAD → bytes',
      set: cfswfile,
    },
    {
      name: '+CFSRFILE',
      summary: 'read: <dir>,"<name>",<mode>,<size>,<position> → +CFSRFILE: <n> and n bytes',
      set: cfsrfile,
    },
    {
      name: '+CFSGFIS',
      summary: 'file size: <dir>,"<name>" → +CFSGFIS: <size>',
      set: (ctx, args) => {
        const t = target(args.atMost(2));
        const data = open && t ? files.read(t.dir, t.name) : undefined;
        if (!data) return ERROR;
        ctx.info(`+CFSGFIS: ${data.length}`);
        return undefined;
      },
    },
    {
      name: '+CFSDFILE',
      summary: 'delete: <dir>,"<name>"',
      set: (_ctx, args) => {
        const t = target(args.atMost(2));
        return open && t && files.delete(t.dir, t.name) ? undefined : ERROR;
      },
    },
    {
      name: '+CFSREN',
      summary: 'rename: <dir>,"<old>","<new>"',
      set: (_ctx, args) => {
        const t = target(args.atMost(3));
        const to = args.quoted(2, { maxLength: 230 });
        const data = open && t && isValidName(to) ? files.read(t.dir, t.name) : undefined;
        if (!t || !data || files.read(t.dir, to)) return ERROR;
        files.delete(t.dir, t.name);
        return files.write(t.dir, to, data) ? undefined : ERROR;
      },
    },
    {
      name: '+CFSGFRS',
      summary: 'free space: +CFSGFRS: <bytes>',
      read: (ctx) => {
        if (!open) return ERROR;
        ctx.info(`+CFSGFRS: ${files.free}`);
        return undefined;
      },
    },
  ];

  return {
    commands,
    reset: () => {
      open = false;
    },
  };
}
