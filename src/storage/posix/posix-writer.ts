// Writing a posix file at explicit offsets, optionally leaving all-zero blocks as holes,
// and finishing it: owner, mode, nanosecond mtime, then the atomic rename.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyXattrs } from './posix-xattrs.js';
import type { CopyFrom, EntryMeta, FileReader, FileWriter, MetaChoice } from '../storage.js';
import { classifyError } from './classify-error.js';
import { closeDir } from './beneath.js';
import { native } from './native.js';
import { inOwnDir } from './owner-write.js';
import { openReader, posixFdOf } from './posix-reader.js';
import type { FsPath } from './fs-path.js';

const HOLE_BLOCK = 4096;
const ZEROS = Buffer.alloc(HOLE_BLOCK);

/**
 * Writes `bytes` at `position`. With `sparse`, runs of zero blocks are not written: in a
 * fresh file (`fresh`) they are holes already; elsewhere they are punched, since older
 * bytes may lie there (a retried or resumed chunk), or written where punching is not
 * supported.
 */
export function writeAt(fd: number, bytes: Buffer, position: number, sparse: boolean, fresh = false): void {
  if (!sparse) {
    writeFully(fd, bytes, 0, bytes.length, position);
    return;
  }
  // write the runs of blocks that hold data and punch the runs of zeros, which may
  // hold older bytes (a retried or resumed chunk); the file size is fixed at the end
  let run = -1;
  let runIsData = false;
  const flush = (end: number): void => {
    if (run < 0) return;
    if (runIsData) writeFully(fd, bytes, run, end - run, position + run);
    else if (!fresh) punchOrWrite(fd, bytes, run, end - run, position + run);
  };
  for (let o = 0; o < bytes.length; o += HOLE_BLOCK) {
    const end = Math.min(o + HOLE_BLOCK, bytes.length);
    const data = !(end - o === HOLE_BLOCK ? bytes.compare(ZEROS, 0, HOLE_BLOCK, o, end) === 0 : isZero(bytes, o, end));
    if (run >= 0 && data === runIsData) continue;
    flush(o);
    run = o;
    runIsData = data;
  }
  flush(bytes.length);
}

function punchOrWrite(fd: number, zeros: Buffer, offset: number, length: number, position: number): void {
  try {
    native.punchHole(fd, position, length);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EOPNOTSUPP') throw e;
    writeFully(fd, zeros, offset, length, position);
  }
}

function isZero(b: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

function writeFully(fd: number, bytes: Buffer, offset: number, length: number, position: number): void {
  let done = 0;
  while (done < length) done += fs.writeSync(fd, bytes, offset + done, length - done, position + done);
}

/** the parts after the first `n` bytes of them */
function after(parts: readonly Buffer[], n: number): Buffer[] {
  const out: Buffer[] = [];
  let skip = n;
  for (const p of parts) {
    if (skip >= p.length) { skip -= p.length; continue; }
    out.push(skip === 0 ? p : p.subarray(skip));
    skip = 0;
  }
  return out;
}

/** pwritev of every byte of `parts` on the thread pool: the event loop goes on while the kernel copies them */
function writeFullyDetached(fd: number, parts: readonly Buffer[], position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let left: readonly Buffer[] = parts;
    let at = position;
    const step = (e: NodeJS.ErrnoException | null, n: number): void => {
      if (e) { reject(e); return; }
      at += n;
      left = after(left, n);
      if (left.length === 0) resolve();
      else fs.writev(fd, left, at, step);
    };
    fs.writev(fd, left, at, step);
  });
}

/**
 * A writer's writeDetached onto fd: a sparse write stays on the calling thread (it looks
 * for zeros to leave out), any other goes to the thread pool.
 */
