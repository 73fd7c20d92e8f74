// Extended attributes and POSIX ACLs as barge carries them (-X / -A, rsync's meaning).
// On Linux a POSIX ACL is stored as the xattrs system.posix_acl_access (a file's or
// directory's ACL) and system.posix_acl_default (a directory's default ACL), in the
// kernel's own binary form: carrying exactly those two is what rsync -A keeps on Linux
// (it converts through libacl, which reads and writes the same xattrs). Every other
// system.* name is the file system's own (system.data, system.nfs4_acl, ...) and, as
// with rsync -X, is never carried. trusted.* is visible to root only.

/** which kinds a run carries: ACLs (-A) and the other xattrs (-X) */
export interface XattrKinds {
  acls: boolean;
  xattrs: boolean;
  /**
   * -X carries user.* only: a run that is not root's, as rsync does then (security.* and
   * trusted.* need privileges to set, and trusted.* to read)
   */
  userOnly?: boolean;
}

/**
 * The xattrs of one entry that a run carries, by name, and the kinds carried: at the
 * destination a name of a carried kind that is not here is removed, the others are left.
 */
export interface XattrSet {
  kinds: XattrKinds;
  /** values are Uint8Arrays, not Buffers: entries cross worker threads by structured clone, which gives Uint8Arrays */
  values: Record<string, Uint8Array>;
}

export const ACL_XATTRS: readonly string[] = ['system.posix_acl_access', 'system.posix_acl_default'];

/** whether a run carrying `kinds` carries the xattr `name` */
export function carriesXattr(name: string, kinds: XattrKinds): boolean {
  if (ACL_XATTRS.includes(name)) return kinds.acls;
  if (name.startsWith('system.')) return false;
  return kinds.xattrs && (kinds.userOnly !== true || name.startsWith('user.'));
}

export function carriesAny(kinds: XattrKinds | undefined): kinds is XattrKinds {
  return kinds !== undefined && (kinds.acls || kinds.xattrs);
}

/** the carried ones among all of an entry's xattrs */
export function carriedSet(all: Record<string, Uint8Array>, kinds: XattrKinds): XattrSet {
  const values = Object.create(null) as Record<string, Uint8Array>;
  for (const name of Object.keys(all).sort()) if (carriesXattr(name, kinds)) values[name] = all[name] as Uint8Array;
  return { kinds, values };
}

/** equal names and values (both as carried sets); an absent set is an empty one */
export function sameXattrs(a: XattrSet | undefined, b: XattrSet | undefined): boolean {
  const av = a?.values ?? {};
  const bv = b?.values ?? {};
  const an = Object.keys(av);
  if (an.length !== Object.keys(bv).length) return false;
  for (const n of an) {
    const x = av[n] as Uint8Array;
    const y = bv[n];
    if (y === undefined || !sameBytes(x, y)) return false;
  }
  return true;
}

/** what to do to `have` (all of the destination's xattrs) to make its carried ones `want`'s */
export function xattrChanges(have: Record<string, Uint8Array>, want: XattrSet): { set: [string, Uint8Array][]; remove: string[] } {
  const set: [string, Uint8Array][] = [];
  const remove: string[] = [];
  for (const n of Object.keys(have)) if (carriesXattr(n, want.kinds) && want.values[n] === undefined) remove.push(n);
  for (const [n, v] of Object.entries(want.values)) {
    const h = have[n];
    if (h === undefined || !sameBytes(h, v)) set.push([n, v]);
  }
  return { set, remove };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** the kinds a run's -A / -X carry; undefined when it carries none. root: the run is root's */
export function xattrKindsOf(o: { acls: boolean; xattrs: boolean }, root: boolean): XattrKinds | undefined {
  if (!o.acls && !o.xattrs) return undefined;
  return root ? { acls: o.acls, xattrs: o.xattrs } : { acls: o.acls, xattrs: o.xattrs, userOnly: true };
}

/** a name that -A or -X would carry but `kinds` does not: one a run leaves behind */
export function leftBehind(name: string, kinds: XattrKinds): boolean {
  return carriesXattr(name, { acls: true, xattrs: true }) && !carriesXattr(name, kinds);
}
