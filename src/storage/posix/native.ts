// The native addon (src/native/barge_native.c): nanosecond-exact file times.
import { createRequire } from 'node:module';
import type { FsPath } from './fs-path.js';

export interface NativeScan {
  /** a Buffer where the name is not valid UTF-8 (fs-path.ts nameOf decodes it) */
  names: (string | Buffer)[];
  /** SCAN_FIELDS numbers per entry, see barge_native.c */
  stats: Float64Array;
  targets: (string | Buffer | null)[];
}

export const SCAN_FIELDS = 14;
/** the index of F_XATTRS in an entry's SCAN_FIELDS */
export const SCAN_XATTRS = 13;
/** see small_files.c */
export const READ_FIELDS = 6;
export const WRITE_FIELDS = 7;

interface NativeBinding {
  /** markXattrs: fill each entry's F_XATTRS (one llistxattr per entry) */
  scanDir(path: FsPath, markXattrs: boolean): NativeScan;
  /** all of a file's xattrs (xattrs.c): by descriptor, or by path (follow: a final symlink is followed) */
  getXattrs(target: number | FsPath, follow: boolean): Record<string, Buffer>;
  setXattr(target: number | FsPath, follow: boolean, name: string, value: Buffer): void;
  removeXattr(target: number | FsPath, follow: boolean, name: string): void;
  punchHole(fd: number, offset: number, length: number): void;
  linkFd(fd: number, path: FsPath): void;
  /** fcntl(F_DUPFD_CLOEXEC): a second descriptor of fd's open file */
  dupFd(fd: number): number;
  readSmall(path: FsPath, buf: Buffer): [length: number, size: number, mtimeSec: number, mtimeNsec: number];
  writeSmall(dir: FsPath, path: FsPath, buf: Buffer, length: number, mode: number, uid: number, gid: number,
    mtimeSec: number, mtimeNsec: number, flags: number): void;
  /** out: READ_FIELDS numbers per file (errno, offset, length, size, mtimeSec, mtimeNsec); errno -1: not tried */
  readFiles(dir: FsPath, followDir: boolean, names: FsPath[], sizes: Float64Array, buf: Buffer, out: Float64Array): void;
  /** items: WRITE_FIELDS numbers per file (offset, length, mode, uid, gid, mtimeSec, mtimeNsec); out: errno per file, 0 done, -1 not tried */
  writeFiles(dir: FsPath, followDir: boolean, names: FsPath[], buf: Buffer, items: Float64Array, flags: number, out: Int32Array): void;
  /** copy_file_range until `length` or the source's end; returns the bytes copied */
  copyFileRange(srcFd: number, srcPos: number, dstFd: number, dstPos: number, length: number): number;
  /** posix_fadvise(DONTNEED): 0, or its errno; only clean pages wholly inside the range go */
  dropCache(fd: number, offset: number, length: number): number;
  /** preadv2(RWF_NOWAIT): the bytes read (0 at the end), -1 when they are not all cached; throws EOPNOTSUPP where unsupported */
  readCached(fd: number, buf: Buffer, length: number, position: number): number;
  futimens(fd: number, atimeNs: bigint | null, mtimeNs: bigint): void;
  lutimens(path: FsPath, atimeNs: bigint | null, mtimeNs: bigint): void;
  /** a descriptor of root/rel, a directory reached without following a symlink below root (beneath.c); ELOOP if one is met */
  openDirBeneath(root: FsPath, rel: FsPath, forceWalk: boolean): number;
  /** closes a descriptor openDirBeneath gave */
  closeFd(fd: number): void;
  /** whether openat2 is in use (false once the kernel said ENOSYS) */
  hasOpenat2(): boolean;
}

const require = createRequire(import.meta.url);
// dist/src/storage/posix -> package root
export const native = require('../../../../build/Release/barge_native.node') as NativeBinding;
