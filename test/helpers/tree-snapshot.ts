// Records a tree's state so a test can prove an operation changed nothing (a dry run, a
// no-op re-run, a refused write). Access times are left out, since reading changes them.
import { isUtf8, linkTarget, sha256File, walkTree } from './tree-walk.js';
import type { EntryType } from './tree-walk.js';
import { formatNs } from './ns-time.js';

export interface SnapshotEntry {
  /** Relative path, '/'-separated, '.' for the root. */
  path: string;
  /** Hex of the path's bytes, only for names that are not valid UTF-8 (where `path` is lossy). */
  pathHex?: string;
  type: EntryType;
  size: number;
  /** Permission bits, mode & 0o7777. */
  mode: number;
  uid: number;
  gid: number;
  mtimeNs: bigint;
  ino: bigint;
  nlink: number;
  /** Allocated bytes (blocks * 512): shows a sparse file filled in. */
  allocated: number;
  rdev: number;
  /** Symlinks only: the link text, UTF-8 decoded (hex in `targetHex` when not UTF-8). */
  target?: string;
  targetHex?: string;
  /** Regular files only, when hashing is on. */
  sha256?: string;
  /** Only with `ctime: true`. */
  ctimeNs?: bigint;
}

export interface SnapshotOptions {
  /** Hash regular files. Default true. */
  hash?: boolean;
  /**
   * Record ctime too. Default false. ctime moves on any metadata call, even one that sets the same
   * value, so turn it on to prove that nothing at all was done to a file, not only that it looks the same.
   */
  ctime?: boolean;
  ignore?: (relPath: string, relBytes: Buffer) => boolean;
}

/** Entries in byte order of their paths, so two snapshots compare with deepStrictEqual. */
export function snapshotTree(root: string, opts: SnapshotOptions = {}): SnapshotEntry[] {
  const entries = walkTree(root, opts.ignore).sort((a, b) => Buffer.compare(a.rel, b.rel));
  return entries.map((e) => {
    const st = e.st;
    const s: SnapshotEntry = {
      path: e.path,
      type: e.type,
      size: Number(st.size),
      mode: Number(st.mode & 0o7777n),
      uid: Number(st.uid),
      gid: Number(st.gid),
      mtimeNs: st.mtimeNs,
      ino: st.ino,
      nlink: Number(st.nlink),
      allocated: Number(st.blocks * 512n),
      rdev: Number(st.rdev),
    };
    if (!isUtf8(e.rel)) s.pathHex = e.rel.toString('hex');
    if (e.type === 'symlink') {
      const t = linkTarget(e.abs);
      s.target = t.toString('utf8');
      if (!isUtf8(t)) s.targetHex = t.toString('hex');
    }
    if (e.type === 'file' && (opts.hash ?? true)) s.sha256 = sha256File(e.abs);
    if (opts.ctime) s.ctimeNs = st.ctimeNs;
    return s;
  });
}

function show(field: keyof SnapshotEntry, v: unknown): string {
  if (v === undefined) return 'none';
  if (field === 'mode' && typeof v === 'number') return v.toString(8).padStart(4, '0');
  if ((field === 'mtimeNs' || field === 'ctimeNs') && typeof v === 'bigint') return formatNs(v);
  if (typeof v === 'bigint' || typeof v === 'number') return v.toString();
  return JSON.stringify(v);
}

/** Human-readable differences between two snapshots of one tree; empty when equal. */
export function diffSnapshots(before: SnapshotEntry[], after: SnapshotEntry[]): string[] {
  const id = (e: SnapshotEntry): string => e.pathHex ?? `u:${e.path}`;
  const a = new Map(before.map((e) => [id(e), e]));
  const b = new Map(after.map((e) => [id(e), e]));
  const out: string[] = [];
  for (const [k, e] of a) if (!b.has(k)) out.push(`removed: ${JSON.stringify(e.path)} (${e.type})`);
  for (const [k, e] of b) if (!a.has(k)) out.push(`added: ${JSON.stringify(e.path)} (${e.type})`);
  for (const [k, x] of a) {
    const y = b.get(k);
    if (!y) continue;
    const fields = new Set([...Object.keys(x), ...Object.keys(y)]) as Set<keyof SnapshotEntry>;
    for (const f of fields) {
      if (x[f] !== y[f]) out.push(`changed ${f}: ${JSON.stringify(x.path)}: ${show(f, x[f])} -> ${show(f, y[f])}`);
    }
  }
  return out;
}
