// A Storage decorator that flips the first byte of what is written to chosen paths: the
// fault tests' way to show that a corrupt write is caught (by --verify, or by the agent
// that receives it). Test set-up installs it around a destination (config/test-hooks.ts);
// nothing of it is on the copy path otherwise. Its writers have no kernel-side copy and
// it offers no one-call writes, so every byte it writes passes through write().
import type { Entry } from '../core/entry.js';
import type { ChunkWriter, EntryMeta, FileReader, ListOptions, FileWriter, MetaChoice, PartialCheck, PartialFile, Storage, StorageFeatures, WriteOptions } from './storage.js';

export interface WriteFaults {
  /** the first write to each of these paths is flipped, once */
  once: Iterable<string>;
  /** every write to these paths is flipped */
  always: Iterable<string>;
}

function flipped(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  copy[0] = (copy[0] ?? 0) ^ 0xff;
  return copy;
}

export class FaultyStorage implements Storage {
  private readonly once: Set<string>;
  private readonly always: Set<string>;
  readonly readWhole?: Storage['readWhole'];
  readonly readMany?: Storage['readMany'];

  constructor(readonly inner: Storage, faults: WriteFaults) {
    this.once = new Set(faults.once);
    this.always = new Set(faults.always);
    if (inner.readWhole) this.readWhole = inner.readWhole.bind(inner);
    if (inner.readMany) this.readMany = inner.readMany.bind(inner);
  }

  get root(): string { return this.inner.root; }
  get features(): StorageFeatures { return this.inner.features; }

  /** how the writes of one handle to `path` are to be changed */
  private faultOf(path: string): 'none' | 'first' | 'every' {
    if (this.always.has(path)) return 'every';
    return this.once.delete(path) ? 'first' : 'none';
  }

  private faultyWrite(path: string, write: (bytes: Buffer, position: number) => Promise<void>): (bytes: Buffer, position: number) => Promise<void> {
    let fault = this.faultOf(path);
    if (fault === 'none') return write;
    return (bytes, position) => {
      if (fault === 'none' || bytes.length === 0) return write(bytes, position);
      if (fault === 'first') fault = 'none';
      return write(flipped(bytes), position);
    };
  }

  async openWrite(path: string, opts: WriteOptions): Promise<FileWriter> {
    const w = await this.inner.openWrite(path, opts);
    return {
      write: this.faultyWrite(path, (b, p) => w.write(b, p)),
      readBack: () => w.readBack(),
      commit: (meta, choice, sentHash) => w.commit(meta, choice, sentHash),
      abort: () => w.abort(),
    };
  }

  async openPartialWrite(path: string, opts: WriteOptions & { owner?: string }): Promise<ChunkWriter> {
    const w = await this.inner.openPartialWrite(path, opts);
    return { write: this.faultyWrite(path, (b, p) => w.write(b, p)), close: (sentHash) => w.close(sentHash) };
  }

  stat(path: string, opts?: ListOptions): Promise<Entry | undefined> { return this.inner.stat(path, opts); }
  list(dir: string, opts?: ListOptions): Promise<Entry[]> { return this.inner.list(dir, opts); }
  openRead(path: string): Promise<FileReader> { return this.inner.openRead(path); }
  mkdir(path: string): Promise<void> { return this.inner.mkdir(path); }
  symlink(path: string, target: string, meta: EntryMeta, choice: MetaChoice): Promise<void> { return this.inner.symlink(path, target, meta, choice); }
  link(existing: string, path: string): Promise<void> { return this.inner.link(existing, path); }
  remove(path: string): Promise<number> { return this.inner.remove(path); }
  removeEmptyDir(path: string): Promise<void> { return this.inner.removeEmptyDir(path); }
  setMeta(path: string, type: Entry['type'], meta: EntryMeta, choice: MetaChoice): Promise<void> { return this.inner.setMeta(path, type, meta, choice); }
  preparePartial(path: string, opts: WriteOptions & { identity: string; chunkSize: number }): Promise<PartialFile> { return this.inner.preparePartial(path, opts); }
  openPartialRead(path: string): Promise<FileReader> { return this.inner.openPartialRead(path); }
  recordChunk(path: string, index: number, hash: string, owner?: string): Promise<void> { return this.inner.recordChunk(path, index, hash, owner); }
  commitPartial(path: string, meta: EntryMeta, choice: MetaChoice, check?: PartialCheck): Promise<void> { return this.inner.commitPartial(path, meta, choice, check); }
  abortPartial(path: string, owner?: string): Promise<void> { return this.inner.abortPartial(path, owner); }
}
