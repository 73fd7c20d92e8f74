// Test oracle: lists every way two trees differ, using only node: built-ins so that it
// shares no code (and so no bugs) with barge. An empty list means "identical".
import { isSpecial, linkTarget, sha256File, showPath, walkTree, type EntryType, type WalkedEntry } from './tree-walk.js';
import { formatNs } from './ns-time.js';

export { snapshotTree, diffSnapshots, type SnapshotEntry, type SnapshotOptions } from './tree-snapshot.js';
export type { EntryType } from './tree-walk.js';

export interface DiffOptions {
  /** Paths (relative, '/'-separated) to leave out on both sides; an ignored directory is not entered. */
  ignore?: (relPath: string, relBytes: Buffer) => boolean;
  /** fifos, sockets and devices in src must be ABSENT in dst (barge reports and skips them). Default true. */
  specialFilesInSrcSkipped?: boolean;
  /** Compare file contents by SHA-256 when sizes match. Default true. */
  content?: boolean;
  /** Compare permission bits (mode & 0o7777; never for symlinks, whose mode Linux fixes). Default true. */
  mode?: boolean;
  /** Compare uid/gid. Default: on when running as root (only root can set them). */
  owner?: boolean;
  /** Compare mtimes at all. Default true. */
  mtime?: boolean;
  /** Compare mtimes after flooring both to this many ns (e.g. 1000n for µs file systems). Default 1n. */
  mtimeResolutionNs?: bigint | number;
  /** Compare directory mtimes. Default true. */
  dirMtimes?: boolean;
  /** Compare the mtime of the roots themselves. Default false: many tools leave DST's own time alone. */
  rootMtime?: boolean;
  /** Compare symlink mtimes (lutimes). Default true. */
  symlinkMtimes?: boolean;
  /** Names sharing an inode in src must share one in dst. Default false (barge preserves hard links behind a flag). */
  hardLinks?: boolean;
  /**
   * Allow dst to put names on one inode that src keeps apart. Default false: such names alias each other,
   * so writing one rewrites the other, whatever the flags.
   */
  allowJoinedInDst?: boolean;
  /** dst files must not allocate more than src's allocation plus `sparseSlackBytes`. Default false. */
  sparse?: boolean;
  /** Default 65536: room for a file system's preallocation and block rounding. */
  sparseSlackBytes?: number;
}

type Side = Map<string, WalkedEntry>;

function byKey(entries: WalkedEntry[]): Side {
  return new Map(entries.map((e) => [e.key, e]));
}

