// The posix Storage backend. Calls are synchronous inside async-shaped methods on
// purpose: the engine runs it in worker threads, where a blocking syscall costs far
// less than a trip through libuv's thread pool (measured 3-7x for scanning).
import { timeResolutionNs } from './time-resolution.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Entry } from '../../core/entry.js';
import { BargeError } from '../../core/errors.js';
import { tempNameFor } from '../../core/temp-names.js';
import type { ChunkWriter, EntryMeta, FileReader, FileWriter, ManyRead, ManyReadResult, ManyWrite, MetaChoice, ListOptions, PartialCheck, PartialFile, Storage, StorageFeatures, WriteOptions } from '../storage.js';
import { classifyError } from './classify-error.js';
import { createsOneAtATime } from './create-concurrency.js';
import { native } from './native.js';
import { checkName, resolveUnder, splitParent } from './path-guard.js';
import { closeDir, fdPath, inDir, inParent, openDirBeneath } from './beneath.js';
import { lstatEntry, scanEntries } from './posix-entry.js';
import * as many from './posix-many.js';
import { joinNs, splitNs } from './ns-time.js';
import { encodeName } from '../../core/name-bytes.js';
import { type FsPath, fsPath } from './fs-path.js';
import * as partial from './posix-partial.js';
import { openReader } from './posix-reader.js';
import { applyMetaFd, PosixFileWriter } from './posix-writer.js';
import { inOwnDir } from './owner-write.js';
import { applyXattrs, readXattrs } from './posix-xattrs.js';
import { carriesAny } from '../../core/xattrs.js';

/** Linux's O_PATH (not in Node's fs.constants): a descriptor that only names an inode */
const O_PATH = 0o10000000;

const EACCES = os.constants.errno.EACCES;
const WHOLE_FALLBACK = new Set(['EEXIST', 'EOPNOTSUPP', 'EISDIR', 'EINVAL', 'ENOTSUP']);

function attempt<T>(action: string, rel: string, fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(classifyError(e, action, rel));
  }
}

export class PosixStorage implements Storage {
  private known: StorageFeatures | undefined;
  /** whether batches of new files are created one thread at a time here; asked on first use */
  private oneCreator: boolean | undefined;
  /** the directory every path is resolved beneath: the endpoint's own root where this storage is rooted below it */
  private readonly anchor: string;
  /** root relative to anchor ('' when they are one) */
  private readonly prefix: string;

  /**
   * Every path below the root is reached from a descriptor of its parent directory, opened
   * without following a symlink anywhere below the root (beneath.ts), for reads and writes
   * alike. confineReads is kept for the callers that pass it; reads are always confined now.
   * asyncReads: file reads never wait for the disk in the calling thread: cached bytes are
   * read at once, the others on libuv's thread pool. For a server whose one event loop
   * serves many peers (an agent), so that their reads overlap. The engine's threads read
   * synchronously: there a blocking call costs less.
   */
  /**
   * base: the endpoint's root, where `root` lies below it (a job rooted at endpoint/sub): the
   * directories between the two are then resolved beneath base too, so that a swap of one of
   * them cannot move the whole storage elsewhere. Without it `root` itself is taken as given.
   */
  constructor(readonly root: string, private readonly opts: { confineReads?: boolean; asyncReads?: boolean; base?: string } = {}) {
    const below = opts.base === undefined ? '' : path.relative(opts.base, root);
    if (opts.base !== undefined && below !== '' && below !== '..' && !below.startsWith('../') && !path.isAbsolute(below)) {
      this.anchor = opts.base;
      this.prefix = below;
    } else {
      this.anchor = root;
      this.prefix = '';
    }
  }

  /** read when a run pairs its storages: the time step is probed then, in a root that exists by that time */
  get features(): StorageFeatures {
    this.known ??= {
      symlinks: true,
      posixMeta: true,
      hardlinks: true,
      sparse: true,
      owner: typeof process.getuid === 'function' && process.getuid() === 0,
      mtimeResolutionNs: timeResolutionNs(this.root),
      staging: false,
      checksSentHash: false,
    };
    return this.known;
  }

  /** fn with rel's parent held open (its /proc path) and rel's last part; the root itself as (root, '') */
  private at<T>(rel: string, action: string, fn: (dir: string, name: string) => T): T {
    resolveUnder(this.root, rel); // '..', '.', '' parts, absolute paths, NUL: E_PATH_ESCAPE before anything
    const full = this.full(rel);
    if (full === '') return fn(this.anchor, '');
    return inParent(this.anchor, full, action, fn, rel);
  }

