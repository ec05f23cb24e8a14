/**
 * The few file operations a recording needs, behind a facade so tests can make them fail (a full disk,
 * a crash between two writes) without filling a real disk. `nodeRecordingFs` is the real one.
 */
import { type FileHandle, mkdir, open, readdir, readFile, rename } from 'node:fs/promises';

export interface RecordingFile {
  /** Write all of data at a byte position; null appends (file opened with 'a'). */
  write(data: Uint8Array, position: number | null): Promise<void>;
  /** Read up to into.length bytes at a byte position; resolves with the count read (short at end of file). */
  read(into: Uint8Array, position: number): Promise<number>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export type OpenFlags = 'r' | 'w' | 'r+' | 'a';

export interface RecordingFs {
  mkdir(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  open(path: string, flags: OpenFlags): Promise<RecordingFile>;
  readFile(path: string): Promise<Uint8Array>;
  rename(from: string, to: string): Promise<void>;
  /** Make a rename in this directory durable (fsync of the directory). */
  syncDir(path: string): Promise<void>;
}

class NodeFile implements RecordingFile {
  constructor(private readonly handle: FileHandle) {}

  async write(data: Uint8Array, position: number | null): Promise<void> {
    let done = 0;
    // write() may write less than asked (signals, some file systems): loop until all bytes are out.
    while (done < data.length) {
      const at = position === null ? null : position + done;
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, at);
      done += bytesWritten;
    }
  }

  async read(into: Uint8Array, position: number): Promise<number> {
    let done = 0;
    while (done < into.length) {
      const { bytesRead } = await this.handle.read(into, done, into.length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }

  sync(): Promise<void> {
    return this.handle.sync();
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

export const nodeRecordingFs: RecordingFs = {
  async mkdir(path) {
    await mkdir(path, { recursive: true });
  },
  readdir: (path) => readdir(path),
  open: async (path, flags) => new NodeFile(await open(path, flags)),
  readFile: (path) => readFile(path),
  rename: (from, to) => rename(from, to),
  async syncDir(path) {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};