export function detachedWrite(fd: number, parts: readonly Buffer[], position: number, sparse: boolean, fresh: boolean, rel: string): Promise<void> {
  if (sparse) {
    try {
      let at = position;
      for (const p of parts) { writeAt(fd, p, at, true, fresh); at += p.length; }
      return Promise.resolve();
    } catch (e) { return Promise.reject(classifyError(e, 'write', rel)); }
  }
  return writeFullyDetached(fd, parts, position).catch((e: unknown) => { throw classifyError(e, 'write', rel); });
}

/** errors that mean "these two files cannot be copied between in the kernel" */
const NO_KERNEL_COPY = new Set(['EXDEV', 'EINVAL', 'EOPNOTSUPP', 'ENOTSUP', 'ENOSYS', 'EBADF']);

/**
 * copy_file_range from a posix reader's file into fd at the same position: the bytes
 * do not pass through this process (see copy_range.c for why that matters). Undefined
 * when it cannot: not a posix reader, sparse writing (zeros must be found to be left
 * out), or a pair of files the kernel will not copy between.
 */
function copyInKernel(from: FileReader, fd: number, position: number, length: number, sparse: boolean): number | undefined {
  const src = posixFdOf(from);
  if (src === undefined || sparse) return undefined;
  try {
    return native.copyFileRange(src, position, fd, position, length);
  } catch (e) {
    if (NO_KERNEL_COPY.has((e as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw e;
  }
}

/** a writer's copyFrom onto fd: copyInKernel, not asked again per block once it said it cannot */
export function kernelCopier(fd: () => number, sparse: boolean, rel: string): CopyFrom {
  let can = true;
  return (from, position, length) => {
    try {
      const n = can ? copyInKernel(from, fd(), position, length, sparse) : undefined;
      if (n === undefined) can = false;
      return Promise.resolve(n);
    } catch (e) {
      return Promise.reject(classifyError(e, 'write', rel));
    }
  };
}

export function applyMetaFd(fd: number, meta: EntryMeta, choice: MetaChoice): void {
  if (choice.fsync) fs.fdatasyncSync(fd);
  if (choice.owner) fs.fchownSync(fd, meta.uid, meta.gid); // before chmod: chown clears set-id bits
  // after chown, which clears security.capability; before chmod, see applyXattrs
  if (meta.xattrs) applyXattrs(fd, false, meta.xattrs);
  fs.fchmodSync(fd, meta.mode);
  native.futimens(fd, null, meta.mtimeNs);
}

/** Linux's O_TMPFILE (O_DIRECTORY is part of it); not in Node's fs.constants */
const O_TMPFILE = 0o20000000 | fs.constants.O_DIRECTORY;
/** errors that mean "this file system has no O_TMPFILE": use a temporary name instead */
const NO_TMPFILE = new Set(['EOPNOTSUPP', 'EISDIR', 'EINVAL', 'ENOTSUP']);

/**
 * A new file that becomes `finalAbs` on commit. Where the file system allows, it is an
 * unnamed O_TMPFILE inode given its name by linkat at commit: one directory change
 * instead of create + rename, and nothing to clean up after a crash. Otherwise (or when
 * a file is already there to replace) it is written under a temporary name and renamed.
 */
export class PosixFileWriter implements FileWriter {
  private fd: number;
  /** the end of the furthest write so far */
  private end = 0;
  private readonly copyInKernel: CopyFrom;

  constructor(private readonly tempAbs: FsPath, private readonly finalAbs: FsPath, private readonly rel: string,
    private readonly size: number, private readonly sparse: boolean, fd: number, private readonly unnamed: boolean,
    private dirFd = -1) {
    this.fd = fd;
    this.copyInKernel = kernelCopier(() => this.fd, sparse, rel);
  }

  /** dirFd: the directory's descriptor that dirAbs, tempAbs and finalAbs are named through; closed when the writer ends */
  static create(tempAbs: FsPath, finalAbs: FsPath, dirAbs: string, rel: string, size: number, sparse: boolean, replaces: boolean, dirFd = -1): PosixFileWriter {
    if (!replaces) {
      try {
        return new PosixFileWriter(tempAbs, finalAbs, rel, size, sparse, fs.openSync(dirAbs, O_TMPFILE | fs.constants.O_WRONLY, 0o600), true, dirFd);
      } catch (e) {
        if (!NO_TMPFILE.has((e as NodeJS.ErrnoException).code ?? '')) throw classifyError(e, 'create file', rel);
      }
    }
    try {
      const fd = fs.openSync(tempAbs, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
      return new PosixFileWriter(tempAbs, finalAbs, rel, size, sparse, fd, false, dirFd);
    } catch (e) {
      throw classifyError(e, 'create temporary file', rel);
    }
  }

  write(bytes: Buffer, position: number): Promise<void> {
    try {
      // below the high-water mark earlier bytes may lie; above it the new file is all hole
      writeAt(this.fd, bytes, position, this.sparse, position >= this.end);
      this.end = Math.max(this.end, position + bytes.length);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(classifyError(e, 'write', this.rel));
    }
  }

  writeDetached(parts: readonly Buffer[], position: number): Promise<void> {
    const fresh = position >= this.end;
    let length = 0;
    for (const p of parts) length += p.length;
    this.end = Math.max(this.end, position + length);
    return detachedWrite(this.fd, parts, position, this.sparse, fresh, this.rel);
  }

  async copyFrom(from: FileReader, position: number, length: number): Promise<number | undefined> {
    const n = await this.copyInKernel(from, position, length);
    if (n !== undefined) this.end = Math.max(this.end, position + n);
    return n;
  }

  readBack(): Promise<FileReader> {
    try {
      if (this.sparse && this.size > 0) fs.ftruncateSync(this.fd, this.size);
      return Promise.resolve(openReader(this.unnamed ? `/proc/self/fd/${this.fd}` : this.tempAbs, this.rel, !this.unnamed));
    } catch (e) {
      return Promise.reject(classifyError(e, 'read back', this.rel));
    }
  }

  commit(meta: EntryMeta, choice: MetaChoice): Promise<void> {
    try {
      if (this.sparse && this.size > 0) fs.ftruncateSync(this.fd, this.size);
      applyMetaFd(this.fd, meta, choice);
      if (this.unnamed) inOwnDir(this.dirAbs, () => this.linkUnnamed());
      fs.closeSync(this.fd);
      this.fd = -1;
      if (!this.unnamed) inOwnDir(this.dirAbs, () => fs.renameSync(this.tempAbs, this.finalAbs));
      this.closeDir();
      return Promise.resolve();
    } catch (e) {
      const err = classifyError(e, 'commit', this.rel);
      this.cleanup();
      return Promise.reject(err);
    }
  }

  /** name the O_TMPFILE inode; if the final name appeared meanwhile, replace it atomically */
  private linkUnnamed(): void {
    try {
      native.linkFd(this.fd, this.finalAbs);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      native.linkFd(this.fd, this.tempAbs);
      try { fs.renameSync(this.tempAbs, this.finalAbs); } catch (r) { fs.rmSync(this.tempAbs, { force: true }); throw r; }
    }
  }

  abort(): Promise<void> {
    this.cleanup();
    return Promise.resolve();
  }

  private cleanup(): void {
    if (this.fd >= 0) { try { fs.closeSync(this.fd); } catch { /* already closed */ } this.fd = -1; }
    if (!this.unnamed) { try { inOwnDir(this.dirAbs, () => fs.unlinkSync(this.tempAbs)); } catch { /* never created or gone */ } }
    this.closeDir();
  }

  /** the directory the names are in (a descriptor's /proc path, as the names are given) */
  private get dirAbs(): FsPath {
    const p = this.finalAbs;
    if (typeof p === 'string') return path.dirname(p);
    const slash = p.lastIndexOf(0x2f);
    return slash <= 0 ? '/' : p.subarray(0, slash);
  }

  private closeDir(): void {
    if (this.dirFd >= 0) { closeDir(this.dirFd); this.dirFd = -1; }
  }
}
