// An independent listing of a tree, to compare two copies of one source made by two tools
// (rsync's and barge's, in test/rsync-differential.test.ts). Only node: built-ins, no barge
// code: what it reads is what the kernel says. Names are walked as bytes, so names that are
// not UTF-8 are listed exactly. Each attribute is one entry of FIELDS below; xattrs and ACLs
// are added there (one reader each) and every comparison picks them up.
import { walkTree, linkTarget, sha256File, showPath, type WalkedEntry, type EntryType } from './tree-walk.js';
import { formatNs } from './ns-time.js';

export interface ListedEntry {
  /** path relative to the root as bytes ('' for the root) */
  rel: Buffer;
  /** quoted for messages ('"."' for the root) */
  shown: string;
  type: EntryType;
  /** field name -> value as text; a field that does not apply to the type is absent */
  values: Map<string, string>;
}

/** the entries by lossless key (one char per byte of the relative path) */
export type Listing = Map<string, ListedEntry>;

export interface ListingOptions {
  /** record allocated bytes of regular files (for sparse copies). Default false. */
  allocation?: boolean;
  /** leave out paths (and, for a directory, all below it) */
  ignore?: (relPath: string, relBytes: Buffer) => boolean;
}

interface Field {
  name: string;
  /** the value for one entry, or undefined when the field does not apply */
  read: (e: WalkedEntry, ctx: { links: Map<string, string>; opts: ListingOptions }) => string | undefined;
  /** for fields compared loosely; default: equal text */
  same?: (a: string, b: string) => boolean;
}

/** allocations within this of each other count as the same: file systems round and preallocate */
export const ALLOCATION_SLACK = 128 * 1024;

const isDevice = (t: EntryType): boolean => t === 'block' || t === 'char';

/** What is listed, in the order differences are shown. xattrs and ACLs go here. */
const FIELDS: Field[] = [
  { name: 'mode', read: (e) => (e.type === 'symlink' ? undefined : (e.st.mode & 0o7777n).toString(8).padStart(4, '0')) },
  { name: 'owner', read: (e) => `${e.st.uid}:${e.st.gid}` },
  { name: 'size', read: (e) => (e.type === 'file' || e.type === 'symlink' ? e.st.size.toString() : undefined) },
  { name: 'mtime', read: (e) => formatNs(e.st.mtimeNs) },
  { name: 'target', read: (e) => (e.type === 'symlink' ? showPath(linkTarget(e.abs)) : undefined) },
  { name: 'sha256', read: (e) => (e.type === 'file' ? sha256File(e.abs) : undefined) },
  { name: 'rdev', read: (e) => (isDevice(e.type) ? `${e.st.rdev}` : undefined) },
  { name: 'links', read: (e, ctx) => ctx.links.get(e.key) },
  {
    name: 'allocated',
    read: (e, ctx) => (ctx.opts.allocation && e.type === 'file' ? (e.st.blocks * 512n).toString() : undefined),
    same: (a, b) => Math.abs(Number(a) - Number(b)) <= ALLOCATION_SLACK,
  },
];

/**
 * Hard-link groups as relative paths: for each name on an inode that has other names in the
 * tree, the group's names (byte order), so that two listings compare by name, not inode number.
 */
function linkGroups(entries: WalkedEntry[]): Map<string, string> {
  const byInode = new Map<string, WalkedEntry[]>();
  for (const e of entries) {
    if (e.type === 'dir' || e.st.nlink < 2n) continue;
    const id = `${e.st.dev}:${e.st.ino}`;
    byInode.set(id, [...(byInode.get(id) ?? []), e]);
  }
  const out = new Map<string, string>();
  for (const group of byInode.values()) {
    if (group.length < 2) continue;
    const names = group.map((e) => e.rel).sort((x, y) => Buffer.compare(x, y)).map(showPath).join(' = ');
    for (const e of group) out.set(e.key, names);
  }
  return out;
}

export function listTree(root: string, opts: ListingOptions = {}): Listing {
  const entries = walkTree(root, opts.ignore);
  const ctx = { links: linkGroups(entries), opts };
  const out: Listing = new Map();
  for (const e of entries) {
    const values = new Map<string, string>();
    for (const f of FIELDS) {
      const v = f.read(e, ctx);
      if (v !== undefined) values.set(f.name, v);
    }
    out.set(e.key, { rel: e.rel, shown: showPath(e.rel), type: e.type, values });
  }
  return out;
}

export interface Difference {
  /** lossless key of the path (see Listing) */
  key: string;
  shown: string;
  /** 'missing' (only in the first listing), 'extra' (only in the second), 'type' or a field name */
  field: string;
  line: string;
}

function presence(side: 'missing' | 'extra', e: ListedEntry, names: [string, string]): Difference {
  const where = side === 'missing' ? `only in ${names[0]}` : `only in ${names[1]}`;
  return { key: e.rel.toString('latin1'), shown: e.shown, field: side, line: `${where}: ${e.shown} (${e.type})` };
}

/**
 * Every way listing `b` differs from the reference `a`, one readable line each, paths in byte
 * order. Below a path that is missing, extra or of another type nothing more is reported.
 */
export function compareListings(a: Listing, b: Listing, names: [string, string] = ['a', 'b']): Difference[] {
  const keys = [...new Set([...a.keys(), ...b.keys()])]
    .sort((x, y) => Buffer.compare(Buffer.from(x, 'latin1'), Buffer.from(y, 'latin1')));
  const out: Difference[] = [];
  const cut: string[] = [];
  const under = (key: string): boolean => cut.some((c) => key.startsWith(`${c}/`));
  for (const key of keys) {
    if (under(key)) continue;
    const x = a.get(key);
    const y = b.get(key);
    if (!x || !y) {
      out.push(presence(x ? 'missing' : 'extra', (x ?? y)!, names));
      cut.push(key);
      continue;
    }
    if (x.type !== y.type) {
      out.push({ key, shown: x.shown, field: 'type', line: `type: ${x.shown}: ${names[0]} ${x.type}, ${names[1]} ${y.type}` });
      cut.push(key);
      continue;
    }
    for (const f of FIELDS) {
      const u = x.values.get(f.name);
      const v = y.values.get(f.name);
      const same = u === v || (u !== undefined && v !== undefined && f.same !== undefined && f.same(u, v));
      if (!same) {
        out.push({ key, shown: x.shown, field: f.name, line: `${f.name}: ${x.shown} (${x.type}): ${names[0]} ${u ?? 'none'}, ${names[1]} ${v ?? 'none'}` });
      }
    }
  }
  return out;
}
