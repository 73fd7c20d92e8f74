// Entry: what a storage listing says about one name in a directory.
import type { XattrSet } from './xattrs.js';

export type EntryType = 'file' | 'dir' | 'symlink' | 'fifo' | 'socket' | 'device';

export interface Entry {
  name: string;
  type: EntryType;
  size: number;
  /** modification time, nanoseconds since the epoch (negative before 1970) */
  mtimeNs: bigint;
  /** permission bits and set-id/sticky bits (mode & 0o7777) */
  mode: number;
  uid: number;
  gid: number;
  /** device and inode; `ino` may be rounded above 2^53, `linkKey` never is */
  dev: number;
  ino: number;
  nlink: number;
  /** exact device:inode of a file with other names (nlink > 1): the key of its hard-link group */
  linkKey?: string;
  /** allocated bytes (blocks * 512), tells sparse files apart */
  allocated: number;
  /** target text of a symlink */
  linkTarget?: string;
  /**
   * status change time, ns: set by a storage's stat of one file where it has one (not by
   * listings). A write changes it, and no one can set it back, unlike the mtime.
   */
  ctimeNs?: bigint;
  /** the xattrs a run carries (-A / -X): set by a listing or stat asked for them */
  xattrs?: XattrSet;
  /** a listing not asked for xattrs saw some that -A or -X would carry (where it can tell cheaply) */
  xattrsNotCarried?: true;
}

export function isSpecial(t: EntryType): boolean {
  return t === 'fifo' || t === 'socket' || t === 'device';
}

/** Join a relative directory path and a name; the root is ''. */
export function joinRel(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

export function depthOf(rel: string): number {
  if (rel === '') return 0;
  let d = 1;
  for (let i = 0; i < rel.length; i++) if (rel.charCodeAt(i) === 47) d++;
  return d;
}
