/**
 * u-blox file system: AT+UDWNFILE (upload after a `>` prompt, appending to an existing file),
 * AT+URDFILE / AT+URDBLOCK (data inside the quoted response), AT+ULSTFILE, AT+UDELFILE.
 * Sources: SARA-R4 AT manual UBX-17003787 §16-17 (the R5 manual has the same commands, at-modules.md §3.3).
 *
 * Files carry a tag: "USER" (the default) is the user file system the core holds (multicast deliveries land
 * there too); "FOAT" holds firmware packages for AT+UFWINSTALL and lives beside it. As on SARA-R4, FOAT files
 * can only be downloaded and deleted; reading or listing them is refused [M: not checked on an R5 page].
 */
import { type AtArguments, CommandFailure } from '../module/arguments.ts';
import type { AtCommand, CommandContext } from '../module/command.ts';
import type { ModuleCore } from '../module/core.ts';
import { isValidName } from '../module/file-system.ts';
import { CME, cme, type Outcome } from '../module/results.ts';

/** u-blox file-system error codes and their +CMEE=2 texts (u-blox AT manual, appendix A.1). */
export const UBLOX_FILE_ERROR = {
  fileNotFound: 1612,
  notEnoughSpace: 1637, // [M] number; the text is the manual's
  invalidName: 1638,
  timeout: 1649,
} as const;

export const UBLOX_FILE_ERROR_TEXTS: Readonly<Record<number, string>> = {
  1612: 'FILE NOT FOUND',
  1637: 'NOT ENOUGH FREE SPACE',
  1638: 'FFS invalid filename',
  1649: 'FFS TIMEOUT',
};

/** The manual's inactivity limit while the host sends the bytes of +UDWNFILE. */
const DOWNLOAD_IDLE_MS = 20_000;
/** Room for firmware packages under the FOAT tag [M]. */
const FOAT_AREA_BYTES = 8 * 1024 * 1024;

type Tag = 'USER' | 'FOAT';

/** FOAT-tagged files: in flash, so they survive reboots and power cuts. */
export class FoatStore {
  readonly #files = new Map<string, Buffer>();