function parentKey(key: string): string {
  const i = key.lastIndexOf('/');
  return i < 0 ? '' : key.slice(0, i);
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

function octal(mode: bigint): string {
  return (mode & 0o7777n).toString(8).padStart(4, '0');
}

/** Counts the entries below `key` in one side, to fold a missing or extra subtree into one message. */
function countBelow(side: Side, key: string): number {
  const prefix = key === '' ? '' : `${key}/`;
  let n = 0;
  for (const k of side.keys()) if (k !== key && k.startsWith(prefix)) n++;
  return n;
}

function describeSubtree(side: Side, e: WalkedEntry): string {
  if (e.type !== 'dir') return e.type;
  const below = countBelow(side, e.key);
  return below === 0 ? 'dir' : `dir, and ${below} ${below === 1 ? 'entry' : 'entries'} below`;
}

export function diffTrees(src: string, dst: string, opts: DiffOptions = {}): string[] {
  const o = {
    specialFilesInSrcSkipped: opts.specialFilesInSrcSkipped ?? true,
    content: opts.content ?? true,
    mode: opts.mode ?? true,
    owner: opts.owner ?? (process.getuid?.() === 0),
    mtime: opts.mtime ?? true,
    res: BigInt(opts.mtimeResolutionNs ?? 1n),
    dirMtimes: opts.dirMtimes ?? true,
    rootMtime: opts.rootMtime ?? false,
    symlinkMtimes: opts.symlinkMtimes ?? true,
    hardLinks: opts.hardLinks ?? false,
    allowJoinedInDst: opts.allowJoinedInDst ?? false,
    sparse: opts.sparse ?? false,
    slack: BigInt(opts.sparseSlackBytes ?? 65536),
  };
  if (o.res <= 0n) throw new Error('diffTrees: mtimeResolutionNs must be positive');
  const s = byKey(walkTree(src, opts.ignore));
  let dstEntries: WalkedEntry[];
  try {
    dstEntries = walkTree(dst, opts.ignore);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [`dst root does not exist: ${dst}`];
    throw err;
  }
  const d = byKey(dstEntries);
  const out: string[] = [];
  // keys whose subtree was already explained by one message (missing dir, type clash)
  const folded = new Set<string>();
  const isFolded = (key: string): boolean => key !== '' && folded.has(parentKey(key));
  const compared: Array<[WalkedEntry, WalkedEntry]> = [];

  const keys = [...new Set([...s.keys(), ...d.keys()])].sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')));
  for (const key of keys) {
    const a = s.get(key);
    const b = d.get(key);
    if (isFolded(key)) {
      folded.add(key);
      continue;
    }
    if (a && o.specialFilesInSrcSkipped && isSpecial(a.type)) {
      if (b) out.push(`present in dst, but src has a ${a.type} there, which must be skipped: ${showPath(b.rel)} (dst ${describeSubtree(d, b)})`);
      if (b) folded.add(key);
      continue;
    }
    if (a && !b) {
      out.push(`missing in dst: ${showPath(a.rel)} (${describeSubtree(s, a)})`);
      folded.add(key);
      continue;
    }
    if (b && !a) {
      out.push(`extra in dst: ${showPath(b.rel)} (${describeSubtree(d, b)})`);
      folded.add(key);
      continue;
    }
    if (!a || !b) continue;
    if (a.type !== b.type) {
      out.push(`type differs: ${showPath(a.rel)}: src ${describeSubtree(s, a)}, dst ${describeSubtree(d, b)}`);
      folded.add(key);
      continue;
    }
    compareEntry(a, b, o, out);
    compared.push([a, b]);
  }
  checkHardLinks(compared, o, out);
  return out;
}

interface Resolved {
  content: boolean; mode: boolean; owner: boolean; mtime: boolean; res: bigint; dirMtimes: boolean; rootMtime: boolean;
  symlinkMtimes: boolean; hardLinks: boolean; allowJoinedInDst: boolean; sparse: boolean; slack: bigint;
}

function mtimeCompared(type: EntryType, isRoot: boolean, o: Resolved): boolean {
  if (!o.mtime) return false;
  if (isRoot) return o.rootMtime;
  if (type === 'dir') return o.dirMtimes;
  if (type === 'symlink') return o.symlinkMtimes;
  return true;
}

function compareEntry(a: WalkedEntry, b: WalkedEntry, o: Resolved, out: string[]): void {
  const p = showPath(a.rel);
  const x = a.st;
  const y = b.st;
  if (a.type !== 'dir' && x.dev === y.dev && x.ino === y.ino) {
    out.push(`dst is the same inode as src (not a copy): ${p}`);
  }
  if (a.type === 'file') {
    if (x.size !== y.size) out.push(`size differs: ${p}: src ${x.size}, dst ${y.size}`);
    else if (o.content) {
      const hs = sha256File(a.abs);
      const hd = sha256File(b.abs);
      if (hs !== hd) out.push(`content differs: ${p}: sha256 src ${hs.slice(0, 16)}…, dst ${hd.slice(0, 16)}…`);
    }
    if (o.sparse && y.blocks * 512n > x.blocks * 512n + o.slack) {
      out.push(`not sparse: ${p}: dst allocates ${y.blocks * 512n} bytes, src ${x.blocks * 512n} (slack ${o.slack})`);
    }
  }
  if (a.type === 'symlink') {
    const ts = linkTarget(a.abs);
    const td = linkTarget(b.abs);
    if (!ts.equals(td)) out.push(`symlink target differs: ${p}: src ${showPath(ts)}, dst ${showPath(td)}`);
  }
  if ((a.type === 'block' || a.type === 'char') && x.rdev !== y.rdev) {
    out.push(`device number differs: ${p}: src ${x.rdev}, dst ${y.rdev}`);
  }
  if (o.mode && a.type !== 'symlink' && (x.mode & 0o7777n) !== (y.mode & 0o7777n)) {
    out.push(`mode differs: ${p} (${a.type}): src ${octal(x.mode)}, dst ${octal(y.mode)}`);
  }
  if (o.owner && (x.uid !== y.uid || x.gid !== y.gid)) {
    out.push(`owner differs: ${p} (${a.type}): src ${x.uid}:${x.gid}, dst ${y.uid}:${y.gid}`);
  }
  if (mtimeCompared(a.type, a.key === '', o) && floorDiv(x.mtimeNs, o.res) !== floorDiv(y.mtimeNs, o.res)) {
    out.push(`mtime differs: ${p} (${a.type}): src ${formatNs(x.mtimeNs)}, dst ${formatNs(y.mtimeNs)}`);
  }
}

function groupByInode(pairs: Array<[WalkedEntry, WalkedEntry]>, side: 0 | 1): Map<string, Array<[WalkedEntry, WalkedEntry]>> {
  const groups = new Map<string, Array<[WalkedEntry, WalkedEntry]>>();
  for (const pair of pairs) {
    const st = pair[side].st;
    if (st.nlink < 2n) continue;
    const id = `${st.dev}:${st.ino}`;
    const g = groups.get(id);
    if (g) g.push(pair);
    else groups.set(id, [pair]);
  }
  return groups;
}

function checkHardLinks(compared: Array<[WalkedEntry, WalkedEntry]>, o: Resolved, out: string[]): void {
  // directories cannot be hard links; the root is compared but never grouped
  const pairs = compared.filter(([a]) => a.type !== 'dir');
  const inodes = (g: Array<[WalkedEntry, WalkedEntry]>, side: 0 | 1): number =>
    new Set(g.map((pair) => `${pair[side].st.dev}:${pair[side].st.ino}`)).size;
  const names = (g: Array<[WalkedEntry, WalkedEntry]>): string => g.map(([a]) => showPath(a.rel)).join(', ');
  if (o.hardLinks) {
    for (const g of groupByInode(pairs, 0).values()) {
      if (g.length > 1 && inodes(g, 1) > 1) {
        out.push(`hard-link group split in dst: ${names(g)} (one inode in src, ${inodes(g, 1)} in dst)`);
      }
    }
  }
  if (!o.allowJoinedInDst) {
    for (const g of groupByInode(pairs, 1).values()) {
      if (g.length > 1 && inodes(g, 0) > 1) {
        out.push(`dst hard-links names that are separate in src: ${names(g)} (${inodes(g, 0)} inodes in src, one in dst)`);
      }
    }
  }
}
