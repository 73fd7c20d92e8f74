// The posix Storage backend. Calls are synchronous inside async-shaped methods on
// purpose: the engine runs it in worker threads, where a blocking syscall costs far
// less than a trip through libuv's thread pool (measured 3-7x for scanning).
import * as fs from 'node:fs';
import type { Entry } from '../../core/entry.js';
import { BargeError } from '../../core/errors.js';
import { tempNameFor } from '../../core/temp-names.js';
import type { ChunkWriter, EntryMeta, FileReader, FileWriter, ManyRead, ManyReadResult, ManyWrite, MetaChoice, PartialCheck, PartialFile, Storage, StorageFeatures, WriteOptions } from '../storage.js';
import { classifyError } from './classify-error.js';
import { createsOneAtATime } from './create-concurrency.js';
import { native } from './native.js';
import { resolveUnder, splitParent } from './path-guard.js';
import { lstatEntry, scanEntries } from './posix-entry.js';
import * as many from './posix-many.js';
import { joinNs, splitNs } from './ns-time.js';
import { isUtf8, showName } from './byte-names.js';
import * as partial from './posix-partial.js';
import { openReader } from './posix-reader.js';
import { applyMetaFd, PosixFileWriter } from './posix-writer.js';

const WHOLE_FALLBACK = new Set(['EEXIST', 'EOPNOTSUPP', 'EISDIR', 'EINVAL', 'ENOTSUP']);

function attempt<T>(action: string, rel: string, fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(classifyError(e, action, rel));
  }
}

export class PosixStorage implements Storage {
  readonly features: StorageFeatures;
  private readonly realRoot: string;
  /** parent directories already checked to be real directories under the root */
  private readonly checkedParents = new Set<string>();
  /** whether batches of new files are created one thread at a time here; asked on first use */
  private oneCreator: boolean | undefined;

  /**
   * confineReads: reads, too, refuse paths whose directories lead out of the root (for
   * storage served to peers; a local sync walks real directories and skips the check).
   * asyncReads: file reads never wait for the disk in the calling thread: cached bytes are
   * read at once, the others on libuv's thread pool. For a server whose one event loop
   * serves many peers (an agent), so that their reads overlap. The engine's threads read
   * synchronously: there a blocking call costs less.
   */
  constructor(readonly root: string, private readonly opts: { confineReads?: boolean; asyncReads?: boolean } = {}) {
    let real = root;
    try { real = fs.realpathSync(root); } catch { /* made later; checked then */ }
    this.realRoot = real;
    this.features = {
      symlinks: true,
      posixMeta: true,
      hardlinks: true,
      sparse: true,
      owner: typeof process.getuid === 'function' && process.getuid() === 0,
      mtimeResolutionNs: 1n,
      staging: false,
      checksSentHash: false,
    };
  }

  private abs(rel: string): string {
    return resolveUnder(this.root, rel);
  }

  /** the absolute path of `rel` for a write: its parent must not lead out of the root through a symlink */
  private writable(rel: string): string {
    const abs = resolveUnder(this.root, rel);
    this.checkRealDir(splitParent(rel).parent, rel);
    return abs;
  }

  /** the absolute path of `rel` for a read; with confineReads its parent is checked as for a write */
  private readable(rel: string, isDir = false): string {
    const abs = resolveUnder(this.root, rel);
    if (this.opts.confineReads) this.checkRealDir(isDir ? rel : splitParent(rel).parent, rel);
    return abs;
  }