  get used(): number {
    let n = 0;
    for (const f of this.#files.values()) n += f.length;
    return n;
  }

  get free(): number {
    return FOAT_AREA_BYTES - this.used;
  }

  read(name: string): Buffer | undefined {
    return this.#files.get(name);
  }

  write(name: string, data: Buffer): void {
    this.#files.set(name, data);
  }

  delete(name: string): boolean {
    return this.#files.delete(name);
  }

  /** The package AT+UFWINSTALL installs: the most recently written FOAT file. */
  latest(): { name: string; data: Buffer } | undefined {
    const entries = [...this.#files.entries()];
    const last = entries[entries.length - 1];
    return last ? { name: last[0], data: last[1] } : undefined;
  }
}

function tagAt(args: AtArguments, i: number): Tag {
  const tag = args.quoted(i, { def: 'USER' }).toUpperCase();
  if (tag !== 'USER' && tag !== 'FOAT')
    throw new CommandFailure(cme(CME.incorrectParameters), `tag ${tag} is not emulated`);
  return tag;
}

function fileName(args: AtArguments, i: number): string {
  const name = args.quoted(i, { maxLength: 248 });
  if (!isValidName(name))
    throw new CommandFailure(cme(UBLOX_FILE_ERROR.invalidName), `bad file name "${name}"`);
  return name;
}

export function ubloxFileCommands(core: ModuleCore, foat: FoatStore): AtCommand[] {
  const read = (name: string, tag: Tag): Buffer | undefined =>
    tag === 'FOAT' ? foat.read(name) : core.files.read(name);

  // AT+UDWNFILE=<name>,<size>[,<tag>] → ">" → exactly <size> bytes → OK. An existing file grows.
  const udwnfile = async (ctx: CommandContext, args: AtArguments): Promise<Outcome> => {
    args.atMost(3);
    const name = fileName(args, 0);
    const size = args.int(1, { min: 1, max: 0x7fffffff });
    const tag = tagAt(args, 2);
    const free = tag === 'FOAT' ? foat.free : core.files.free;
    if (size > free) return cme(UBLOX_FILE_ERROR.notEnoughSpace);
    ctx.prompt('\r\n>');
    const got = await ctx.readExactly(size, { timeoutMs: DOWNLOAD_IDLE_MS });
    if (!got.ok) return cme(UBLOX_FILE_ERROR.timeout); // nothing is stored, as when power fails mid-write
    await core.flashWrite(size, ctx.signal);
    const data = Buffer.concat([read(name, tag) ?? Buffer.alloc(0), got.bytes]);
    if (tag === 'FOAT') foat.write(name, data);
    else if (!core.files.write(name, data, { overwrite: true }).ok)
      return cme(UBLOX_FILE_ERROR.notEnoughSpace);
    return undefined;
  };

  const userFile = (args: AtArguments, tagIndex: number, nameIndex: number) => {
    const name = fileName(args, nameIndex);
    if (tagAt(args, tagIndex) === 'FOAT')
      throw new CommandFailure(cme(CME.notAllowed), 'FOAT files cannot be read');
    const data = core.files.read(name);
    if (!data) throw new CommandFailure(cme(UBLOX_FILE_ERROR.fileNotFound), `no file "${name}"`);
    return { name, data };
  };

  // AT+ULSTFILE[=<op>[,<param>][,<tag>]]: 0 names, 1 free space, 2 size of one file.
  const ulstfile = (ctx: CommandContext, args: AtArguments | undefined): Outcome => {
    const op = args ? args.atMost(3).int(0, { oneOf: [0, 1, 2] }) : 0;
    if (op === 2) {
      const { data } = userFile(args!, 2, 1);
      ctx.info(`+ULSTFILE: ${data.length}`);
      return undefined;
    }
    if (args && tagAt(args.atMost(2), 1) === 'FOAT') return cme(CME.notAllowed);
    if (op === 1) ctx.info(`+ULSTFILE: ${core.files.free}`);
    else
      ctx.info(
        `+ULSTFILE: ${core.files
          .list()
          .map((f) => `"${f.name}"`)
          .join(',')}`,
      );
    return undefined;
  };

  return [
    {
      name: '+UDWNFILE',
      summary: 'store a file: "<name>",<size>[,"USER"|"FOAT"] → > → bytes (appends)',
      set: udwnfile,
    },
    {
      name: '+URDFILE',
      summary: 'read a file: "<name>" → +URDFILE: "<name>",<size>,"<data>"',
      set: (ctx, args) => {
        const { name, data } = userFile(args.atMost(2), 1, 0);
        ctx.info(`+URDFILE: "${name}",${data.length},"${data.toString('latin1')}"`);
        return undefined;
      },
    },
    {
      name: '+URDBLOCK',
      summary: 'read part of a file: "<name>",<offset>,<size> → +URDBLOCK: "<name>",<size>,"<data>"',
      set: (ctx, args) => {
        args.atMost(4);
        const { name, data } = userFile(args, 3, 0);
        const offset = args.int(1, { min: 0 });
        const size = args.int(2, { min: 1 });
        const part = data.subarray(offset, offset + size);
        ctx.info(`+URDBLOCK: "${name}",${part.length},"${part.toString('latin1')}"`);
        return undefined;
      },
    },
    {
      name: '+ULSTFILE',
      summary: 'list files (0), free space (1), size of "<name>" (2)',
      exec: (ctx) => ulstfile(ctx, undefined),
      set: ulstfile,
    },
    {
      name: '+UDELFILE',
      summary: 'delete a file: "<name>"[,"USER"|"FOAT"]',
      set: (_ctx, args) => {
        args.atMost(2);
        const name = fileName(args, 0);
        const gone = tagAt(args, 1) === 'FOAT' ? foat.delete(name) : core.files.delete(name);
        return gone ? undefined : cme(UBLOX_FILE_ERROR.fileNotFound);
      },
    },
  ];
}
