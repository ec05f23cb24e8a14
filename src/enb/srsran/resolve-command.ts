import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';

/**
 * The absolute path spawn would run for `command`: a path is checked as given, a bare name is looked
 * up on PATH. Throws an Error saying what is wrong (missing, a directory, not executable).
 */
export async function resolveCommand(
  command: string,
  pathEnv: string | undefined = process.env.PATH,
): Promise<string> {
  if (command.includes('/')) {
    const path = resolve(command);
    await checkExecutable(path);
    return path;
  }
  const dirs = (pathEnv ?? '').split(delimiter).filter(Boolean);
  for (const dir of dirs) {
    const path = join(dir, command);
    try {
      await checkExecutable(path);
      return path;
    } catch {
      // try the next directory
    }
  }
  throw new Error(`not found on PATH (${dirs.join(delimiter) || 'PATH is empty'})`);
}

async function checkExecutable(path: string): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    throw new Error('does not exist');
  }
  if (!info.isFile()) throw new Error('is not a file');
  try {
    await access(path, constants.X_OK);
  } catch {
    throw new Error('is not executable');
  }
}