  /** at() for a change of rel's parent directory: made even where its owner (this process) made it read-only */
  private change<T>(rel: string, action: string, fn: (dir: string, name: string) => T): T {
    return this.at(rel, action, (dir, name) => inOwnDir(dir, () => fn(dir, name)));
  }

  /** rel as a path below anchor */
  private full(rel: string): string {
    return this.prefix === '' ? rel : rel === '' ? this.prefix : `${this.prefix}/${rel}`;
  }

  stat(rel: string, opts: ListOptions = {}): Promise<Entry | undefined> {
    return attempt('stat', rel, () => {
      try {
        return this.at(rel, 'stat', (dir, name) => {
          const e = lstatEntry(join(dir, name), name);
          if (e && carriesAny(opts.xattrs)) e.xattrs = readXattrs(join(dir, name), false, opts.xattrs);
          return e;
        });
      } catch (e) {
        // a missing directory on the way (or a file where one was expected): nothing there
        if (e instanceof BargeError && e.code === 'E_NOT_FOUND') return undefined;
        throw e;
      }
    });
  }

  list(dir: string, opts?: ListOptions): Promise<Entry[]> {
    return attempt('list directory', dir, () => inDir(this.anchor, this.full(dir), 'list directory', (d) => scanEntries(d + '/.', opts), dir));
  }

  openRead(rel: string): Promise<FileReader> {
    return attempt('open', rel, () => this.at(rel, 'open', (dir, name) => openReader(join(dir, name), rel, true, this.opts.asyncReads)));
  }

  openWrite(rel: string, opts: WriteOptions): Promise<FileWriter> {
    return attempt('create', rel, () => {
      resolveUnder(this.root, rel);
      const { parent, name } = splitParent(rel);
      checkName(name);
      // the writer holds the directory until it commits or aborts: its names stay in it
      const fd = openDirBeneath(this.anchor, this.full(parent), rel, 'create');
      try {
        const dir = fdPath(fd);
        return inOwnDir(dir, () => PosixFileWriter.create(join(dir, tempNameFor(name)), join(dir, name), dir, rel, opts.size, opts.sparse, opts.replaces ?? true, fd));
      } catch (e) {
        closeDir(fd);
        throw e;
      }
    });
  }

  mkdir(rel: string): Promise<void> {
    return attempt('make directory', rel, () => this.change(rel, 'make directory', (dir, name) => fs.mkdirSync(join(dir, name), { mode: 0o700 })));
  }

  symlink(rel: string, target: string, meta: EntryMeta, choice: MetaChoice): Promise<void> {
    return attempt('make symlink', rel, () => this.change(rel, 'make symlink', (dir, name) => {
      const to = join(dir, name);
      const tmp = join(dir, tempNameFor(name));
      // the target's bytes as the source's listing gave them, not as UTF-8 would have them
      fs.symlinkSync(fsPath(target), tmp);
      try {
        if (choice.owner) fs.lchownSync(tmp, meta.uid, meta.gid);
        if (meta.xattrs) applyXattrs(tmp, false, meta.xattrs);
        native.lutimens(tmp, null, meta.mtimeNs);
        fs.renameSync(tmp, to);
      } catch (e) {
        fs.rmSync(tmp, { force: true });
        throw e;
      }
    }));
  }

  link(existing: string, rel: string): Promise<void> {
    return attempt('make hard link', rel, () => this.at(existing, 'make hard link', (fromDir, fromName) => this.change(rel, 'make hard link', (dir, name) => {
      const from = join(fromDir, fromName);
      const to = join(dir, name);
      const a = fs.lstatSync(from);
      const b = fs.lstatSync(to, { throwIfNoEntry: false });
      if (b && b.ino === a.ino && b.dev === a.dev) return; // already one file
      const tmp = join(dir, tempNameFor(name));
      fs.linkSync(from, tmp);
      try { fs.renameSync(tmp, to); } catch (e) { fs.rmSync(tmp, { force: true }); throw e; }
    })));
  }

  remove(rel: string): Promise<number> {
    if (rel === '') return Promise.reject(new BargeError('E_PATH_ESCAPE', 'refusing to remove the storage root'));
    return attempt('remove', rel, () => {
      return this.at(rel, 'remove', (dir, name) => { checkName(name); return removeTree(dir, Buffer.from(encodeName(name))); });
    });
  }

