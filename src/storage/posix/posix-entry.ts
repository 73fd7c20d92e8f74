// lstat of a posix path as a barge Entry (never follows symlinks).
import * as fs from 'node:fs';
import type { Entry, EntryType } from '../../core/entry.js';

function typeOf(st: fs.BigIntStats): EntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  return 'device';
}

/** lstat `abs` as an entry named `name`; undefined if it does not exist (any more) */
export function lstatEntry(abs: string, name: string): Entry | undefined {
  const st = fs.lstatSync(abs, { bigint: true, throwIfNoEntry: false });
  if (!st) return undefined;
  const type = typeOf(st);
  const e: Entry = {
    name, type,
    size: Number(st.size),
    mtimeNs: st.mtimeNs,
    mode: Number(st.mode) & 0o7777,
    uid: Number(st.uid), gid: Number(st.gid),
    dev: Number(st.dev), ino: Number(st.ino), nlink: Number(st.nlink),
    allocated: Number(st.blocks) * 512,
  };
  if (type === 'symlink') e.linkTarget = fs.readlinkSync(abs);
  return e;
}
