// lstat of a posix path as a barge Entry (never follows symlinks).
import * as fs from 'node:fs';
import type { Entry, EntryType } from '../../core/entry.js';
import { native, SCAN_FIELDS, SCAN_XATTRS } from './native.js';
import type { ListOptions } from '../storage.js';
import { carriedSet, carriesAny, leftBehind } from '../../core/xattrs.js';
import { joinNs } from './ns-time.js';
import { type FsPath, nameOf } from './fs-path.js';

function typeOf(st: fs.BigIntStats): EntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  return 'device';
}

/** lstat `abs` as an entry named `name`; undefined if it does not exist (any more) */
export function lstatEntry(abs: FsPath, name: string): Entry | undefined {
  let st: fs.BigIntStats | undefined;
  try {
    st = fs.lstatSync(abs, { bigint: true, throwIfNoEntry: false });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined; // a name below a file
    throw e;
  }
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
    ctimeNs: st.ctimeNs,
  };
  if (type === 'file' && e.nlink > 1) e.linkKey = `${e.dev}:${st.ino >> 32n}:${st.ino & 0xffffffffn}`;
  if (type === 'symlink') e.linkTarget = nameOf(fs.readlinkSync(abs, { encoding: 'buffer' }));
  return e;
}

const S_IFMT_TYPES: Record<number, EntryType> = {
  0o100000: 'file', 0o040000: 'dir', 0o120000: 'symlink', 0o010000: 'fifo', 0o140000: 'socket',
  0o020000: 'device', 0o060000: 'device',
};

/**
 * Every entry of a directory, listed and lstat'ed in one native call; with opts.xattrs
 * each entry's carried xattrs too (calls of their own), with opts.markXattrs (and no
 * xattrs asked) the entries that have some are marked (one more syscall per entry, in
 * the same native call).
 */
export function scanEntries(abs: string, opts: ListOptions = {}): Entry[] {
  const kinds = carriesAny(opts.xattrs) ? opts.xattrs : undefined;
  const { names, stats: f, targets } = native.scanDir(abs, kinds === undefined && opts.markXattrs === true);
  const out = new Array<Entry>(names.length);
  for (let i = 0, o = 0; i < names.length; i++, o += SCAN_FIELDS) {
    const type = S_IFMT_TYPES[f[o] as number] ?? 'device';
    const e: Entry = {
      name: nameOf(names[i] as string | Buffer), type,
      size: f[o + 2] as number,
      mtimeNs: joinNs(f[o + 3] as number, f[o + 4] as number),
      mode: f[o + 1] as number,
      uid: f[o + 5] as number, gid: f[o + 6] as number,
      dev: f[o + 7] as number, ino: (f[o + 8] as number) * 4294967296 + (f[o + 9] as number), nlink: f[o + 10] as number,
      allocated: (f[o + 11] as number) * 512,
    };
    if (e.nlink > 1 && type === 'file') e.linkKey = `${e.dev}:${f[o + 8]}:${f[o + 9]}`;
    const t = targets[i];
    if (type === 'symlink' && t !== null && t !== undefined) e.linkTarget = nameOf(t);
    if (f[o + SCAN_XATTRS] === 1) e.xattrsNotCarried = true;
    if (kinds !== undefined) {
      const n = names[i] as string | Buffer;
      const all = native.getXattrs(typeof n === 'string' ? `${abs}/${n}` : Buffer.concat([Buffer.from(`${abs}/`), n]), false);
      e.xattrs = carriedSet(all, kinds);
      if (Object.keys(all).some((x) => leftBehind(x, kinds))) e.xattrsNotCarried = true;
    }
    out[i] = e;
  }
  return out;
}
