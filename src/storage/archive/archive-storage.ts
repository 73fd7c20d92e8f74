// The Storage of an archive endpoint: names, sizes and times are the namespace tree's (the
// archive's catalogue as a directory tree); bytes are read only from the staging buffer, once
// the stager has put the file there whole. It is a source: barge does not write to tape.
import type { Entry } from '../../core/entry.js';
import { BargeError, isBargeError } from '../../core/errors.js';
import { PosixStorage } from '../posix/posix-storage.js';
import type { Stager } from '../stager.js';
import type { ChunkWriter, FileReader, FileWriter, ListOptions, PartialFile, Storage, StorageFeatures } from '../storage.js';

function readOnly(what: string, path: string): Promise<never> {
  return Promise.reject(new BargeError('E_READ_ONLY', `an archive endpoint is read-only: barge stages from tape but does not ${what}`, { path }));
}

export class ArchiveStorage implements Storage {
  private known: StorageFeatures | undefined;

  constructor(
    readonly root: string,
    private readonly namespace: PosixStorage,
    private readonly buffer: PosixStorage,
    readonly stager: Stager,
    private readonly bufferWhere: string,
  ) {}

  get features(): StorageFeatures {
    this.known ??= {
      symlinks: true, posixMeta: true, hardlinks: false, sparse: false, owner: false,
      mtimeResolutionNs: this.namespace.features.mtimeResolutionNs, staging: true, checksSentHash: false,
    };
    return this.known;
  }

  stat(path: string, opts?: ListOptions): Promise<Entry | undefined> { return this.namespace.stat(path, opts); }
  list(dir: string, opts?: ListOptions): Promise<Entry[]> { return this.namespace.list(dir, opts); }

  /** the staged copy; its identity is the archived file's mtime with the copy's size, so a short copy shows as a change */
  async openRead(path: string): Promise<FileReader> {
    const entry = await this.namespace.stat(path);
    if (entry === undefined) throw new BargeError('E_NOT_FOUND', 'no such file in the archive', { path });
    if (entry.type !== 'file') throw new BargeError('E_UNSUPPORTED', `not a file (${entry.type}): only files are staged`, { path });
    let inner: FileReader;
    try {
      inner = await this.buffer.openRead(path);
    } catch (e) {
      if (isBargeError(e) && e.code === 'E_NOT_FOUND') throw this.notStaged(path);
      throw e;
    }
    if (inner.size !== entry.size) {
      await inner.close();
      throw this.notStaged(path, ` (the buffer holds ${inner.size} of its ${entry.size} bytes)`);
    }
    const namespace = this.namespace;
    const reader: FileReader = {
      size: inner.size,
      read: (buf, length, position) => inner.read(buf, length, position),
      async identity() {
        const [now, archived] = await Promise.all([inner.identity(), namespace.stat(path)]);
        return { size: now.size, mtimeNs: archived?.mtimeNs ?? -1n };
      },
      close: () => inner.close(),
    };
    if (inner.release) reader.release = inner.release.bind(inner);
    return reader;
  }

  private notStaged(path: string, detail = ''): BargeError {
    return new BargeError('E_NOT_STAGED', `not staged: it must be staged into the archive's buffer (${this.bufferWhere}) before it is read${detail}`, { path });
  }

  openWrite(path: string): Promise<FileWriter> { return readOnly('write files', path); }
  mkdir(path: string): Promise<void> { return readOnly('make directories', path); }
  symlink(path: string): Promise<void> { return readOnly('make links', path); }
  link(_existing: string, path: string): Promise<void> { return readOnly('make links', path); }
  remove(path: string): Promise<number> { return readOnly('remove', path); }
  removeEmptyDir(path: string): Promise<void> { return readOnly('remove', path); }
  setMeta(path: string): Promise<void> { return readOnly('change metadata', path); }
  preparePartial(path: string): Promise<PartialFile> { return readOnly('write files', path); }
  openPartialWrite(path: string): Promise<ChunkWriter> { return readOnly('write files', path); }
  openPartialRead(path: string): Promise<FileReader> { return readOnly('keep partial files', path); }
  recordChunk(path: string): Promise<void> { return readOnly('write files', path); }
  commitPartial(path: string): Promise<void> { return readOnly('write files', path); }
  abortPartial(path: string): Promise<void> { return readOnly('write files', path); }
}
