// What a run's listings read besides each entry's lstat: the carried xattrs with -A / -X,
// and on the source a mark on entries whose xattrs are left behind (for the summary).
import type { SyncOptions } from '../core/sync-options.js';
import { xattrKindsOf } from '../core/xattrs.js';
import type { ListOptions } from '../storage/storage.js';

/** a run that is not root's carries user.* xattrs only, as rsync -X does */
const isRoot = process.getuid?.() === 0;

export function dstListOptions(o: SyncOptions): ListOptions {
  const kinds = xattrKindsOf(o, isRoot);
  return kinds === undefined ? {} : { xattrs: kinds };
}

export function srcListOptions(o: SyncOptions): ListOptions {
  const kinds = xattrKindsOf(o, isRoot);
  return kinds === undefined ? { markXattrs: true } : { xattrs: kinds };
}