  removeEmptyDir(rel: string): Promise<void> {
    return attempt('remove directory', rel, () => this.change(rel, 'remove directory', (dir, name) => fs.rmdirSync(join(dir, name))));
  }

  setMeta(rel: string, type: Entry['type'], meta: EntryMeta, choice: MetaChoice): Promise<void> {
    return attempt('set metadata', rel, () => this.at(rel, 'set metadata', (dir, name) => {
      const p = join(dir, name);
      if (type === 'dir') {
        // through a descriptor opened without following links: a directory swapped for
        // a symlink since it was listed is refused, never chmod-ed through
        const fd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
        try { applyMetaFd(fd, meta, choice); } finally { fs.closeSync(fd); }
        return;
      }
      if (type === 'symlink') {
        // lchown and utimensat(AT_SYMLINK_NOFOLLOW) act on the link itself
        if (choice.owner) fs.lchownSync(p, meta.uid, meta.gid);
        if (meta.xattrs) applyXattrs(p, false, meta.xattrs);
        native.lutimens(p, null, meta.mtimeNs);
        return;
      }
      // chmod follows symlinks: the entry is held by an O_PATH descriptor opened without
      // following one, checked, and changed through it, so a file swapped for a symlink
      // after the check still cannot lead the chmod or chown to the link's target
      const fd = fs.openSync(p, O_PATH | fs.constants.O_NOFOLLOW);
      try {
        if (fs.fstatSync(fd).isSymbolicLink()) {
          throw new BargeError('E_EXISTS', `a symlink is where a ${type} was expected; its target is not changed`, { path: rel });
        }
        const held = fdPath(fd);
        if (choice.owner) fs.chownSync(held, meta.uid, meta.gid);
        // the f* calls refuse an O_PATH descriptor: its /proc path, followed to the held inode
        if (meta.xattrs) applyXattrs(held, true, meta.xattrs);
        fs.chmodSync(held, meta.mode);
      } finally {
        fs.closeSync(fd);
      }
      // no descriptor call sets times through O_PATH; by name, never following a link
      native.lutimens(p, null, meta.mtimeNs);
    }));
  }

  readWhole(rel: string, buf: Buffer): Promise<{ length: number; size: number; mtimeNs: bigint }> {
    let fd = -1;
    try {
      resolveUnder(this.root, rel);
      const { parent, name } = splitParent(rel);
      checkName(name);
      fd = openDirBeneath(this.anchor, this.full(parent), rel, 'open');
      const [length, size, sec, nsec] = native.readSmall(join(fdPath(fd), name), buf);
      return Promise.resolve({ length, size, mtimeNs: joinNs(sec, nsec) });
    } catch (e) {
      // the addon's message ends with the failing call: "EACCES: Permission denied, open"
      const call = e instanceof Error ? /, (\w+)$/.exec(e.message)?.[1] : undefined;
      return Promise.reject(classifyError(e, call ?? 'read', rel));
    } finally {
      if (fd >= 0) closeDir(fd);
    }
  }

  writeWhole(rel: string, bytes: Buffer, meta: EntryMeta, choice: MetaChoice): Promise<boolean> {
    // the addon's one-call write sets no xattrs (and a default ACL of the directory gives
    // the new file one to remove): the general path, which commits through applyMetaFd
    if (meta.xattrs) return Promise.resolve(false);
    return attempt('create', rel, () => this.change(rel, 'create', (dir, name) => {
      checkName(name);
      const [sec, nsec] = splitNs(meta.mtimeNs);
      try {
        native.writeSmall(dir, join(dir, name), bytes, bytes.length, meta.mode, meta.uid, meta.gid,
          sec, nsec, (choice.owner ? 1 : 0) | (choice.fsync ? 2 : 0));
        return true;
      } catch (e) {
        // the name is taken, or this file system has no O_TMPFILE: the caller takes the general path
        if (WHOLE_FALLBACK.has((e as NodeJS.ErrnoException).code ?? '')) return false;
        throw e;
      }
    }));
  }

  readMany(dir: string, files: readonly ManyRead[], buf: Buffer): Promise<(ManyReadResult | undefined)[]> {
    // the directory is opened once beneath the root; the addon reopens it through /proc
    return attempt('read', dir, () => inDir(this.anchor, this.full(dir), 'read', (d) => many.readMany(d, true, files, buf), dir));
  }