  /** a directory under the root must be reached without a symlink leading elsewhere */
  private checkRealDir(dir: string, rel: string): void {
    if (dir === '' || this.checkedParents.has(dir)) return;
    // a directory that is not there: its nearest existing ancestor must be inside, so that
    // "not found" never tells anything about a place a symlink leads to
    let at = dir;
    let real: string | undefined;
    for (;;) {
      try { real = fs.realpathSync(resolveUnder(this.root, at)); break; } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw classifyError(e, 'resolve', rel);
        if (at === '') return;
        at = splitParent(at).parent;
      }
    }
    const want = resolveUnder(this.realRoot, at);
    if (real !== want) throw new BargeError('E_PATH_ESCAPE', `a symlink in the path leads elsewhere (${at} -> ${real})`, { path: rel });
    if (at === dir) this.checkedParents.add(dir);
  }

  /** a removed directory may come back as a symlink: it is checked again then */
  private forgetChecked(rel: string): void {
    for (const d of this.checkedParents) if (d === rel || d.startsWith(rel + '/')) this.checkedParents.delete(d);
  }

  private tempBeside(rel: string): string {
    const { parent, name } = splitParent(rel);
    const dir = this.abs(parent);
    return (dir.endsWith('/') ? dir : dir + '/') + tempNameFor(name);
  }

  stat(rel: string): Promise<Entry | undefined> {
    return attempt('stat', rel, () => lstatEntry(this.readable(rel), splitParent(rel).name));
  }

  list(dir: string): Promise<Entry[]> {
    return attempt('list directory', dir, () => {
      return scanEntries(this.readable(dir, true));
    });
  }

  openRead(rel: string): Promise<FileReader> {
    return attempt('open', rel, () => openReader(this.readable(rel), rel, true, this.opts.asyncReads));
  }

  openWrite(rel: string, opts: WriteOptions): Promise<FileWriter> {
    return attempt('create', rel, () => {
      const to = this.writable(rel);
      return PosixFileWriter.create(this.tempBeside(rel), to, this.abs(splitParent(rel).parent), rel, opts.size, opts.sparse, opts.replaces ?? true);
    });
  }

  mkdir(rel: string): Promise<void> {
    return attempt('make directory', rel, () => fs.mkdirSync(this.writable(rel), { mode: 0o700 }));
  }

  symlink(rel: string, target: string, meta: EntryMeta, choice: MetaChoice): Promise<void> {
    return attempt('make symlink', rel, () => {
      const to = this.writable(rel);
      const tmp = this.tempBeside(rel);
      fs.symlinkSync(target, tmp);
      try {
        if (choice.owner) fs.lchownSync(tmp, meta.uid, meta.gid);
        native.lutimens(tmp, null, meta.mtimeNs);
        fs.renameSync(tmp, to);
      } catch (e) {
        fs.rmSync(tmp, { force: true });
        throw e;
      }
    });
  }

  link(existing: string, rel: string): Promise<void> {
    return attempt('make hard link', rel, () => {
      const from = this.writable(existing);
      const to = this.writable(rel);
      const a = fs.lstatSync(from);
      const b = fs.lstatSync(to, { throwIfNoEntry: false });
      if (b && b.ino === a.ino && b.dev === a.dev) return; // already one file
      const tmp = this.tempBeside(rel);
      fs.linkSync(from, tmp);
      try { fs.renameSync(tmp, to); } catch (e) { fs.rmSync(tmp, { force: true }); throw e; }
    });
  }

  remove(rel: string): Promise<number> {
    if (rel === '') return Promise.reject(new BargeError('E_PATH_ESCAPE', 'refusing to remove the storage root'));
    return attempt('remove', rel, () => {
      const kept: string[] = [];
      const n = removeTree(Buffer.from(this.writable(rel)), rel, kept);
      this.forgetChecked(rel);
      if (kept.length > 0) {
        const shown = kept.slice(0, 3).join(', ') + (kept.length > 3 ? `, and ${kept.length - 3} more` : '');
        throw new BargeError('E_NAME', `not deleted whole (${n} ${n === 1 ? 'entry' : 'entries'} removed): it holds names that are not valid UTF-8, which barge does not delete: ${shown}`, { path: rel });
      }
      return n;
    });
  }

  removeEmptyDir(rel: string): Promise<void> {
    return attempt('remove directory', rel, () => { fs.rmdirSync(this.writable(rel)); this.forgetChecked(rel); });
  }

  setMeta(rel: string, type: Entry['type'], meta: EntryMeta, choice: MetaChoice): Promise<void> {
    return attempt('set metadata', rel, () => {
      const p = this.writable(rel);
      if (type === 'dir') {
        // through a descriptor opened without following links: a directory swapped for
        // a symlink since it was listed is refused, never chmod-ed through
        const fd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
        try { applyMetaFd(fd, meta, choice); } finally { fs.closeSync(fd); }
        return;
      }
      // chmod follows symlinks: what is there must be what the caller says it is
      if (type !== 'symlink' && fs.lstatSync(p).isSymbolicLink()) {
        throw new BargeError('E_EXISTS', `a symlink is where a ${type} was expected; its target is not changed`, { path: rel });
      }
      if (choice.owner) fs.lchownSync(p, meta.uid, meta.gid);
      if (type !== 'symlink') fs.chmodSync(p, meta.mode);
      native.lutimens(p, null, meta.mtimeNs);
    });
  }

  readWhole(rel: string, buf: Buffer): Promise<{ length: number; size: number; mtimeNs: bigint }> {
    try {
      const [length, size, sec, nsec] = native.readSmall(this.readable(rel), buf);
      return Promise.resolve({ length, size, mtimeNs: joinNs(sec, nsec) });
    } catch (e) {
      // the addon's message ends with the failing call: "EACCES: Permission denied, open"
      const call = e instanceof Error ? /, (\w+)$/.exec(e.message)?.[1] : undefined;
      return Promise.reject(classifyError(e, call ?? 'read', rel));
    }
  }

  writeWhole(rel: string, bytes: Buffer, meta: EntryMeta, choice: MetaChoice): Promise<boolean> {
    return attempt('create', rel, () => {
      const to = this.writable(rel);
      const [sec, nsec] = splitNs(meta.mtimeNs);
      try {
        native.writeSmall(this.abs(splitParent(rel).parent), to, bytes, bytes.length, meta.mode, meta.uid, meta.gid,
          sec, nsec, (choice.owner ? 1 : 0) | (choice.fsync ? 2 : 0));
        return true;
      } catch (e) {
        // the name is taken, or this file system has no O_TMPFILE: the caller takes the general path
        if (WHOLE_FALLBACK.has((e as NodeJS.ErrnoException).code ?? '')) return false;
        throw e;
      }
    });
  }

  readMany(dir: string, files: readonly ManyRead[], buf: Buffer): Promise<(ManyReadResult | undefined)[]> {
    // the root was resolved by the caller; below it no directory is followed through a symlink
    return attempt('read', dir, () => many.readMany(this.readable(dir, true), dir === '', files, buf));
  }

  writeMany(dir: string, files: readonly ManyWrite[], buf: Buffer, choice: MetaChoice): Promise<boolean[]> {
    return attempt('create', dir, () => {
      const abs = this.abs(dir);
      this.checkRealDir(dir, dir);
      this.oneCreator ??= createsOneAtATime(this.root);
      return many.writeMany(abs, dir === '', files, buf, choice, this.oneCreator);
    });
  }

  preparePartial(rel: string, opts: WriteOptions & { identity: string; chunkSize: number }): Promise<PartialFile> {
    return attempt('prepare', rel, () => { this.writable(rel); return partial.preparePartial(partial.partialPaths(this.root, rel), rel, opts.size, opts.identity, opts.chunkSize); });
  }

  openPartialWrite(rel: string, opts: WriteOptions & { owner?: string }): Promise<ChunkWriter> {
    return attempt('open partial', rel, () => { this.writable(rel); return partial.openPartialWrite(partial.partialPaths(this.root, rel), rel, opts.sparse, opts.owner); });
  }

  openPartialRead(rel: string): Promise<FileReader> {
    return attempt('open partial', rel, () => { this.readable(rel); return openReader(partial.partialPaths(this.root, rel).partialAbs, rel, true, this.opts.asyncReads); });
  }

  recordChunk(rel: string, index: number, hash: string, owner?: string): Promise<void> {
    return attempt('record chunk', rel, () => { this.writable(rel); return partial.recordChunk(partial.partialPaths(this.root, rel), rel, index, hash, owner); });
  }

  commitPartial(rel: string, meta: EntryMeta, choice: MetaChoice, check?: PartialCheck): Promise<void> {
    return attempt('commit', rel, () => { this.writable(rel); return partial.commitPartial(partial.partialPaths(this.root, rel), rel, meta, choice, check); });
  }

  abortPartial(rel: string, owner?: string): Promise<void> {
    return attempt('remove partial', rel, () => { this.writable(rel); return partial.abortPartial(partial.partialPaths(this.root, rel), owner); });
  }
}

const SLASH = Buffer.from('/');

/**
 * rm -r that counts what it removed and never follows symlinks. Names are read as bytes:
 * one that is not valid UTF-8 is kept, with the directories above it, and added to `kept`
 * (as `shown`, its path for messages).
 */
function removeTree(abs: Buffer, shown: string, kept: string[]): number {
  const st = fs.lstatSync(abs);
  if (!st.isDirectory()) { fs.unlinkSync(abs); return 1; }
  let n = 0;
  const keptBefore = kept.length;
  for (const name of fs.readdirSync(abs, { encoding: 'buffer' })) {
    if (!isUtf8(name)) { kept.push(shown + '/' + showName(name)); continue; }
    n += removeTree(Buffer.concat([abs, SLASH, name]), shown + '/' + name.toString('utf8'), kept);
  }
  if (kept.length > keptBefore) return n;
  fs.rmdirSync(abs);
  return n + 1;
}