  writeMany(dir: string, files: readonly ManyWrite[], buf: Buffer, choice: MetaChoice): Promise<boolean[]> {
    // as writeWhole: files with xattrs to set take the one-file path
    if (files.some((f) => f.meta.xattrs)) return Promise.resolve(files.map(() => false));
    return attempt('create', dir, () => inDir(this.anchor, this.full(dir), 'create', (d) => {
      this.oneCreator ??= createsOneAtATime(this.root);
      const oneCreator = this.oneCreator;
      // the files a read-only directory refused are written again with it opened (those done are not)
      const errs = many.writeMany(d, true, files, buf, choice, oneCreator);
      const denied = (): number[] => errs.flatMap((e, i) => e === EACCES ? [i] : []);
      if (denied().length > 0) {
        inOwnDir(d, () => {
          const again = denied();
          const out = many.writeMany(d, true, again.map((i) => files[i] as ManyWrite), buf, choice, oneCreator);
          again.forEach((i, k) => { errs[i] = out[k] as number; });
          return errs;
        }, () => denied().length > 0, true);
      }
      return errs.map((e) => e === 0);
    }, dir));
  }

  private partial<T>(rel: string, action: string, fn: (p: partial.PartialPaths) => T): T {
    // each of these either changes the directory (makes, renames or removes a partial, its
    // journal or a temporary name) or fails before its first change
    return this.change(rel, action, (dir, name) => { checkName(name); return fn(partial.partialPaths(dir, name)); });
  }

  preparePartial(rel: string, opts: WriteOptions & { identity: string; chunkSize: number }): Promise<PartialFile> {
    return attempt('prepare', rel, () => this.partial(rel, 'prepare', (p) => partial.preparePartial(p, rel, opts.size, opts.identity, opts.chunkSize)));
  }

  openPartialWrite(rel: string, opts: WriteOptions & { owner?: string }): Promise<ChunkWriter> {
    return attempt('open partial', rel, () => this.partial(rel, 'open partial', (p) => partial.openPartialWrite(p, rel, opts.sparse, opts.owner)));
  }

  openPartialRead(rel: string): Promise<FileReader> {
    return attempt('open partial', rel, () => this.partial(rel, 'open partial', (p) => openReader(p.partialAbs, rel, true, this.opts.asyncReads)));
  }

  recordChunk(rel: string, index: number, hash: string, owner?: string): Promise<void> {
    return attempt('record chunk', rel, () => this.partial(rel, 'record chunk', (p) => partial.recordChunk(p, rel, index, hash, owner)));
  }

  commitPartial(rel: string, meta: EntryMeta, choice: MetaChoice, check?: PartialCheck): Promise<void> {
    return attempt('commit', rel, () => this.partial(rel, 'commit', (p) => partial.commitPartial(p, rel, meta, choice, check)));
  }

  abortPartial(rel: string, owner?: string): Promise<void> {
    return attempt('remove partial', rel, () => this.partial(rel, 'remove partial', (p) => partial.abortPartial(p, owner)));
  }
}

/** name inside dir, as a path for fs (fs-path.ts); '' is dir itself (the root). Any other name must be one plain path part */
function join(dir: string, name: string): FsPath {
  if (name === '') return dir;
  checkName(name);
  return fsPath(dir + '/' + name);
}

/**
 * rm -r that counts what it removed and never follows symlinks: each directory is opened
 * with O_NOFOLLOW and its entries named through that descriptor, so a directory swapped
 * for a symlink during the removal is never entered. Names are read as bytes and kept
 * as bytes: every name goes, UTF-8 or not.
 */
function removeTree(dir: string, name: Buffer): number {
  const abs = Buffer.concat([Buffer.from(dir + '/'), name]);
  const st = fs.lstatSync(abs);
  // dir's own entry goes by a change of dir: made even where its owner made dir read-only
  if (!st.isDirectory()) { inOwnDir(dir, () => fs.unlinkSync(abs)); return 1; }
  let n = 0;
  const fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
  // a read-only directory of this process's own is opened before its entries go (as rm -rf
  // and rsync do), and its mode put back after: it matters only where something is kept
  const mode = st.mode & 0o7777;
  const open = (mode & 0o300) !== 0o300 && st.uid === process.geteuid?.();
  try {
    if (open) fs.fchmodSync(fd, mode | 0o300);
    const inside = fdPath(fd);
    for (const child of fs.readdirSync(inside, { encoding: 'buffer' })) n += removeTree(inside, child);
  } finally {
    try { if (open) fs.fchmodSync(fd, mode); } finally { fs.closeSync(fd); }
  }
  inOwnDir(dir, () => fs.rmdirSync(abs));
  return n + 1;
}
